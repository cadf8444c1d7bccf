/**
 * FusedConv2D (convolution, bias and activation: a Conv2D layer's training pass, see
 * ../layers/conv2d.ts, and its inference) for wasm: 3x3 'same' convolutions with a linear or relu
 * activation go through Winograd's F(4x4, 3x3) (winogradConv.ts), which adds the bias and applies
 * relu as it writes each output tile. Everything else (the convnet's first convolution, from one
 * channel; the study CNN's 2x2 ones) keeps XNNPACK's stock kernel.
 */
import { tf } from '../tf.js';
import { tookPath } from './kernelPaths.js';
import { runStock, type WasmKernelArgs } from './stock.js';
import { canWinograd, forwardFilter, winogradConv } from './winogradConv.js';

/** Kernel function: Winograd where it applies, else the stock kernel. */
export function fusedConv2d({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x, filter, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined> & { x: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dilations, dimRoundingMode, activation } = attrs as unknown as tf.FusedConv2DAttrs;
  const k = filter.shape[3]!;
  const supported = dataFormat === 'NHWC' && x.dtype === 'float32' && filter.dtype === 'float32' && !preluActivationWeights &&
    (activation === 'linear' || activation === 'relu') &&
    (!bias || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === k)) &&
    canWinograd(tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode,
    ), filter.shape[2]!, k);
  // XNNPACK's is the fast path for the other shapes the networks use, not a fallback
  tookPath('FusedConv2D', supported ? 'winograd' : 'xnnpack');
  return supported ? winogradConv(backend, x, filter, forwardFilter(k), k, bias, activation === 'relu') : runStock('FusedConv2D', backend, inputs, attrs);
}
