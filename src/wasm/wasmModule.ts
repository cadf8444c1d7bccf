/**
 * Loads the project's WebAssembly kernels (AssemblyScript sources in `src/**\/assembly/`, compiled
 * by `npm run build` into `.wasm` files beside the JavaScript that loads them) and binds them to
 * a memory: the tfjs wasm backend's own, or one the caller made.
 *
 * Every module imports its memory as `env.memory`, has no data segment and never grows memory
 * (test/wasm/builtModules.test.ts checks each built file), so it writes only where the addresses
 * it is given point: it can share the backend's heap without corrupting it.
 *
 * Nothing here falls back: a module that is missing, does not compile or cannot bind is an
 * error that says why and what to do.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

/** A WebAssembly.Memory (typed here without the DOM library). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}

/** The few WebAssembly JS APIs used here (the project's lib settings carry no DOM types). */
interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmJs = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** A kernel module that could not be loaded, compiled or bound; the message says why. */
export class WasmModuleError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WasmModuleError';
  }
}

/**
 * One built module: compiled on first use, instantiated once per memory. Make it with the URL of
 * the built file, `new WasmModule(new URL('./assembly/NAME.wasm', import.meta.url))`, from the
 * file that binds it; nothing is read until it is first bound.
 */
export class WasmModule {
  /** the .wasm file, for messages */
  readonly path: string;
  private compiled?: object;
  private readonly instances = new WeakMap<object, Record<string, unknown>>();

  constructor(url: URL) {
    this.path = fileURLToPath(url);
  }

  /** The module's exports bound to `memory`. Throws a WasmModuleError with the reason. */
  bind<T>(memory: WasmMemory): T {
    const compiled = (this.compiled ??= compile(this.path));
    let exports = this.instances.get(memory);
    if (!exports) {
      try {
        exports = new wasmJs.Instance(compiled, { env: { memory } }).exports;
      } catch (error) {
        throw new WasmModuleError(
          `The kernel module ${this.path} cannot use the memory it was given: ${(error as Error).message}`,
          { cause: error },
        );
      }
      this.instances.set(memory, exports);
    }
    return exports as T;
  }

  /** The module's exports bound to the tfjs wasm backend's own memory. */
  bindToBackend<T>(backend: MemoryOwner): T {
    return this.bind<T>(backendMemory(backend));
  }
}

/** A tfjs wasm backend, as far as binding needs it. */
export interface MemoryOwner {
  readonly wasm: unknown;
}

/** The memory of a tfjs wasm backend; an error if this build of the backend does not expose it. */
function backendMemory(backend: MemoryOwner): WasmMemory {
  const memory = (backend.wasm as { asm?: { memory?: unknown } } | undefined)?.asm?.memory;
  if (!(memory instanceof wasmJs.Memory)) {
    throw new WasmModuleError(
      'The tfjs wasm backend does not expose its WebAssembly memory (backend.wasm.asm.memory), so the ' +
        "project's kernels cannot run on it. Use the @tensorflow/tfjs-backend-wasm version in package.json.",
    );
  }
  return memory;
}

const PAGE_BYTES = 65536;

/** A memory of at least `bytes`, fixed in size, for one thread. */
export function createMemory(bytes: number): WasmMemory {
  const pages = Math.max(1, Math.ceil(bytes / PAGE_BYTES));
  return new wasmJs.Memory({ initial: pages, maximum: pages });
}

/**
 * A shared memory of at least `bytes`, fixed in size: its buffer is a SharedArrayBuffer, it can be
 * posted to worker threads, and each thread can bind modules built with `sharedMemory` to it.
 */
export function createSharedMemory(bytes: number): WasmMemory {
  const pages = Math.max(1, Math.ceil(bytes / PAGE_BYTES));
  return new wasmJs.Memory({ initial: pages, maximum: pages, shared: true });
}

let relaxedSimd = false;

function compile(path: string): object {
  // Some kernels use fused multiply-add, which WebAssembly offers only as relaxed SIMD; Node 20's
  // V8 compiles it behind this flag (later versions have it on). It must be set before compiling.
  if (!relaxedSimd) setFlagsFromString('--experimental-wasm-relaxed-simd');
  relaxedSimd = true;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new WasmModuleError(`The kernel module ${path} is missing (${(error as Error).message}). Run npm run build.`, {
      cause: error,
    });
  }
  try {
    return new wasmJs.Module(bytes);
  } catch (error) {
    throw new WasmModuleError(
      `The kernel module ${path} does not compile on this engine: ${(error as Error).message}. ` +
        'The kernels need WebAssembly SIMD and relaxed SIMD (Node.js 20.15 or later).',
      { cause: error },
    );
  }
}
