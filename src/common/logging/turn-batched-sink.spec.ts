import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TurnBatchedSink } from './turn-batched-sink';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function capture() {
  const writes: string[] = [];
  return { writes, sink: { write: (text: string) => writes.push(text) } };
}

describe('TurnBatchedSink', () => {
  it("writes a turn's lines once the turn ends, in one write and in order", async () => {
    const { writes, sink } = capture();
    const batched = new TurnBatchedSink(sink);
    batched.write('a\n');
    batched.write('b\n');
    batched.write('c\n');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n']);
  });

  it('starts afresh after a flush: the next turn is a write of its own, without the earlier lines', async () => {
    const { writes, sink } = capture();
    const batched = new TurnBatchedSink(sink);
    batched.write('first\n');
    await nextTurn();
    batched.write('second\n');
    await nextTurn();
    await nextTurn();
    expect(writes).toEqual(['first\n', 'second\n']);
  });

  it('writes at once when the held lines reach maxBytes, and the rest at the end of the turn', async () => {
    const { writes, sink } = capture();
    const batched = new TurnBatchedSink(sink, 10);
    batched.write('12345\n');
    expect(writes).toEqual([]);
    batched.write('6789\n');
    expect(writes).toEqual(['12345\n6789\n']);
    batched.write('tail\n');
    await nextTurn();
    expect(writes).toEqual(['12345\n6789\n', 'tail\n']);
  });

  it('writes nothing for a turn without lines', async () => {
    const { writes, sink } = capture();
    const batched = new TurnBatchedSink(sink);
    batched.flush();
    await nextTurn();
    expect(writes).toEqual([]);
  });

  // The guarantee the logger's comment makes: a line logged just before a crash or an exit is written.
  it.each([
    ['an uncaught exception', "throw new Error('boom')", 1],
    ['process.exit()', 'process.exit(3)', 3],
  ])('writes the lines of the last turn on %s', (_name, ending, code) => {
    const script = [
      `const { TurnBatchedSink } = require(${JSON.stringify(join(__dirname, 'turn-batched-sink.ts'))});`,
      'const sink = new TurnBatchedSink(process.stdout);',
      "sink.write('before the end 1\\n');",
      "sink.write('before the end 2\\n');",
      ending,
    ].join('\n');
    const child = spawnSync(process.execPath, ['-r', join(__dirname, '../../../test/support/ts-register.js'), '-e', script], { encoding: 'utf8' });
    expect(child.status).toBe(code);
    expect(child.stdout).toBe('before the end 1\nbefore the end 2\n');
  });
});
