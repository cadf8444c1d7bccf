import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initBackend } from '../../../src/tfjs/backend.js';
import { leadingAxesCount } from '../../../src/tfjs/kernels/leadingAxesMean.js';
import { tf } from '../../../src/tfjs/tf.js';
import { assertMatchesCpu, compareWithCpu } from './compareWithCpu.js';

// BatchNormalization's reductions in the study's CNN (batch 8 here) and a Dense bias gradient.
const CASES = [
  { x: [8, 28, 28, 64], axis: [0, 1, 2] },
  { x: [8, 14, 14, 64], axis: [0, 1, 2] },
  { x: [8, 7, 7, 128], axis: [0, 1, 2] },
  { x: [8, 3, 3, 128], axis: [0, 1, 2] },
  { x: [8, 1, 1, 128], axis: [0, 1, 2] },
  { x: [500, 1024], axis: [0] },
];

describe('leadingAxesCount', () => {
  it('counts leading reduction axes, in any order or sign, and 0 for anything else', () => {
    assert.equal(leadingAxesCount([8, 28, 28, 64], [0, 1, 2]), 3);
    assert.equal(leadingAxesCount([8, 28, 28, 64], [-2, 0, 1]), 3);
    assert.equal(leadingAxesCount([500, 1024], 0), 1);
    assert.equal(leadingAxesCount([500, 10], 1), 0);
    assert.equal(leadingAxesCount([8, 28, 28, 64], [0, 2]), 0);
    assert.equal(leadingAxesCount([500, 10], null), 0);
  });
});

for (const kernel of ['Sum', 'Mean']) {
  describe(`${kernel} on wasm`, () => {
    for (const { x, axis } of CASES) {
      for (const keepDims of [false, true]) {
        it(`matches cpu over axes ${axis} of [${x}]${keepDims ? ', keepDims' : ''}, no leak`, async () => {
          const r = await compareWithCpu(kernel, { x }, { axis, keepDims });
          const kept = x.slice(axis.length);
          assertMatchesCpu(r, keepDims ? [...axis.map(() => 1), ...kept] : kept);
        });
      }
    }

    it('matches cpu for an innermost reduction (stock kernel)', async () => {
      const r = await compareWithCpu(kernel, { x: [500, 10] }, { axis: [1], keepDims: true });
      assert.deepEqual(r.shape, [500, 1]);
      assert.ok(r.relativeError < 1e-4, `relative error ${r.relativeError}`);
    });

    it('reduces int32 tensors over leading axes with the stock kernel', async () => {
      await initBackend('wasm');
      const x = tf.tensor2d([[1, 2], [3, 4], [5, 7]], [3, 2], 'int32');
      const out = kernel === 'Sum' ? tf.sum(x, 0) : tf.mean(x, 0);
      assert.deepEqual(Array.from(out.dataSync()), kernel === 'Sum' ? [9, 13] : [3, 13 / 3].map(Math.fround));
      tf.dispose([x, out]);
    });
  });
}
