import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wholeDecode } from '../../src/images/wholeDecode.js';

describe('wholeDecode', () => {
  const size = { width: 10_000, height: 10_000 };

  it('is nothing for images libvips decodes row by row, whatever their size', () => {
    assert.equal(wholeDecode({ ...size, format: 'jpeg', channels: 3, depth: 'uchar', isProgressive: false }), undefined);
    assert.equal(wholeDecode({ ...size, format: 'png', channels: 4, depth: 'ushort', isProgressive: false }), undefined);
    assert.equal(wholeDecode({ ...size, format: 'webp', channels: 4, depth: 'uchar' }), undefined);
  });

  it('counts 2 bytes a sample for a progressive JPEG (its DCT coefficients)', () => {
    assert.deepEqual(wholeDecode({ ...size, format: 'jpeg', channels: 3, depth: 'uchar', isProgressive: true }), { kind: 'progressive JPEG', bytes: 600_000_000 });
  });

  it("counts an interlaced PNG at its own sample size, a GIF as RGBA, HEIF/AVIF at theirs", () => {
    assert.deepEqual(wholeDecode({ ...size, format: 'png', channels: 4, depth: 'ushort', isProgressive: true }), { kind: 'interlaced PNG', bytes: 800_000_000 });
    assert.deepEqual(wholeDecode({ ...size, format: 'png', channels: 1, depth: 'uchar', isProgressive: true }), { kind: 'interlaced PNG', bytes: 100_000_000 });
    assert.deepEqual(wholeDecode({ ...size, format: 'gif', channels: 3, depth: 'uchar' }), { kind: 'GIF', bytes: 400_000_000 });
    assert.deepEqual(wholeDecode({ ...size, format: 'heif', channels: 3, depth: 'uchar' }), { kind: 'HEIF/AVIF image', bytes: 300_000_000 });
  });
});
