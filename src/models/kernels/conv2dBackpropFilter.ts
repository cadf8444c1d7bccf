/**
 * Conv2DBackpropFilter for wasm, which ships without it (tensorflow/tfjs#8474), so no
 * convolution can train there. The filter gradient of an NHWC convolution is itself a
 * convolution: x seen as [Ci, H, W, N] (a batch of Ci one-"pixel-channel" images with N
 * channels) correlated with dy seen as [OH, OW, N, Co] (a filter), with stride 1, dilation
 * = the forward stride and the forward padding made explicit, gives [Ci, KH, KW, Co].
 * Stride-1 convolutions with few input channels (the study's first one) take a matrix product
 * over explicit patches instead (filterGradByPatches.ts).
 */
import { tf } from '../tf.js';
import { filterGradByPatches } from './filterGradByPatches.js';
import { disposeAll, runStock, type WasmKernelArgs } from './stock.js';

/** Kernel function: dW[kh,kw,ci,co] = sum over n,oh,ow of xpad[n, oh*s+kh, ow*s+kw, ci] * dy[n,oh,ow,co]. */
export function conv2dBackpropFilter({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') {
    throw new Error('Conv2DBackpropFilter on wasm supports dataFormat NHWC only (channelsLast); got NCHW.');
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  // Measured on the study's shapes (batch 500): patches win while they are no wider than dy
  // (1 -> 64 channels: ~230 -> ~75 ms); at 64 -> 64 they are 4x dy and ~3x slower.
  const patchesFit = sh === 1 && sw === 1 && x.dtype === 'float32' && kh * kw * info.inChannels <= info.outChannels;
  if (patchesFit) return filterGradByPatches(x, dy, info, backend);
  // Rows of the padded input the forward pass never read (valid padding, stride > 1) would
  // make the correlation's output taller than the filter: pad less, or crop x, to fit.
  const padBottom = kh + (info.outHeight - 1) * sh - info.inHeight - padInfo.top;
  const padRight = kw + (info.outWidth - 1) * sw - info.inWidth - padInfo.left;
  const cropped = cropBottomRight(x, Math.max(0, -padBottom), Math.max(0, -padRight), backend);
  const xT = runStock('Transpose', backend, { x: cropped }, { perm: [3, 1, 2, 0] });
  const dyT = runStock('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  const explicit = [[0, 0], [padInfo.top, Math.max(0, padBottom)], [padInfo.left, Math.max(0, padRight)], [0, 0]];
  const grad = runStock('Conv2D', backend, { x: xT, filter: dyT }, {
    strides: [1, 1], dilations: [sh, sw], pad: explicit, dataFormat: 'NHWC',
  } as unknown as tf.NamedAttrMap);
  const out = runStock('Transpose', backend, { x: grad }, { perm: [1, 2, 0, 3] });
  if (cropped !== x) disposeAll(backend, cropped);
  disposeAll(backend, xT, dyT, grad);
  return out;
}

function cropBottomRight(x: tf.TensorInfo, rows: number, cols: number, backend: WasmKernelArgs['backend']): tf.TensorInfo {
  if (rows === 0 && cols === 0) return x;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  return runStock('Slice', backend, { x }, { begin: [0, 0, 0, 0], size: [n, h - rows, w - cols, c] });
}
