/**
 * Conv2DBackpropFilter for wasm, which ships without it (tensorflow/tfjs#8474), so no
 * convolution can train there. The filter gradient of an NHWC convolution is itself a
 * convolution: x seen as [Ci, H, W, N] (a batch of Ci one-"pixel-channel" images with N
 * channels) correlated with dy seen as [OH, OW, N, Co] (a filter), with stride 1, dilation
 * = the forward stride and the forward padding made explicit, gives [Ci, KH, KW, Co].
 * The convnet's 3x3 'same' convolutions take Winograd's F(4x4, 3x3), or for its first one, from
 * one channel, a direct loop (both winogradConv.ts). Other stride-1 convolutions with few input
 * channels (the study CNN's first one) take a matrix product over explicit patches
 * (filterGradByPatches.ts), and the study's other three (stride 1, padded below and right) one
 * FMA product per filter tap (filterGradByTaps.ts).
 *
 * XNNPACK streams the whole packed "filter" (dy) from memory once per tile of output rows;
 * at batch 500 that is 25 MB for the study's second convolution. Large batches are therefore
 * cut into chunks whose dy fits in cache, and the chunks' gradients add up in float64.
 */
import { tf } from '../tf.js';
import { filterGradByPatches } from './filterGradByPatches.js';
import { canFilterGradByTaps, filterGradByTaps } from './filterGradByTaps.js';
import { disposeAll, runStock, type WasmKernelArgs } from './stock.js';
import { tookPath } from './kernelPaths.js';
import { canDirectFilterGrad, canWinograd, directFilterGrad, winogradFilterGrad } from './winogradConv.js';

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
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  if (x.dtype === 'float32' && dy.dtype === 'float32' && canWinograd(info, info.inChannels, info.outChannels)) {
    tookPath('Conv2DBackpropFilter', 'winograd');
    return winogradFilterGrad(backend, x, dy);
  }
  if (x.dtype === 'float32' && dy.dtype === 'float32' && canDirectFilterGrad(info)) {
    tookPath('Conv2DBackpropFilter', 'direct 3x3');
    return directFilterGrad(backend, x, dy);
  }
  // On the study's shapes patches win while they are no wider than dy (1 -> 64 channels); at
  // 64 -> 64 they are 4x dy and much slower (bench/RESULTS.md).
  const patchesFit = sh === 1 && sw === 1 && x.dtype === 'float32' && kh * kw * info.inChannels <= info.outChannels;
  if (patchesFit) {
    tookPath('Conv2DBackpropFilter', 'patches');
    return filterGradByPatches(x, dy, info, backend);
  }
  if (x.dtype === 'float32' && canFilterGradByTaps(info)) {
    tookPath('Conv2DBackpropFilter', 'taps');
    return filterGradByTaps(x, dy, info, backend);
  }
  // the convolution form works for every shape, at XNNPACK's speed
  tookPath('Conv2DBackpropFilter', 'stock convolution');
  const bytesPerImage = info.outHeight * info.outWidth * info.outChannels * Float32Array.BYTES_PER_ELEMENT;
  const chunks = Math.ceil(info.batchSize * bytesPerImage / CHUNK_DY_BYTES);
  if (chunks < MIN_CHUNKS || x.dtype !== 'float32') return byConvolution(x, dy, info, backend);
  // Equal chunks: a small leftover chunk would cost a whole call's overhead for little work.
  const imagesPerChunk = Math.ceil(info.batchSize / chunks);
  return sumOverChunks(x, dy, imagesPerChunk, filterShape, backend, (xc, dyc) => byConvolution(xc, dyc, info, backend));
}

/**
 * dy bytes per chunk: chunks of this size made the convolution form faster than one call over
 * the whole batch on the study's 64 -> 64 and 64 -> 128 convolutions (bench/RESULTS.md).
 */
const CHUNK_DY_BYTES = 1 << 20;
/** Fewer chunks than this cost more in calls than they save (the last conv: 2.3 MB of dy). */
const MIN_CHUNKS = 4;

type Backend = WasmKernelArgs['backend'];

/** Runs `grad` on consecutive chunks of images of x and dy and adds the results in float64. */
function sumOverChunks(
  x: tf.TensorInfo, dy: tf.TensorInfo, imagesPerChunk: number, filterShape: number[], backend: Backend,
  grad: (xc: tf.TensorInfo, dyc: tf.TensorInfo) => tf.TensorInfo,
): tf.TensorInfo {
  const batch = x.shape[0]!;
  const sums = new Float64Array(filterShape.reduce((a, b) => a * b, 1));
  for (let first = 0; first < batch; first += imagesPerChunk) {
    const images = Math.min(imagesPerChunk, batch - first);
    const [xc, dyc] = [x, dy].map((t) => backend.makeOutput([images, ...t.shape.slice(1)], 'float32')) as [tf.TensorInfo, tf.TensorInfo];
    // Views taken after the allocations: allocating can grow the wasm heap and detach older views.
    for (const [from, to] of [[x, xc], [dy, dyc]] as const) {
      const perImage = from.shape.slice(1).reduce((a, b) => a * b, 1);
      const source = backend.typedArrayFromHeap(from) as Float32Array;
      (backend.typedArrayFromHeap(to) as Float32Array).set(source.subarray(first * perImage, (first + images) * perImage));
    }
    const part = grad(xc, dyc);
    const values = backend.typedArrayFromHeap(part) as Float32Array;
    for (let i = 0; i < sums.length; i++) sums[i]! += values[i]!;
    disposeAll(backend, xc, dyc, part);
  }
  return backend.makeOutput(filterShape, 'float32', undefined, Float32Array.from(sums));
}

/** The filter gradient as one convolution (see the file comment). */
function byConvolution(x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, backend: Backend): tf.TensorInfo {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
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

function cropBottomRight(x: tf.TensorInfo, rows: number, cols: number, backend: Backend): tf.TensorInfo {
  if (rows === 0 && cols === 0) return x;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  return runStock('Slice', backend, { x }, { begin: [0, 0, 0, 0], size: [n, h - rows, w - cols, c] });
}
