import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toPixelMatrix } from '../../src/learn/pixelMatrix.js';
import { ROWS_BELOW, treeMemoryFor } from '../../src/learn/treeMemory.js';

describe('tree memory', () => {
  it('copies a matrix once per PixelMatrix object, with scratch sized for all its samples', () => {
    const pixels = Uint8Array.from({ length: 5 * 3 }, (_, i) => i);
    const x = toPixelMatrix(pixels, 3, [4, 0, 2]);
    const memory = treeMemoryFor(x);
    assert.equal(treeMemoryFor(x), memory);
    assert.notEqual(treeMemoryFor(toPixelMatrix(pixels, 3, [4, 0, 2])), memory);
    assert.deepEqual(Array.from(memory.x.byRow), Array.from(x.byRow));
    assert.deepEqual(Array.from(memory.x.byFeature), Array.from(x.byFeature));
    assert.equal(memory.node.order.length, 3);
    assert.equal(memory.gathered.length, Math.min(ROWS_BELOW, 3) * 3);
    // every view is on the one wasm memory the kernels address
    const buffers = new Set([memory.x.byRow, memory.node.order, memory.spare.labels, memory.gathered, memory.hist, memory.counts].map((v) => v.buffer));
    assert.equal(buffers.size, 1);
  });
});
