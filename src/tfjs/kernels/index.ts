/**
 * The project's wasm kernels: the one the wasm backend lacks, and faster replacements for the
 * stock kernels that dominate a training step (see bench/kernels.ts for the measurements).
 */
import { batchMatMul } from './batchMatMul.js';
import { enableFastBatchNormalization } from '../layers/batchNormTraining.js';
import { enableFastConv2d, fusedConv2dGradConfig } from '../layers/conv2d.js';
import { enableFastDropout } from '../layers/dropout.js';
import { BATCH_NORM_GRAD_STATS, batchNormGradStats } from './batchNormGradStats.js';
import { BATCH_NORM_INPUT_GRAD, batchNormInputGrad, CHANNEL_MOMENTS, channelMoments } from './batchNormTraining.js';
import { cast } from './cast.js';
import { conv2dBackpropFilter } from './conv2dBackpropFilter.js';
import { conv2dBackpropInput } from './conv2dBackpropInput.js';
import { fusedBatchNorm } from './fusedBatchNorm.js';
import { fusedConv2d } from './fusedConv2d.js';
import { fusedMatMul } from './fusedMatMul.js';
import { fusedBatchNormGradConfig } from './fusedBatchNormGrad.js';
import { elementwiseGradConfigs, RELU_GRAD, reluGrad, SQUARE_GRAD, squareGrad } from './elementwiseGrads.js';
import { identity } from './identity.js';
import { maxPoolGrad } from './maxPoolGrad.js';
import { mean } from './mean.js';
import { meanGradConfig } from './meanGrad.js';
import { sum } from './sum.js';
import { tile } from './tile.js';
import type { tf } from '../tf.js';
import {
  captureStockKernels,
  isProjectGradient,
  isProjectKernel,
  registerGradient,
  registerWasmKernel,
  restoreGradient,
  restoreWasmKernel,
  stockGradient,
  type WasmKernelFunc,
} from './stock.js';

/**
 * Kernel name -> the project's implementation, replacing the stock wasm kernel (or, for the
 * project's own kernel names, added beside them: restoring removes those).
 */
export const FAST_KERNELS: Readonly<Record<string, WasmKernelFunc>> = {
  BatchMatMul: batchMatMul,
  [BATCH_NORM_GRAD_STATS]: batchNormGradStats,
  [BATCH_NORM_INPUT_GRAD]: batchNormInputGrad,
  [CHANNEL_MOMENTS]: channelMoments,
  [RELU_GRAD]: reluGrad,
  [SQUARE_GRAD]: squareGrad,
  Cast: cast,
  Conv2DBackpropInput: conv2dBackpropInput,
  FusedBatchNorm: fusedBatchNorm,
  FusedConv2D: fusedConv2d,
  _FusedMatMul: fusedMatMul,
  Identity: identity,
  MaxPoolGrad: maxPoolGrad,
  Mean: mean,
  Sum: sum,
  Tile: tile,
};

/**
 * Gradients replaced along with the kernels: same values, fewer full-size passes (they
 * matter most on wasm, where every pass over a 100 MB activation is a separate kernel).
 */
const fastGradients = (): tf.GradConfig[] => [
  meanGradConfig,
  fusedBatchNormGradConfig(stockGradient('FusedBatchNorm')!),
  ...elementwiseGradConfigs(),
  fusedConv2dGradConfig,
];

/** Registers Conv2DBackpropFilter, without which no convolution trains on wasm. Idempotent. */
export function registerMissingKernels(): void {
  requireWasmKernels();
  registerWasmKernel('Conv2DBackpropFilter', conv2dBackpropFilter);
}

/**
 * Replaces the slow stock wasm kernels (FAST_KERNELS) and gradients with the project's, and
 * turns on the layers' fast training passes (batchNormTraining.ts, conv2d.ts, dropout.ts).
 * Idempotent.
 */
export function registerFastKernels(): void {
  requireWasmKernels();
  for (const [name, kernelFunc] of Object.entries(FAST_KERNELS)) registerWasmKernel(name, kernelFunc);
  for (const config of fastGradients()) registerGradient(config);
  enableFastBatchNormalization(true);
  enableFastDropout(true);
  enableFastConv2d(true);
}

/** The project's kernels and gradients registered on the wasm backend now (names; empty before registration). */
export function registeredProjectKernels(): { kernels: string[]; gradients: string[] } {
  return {
    kernels: ['Conv2DBackpropFilter', ...Object.keys(FAST_KERNELS)].filter(isProjectKernel),
    gradients: fastGradients().map((g) => g.kernelName).filter(isProjectGradient),
  };
}

/** Puts the stock wasm kernels and tfjs-core's gradients back (benchmarks compare both). */
export function restoreStockKernels(): void {
  if (captureStockKernels()) for (const name of Object.keys(FAST_KERNELS)) restoreWasmKernel(name);
  for (const config of fastGradients()) restoreGradient(config.kernelName);
  enableFastBatchNormalization(false);
  enableFastDropout(false);
  enableFastConv2d(false);
}

// Registering before the wasm package has registered its own kernels would lose the stock
// ones (theirs would then collide with ours), so refuse instead.
function requireWasmKernels(): void {
  if (!captureStockKernels()) {
    throw new Error('The wasm kernels are not loaded yet: call initBackend("wasm") before registering kernels for it.');
  }
}
