/**
 * Test helper: runs one kernel on wasm (with the project's kernels) and on the reference cpu
 * backend with the same random inputs, and reports how far apart the results are and whether
 * the wasm run left tensors or backend buffers behind.
 */
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/tfjs/backend.js';
import { tf } from '../../../src/tfjs/tf.js';
import { createRng } from '../../../src/random.js';

/** Outcome of `compareWithCpu`. */
export interface Comparison {
  shape: number[];
  /** max |wasm - cpu| divided by max |cpu| (or 1 when cpu is all zeros) */
  relativeError: number;
  /** engine tensors and backend buffers the wasm run left behind (both should be 0) */
  leakedTensors: number;
  leakedBuffers: number;
}

/** Uniform random values in [-1, 1) for each input shape, from a fixed seed. */
export function randomInputs(shapes: Record<string, number[]>, seed = 87): Record<string, tf.Tensor> {
  const rng = createRng(seed);
  return Object.fromEntries(Object.entries(shapes).map(([name, shape]) => {
    const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next() * 2 - 1);
    return [name, tf.tensor(values, shape)];
  }));
}

/**
 * Runs `kernelName` on both backends with random inputs of the given shapes, or with the
 * inputs `makeInputs` builds on the active backend; leaves wasm as the active backend.
 */
export async function compareWithCpu(
  kernelName: string,
  shapesOrMakeInputs: Record<string, number[]> | (() => Record<string, tf.Tensor>),
  attrs: object,
): Promise<Comparison> {
  const makeInputs = typeof shapesOrMakeInputs === 'function' ? shapesOrMakeInputs : () => randomInputs(shapesOrMakeInputs);
  const run = (): { shape: number[]; values: Float32Array } => {
    const inputs = makeInputs();
    const out = tf.engine().runKernel(kernelName, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
    const result = { shape: out.shape, values: out.dataSync() as Float32Array };
    tf.dispose([out, ...Object.values(inputs)]);
    return result;
  };
  await initBackend('cpu');
  const cpu = run();
  await initBackend('wasm');
  const before = tf.memory();
  const wasm = run();
  const after = tf.memory();
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < cpu.values.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(wasm.values[i]! - cpu.values[i]!));
    maxRef = Math.max(maxRef, Math.abs(cpu.values[i]!));
  }
  if (wasm.shape.join() !== cpu.shape.join()) {
    throw new Error(`${kernelName}: wasm shape [${wasm.shape}] differs from cpu shape [${cpu.shape}]`);
  }
  return {
    shape: wasm.shape,
    relativeError: maxDiff / (maxRef || 1),
    leakedTensors: after.numTensors - before.numTensors,
    leakedBuffers: after.numDataBuffers - before.numDataBuffers,
  };
}

/** Asserts a comparison's shape, its relative error under `tolerance`, and that nothing leaked. */
export function assertMatchesCpu(r: Comparison, shape: number[], tolerance = 1e-4): void {
  assert.deepEqual(r.shape, shape);
  assert.ok(r.relativeError < tolerance, `relative error ${r.relativeError}`);
  assert.equal(r.leakedTensors, 0);
  assert.equal(r.leakedBuffers, 0);
}
