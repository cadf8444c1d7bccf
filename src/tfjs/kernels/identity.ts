/**
 * Identity for wasm without a copy: the output shares the input's buffer (refcounted), as the
 * cpu and webgl backends already do; tfjs tensors are immutable, so sharing is safe. The
 * stock kernel copies, and the gradients of a BatchNormalization step clone activations of up
 * to 100 MB several times per step, a noticeable cost.
 */
import { tf } from '../tf.js';
import { runStock, type WasmKernelArgs } from './stock.js';

/** Kernel function: one more reference to x's buffer (strings keep the stock copy). */
export function identity({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return runStock('Identity', backend, inputs, attrs);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
