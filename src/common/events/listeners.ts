/**
 * Who is told of events they only observe (metrics). A listener that throws is skipped: the
 * event has happened (a batch committed, a query answered), and must not read as failed.
 */
export class Listeners<E> {
  private readonly listeners: ((event: E) => void)[] = [];

  add(listener: (event: E) => void): void {
    this.listeners.push(listener);
  }

  /** Tells every listener, in the order they were added. */
  emit(event: E): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // An observer's failure is not the event's.
      }
    }
  }
}
