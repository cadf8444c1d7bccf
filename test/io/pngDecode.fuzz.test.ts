/**
 * Fuzzing the PNG decoder (issue 16): thousands of damaged PNGs built from every grey encoding
 * of a real image (every truncation, seeded bit flips, chunk-length edits, random bytes after
 * the signature, zlib bombs). Each outcome must be the original pixels or a DataError naming the
 * file: never another error class, and a bomb must cost no more time or memory than a real image.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { dataLayoutDir } from '../../fixtures/data.js';
import { deflatedZeros, greyPalettePng, greyPngEncodings, ihdrOf, pngOfChunks } from '../../fixtures/pngEncodings.js';
import { PIXELS_PER_IMAGE } from '../../src/dataset.js';
import { DataError } from '../../src/errors.js';
import { decodeGreyPng } from '../../src/io/pngDecode.js';
import { createRng } from '../../src/random.js';

interface Base {
  name: string;
  png: Buffer;
  pixels: Uint8Array;
}

/** The fuzz's starting points: the layout's own PNG and every other grey encoding of its pixels. */
async function bases(): Promise<Base[]> {
  const plain = await readFile(join(dataLayoutDir, 'images', 'train', '0.png'));
  const pixels = new Uint8Array(await sharp(plain).extractChannel(0).raw().toBuffer());
  const all: Base[] = [{ name: 'plain', png: plain, pixels }];
  for (const [name, { png }] of Object.entries(await greyPngEncodings(pixels))) {
    // what libpng (through sharp) decodes this encoding to
    all.push({ name, png, pixels: new Uint8Array(await sharp(png).extractChannel(0).raw().toBuffer()) });
  }
  return all;
}

const out = new Uint8Array(PIXELS_PER_IMAGE);
/** Decodes `bytes` as `file`: the expected pixels, or a DataError naming the file; anything else fails. */
function outcome(bytes: Uint8Array, file: string, expected: Uint8Array): 'pixels' | 'DataError' {
  try {
    decodeGreyPng(bytes, file, out, 0);
  } catch (err) {
    assert.ok(err instanceof DataError, `${file}: ${(err as Error).stack}`);
    assert.ok(err.message.includes(file), `${file}: the message does not name the file: ${err.message}`);
    return 'DataError';
  }
  assert.ok(out.every((v, i) => v === expected[i]), `${file}: decoded to other pixels than libpng`);
  return 'pixels';
}

/** Offsets of each chunk's length field, up to and including IEND. */
function chunkOffsets(png: Buffer): number[] {
  const at: number[] = [];
  for (let pos = 8; pos + 12 <= png.length; pos += 12 + png.readUInt32BE(pos)) at.push(pos);
  return at;
}

describe('decodeGreyPng fuzz (issue 16)', async () => {
  const all = await bases();
  const rng = createRng(16);

  it('every truncation of every encoding is a DataError naming the file', () => {
    let cases = 0;
    for (const { name, png, pixels } of all) {
      for (let length = 0; length < png.length; length += 1, cases += 1) {
        assert.equal(outcome(png.subarray(0, length), `cut/${name}/${length}.png`, pixels), 'DataError');
      }
    }
    assert.ok(cases > 5000, `${cases} cases`);
  });

  it('3,000 single bit flips: the same pixels or a DataError naming the file', () => {
    const seen = { pixels: 0, DataError: 0 };
    for (let i = 0; i < 3000; i += 1) {
      const { name, png, pixels } = all[rng.int(all.length)]!;
      const bytes = Buffer.from(png);
      const at = rng.int(bytes.length);
      bytes[at]! ^= 1 << rng.int(8);
      seen[outcome(bytes, `flip/${name}/${at}.png`, pixels)] += 1;
    }
    // flips in CRCs and ancillary chunks change nothing; in the signature, header or data they are errors
    assert.ok(seen.pixels > 100 && seen.DataError > 1000, JSON.stringify(seen));
  });

  it('every chunk length set to hostile values: the same pixels or a DataError naming the file', () => {
    let cases = 0;
    for (const { name, png, pixels } of all) {
      for (const at of chunkOffsets(png)) {
        const length = png.readUInt32BE(at);
        for (const edited of [0, 1, 12, 13, 14, length - 1, length + 1, length * 2, 0x7fffffff, 0xffffffff]) {
          if (edited < 0 || edited === length) continue;
          const bytes = Buffer.from(png);
          bytes.writeUInt32BE(edited, at);
          outcome(bytes, `length/${name}/${at}-${edited}.png`, pixels);
          // and the file ending right after the edited chunk, so a reader trusting the length runs off the end
          const end = at + 12 + edited;
          if (end < png.length) assert.equal(outcome(bytes.subarray(0, end), `length-cut/${name}/${at}-${edited}.png`, pixels), 'DataError');
          cases += 1;
        }
      }
    }
    assert.ok(cases > 300, `${cases} cases`);
  });

  it('random bytes after the signature and after a valid IHDR are DataErrors naming the file', () => {
    const head = pngOfChunks([['IHDR', ihdrOf(8, 0)]]).subarray(0, 33);
    for (let i = 0; i < 1000; i += 1) {
      const tail = Buffer.from(Array.from({ length: rng.int(200) }, () => rng.int(256)));
      const prefix = i % 2 ? head : head.subarray(0, 8);
      assert.equal(outcome(Buffer.concat([prefix, tail]), `random/${i}.png`, out), 'DataError');
    }
  });

  it('zlib bombs under every kind of 28x28 header: refused fast, without inflating the bomb', async () => {
    const bomb = await deflatedZeros(256); // 256 MiB of zeros in ~250 KB
    const third = Math.ceil(bomb.length / 3);
    const split: [string, Uint8Array][] = [0, 1, 2].map((i) => ['IDAT', bomb.subarray(i * third, (i + 1) * third)]);
    const palette = greyPalettePng(new Uint8Array(PIXELS_PER_IMAGE)).subarray(33, 33 + 12 + 768); // its PLTE chunk
    const headers: [string, Buffer][] = [
      ['grey8', ihdrOf(8, 0)],
      ['grey8-adam7', ihdrOf(8, 0, 1)],
      ['grey1', ihdrOf(1, 0)],
      ['grey16-adam7', ihdrOf(16, 0, 1)],
      ['grey-alpha16', ihdrOf(16, 4)],
      ['palette-adam7', ihdrOf(8, 3, 1)],
    ];
    const idats: [string, [string, Uint8Array][]][] = [['one IDAT', [['IDAT', bomb]]], ['three IDATs', split]];
    const before = process.memoryUsage();
    let slowest = 0;
    const [errors, files]: string[][] = [[], []];
    let most = { arrayBuffers: 0, rss: 0 };
    for (const [name, ihdr] of headers) {
      for (const [how, idat] of idats) {
        const png = pngOfChunks([['IHDR', ihdr], ...idat]);
        const bytes = name.startsWith('palette') ? Buffer.concat([png.subarray(0, 33), palette, png.subarray(33)]) : png;
        const file = `bomb/${name}/${how}.png`;
        const started = performance.now();
        try {
          decodeGreyPng(bytes, file, out, 0);
          errors.push(`${file}: decoded`);
        } catch (err) {
          errors.push((err as Error).message);
        }
        slowest = Math.max(slowest, performance.now() - started);
        const now = process.memoryUsage();
        most = { arrayBuffers: Math.max(most.arrayBuffers, now.arrayBuffers - before.arrayBuffers), rss: Math.max(most.rss, now.rss - before.rss) };
        files.push(file);
      }
    }
    // inflating the 256 MiB takes seconds and holds it in memory; the bound stops after ~16 KiB
    assert.ok(slowest < 250, `slowest bomb took ${slowest.toFixed(0)} ms`);
    assert.ok(most.arrayBuffers < 16 * 2 ** 20, `buffers grew by ${(most.arrayBuffers / 2 ** 20).toFixed(0)} MiB`);
    assert.ok(most.rss < 64 * 2 ** 20, `RSS grew by ${(most.rss / 2 ** 20).toFixed(0)} MiB`);
    files.forEach((file, i) => assert.match(errors[i]!, new RegExp(`^Cannot decode ${file}: its image data inflates to more than the \\d+ bytes its 28x28 header allows`)));
  });
});
