import { validateConfig } from './app-config';
import { applyV8Flags } from './v8-flags';

describe('applyV8Flags', () => {
  const applied = (env: Record<string, string>) => {
    const set: string[] = [];
    applyV8Flags(validateConfig(env), (flag) => set.push(flag));
    return set;
  };

  it('bounds the heap growth by default, as configured, and leaves V8 alone at 0', () => {
    expect(applied({})).toEqual(['--heap-growing-percent=100']);
    expect(applied({ HEAP_GROWING_PERCENT: '75' })).toEqual(['--heap-growing-percent=75']);
    expect(applied({ HEAP_GROWING_PERCENT: '0' })).toEqual([]);
  });

  it('refuses a value V8 would misread, before anything starts', () => {
    expect(() => validateConfig({ HEAP_GROWING_PERCENT: '-5' })).toThrow(/HEAP_GROWING_PERCENT/);
    expect(() => validateConfig({ HEAP_GROWING_PERCENT: '30%' })).toThrow(/HEAP_GROWING_PERCENT/);
  });
});

describe('RELEASE_MEMORY_WHEN_IDLE', () => {
  it('is on by default, off when set so, and a typo stops the start-up rather than reading as off', () => {
    expect(validateConfig({}).RELEASE_MEMORY_WHEN_IDLE).toBe(true);
    expect(validateConfig({ RELEASE_MEMORY_WHEN_IDLE: 'false' }).RELEASE_MEMORY_WHEN_IDLE).toBe(false);
    expect(validateConfig({ RELEASE_MEMORY_WHEN_IDLE: '0' }).RELEASE_MEMORY_WHEN_IDLE).toBe(false);
    expect(validateConfig({ RELEASE_MEMORY_WHEN_IDLE: '1' }).RELEASE_MEMORY_WHEN_IDLE).toBe(true);
    expect(() => validateConfig({ RELEASE_MEMORY_WHEN_IDLE: 'flase' })).toThrow(/RELEASE_MEMORY_WHEN_IDLE/);
  });
});
