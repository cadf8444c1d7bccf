/**
 * Cast for wasm that does not copy when the dtype is unchanged: gradient code casts float32
 * tensors to float32 (e.g. the Multiply gradient's `cast(b, 'float32')`), and the stock kernel
 * copies the whole tensor each time. Real conversions keep the stock kernel.
 */
import { tf } from '../tf.js';
import { identity } from './identity.js';
import { runStock, type WasmKernelArgs } from './stock.js';

/** Kernel function: shares the buffer for a same-dtype cast, else converts (stock). */
export function cast(args: WasmKernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { dtype } = args.attrs as unknown as tf.CastAttrs;
  return x.dtype === dtype ? identity(args) : runStock('Cast', args.backend, args.inputs, args.attrs);
}
