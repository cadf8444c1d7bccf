/**
 * Copies between flat arrays (FlatLayout order) and tensors of the wasm backend, with one
 * memory copy each way and no JS-side allocation: a training thread moves the 9 MB of the
 * MLP's weights in and its gradients out on every step. Wasm backend only.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tfjs/tf.js';
import type { FlatLayout } from './flatWeights.js';

/**
 * Sets every weight of `model` from `from`. Each variable gets a new buffer: overwriting the
 * old one in place would be cheaper but wrong, since the wasm matmul caches its packed copy of
 * a weight per tensor (XNNPACK operators keyed by tensor id) and would keep multiplying by the
 * old values. The wasm backend copies `from` into its memory as the tensor is made, so the
 * shared array may change afterwards.
 */
export function loadWeights(model: tf.LayersModel, layout: FlatLayout, from: Float32Array): void {
  model.weights.forEach((w, i) => {
    const variable = w.read() as tf.Variable;
    const fresh = tf.tensor(from.subarray(layout.offsets[i], layout.offsets[i]! + variable.size), variable.shape);
    variable.assign(fresh);
    fresh.dispose();
  });
}

/** Copies `tensor`'s values into `into` from `offset` on. */
export function copyFromHeap(tensor: tf.Tensor, into: Float32Array, offset: number): void {
  into.set((tf.backend() as BackendWasm).typedArrayFromHeap(tensor) as Float32Array, offset);
}
