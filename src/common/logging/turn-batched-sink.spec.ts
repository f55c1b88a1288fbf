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

  it('never puts more than maxBytes in one write: the line that would pass it starts the next write', async () => {
    const { writes, sink } = capture();
    const batched = new TurnBatchedSink(sink, 10);
    batched.write('12345\n');
    batched.write('678\n');
    expect(writes).toEqual([]);
    batched.write('90\n');
    expect(writes).toEqual(['12345\n678\n']);
    await nextTurn();
    expect(writes).toEqual(['12345\n678\n', '90\n']);
  });

  it('counts bytes, not characters: a write of multibyte text stays within maxBytes', async () => {
    const { writes, sink } = capture();
    const batched = new TurnBatchedSink(sink, 10);
    batched.write('ééé\n'); // 4 characters, 7 bytes
    batched.write('éé\n'); // 3 characters, 5 bytes
    await nextTurn();
    expect(writes).toEqual(['ééé\n', 'éé\n']);
    expect(writes.every((text) => Buffer.byteLength(text) <= 10)).toBe(true);
  });

  it('writes a line longer than maxBytes alone, in its place', async () => {
    const { writes, sink } = capture();
    const batched = new TurnBatchedSink(sink, 10);
    batched.write('a\n');
    batched.write('a line of more than ten bytes\n');
    batched.write('b\n');
    await nextTurn();
    expect(writes).toEqual(['a\n', 'a line of more than ten bytes\n', 'b\n']);
  });

  it('by default keeps each write within 4,096 bytes, what a pipe writes whole beside other processes', async () => {
    const { writes, sink } = capture();
    const batched = new TurnBatchedSink(sink);
    const line = `${'x'.repeat(99)}\n`;
    for (let i = 0; i < 100; i += 1) batched.write(line);
    await nextTurn();
    expect(writes.join('')).toBe(line.repeat(100));
    expect(writes.map((text) => text.length)).toEqual([4000, 4000, 2000]);
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
