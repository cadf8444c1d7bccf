import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { treesTrain300 } from '../../fixtures/index.js';
import { toPixelMatrix } from '../../src/learn/pixelMatrix.js';
import { fitTree } from '../../src/learn/fitTree.js';
import { packTree, unpackTree } from '../../src/learn/packTree.js';

describe('packTree', () => {
  it('round-trips a tree through one buffer, also at an offset inside a larger one', async () => {
    const set = await treesTrain300();
    const rows = Array.from({ length: 300 }, (_, i) => i);
    const tree = fitTree({ x: toPixelMatrix(set.pixels, 784, rows), labels: set.labels, numClasses: 10 }, rows, undefined, { maxFeatures: 28, seed: 5 });
    const bytes = packTree(tree);
    assert.deepEqual(unpackTree(bytes), tree);
    const framed = new Uint8Array(bytes.byteLength + 8);
    framed.set(bytes, 8);
    assert.deepEqual(unpackTree(framed.subarray(8)), tree);
    assert.deepEqual(unpackTree(new Uint8Array([0, ...bytes]).subarray(1)), tree, 'unaligned bytes are copied');
  });

  it('rejects bytes whose size does not match their header', () => {
    const tree = { numClasses: 2, feature: Int16Array.from([-1]), threshold: new Uint8Array(1), left: new Int32Array(1), right: new Int32Array(1), gain: new Float32Array(1), samples: new Int32Array(1), leafRow: new Int32Array(1), leafCounts: new Float32Array(2) };
    const bytes = packTree(tree);
    assert.throws(() => unpackTree(bytes.subarray(0, bytes.byteLength - 1)), {
      message: `Expected a packed tree of ${bytes.byteLength} bytes for 1 nodes but received ${bytes.byteLength - 1} bytes.`,
    });
  });
});
