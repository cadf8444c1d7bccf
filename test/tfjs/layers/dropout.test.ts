import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initBackend } from '../../../src/tfjs/backend.js';
import { dropout, dropoutMultiplier } from '../../../src/tfjs/layers/dropout.js';
import { registerFastKernels, restoreStockKernels } from '../../../src/tfjs/kernels/index.js';
import { tf } from '../../../src/tfjs/tf.js';

/** A layer from `dropout` with `seed`, on wasm with the project's kernels (fast) or the stock ones. */
async function seededDropout(rate: number, seed: number, fast: boolean) {
  await initBackend('wasm');
  if (fast) registerFastKernels();
  else restoreStockKernels();
  const layer = dropout({ rate }) as tf.layers.Layer & { seed?: number };
  layer.seed = seed;
  return layer;
}

describe('Dropout with the fast mask (dropout.ts)', () => {
  it('keeps each element with probability 1 - rate, scaled by 1 / (1 - rate), the same mask for the same seed', async () => {
    const layer = await seededDropout(0.3, 11, true);
    const x = tf.ones([100, 10, 10, 4]);
    const a = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
    const b = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
    layer.seed = 12;
    const c = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    const scale = Math.fround(1 / Math.fround(0.7));
    assert.ok(a.every((v) => v === 0 || v === scale));
    const kept = a.filter((v) => v !== 0).length / a.length;
    assert.ok(Math.abs(kept - 0.7) < 0.02, `kept ${kept}`);
    // inference: the identity
    assert.deepEqual((layer.apply(x, { training: false }) as tf.Tensor).dataSync(), x.dataSync());
    x.dispose();
  });

  it('passes the gradient through the kept elements only, scaled like the output', async () => {
    const layer = await seededDropout(0.5, 3, true);
    const x = tf.randomNormal([8, 16]);
    const [dx] = tf.grads((input: tf.Tensor) => tf.sum(layer.apply(input, { training: true }) as tf.Tensor))([x]);
    const mask = dropoutMultiplier([8, 16], 0.5, 3);
    assert.deepEqual(dx!.dataSync(), mask.dataSync());
    tf.dispose([x, dx!, mask]);
  });

  it('is the stock layer with the stock kernels, and in saved models', async () => {
    const layer = await seededDropout(0.3, 11, false);
    const x = tf.ones([10, 10]);
    const stock = tf.layers.dropout({ rate: 0.3, seed: 11 });
    assert.deepEqual((layer.apply(x, { training: true }) as tf.Tensor).dataSync(), (stock.apply(x, { training: true }) as tf.Tensor).dataSync());
    assert.equal(layer.getClassName(), 'Dropout');
    registerFastKernels();
    x.dispose();
  });
});
