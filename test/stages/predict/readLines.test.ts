import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { type Line, MAX_LINE_BYTES, readLines } from '../../../src/stages/predict/readLines.js';

const collect = async (lines: AsyncIterable<Line>) => {
  const out: (string | number)[] = [];
  for await (const line of lines) out.push('bytes' in line ? `${line.number}:${line.bytes.toString('latin1')}` : -line.tooLongBytes);
  return out;
};

/** `total` bytes of `byte` without a newline, in 64 kB chunks made as they are read (never held whole), then `tail`. */
function longLine(total: number, byte: number, tail: string, onRead = () => {}): Readable {
  const chunk = Buffer.alloc(65_536, byte);
  let left = total;
  return new Readable({
    read() {
      onRead();
      if (left <= 0) return void this.push(null);
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(chunk.subarray(0, n));
      if (left <= 0) this.push(Buffer.from(tail));
    },
  });
}

describe('readLines', () => {
  it('splits across chunks, drops \\r and blank lines, keeps a last line without newline, numbers every line', async () => {
    const lines = await collect(readLines(Readable.from([Buffer.from('a.png\r\nb'), Buffer.from(' c.png\n\n  \n'), Buffer.from('d.png')])));
    assert.deepEqual(lines, ['1:a.png', '2:b c.png', '5:d.png']);
  });

  it('keeps a line as bytes: a name that is not UTF-8 arrives unchanged', async () => {
    const name = Buffer.from([0x66, 0xff, 0x2e, 0x70, 0x6e, 0x67]);
    for await (const line of readLines(Readable.from([Buffer.concat([name, Buffer.from('\n')])]))) {
      assert.ok('bytes' in line);
      assert.deepEqual(line.bytes, name);
    }
  });

  it('pulls: an endless stream is read only a little ahead of the lines taken', async () => {
    let reads = 0;
    const chunk = Buffer.from('x.png\n'.repeat(2000)); // 12 kB per read
    const endless = new Readable({
      read() {
        reads++;
        this.push(chunk);
      },
    });
    let taken = 0;
    for await (const _ of readLines(endless)) {
      if (++taken === 5000) break;
    }
    // 5000 lines need 3 chunks; the stream's 16 kB high-water mark allows ~2 more
    assert.ok(reads <= 6, `read ${reads} chunks for 5000 lines`);
  });

  it('gives a line over the limit as its length only, and goes on at the next line', async () => {
    const at = 'a'.repeat(MAX_LINE_BYTES);
    const lines = await collect(readLines(Readable.from([Buffer.from(`${at}\r\n${at}b\nok.png\n`)])));
    assert.deepEqual(lines, [`1:${at}`, -(MAX_LINE_BYTES + 1), '3:ok.png']);
  });

  it('reads a 32 MB line in linear time: well under a second (issue 16: 378 s)', async () => {
    const started = performance.now();
    const lines = await collect(readLines(longLine(32 << 20, 0x61, '\nnext.png\n')));
    const ms = performance.now() - started;
    assert.deepEqual(lines, [-(32 << 20), '2:next.png']);
    assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
  });

  it('keeps memory bounded over an endless line: 200 MB without a newline (issue 16: 10 GB)', async () => {
    const before = process.memoryUsage.rss();
    let peak = 0;
    const stream = longLine(200 << 20, 0, '', () => (peak = Math.max(peak, process.memoryUsage.rss() - before)));
    const lines = await collect(readLines(stream));
    assert.deepEqual(lines, [-(200 << 20)]);
    assert.ok(peak < 32 << 20, `RSS grew by ${(peak / 2 ** 20).toFixed(0)} MB`);
  });

  it('ends the lines when its signal fires, with the stream still open', async () => {
    const open = new Readable({ read() {} });
    open.push('first.png\n');
    const stop = new AbortController();
    const lines: Line[] = [];
    for await (const line of readLines(open, { signal: stop.signal })) {
      lines.push(line);
      stop.abort();
    }
    assert.equal(lines.length, 1);
    assert.equal(open.destroyed, true);
  });
});
