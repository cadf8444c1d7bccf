/**
 * Picks the TensorFlow.js backend: the native `tensorflow` one when @tensorflow/tfjs-node is
 * installed, else `wasm` with the project's kernels, else the pure-JS `cpu` one.
 */
import { PipelineError } from '../errors.js';
import { registerFastKernels, registerMissingKernels, restoreStockKernels } from './kernels/index.js';
import { tf } from './tf.js';

/** The TensorFlow.js backends the pipeline can run on. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Fastest first: the order tried when no backend is forced. */
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

// A variable specifier keeps tsc from resolving a package that is optional and usually absent.
const TFJS_NODE = '@tensorflow/tfjs-node';

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /**
   * Register the project's faster wasm kernels (default true). `false` keeps the stock ones,
   * plus the missing Conv2DBackpropFilter; benchmarks use it for a before/after comparison.
   */
  fastKernels?: boolean;
}

/**
 * Makes `preferred` (or the fastest backend that loads) the active backend and returns its
 * name; the caller prints it. A forced backend that cannot load throws a PipelineError that
 * says why and what to do; without one, failures fall through to the next backend silently.
 */
export async function initBackend(preferred?: BackendName, options: InitBackendOptions = {}): Promise<BackendName> {
  if (preferred) {
    const failure = await tryBackend(preferred, options);
    if (failure) throw new PipelineError(failure);
    return preferred;
  }
  for (const name of BACKEND_ORDER) {
    if ((await tryBackend(name, options)) === undefined) return name;
  }
  // cpu is built into tfjs and always loads; reaching here means tfjs itself is broken.
  throw new PipelineError('No TensorFlow.js backend could be loaded, not even "cpu". Reinstall with `npm ci`.');
}

/** Activates one backend; returns undefined on success, else the reason it cannot be used. */
async function tryBackend(name: BackendName, options: InitBackendOptions): Promise<string | undefined> {
  switch (name) {
    case 'tensorflow':
      return tryTensorflow();
    case 'wasm':
      return tryWasm(options.fastKernels ?? true);
    case 'cpu':
      return (await tf.setBackend('cpu')) ? undefined : 'Cannot use backend "cpu": tf.setBackend("cpu") failed.';
  }
}

async function tryTensorflow(): Promise<string | undefined> {
  try {
    await import(TFJS_NODE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ERR_MODULE_NOT_FOUND'
      ? `${TFJS_NODE} is not installed`
      : `${TFJS_NODE} failed to load (${(err as Error).message.split('\n')[0]})`;
    return (
      `Cannot use backend "tensorflow": ${why}. ` +
      `Run \`npm install ${TFJS_NODE}\` (it needs network access to download libtensorflow; ` +
      'offline, point TFJS_NODE_BASE_URI at an http mirror), or use --backend wasm.'
    );
  }
  if (await tf.setBackend('tensorflow')) return undefined;
  return `Cannot use backend "tensorflow": ${TFJS_NODE} loaded but its backend did not initialise. ` +
    'Reinstall it (`npm rebuild @tensorflow/tfjs-node`), or use --backend wasm.';
}

async function tryWasm(fastKernels: boolean): Promise<string | undefined> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    return `Cannot use backend "wasm": @tensorflow/tfjs-backend-wasm failed to load ` +
      `(${(err as Error).message.split('\n')[0]}). Run \`npm ci\`, or use --backend cpu.`;
  }
  if (!(await tf.setBackend('wasm'))) {
    return 'Cannot use backend "wasm": its WebAssembly module did not initialise (see the warning above). ' +
      'Run `npm ci` to restore node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm, or use --backend cpu.';
  }
  registerMissingKernels();
  if (fastKernels) registerFastKernels();
  else restoreStockKernels();
  return undefined;
}
