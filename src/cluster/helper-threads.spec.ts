import { helperThreadsFor, workerExecArgv } from './helper-threads';

describe('helperThreadsFor', () => {
  it("gives each worker its share of the cores less its main thread, and never fewer than one", () => {
    expect(helperThreadsFor(2, 2)).toBe(1);
    expect(helperThreadsFor(8, 2)).toBe(3);
    expect(helperThreadsFor(8, 3)).toBe(1); // 2.67 cores each: 2, less the main thread
    expect(helperThreadsFor(16, 4)).toBe(3);
    expect(helperThreadsFor(2, 4)).toBe(1); // more workers than cores
    expect(helperThreadsFor(1, 2)).toBe(1);
  });
});

describe('workerExecArgv', () => {
  it("adds the pool size to the primary's own arguments", () => {
    expect(workerExecArgv(['--enable-source-maps'], undefined, 8, 2)).toEqual(['--enable-source-maps', '--v8-pool-size=3']);
    expect(workerExecArgv([], '', 2, 2)).toEqual(['--v8-pool-size=1']);
  });

  it("keeps the operator's own choice, from the command line in either form or from NODE_OPTIONS", () => {
    expect(workerExecArgv(['--v8-pool-size=4'], undefined, 2, 2)).toEqual(['--v8-pool-size=4']);
    expect(workerExecArgv(['--v8-pool-size', '4'], undefined, 2, 2)).toEqual(['--v8-pool-size', '4']);
    expect(workerExecArgv([], '--max-old-space-size=512 --v8-pool-size=2', 2, 2)).toEqual([]);
  });

  it('is not fooled by a flag that only starts the same way', () => {
    expect(workerExecArgv(['--v8-pool-size-x=2'], '--v8-pool-sizes', 2, 2)).toEqual(['--v8-pool-size-x=2', '--v8-pool-size=1']);
  });
});
