/**
 * Conv2DBackpropInput for wasm as a forward convolution. The stock kernel is a plain loop, a
 * large share of a CNN step; XNNPACK's convolution is far faster. For stride 1 the input
 * gradient is the correlation of dy with the filter flipped in space and with its channel
 * axes swapped, padded by (filter size - 1 - forward padding) on each side. Other strides
 * keep the stock kernel. The convnet's 3x3 'same' convolutions take Winograd's F(4x4, 3x3)
 * (winogradConv.ts), the study's three wider convolutions (padded below and right, 64 or 128
 * input channels) FMA products per filter tap (inputGradByTaps.ts).
 */
import { tf } from '../tf.js';
import { canInputGradByTaps, inputGradByTaps } from './inputGradByTaps.js';
import { disposeAll, runStock, type WasmKernelArgs } from './stock.js';
import { tookPath } from './kernelPaths.js';
import { canWinograd, inputGradFilter, winogradConv } from './winogradConv.js';

/** Kernel function: dx = conv2d(dy, transpose(reverse(W, [0, 1]), [0, 1, 3, 2])) for stride 1. */
export function conv2dBackpropInput(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode,
  );
  const { filterHeight: kh, filterWidth: kw, padInfo } = info;
  const explicit = [
    [0, 0],
    [kh - 1 - padInfo.top, kh - 1 - padInfo.bottom],
    [kw - 1 - padInfo.left, kw - 1 - padInfo.right],
    [0, 0],
  ];
  const unsupported = dataFormat === 'NCHW' || info.strideHeight !== 1 || info.strideWidth !== 1 ||
    explicit.some(([before, after]) => before! < 0 || after! < 0);
  if (unsupported) {
    tookPath('Conv2DBackpropInput', 'stock');
    return runStock('Conv2DBackpropInput', backend, inputs, attrs);
  }
  if (dy.dtype === 'float32' && filter.dtype === 'float32' && canWinograd(info, info.outChannels, info.inChannels)) {
    tookPath('Conv2DBackpropInput', 'winograd');
    return winogradConv(backend, dy, filter, inputGradFilter(info.outChannels), info.inChannels);
  }
  if (dy.dtype === 'float32' && filter.dtype === 'float32' && canInputGradByTaps(info)) {
    tookPath('Conv2DBackpropInput', 'taps');
    return inputGradByTaps(dy, filter, info, backend);
  }
  tookPath('Conv2DBackpropInput', 'convolution');
  const flipped = runStock('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const swapped = runStock('Transpose', backend, { x: flipped }, { perm: [0, 1, 3, 2] });
  const dx = runStock('Conv2D', backend, { x: dy, filter: swapped }, {
    strides: [1, 1], dilations: [1, 1], pad: explicit, dataFormat: 'NHWC',
  } as unknown as tf.NamedAttrMap);
  disposeAll(backend, flipped, swapped);
  return dx;
}
