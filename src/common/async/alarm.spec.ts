import { getEventListeners } from 'node:events';
import { abortSignalOf, alarmOf, AlarmBell } from './alarm';

describe('AlarmBell', () => {
  it('calls each listener once when it rings, in the order they came, and is rung from then on', () => {
    const bell = new AlarmBell();
    const heard: string[] = [];
    bell.onRing(() => heard.push('a'));
    bell.onRing(() => heard.push('b'));
    expect(bell.rung).toBe(false);
    bell.ring();
    bell.ring();
    expect(heard).toEqual(['a', 'b']);
    expect(bell.rung).toBe(true);
  });

  it('never calls a listener removed before it rings, and still calls the others', () => {
    const bell = new AlarmBell();
    const heard: string[] = [];
    const removeA = bell.onRing(() => heard.push('a'));
    bell.onRing(() => heard.push('b'));
    removeA();
    removeA();
    bell.ring();
    expect(heard).toEqual(['b']);
  });

  it('never calls a listener added after it rang (as an aborted AbortSignal does not)', () => {
    const bell = new AlarmBell();
    bell.ring();
    const listener = jest.fn();
    const remove = bell.onRing(listener);
    remove();
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('alarmOf(AbortSignal)', () => {
  it('rings when the signal aborts, and its removal takes its listener off the signal', () => {
    const controller = new AbortController();
    const alarm = alarmOf(controller.signal);
    const heard = jest.fn();
    const remove = alarmOf(controller.signal).onRing(() => undefined);
    alarm.onRing(heard);
    remove();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    expect(alarm.rung).toBe(false);
    controller.abort();
    expect([alarm.rung, heard.mock.calls.length]).toEqual([true, 1]);
  });

  it('of a signal aborted already: rung, and a listener is neither called nor added', () => {
    const signal = AbortSignal.abort();
    const alarm = alarmOf(signal);
    const listener = jest.fn();
    const remove = alarm.onRing(listener);
    expect([alarm.rung, listener.mock.calls.length, getEventListeners(signal, 'abort').length]).toEqual([true, 0, 0]);
    remove();
  });
});

describe('abortSignalOf(alarm)', () => {
  it('aborts when the alarm rings, or at once for an alarm rung already', () => {
    const bell = new AlarmBell();
    const signal = abortSignalOf(bell);
    expect(signal.aborted).toBe(false);
    bell.ring();
    expect(signal.aborted).toBe(true);
    expect(abortSignalOf(bell).aborted).toBe(true);
  });
});
