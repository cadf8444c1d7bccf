import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { displayPath } from '../../src/io/displayPath.js';
import { readRegularFile } from '../../src/io/readRegularFile.js';

const read = (path: string | Uint8Array, maxBytes = 1000) => () => readRegularFile(path, displayPath(path), maxBytes);

describe('readRegularFile (issue 16: a FIFO hung predict --input, /dev/zero grew it past 2.9 GB)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'read-regular-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads a regular file up to and at the limit', async () => {
    const path = join(dir, 'ten.bin');
    await writeFile(path, '0123456789');
    assert.equal(readRegularFile(path, path, 10).toString(), '0123456789');
  });

  it('refuses a file over the limit before reading it', async () => {
    const path = join(dir, 'eleven.bin');
    await writeFile(path, '0123456789A');
    assert.throws(read(path, 10), {
      message: `${path}: 11 bytes, over the limit of 10 bytes (--max-input-bytes); refused. Shrink the image, or raise the limit.`,
    });
  });

  it('refuses a FIFO at once, without waiting for a writer', () => {
    const fifo = join(dir, 'fifo.png');
    execFileSync('mkfifo', [fifo]);
    assert.throws(read(fifo), { message: `${fifo}: is a FIFO (named pipe), not an image file; only regular files are read.` });
  });

  it('refuses a device such as /dev/zero without opening it', () => {
    assert.throws(read('/dev/zero'), { message: '/dev/zero: is a character device, not an image file; only regular files are read.' });
  });

  it('reads at most the limit + 1 bytes of a file that reports no size (as /proc files do)', () => {
    const size = readRegularFile('/proc/self/status', 'status', 1_000_000).length;
    assert.ok(size > 0);
    assert.throws(read('/proc/self/status', 10), {
      message: '/proc/self/status: more than 10 bytes, over the limit of 10 bytes (--max-input-bytes); refused. Shrink the image, or raise the limit.',
    });
  });

  it('names an empty file', async () => {
    const path = join(dir, 'empty.png');
    await writeFile(path, '');
    assert.throws(read(path), { message: `${path}: empty file (0 bytes), not an image.` });
  });

  it('opens a name that is not UTF-8 from its bytes, and shows it escaped', async () => {
    const name = Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xe9]), Buffer.from('.png')]);
    await writeFile(name, 'x');
    assert.equal(readRegularFile(new Uint8Array(name), 'unused', 10).toString(), 'x');
    const missing = new Uint8Array(Buffer.concat([Buffer.from(`${dir}/gone-`), Buffer.from([0xfe]), Buffer.from('.png')]));
    assert.throws(read(missing), { message: `${dir}/gone-\\xFE.png: no such file (relative paths start at ${process.cwd()}).` });
  });

  it('keeps the escape sequences of a name out of its messages', () => {
    assert.throws(read(`${dir}/\x1b[2J\x1b]0;owned\x07.png`), {
      message: `${dir}/\\x1B[2J\\x1B]0;owned\\x07.png: no such file (relative paths start at ${process.cwd()}).`,
    });
  });
});
