/**
 * The project's wasm kernels: the one the wasm backend lacks, and faster replacements for the
 * stock kernels that dominate a training step (see bench/kernels.ts for the measurements).
 */
import { batchMatMul } from './batchMatMul.js';
import { cast } from './cast.js';
import { conv2dBackpropFilter } from './conv2dBackpropFilter.js';
import { conv2dBackpropInput } from './conv2dBackpropInput.js';
import { identity } from './identity.js';
import { maxPoolGrad } from './maxPoolGrad.js';
import { mean } from './mean.js';
import { sum } from './sum.js';
import { tile } from './tile.js';
import { captureStockKernels, registerWasmKernel, restoreWasmKernel, type WasmKernelFunc } from './stock.js';

/** Kernel name -> the project's implementation, replacing the stock wasm kernel. */
export const FAST_KERNELS: Readonly<Record<string, WasmKernelFunc>> = {
  BatchMatMul: batchMatMul,
  Cast: cast,
  Conv2DBackpropInput: conv2dBackpropInput,
  Identity: identity,
  MaxPoolGrad: maxPoolGrad,
  Mean: mean,
  Sum: sum,
  Tile: tile,
};

/** Registers Conv2DBackpropFilter, without which no convolution trains on wasm. Idempotent. */
export function registerMissingKernels(): void {
  captureStockKernels();
  registerWasmKernel('Conv2DBackpropFilter', conv2dBackpropFilter);
}

/** Replaces the slow stock wasm kernels with the project's (FAST_KERNELS). Idempotent. */
export function registerFastKernels(): void {
  captureStockKernels();
  for (const [name, kernelFunc] of Object.entries(FAST_KERNELS)) registerWasmKernel(name, kernelFunc);
}

/** Puts the stock wasm kernels back in place of FAST_KERNELS (benchmarks compare both). */
export function restoreStockKernels(): void {
  captureStockKernels();
  for (const name of Object.keys(FAST_KERNELS)) restoreWasmKernel(name);
}
