import { PipelineError } from '../errors.js';
import { WasmModule, type WasmMemory } from '../wasm/wasmModule.js';
import { tf } from '../tfjs/tf.js';
import type { FlatLayout } from './flatWeights.js';

/**
 * Adam over flat Float32Arrays. A tfjs Adam step is a dozen separate kernel passes over every
 * weight, a real cost for the MLP's 2.2M on wasm; this is one fused loop, which threads
 * can also run on separate ranges at once. The update is tfjs's `AdamOptimizer.applyGradients`
 * (same moments, bias corrections and epsilon), so the state moves back and forth between the
 * two (`readAdamState`, `writeAdamState`) and a run can switch at any epoch.
 */
export interface AdamSettings {
  learningRate: number;
  /** AdamW's decoupled weight decay: each weight is scaled by 1 - learningRate * weightDecay first (0: Adam) */
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** updates done so far */
  iterations: number;
}

/** Settings plus the first and second moments, laid out as the trainable part of a FlatLayout. */
export interface AdamState extends AdamSettings {
  m: Float32Array;
  v: Float32Array;
}

/**
 * A gradient given as the weighted sum of two arrays, `a[i] * shareA + b[i] * shareB`: the
 * average of two shards' gradients, read in the same pass as the update (`b` may be `a` with
 * `shareB` 0, for one shard).
 */
export interface GradientPair {
  a: Float32Array;
  shareA: number;
  b: Float32Array;
  shareB: number;
}

/**
 * adam(w, m, v, a, b, groups, shareA, shareB, beta1, beta2, keep1, keep2, stepSize, inverse2,
 * epsilon, keepW): `groups` x 4 floats from the byte addresses w, m, v (updated in place) and a, b (the
 * two gradients), with `adamUpdate`'s formula and constants. Four floats at a time in float32,
 * as tfjs computes Adam; the JavaScript loop below works in float64 one value at a time, with a
 * conversion at each load and store, several times slower.
 */
type SimdAdam = (
  w: number, m: number, v: number, a: number, b: number, groups: number,
  shareA: number, shareB: number, beta1: number, beta2: number, keep1: number, keep2: number,
  stepSize: number, inverse2: number, epsilon: number, keepW: number,
) => void;

const ADAM = new WasmModule(new URL('./assembly/adam.wasm', import.meta.url));

/** The SIMD update bound to `memory`, a shared memory (createSharedMemory). */
export function simdAdam(memory: WasmMemory): SimdAdam {
  return ADAM.bind<{ adam: SimdAdam }>(memory).adam;
}

/**
 * Update number `iterations + 1` of `weights[start, end)` from `grad`, in place, as tfjs does
 * it. It does not count the update: once every range is done, the caller increments `iterations`.
 * When every array is a view of `memory`, whole groups of 4 floats run in the SIMD loop of
 * assembly/adam.ts (float32 throughout) and only the rest in the loop here.
 */
export function adamUpdate(state: AdamState, weights: Float32Array, grad: GradientPair, start: number, end: number, memory?: WasmMemory): void {
  const { learningRate, weightDecay, beta1, beta2, epsilon, m, v } = state;
  const { a, shareA, b, shareB } = grad;
  // tfjs keeps beta^(t+1) in accBeta1/accBeta2 at the start of update t+1
  const correction1 = 1 - beta1 ** (state.iterations + 1);
  const correction2 = 1 - beta2 ** (state.iterations + 1);
  const keep1 = 1 - beta1;
  const keep2 = 1 - beta2;
  // tfjs: w + -lr * (m / c1) / (sqrt(v / c2) + eps); one division per weight instead of three
  // makes the loop much faster (the rounding differs by float64 ulps, far below float32's)
  const stepSize = -learningRate / correction1;
  const inverse2 = 1 / correction2;
  // PyTorch's AdamW: the weight shrinks by lr * decay, then takes Adam's step (1 for Adam: exact)
  const keepW = 1 - learningRate * weightDecay;
  const arrays = [weights, m, v, a, b];
  const inMemory = memory !== undefined && arrays.every((x) => x.buffer === memory.buffer);
  const groups = inMemory ? (end - start) >> 2 : 0;
  if (inMemory) {
    const [wAt, mAt, vAt, aAt, bAt] = arrays.map((x) => x.byteOffset + start * Float32Array.BYTES_PER_ELEMENT) as [number, number, number, number, number];
    simdAdam(memory)(wAt, mAt, vAt, aAt, bAt, groups, shareA, shareB, beta1, beta2, keep1, keep2, stepSize, inverse2, epsilon, keepW);
  }
  // One pass reads the two gradients, the moments and the weight once each: averaging first in
  // a pass of its own made the update markedly slower (bench/RESULTS.md).
  for (let i = start + groups * 4; i < end; i++) {
    const g = a[i]! * shareA + b[i]! * shareB;
    const mi = m[i]! * beta1 + g * keep1;
    const vi = v[i]! * beta2 + g * g * keep2;
    m[i] = mi;
    v[i] = vi;
    weights[i] = weights[i]! * keepW + (stepSize * mi) / (Math.sqrt(vi * inverse2) + epsilon);
  }
}

/**
 * The Adam state of `optimizer` for the trainable weights of a model laid out as `layout`: its
 * settings, update count and moments, zero before its first update. Throws a PipelineError
 * for another optimizer or moments of other shapes.
 */
export async function readAdamState(optimizer: tf.Optimizer, layout: FlatLayout): Promise<AdamState> {
  const { trainableCount } = layout;
  if (optimizer.getClassName() !== 'Adam') {
    throw new PipelineError(`Data-parallel training supports the Adam optimizer only, not ${optimizer.getClassName()}. Train with --workers 1.`);
  }
  const config = optimizer.getConfig() as { learningRate: number; beta1: number; beta2: number; epsilon: number };
  const saved = await optimizer.getWeights();
  const iterations = (await saved[0]!.tensor.data())[0]!;
  saved[0]!.tensor.dispose(); // a new scalar; the moments are the optimizer's own variables
  const moments = saved.slice(1).map((w) => w.tensor);
  const shapes = layout.shapes.slice(0, trainableCount).map((s) => s.join('x'));
  const m = new Float32Array(layout.trainableFloats);
  const v = new Float32Array(layout.trainableFloats);
  if (moments.length > 0) {
    const momentShapes = moments.map((t) => t.shape.join('x'));
    if (momentShapes.join(',') !== [...shapes, ...shapes].join(',')) {
      throw new PipelineError(
        `The optimizer's moments (${momentShapes.join(',')}) do not match the model's trainable weights (${shapes.join(',')}). ` +
          'Delete the training state and start again without --resume.',
      );
    }
    for (let i = 0; i < trainableCount; i++) {
      m.set(moments[i]!.dataSync() as Float32Array, layout.offsets[i]);
      v.set(moments[trainableCount + i]!.dataSync() as Float32Array, layout.offsets[i]);
    }
  }
  return { learningRate: config.learningRate, weightDecay: 0, beta1: config.beta1, beta2: config.beta2, epsilon: config.epsilon, iterations, m, v };
}

/**
 * Sets `optimizer`'s update count and moments from `state` (the inverse of `readAdamState`),
 * for `model`, laid out as `layout`.
 */
export async function writeAdamState(optimizer: tf.Optimizer, model: tf.LayersModel, layout: FlatLayout, state: AdamState): Promise<void> {
  const old = await optimizer.getWeights();
  const momentsOf = (flat: Float32Array, suffix: string) =>
    model.trainableWeights.map((w, i) => {
      const start = layout.offsets[i]!;
      const end = layout.offsets[i + 1] ?? layout.totalFloats;
      // tfjs names moments after their variable, as its own applyGradients does
      return { name: `${(w.read() as tf.Variable).name}/${suffix}`, tensor: tf.tensor(flat.slice(start, end), layout.shapes[i]) };
    });
  const fresh = [{ name: 'iter', tensor: tf.scalar(state.iterations, 'int32') }, ...momentsOf(state.m, 'm'), ...momentsOf(state.v, 'v')];
  await optimizer.setWeights(fresh);
  // setWeights makes new moment variables sharing our tensors' data: free ours and the old moments.
  tf.dispose([...old, ...fresh].map((w) => w.tensor));
}
