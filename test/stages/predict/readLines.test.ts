import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { readLines } from '../../../src/stages/predict/readLines.js';

describe('readLines', () => {
  it('splits across chunks, drops \\r and blank lines, keeps a last line without newline', async () => {
    const lines: string[] = [];
    for await (const line of readLines(Readable.from(['a.png\r\nb', ' c.png\n\n  \n', 'd.png']))) lines.push(line);
    assert.deepEqual(lines, ['a.png', 'b c.png', 'd.png']);
  });

  it('pulls: an endless stream is read only a little ahead of the lines taken', async () => {
    let reads = 0;
    const chunk = 'x.png\n'.repeat(2000); // 12 kB per read
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
});
