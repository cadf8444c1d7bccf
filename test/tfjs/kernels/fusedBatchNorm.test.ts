import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../../src/tfjs/tf.js';
import { assertMatchesCpu, compareWithCpu, randomInputs } from './compareWithCpu.js';

/** Random x and per-channel statistics, with a positive variance and the given inputs left out. */
function batchNormInputs(xShape: number[], without: string[] = []) {
  return () => {
    const c = xShape.at(-1)!;
    const all = randomInputs({ x: xShape, mean: [c], variance: [c], offset: [c], scale: [c] });
    const variance = tf.tidy(() => tf.add(tf.abs(all.variance!), 0.01));
    all.variance!.dispose();
    const inputs: Record<string, tf.Tensor> = { ...all, variance };
    for (const name of without) {
      inputs[name]!.dispose();
      delete inputs[name];
    }
    return inputs;
  };
}

// The study's CNN: BatchNormalization after each convolution, batch 8.
const CNN_ACTIVATIONS = [[8, 28, 28, 64], [8, 14, 14, 64], [8, 7, 7, 128], [8, 3, 3, 128]];

describe('FusedBatchNorm on wasm', () => {
  for (const xShape of CNN_ACTIVATIONS) {
    it(`matches cpu for the CNN's activation [${xShape}], no leak`, async () => {
      const r = await compareWithCpu('FusedBatchNorm', batchNormInputs(xShape), { varianceEpsilon: 1e-3 });
      assertMatchesCpu(r, xShape, 1e-5);
    });
  }

  it('matches cpu without offset and scale', async () => {
    const r = await compareWithCpu('FusedBatchNorm', batchNormInputs([4, 5, 5, 8], ['offset', 'scale']), { varianceEpsilon: 1e-3 });
    assert.ok(r.relativeError < 1e-5, `relative error ${r.relativeError}`);
    assert.equal(r.leakedBuffers, 0);
  });

  it('matches cpu with 6 channels (not a multiple of 4: the two XNNPACK passes)', async () => {
    const r = await compareWithCpu('FusedBatchNorm', batchNormInputs([4, 5, 5, 6]), { varianceEpsilon: 1e-3 });
    assert.ok(r.relativeError < 1e-5, `relative error ${r.relativeError}`);
    assert.equal(r.leakedBuffers, 0);
  });
});
