/**
 * The wasm backend's own kernels, kept aside so the project's kernels can call them directly
 * (never through tf ops, which would record gradients and allocate engine tensors), and so a
 * replaced kernel can be put back.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';

/** Arguments every wasm kernel function receives. */
export interface WasmKernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}

/** A wasm kernel function returning one tensor, or several (the project's own kernel names). */
export type WasmKernelFunc = (args: WasmKernelArgs) => tf.TensorInfo | tf.TensorInfo[];

const BACKEND = 'wasm';
const stock = new Map<string, tf.KernelConfig>();
const stockGradients = new Map<string, tf.GradConfig | undefined>();

/**
 * Records every kernel the wasm backend registered, once, before the project replaces any:
 * later calls keep the first snapshot, so the stock kernels stay reachable. Returns false
 * while @tensorflow/tfjs-backend-wasm is not loaded (nothing to record yet).
 */
export function captureStockKernels(): boolean {
  if (stock.size === 0) {
    for (const config of tf.getKernelsForBackend(BACKEND)) stock.set(config.kernelName, config);
  }
  return stock.size > 0;
}

/** Runs the stock wasm kernel `name`; the caller owns (and must dispose) the result. */
export function runStock(
  name: string,
  backend: BackendWasm,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const config = stock.get(name);
  if (!config) throw new Error(`The wasm backend has no stock kernel "${name}" (was captureStockKernels() called?).`);
  return config.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

/** Frees intermediate results of stock kernels (refcounted: a shared buffer survives). */
export function disposeAll(backend: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** The same buffer seen with another shape: no copy, no refcount (do not dispose it). */
export function withShape(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, dtype: info.dtype, shape };
}

/**
 * Registers `kernelFunc` as the wasm kernel `name`, keeping the stock setup/dispose functions
 * (the stock kernel we call still needs its setup when a new wasm backend starts).
 * Unregisters first: registering over an existing kernel only warns and keeps the old one.
 */
export function registerWasmKernel(name: string, kernelFunc: WasmKernelFunc): void {
  if (isRegistered(name)) tf.unregisterKernel(name, BACKEND);
  const original = stock.get(name);
  tf.registerKernel({ ...original, kernelName: name, backendName: BACKEND, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

/** Puts the stock kernel `name` back (removes it when the wasm backend has none). */
export function restoreWasmKernel(name: string): void {
  if (isRegistered(name)) tf.unregisterKernel(name, BACKEND);
  const original = stock.get(name);
  if (original) tf.registerKernel(original);
}

/** tfjs-core's gradient for `name`, as registered before the project replaced any (undefined: none). */
export function stockGradient(name: string): tf.GradConfig | undefined {
  if (!stockGradients.has(name)) stockGradients.set(name, tf.getGradient(name) as tf.GradConfig | undefined);
  return stockGradients.get(name);
}

/**
 * Registers a replacement gradient, after keeping tfjs-core's. Gradients are global (every
 * backend), so a replacement must compute the same values, only faster.
 */
export function registerGradient(config: tf.GradConfig): void {
  stockGradient(config.kernelName);
  tf.registerGradient(config);
}

/** Puts tfjs-core's gradient for `name` back (removes the project's where tfjs-core has none). */
export function restoreGradient(name: string): void {
  const stockConfig = stockGradient(name);
  if (stockConfig) tf.registerGradient(stockConfig);
  else if (tf.getGradient(name)) tf.unregisterGradient(name);
}

/** Whether the wasm kernel `name` registered now is the project's (not the stock one, not absent). */
export function isProjectKernel(name: string): boolean {
  const registered = tf.getKernel(name, BACKEND);
  return registered !== undefined && registered.kernelFunc !== stock.get(name)?.kernelFunc;
}

/** Whether the gradient of `name` registered now is the project's. */
export function isProjectGradient(name: string): boolean {
  const registered = tf.getGradient(name);
  return registered !== undefined && registered !== stockGradient(name);
}

function isRegistered(name: string): boolean {
  return tf.getKernelsForBackend(BACKEND).some((k) => k.kernelName === name);
}
