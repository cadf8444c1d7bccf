/**
 * The gradients of Relu and Square as one WebAssembly SIMD pass each (source:
 * assembly/elementwiseGrads.ts), under the project's own wasm kernel names. tfjs-core computes
 * them as two passes over the activation: dy * cast(step(x)) and dy * (x * 2). Same float32
 * results, except that a NaN x gives Relu's gradient 0 where step(NaN) gives NaN. Other
 * backends, dtypes and shape mismatches keep tfjs-core's gradients.
 */
import { tf } from '../tf.js';
import { stockGradient, type WasmKernelArgs } from './stock.js';
import { WasmModule } from '../../wasm/wasmModule.js';
import { tookPath } from './kernelPaths.js';

/** Kernel names: inputs dy and x of the same shape, output dx. */
export const RELU_GRAD = 'FashionPipelineReluGrad';
export const SQUARE_GRAD = 'FashionPipelineSquareGrad';

/** grad(dy, x, dx, groups): byte addresses; `groups` runs of 4 floats. */
type Pass = (dy: number, x: number, dx: number, groups: number) => void;

const MODULE = new WasmModule(new URL('./assembly/elementwiseGrads.wasm', import.meta.url));

interface Passes { relu: Pass; square: Pass }
const SCALAR: Record<keyof Passes, (dy: number, x: number) => number> = {
  relu: (dy, x) => (x > 0 ? dy : 0),
  square: (dy, x) => dy * (x + x),
};

function runPass(which: keyof Passes, { inputs, backend }: WasmKernelArgs): tf.TensorInfo {
  const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const passes = MODULE.bindToBackend<Passes>(backend);
  const out = backend.makeOutput(x.shape, 'float32');
  // Views taken after makeOutput: allocating can grow the wasm heap and detach older views.
  const [dyView, xView, outView] = [dy, x, out].map((t) => backend.typedArrayFromHeap(t) as Float32Array) as [Float32Array, Float32Array, Float32Array];
  const groups = outView.length >> 2;
  passes[which](dyView.byteOffset, xView.byteOffset, outView.byteOffset, groups);
  // The last 0-3 elements, where a whole group of 4 does not fit.
  for (let i = groups * 4; i < outView.length; i++) outView[i] = Math.fround(SCALAR[which](dyView[i]!, xView[i]!));
  return out;
}

/** Kernel function (wasm): dx = x > 0 ? dy : 0. */
export const reluGrad = (args: WasmKernelArgs): tf.TensorInfo => runPass('relu', args);
/** Kernel function (wasm): dx = dy * 2x. */
export const squareGrad = (args: WasmKernelArgs): tf.TensorInfo => runPass('square', args);

function canFuse(kernelName: string, dy: tf.Tensor, x: tf.Tensor): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(kernelName, 'wasm') !== undefined &&
    x.dtype === 'float32' && dy.dtype === 'float32' && tf.util.arraysEqual(x.shape, dy.shape);
}

/** Gradient config for `forward` (Relu or Square) using `kernelName` where it can, else tfjs-core's. */
function fusedGradient(forward: string, kernelName: string): tf.GradConfig {
  const pathsOf = `${forward} gradient`;
  return {
    kernelName: forward,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const fused = canFuse(kernelName, dy as tf.Tensor, x);
      tookPath(pathsOf, fused ? kernelName : 'stock gradient');
      if (!fused) return stockGradient(forward)!.gradFunc(dy, saved, attrs);
      return { x: () => tf.engine().runKernel(kernelName, { dy: dy as tf.Tensor, x }, {}) as tf.Tensor };
    },
  };
}

/** The replacements for tfjs-core's Relu and Square gradients. */
export const elementwiseGradConfigs = (): tf.GradConfig[] => [fusedGradient('Relu', RELU_GRAD), fusedGradient('Square', SQUARE_GRAD)];
