/**
 * The gradients of Relu and Square as one WebAssembly SIMD pass each (see wasm/assembler.ts), under
 * the project's own wasm kernel names. tfjs-core computes them as two passes over the
 * activation: dy * cast(step(x)) and dy * (x * 2). Same float32 results, except that a NaN x
 * gives Relu's gradient 0 where step(NaN) gives NaN. Other backends, dtypes and shape
 * mismatches keep tfjs-core's gradients.
 */
import { tf } from '../tf.js';
import { stockGradient, type WasmKernelArgs } from './stock.js';
import {
  AND, BLOCK, BR_IF, END, F32X4_ADD, F32X4_GT, F32X4_MUL, GET, I32, I32_ADD, I32_CONST, I32_EQZ, I32_LT_U, I32_SHL, LOAD,
  LOOP, SET, STORE, TEE, V128, V128_ZERO, VOID, assemble, bindToBackend,
} from '../../wasm/assembler.js';

/** Kernel names: inputs dy and x of the same shape, output dx. */
export const RELU_GRAD = 'FashionPipelineReluGrad';
export const SQUARE_GRAD = 'FashionPipelineSquareGrad';

/** grad(dy, x, dx, groups): byte addresses; `groups` runs of 4 floats. */
type Pass = (dy: number, x: number, dx: number, groups: number) => void;

const [DY, X, DX, GROUPS, I, END_AT, V] = [0, 1, 2, 3, 4, 5, 6];
const plusI = (local: number) => [GET, local, GET, I, I32_ADD];

/** A loop storing `value` (code leaving one v128 on the stack) at dx + i for every group. */
function pass(value: number[]): number[] {
  return [
    0x02, 2, I32, 1, V128, // locals: i, end (byte offsets), v (scratch)
    BLOCK, VOID,
    GET, GROUPS, I32_EQZ, BR_IF, 0,
    GET, GROUPS, I32_CONST, 4, I32_SHL, SET, END_AT,
    LOOP, VOID,
    ...plusI(DX), ...value, ...STORE,
    GET, I, I32_CONST, 16, I32_ADD, TEE, I, GET, END_AT, I32_LT_U, BR_IF, 0,
    END,
    END,
  ];
}

const MODULE = assemble([
  // dy & (x > 0): all-ones lanes keep dy, others give 0.
  { name: 'relu', params: 4, body: pass([...plusI(DY), ...LOAD, ...plusI(X), ...LOAD, ...V128_ZERO, ...F32X4_GT, ...AND]) },
  // dy * (x + x): x + x is x * 2 exactly.
  { name: 'square', params: 4, body: pass([...plusI(DY), ...LOAD, ...plusI(X), ...LOAD, TEE, V, GET, V, ...F32X4_ADD, ...F32X4_MUL]) },
]);

interface Passes { relu: Pass; square: Pass }
const SCALAR: Record<keyof Passes, (dy: number, x: number) => number> = {
  relu: (dy, x) => (x > 0 ? dy : 0),
  square: (dy, x) => dy * (x + x),
};

function runPass(which: keyof Passes, { inputs, backend }: WasmKernelArgs): tf.TensorInfo {
  const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const passes = bindToBackend<Passes>(MODULE, backend)!;
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
    x.dtype === 'float32' && dy.dtype === 'float32' && tf.util.arraysEqual(x.shape, dy.shape) &&
    bindToBackend(MODULE, tf.backend() as unknown as WasmKernelArgs['backend']) !== undefined;
}

/** Gradient config for `forward` (Relu or Square) using `kernelName` where it can, else tfjs-core's. */
function fusedGradient(forward: string, kernelName: string): tf.GradConfig {
  return {
    kernelName: forward,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      if (!canFuse(kernelName, dy as tf.Tensor, x)) return stockGradient(forward)!.gradFunc(dy, saved, attrs);
      return { x: () => tf.engine().runKernel(kernelName, { dy: dy as tf.Tensor, x }, {}) as tf.Tensor };
    },
  };
}

/** The replacements for tfjs-core's Relu and Square gradients. */
export const elementwiseGradConfigs = (): tf.GradConfig[] => [fusedGradient('Relu', RELU_GRAD), fusedGradient('Square', SQUARE_GRAD)];
