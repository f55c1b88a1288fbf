/**
 * Something that happens once (a decision's deadline passing), for code that waits and must
 * stop waiting then. An AbortSignal does that too, but Node 20 builds each one as an EventTarget:
 * a decision's AbortController, its listener and setMaxListeners took 5 us, measured, on a
 * request path where most queries never listen (the built-in sandbox answers at once).
 */
export interface Alarm {
  readonly rung: boolean;
  /** Calls `listener` once when the alarm rings, never if it has rung already; returns its removal. */
  onRing(listener: () => void): () => void;
}

/** An alarm its owner rings (from a timer of its own). */
export class AlarmBell implements Alarm {
  /** Undefined once rung. A handful at most: one per signal query in flight. */
  private listeners: (() => void)[] | undefined = [];

  get rung(): boolean {
    return this.listeners === undefined;
  }

  onRing(listener: () => void): () => void {
    const listeners = this.listeners;
    if (!listeners) return () => undefined;
    listeners.push(listener);
    return () => {
      const at = listeners.indexOf(listener);
      if (at >= 0) listeners.splice(at, 1);
    };
  }

  /** Rings once: later calls do nothing. */
  ring(): void {
    const listeners = this.listeners;
    this.listeners = undefined;
    for (const listener of listeners ?? []) listener();
  }
}

/** The alarm that rings when `signal` aborts, for callers that hold an AbortSignal. */
export function alarmOf(signal: AbortSignal): Alarm {
  return {
    get rung() {
      return signal.aborted;
    },
    onRing(listener) {
      if (signal.aborted) return () => undefined;
      // No `once`: an AbortSignal aborts once, and the removal takes the listener off either way.
      signal.addEventListener('abort', listener);
      return () => signal.removeEventListener('abort', listener);
    },
  };
}

/** An AbortSignal that aborts when `alarm` rings (aborted already if it has): for code that needs a real one (fetch). */
export function abortSignalOf(alarm: Alarm): AbortSignal {
  const controller = new AbortController();
  if (alarm.rung) controller.abort();
  else alarm.onRing(() => controller.abort());
  return controller.signal;
}
