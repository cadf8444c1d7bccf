/**
 * A minimal WebAssembly assembler for the project's hot loops, and their binding to a memory
 * (the wasm backend's own, or one the caller made). The loops (the kernels' SIMD loops in
 * models/kernels, the tree learner's histogram fill) are written as opcode lists: no toolchain
 * is needed, each module is a few hundred bytes, imports its memory (never copies it) and has
 * no data segment, so it writes only where the addresses it is given point. JavaScript loops
 * over typed arrays are ~5-10x slower than these on the study's activations.
 */

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
/** Control and variables (operand bytes follow where the encoding needs them). */
export const [BLOCK, LOOP, IF, END, BR, BR_IF, RETURN, VOID] = [0x02, 0x03, 0x04, 0x0b, 0x0c, 0x0d, 0x0f, 0x40];
/** memory.copy (bulk memory): destination, source and byte count on the stack. */
export const MEMORY_COPY = [0xfc, 0x0a, 0x00, 0x00];
export const [GET, SET, TEE] = [0x20, 0x21, 0x22];
/** i32 arithmetic; I32_CONST takes a signed LEB128 operand (single byte for 0..63). */
export const [I32_CONST, I32_EQZ, I32_LT_U, I32_ADD, I32_SUB, I32_SHL] = [0x41, 0x45, 0x49, 0x6a, 0x6b, 0x74];
export const [I32_NE, I32_LT_S, I32_GE_S, I32_CTZ, I32_MUL, I32_AND, I32_OR, I32_SHR_S, I32_SHR_U] = [0x47, 0x48, 0x4e, 0x68, 0x6c, 0x71, 0x72, 0x75, 0x76];
/** Picks the first or second of two values by an i32 condition (on the stack last). */
export const SELECT = 0x1b;
/** f64 arithmetic, and the conversion from a signed i32. */
export const [F64_GT, F64_ADD, F64_SUB, F64_MUL, F64_DIV, F64_CONVERT_I32_S] = [0x64, 0xa0, 0xa1, 0xa2, 0xa3, 0xb7];
/** f64.load / f64.store (alignment hint 8) at a constant byte offset from the address on the stack. */
export const f64LoadAt = (offset: number) => [0x2b, 0x03, ...leb128(offset)];
export const f64StoreAt = (offset: number) => [0x39, 0x03, ...leb128(offset)];
/** f64.const 0. */
export const F64_ZERO = [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
/** i32.load / i32.store (alignment hint 4) at a constant byte offset from the address on the stack. */
export const i32LoadAt = (offset: number) => [0x28, 0x02, ...leb128(offset)];
export const i32StoreAt = (offset: number) => [0x36, 0x02, ...leb128(offset)];
/** i32.load8_u and i32.load16_u (natural alignment hints), offset 0. */
export const I32_LOAD8_U = [0x2d, 0x00, 0x00];
export const I32_LOAD16_U = [0x2f, 0x01, 0x00];
/** i32.load16_u / i32.store16 (alignment hint 2) at a constant byte offset from the address on the stack. */
export const i32Load16At = (offset: number) => [0x2f, 0x01, ...leb128(offset)];
export const i32Store16At = (offset: number) => [0x3b, 0x01, ...leb128(offset)];
export const i32Store8At = (offset: number) => [0x3a, 0x00, ...leb128(offset)];
const SIMD = 0xfd;
/** v128.load / v128.store with alignment hint 1 and offset 0 (unaligned addresses allowed). */
export const LOAD = [SIMD, 0x00, 0x00, 0x00];
export const STORE = [SIMD, 0x0b, 0x00, 0x00];
/** f32.load / f32.store with alignment hint 4 and offset 0. */
export const F32_LOAD = [0x2a, 0x02, 0x00];
export const F32_STORE = [0x38, 0x02, 0x00];
/** f32.load (alignment hint 4, offset 0) then f32x4.splat: one float in all 4 lanes. */
export const LOAD_SPLAT = [0x2a, 0x02, 0x00, SIMD, 0x13];
/** The same three loads and the v128 store at a constant byte offset from the address on the stack. */
export const loadAt = (offset: number) => [SIMD, 0x00, 0x00, ...leb128(offset)];
export const storeAt = (offset: number) => [SIMD, 0x0b, 0x00, ...leb128(offset)];
export const loadSplatAt = (offset: number) => [0x2a, 0x02, ...leb128(offset), SIMD, 0x13];
/** f32x4.splat of an f32 on the stack. */
export const F32X4_SPLAT = [SIMD, 0x13];
/** v128.const with all lanes 0. */
export const V128_ZERO = [SIMD, 0x0c, ...new Array<number>(16).fill(0)];
export const F32X4_EQ = [SIMD, 0x41];
export const I16X8_NE = [SIMD, 0x2e];
/** i8x16.narrow_i16x8_s: two vectors of 8 int16 lanes into 16 int8 lanes (saturating), the first's lanes first. */
export const I8X16_NARROW_I16X8_S = [SIMD, 0x65];
/** i8x16.bitmask: bit i of an i32 is lane i's sign bit. */
export const I8X16_BITMASK = [SIMD, 0x64];
export const F32X4_GT = [SIMD, 0x44];
export const AND = [SIMD, 0x4e];
export const ANDNOT = [SIMD, 0x4f];
export const OR = [SIMD, 0x50];
export const F32X4_ADD = [SIMD, 0xe4, 0x01];
export const F32X4_SUB = [SIMD, 0xe5, 0x01];
export const F32X4_MUL = [SIMD, 0xe6, 0x01];
export const F32X4_DIV = [SIMD, 0xe7, 0x01];
export const F32X4_SQRT = [SIMD, 0xe3, 0x01];

/** One exported function. */
export interface SimdFunction {
  name: string;
  /** how many i32 parameters (addresses in bytes, counts), or the parameters' types */
  params: number | number[];
  /** local declarations and code, without the final `end` */
  body: number[];
  /** the result's type, if it returns one */
  result?: number;
}

/**
 * Assembles a module importing `env.memory` and exporting `functions`. With `sharedMemory`
 * the import is a shared memory (what threads can all address; it must then declare a
 * maximum, here the largest there is).
 */
export function assemble(functions: SimdFunction[], { sharedMemory = false } = {}): Uint8Array {
  const types = functions.map((f) => {
    const params = typeof f.params === 'number' ? new Array<number>(f.params).fill(I32) : f.params;
    return [0x60, ...leb128(params.length), ...params, ...(f.result === undefined ? [0] : [1, f.result])];
  });
  // limits: min 0 pages; shared with max 65,536 pages (4 GiB)
  const limits = sharedMemory ? [0x03, 0x00, ...leb128(65536)] : [0x00, 0x00];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vec(functions.map((_, i) => [i]))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, i]))),
    ...section(10, vec(functions.map((f) => [...leb128(f.body.length + 1), ...f.body, END]))),
  ]);
}

/** The few WebAssembly JS APIs used here (the project's lib settings carry no DOM types). */
interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const wasmJs = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** A WebAssembly.Memory (typed here without the DOM library). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}

const PAGE_BYTES = 65536;

/** A memory of at least `bytes`, fixed in size, for one thread. */
export function createMemory(bytes: number): WasmMemory {
  const pages = Math.max(1, Math.ceil(bytes / PAGE_BYTES));
  return new wasmJs.Memory({ initial: pages, maximum: pages });
}

/**
 * A shared memory of at least `bytes`, fixed in size: its buffer is a SharedArrayBuffer, it
 * can be posted to worker threads, and each thread can bind modules assembled with
 * `sharedMemory` to it (`bindToMemory`).
 */
export function createSharedMemory(bytes: number): WasmMemory {
  const pages = Math.max(1, Math.ceil(bytes / PAGE_BYTES));
  return new wasmJs.Memory({ initial: pages, maximum: pages, shared: true });
}

const compiled = new Map<Uint8Array, object | null>();
const instances = new WeakMap<object, Map<Uint8Array, Record<string, unknown> | null>>();

/**
 * The exports of module `bytes` bound to `backend`'s memory, or undefined when this engine has
 * no wasm SIMD or the backend does not expose its memory (callers then keep a slower path).
 */
export function bindToBackend<T>(bytes: Uint8Array, backend: { readonly wasm: unknown }): T | undefined {
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  return memory instanceof wasmJs.Memory ? bindToMemory<T>(bytes, memory) : undefined;
}

/** The exports of module `bytes` bound to `memory`, or undefined when this engine cannot run it. */
export function bindToMemory<T>(bytes: Uint8Array, memory: WasmMemory): T | undefined {
  if (!compiled.has(bytes)) compiled.set(bytes, wasmJs.validate(bytes) ? new wasmJs.Module(bytes) : null);
  const module = compiled.get(bytes);
  if (!module) return undefined;
  let forMemory = instances.get(memory);
  if (!forMemory) instances.set(memory, (forMemory = new Map()));
  if (!forMemory.has(bytes)) forMemory.set(bytes, instantiate(module, memory));
  return (forMemory.get(bytes) ?? undefined) as T | undefined;
}

/**
 * null when the memory cannot be imported as declared: a threaded build's shared memory
 * (browsers) would need a `shared` import. Node's wasm backend runs unthreaded.
 */
function instantiate(module: object, memory: object): Record<string, unknown> | null {
  try {
    return new wasmJs.Instance(module, { env: { memory } }).exports;
  } catch {
    return null;
  }
}

function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    const byte = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? byte : byte | 0x80);
  } while (n !== 0);
  return out;
}

function name(s: string): number[] {
  const utf8 = [...Buffer.from(s, 'utf8')];
  return [...leb128(utf8.length), ...utf8];
}

function vec(items: number[][]): number[] {
  return [...leb128(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...leb128(content.length), ...content];
}
