import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initBackend } from '../../../src/tfjs/backend.js';
import { tf } from '../../../src/tfjs/tf.js';

describe('Identity and same-dtype Cast on wasm', () => {
  for (const [label, copy] of [
    ['clone', (t: tf.Tensor) => t.clone()],
    ['cast to float32', (t: tf.Tensor) => tf.cast(t, 'float32')],
  ] as const) {
    it(`${label} shares the buffer, which outlives the original, and leaks nothing`, async () => {
      await initBackend('wasm');
      const start = tf.memory();
      const x = tf.tensor2d([[1.5, -2], [3, 4]]);
      const y = copy(x);
      assert.equal(tf.memory().numDataBuffers, start.numDataBuffers + 1);
      x.dispose();
      assert.deepEqual(Array.from(y.dataSync()), [1.5, -2, 3, 4]);
      assert.deepEqual(y.shape, [2, 2]);
      y.dispose();
      assert.equal(tf.memory().numTensors, start.numTensors);
      assert.equal(tf.memory().numDataBuffers, start.numDataBuffers);
    });
  }

  it('still converts when the dtype changes', async () => {
    await initBackend('wasm');
    const x = tf.tensor1d([1.7, -2.2, 0], 'float32');
    const ints = tf.cast(x, 'int32');
    assert.equal(ints.dtype, 'int32');
    assert.deepEqual(Array.from(ints.dataSync()), [1, -2, 0]);
    tf.dispose([x, ints]);
  });
});
