import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { dataIdxDir, dataTrainLabels40 } from '../../fixtures/data.js';
import { checkIdxPair, gunzipIdx, MAX_IDX_BYTES, parseIdxImages, parseIdxLabels, readIdxBytes } from '../../src/io/idx.js';

/** An IDX buffer: big-endian uint32 header fields, then `body`. */
function idx(header: number[], body: Uint8Array): Uint8Array {
  const out = Buffer.alloc(header.length * 4 + body.length);
  header.forEach((v, i) => out.writeUInt32BE(v, i * 4));
  out.set(body, header.length * 4);
  return out;
}

describe('IDX files', () => {
  it('reads the gzipped fixture files: 40 images of 28x28 and their labels', async () => {
    const images = parseIdxImages(await readIdxBytes(join(dataIdxDir, 'train-images-idx3-ubyte.gz')), 'imgs');
    const labels = parseIdxLabels(await readIdxBytes(join(dataIdxDir, 'train-labels-idx1-ubyte.gz')), 'lbls');
    assert.equal(images.count, 40);
    assert.equal(images.pixels.length, 40 * 784);
    assert.deepEqual([...labels.labels], dataTrainLabels40);
    checkIdxPair(images, labels, 'imgs', 'lbls');
  });

  it('parses an uncompressed file too', () => {
    const labels = parseIdxLabels(idx([2049, 3], Uint8Array.of(1, 2, 9)), 'l');
    assert.deepEqual([...labels.labels], [1, 2, 9]);
  });

  it('names the file when the magic number is wrong', () => {
    assert.throws(() => parseIdxImages(idx([2049, 1, 28, 28], new Uint8Array(784)), 'dir/train-images-idx3-ubyte'), {
      name: 'DataError',
      message: 'dir/train-images-idx3-ubyte has IDX magic number 2049, expected 2051 (images). Check that the right file has this name.',
    });
  });

  it('rejects images that are not 28x28', () => {
    assert.throws(() => parseIdxImages(idx([2051, 1, 32, 32], new Uint8Array(1024)), 'f'), {
      name: 'DataError',
      message: 'f holds 32x32 images, expected 28x28. Use the Fashion-MNIST IDX files.',
    });
  });

  it('rejects a file whose length does not match its count', () => {
    assert.throws(() => parseIdxImages(idx([2051, 2, 28, 28], new Uint8Array(784)), 'f'), {
      name: 'DataError',
      message: 'f declares 2 images (1584 bytes) but holds 800 bytes. Download the file again.',
    });
  });

  it('rejects a file shorter than its header', () => {
    assert.throws(() => parseIdxLabels(Uint8Array.of(0, 0, 8), 'f'), {
      name: 'DataError',
      message: 'f is too short for an IDX header (3 bytes, need 8). Download the file again.',
    });
  });

  it('rejects a label outside 0..9', () => {
    assert.throws(() => parseIdxLabels(idx([2049, 3], Uint8Array.of(1, 10, 2)), 'f'), {
      name: 'DataError',
      message: 'f has label 10 at index 1, expected 0..9. Use the Fashion-MNIST IDX files.',
    });
  });

  it('rejects a label file whose count differs from its images', () => {
    const images = parseIdxImages(idx([2051, 1, 28, 28], new Uint8Array(784)), 'imgs');
    const labels = parseIdxLabels(idx([2049, 2], Uint8Array.of(1, 2)), 'lbls');
    assert.throws(() => checkIdxPair(images, labels, 'imgs', 'lbls'), {
      name: 'DataError',
      message: 'imgs holds 1 images but lbls holds 2 labels. Use the matching pair of IDX files.',
    });
  });

  it('names a file with a gzip magic but broken contents', async () => {
    await assert.rejects(gunzipIdx(Uint8Array.of(0x1f, 0x8b, 8, 0, 0), 'x.gz'), {
      name: 'DataError',
      message: 'Cannot gunzip x.gz: unexpected end of file. Download the file again.',
    });
  });

  it('stops gunzipping a zlib bomb at the size of the largest Fashion-MNIST file (issue 16)', async () => {
    const bomb = gzipSync(Buffer.alloc(MAX_IDX_BYTES + 1), { level: 9 });
    await assert.rejects(gunzipIdx(bomb, 'bomb.gz'), {
      name: 'DataError',
      message:
        `Cannot gunzip bomb.gz: it inflates to more than ${MAX_IDX_BYTES} bytes, the size of the largest Fashion-MNIST ` +
        'IDX file (60,000 images), so it is not one (a zlib bomb?). Download the file again.',
    });
  });

  it('gunzips a file of exactly that size', async () => {
    const largest = idx([2051, 60_000, 28, 28], new Uint8Array(60_000 * 784));
    assert.equal(largest.length, MAX_IDX_BYTES);
    assert.equal(parseIdxImages(await gunzipIdx(gzipSync(largest, { level: 1 }), 'train.gz'), 'train').count, 60_000);
  });
});
