/**
 * MaxPoolGrad's 2x2 / stride-2 scatter as a tiny WebAssembly SIMD function that works in place
 * on the wasm backend's own memory (imported, never copied). JavaScript loops over typed
 * arrays spend ~7 ns per input element on this scatter, the SIMD form handles 4 channels per
 * instruction and is memory-bound. The module is ~200 bytes, assembled here from its opcodes
 * (no toolchain needed) and has no data segment, so it never writes outside the pointers
 * it is given.
 *
 * For one pair of input rows and the output row they pool into, for each window and each
 * group of 4 channels: e_k = (x_k == max) and not (e_0 | ... | e_(k-1)), dx_k = dy & e_k. So
 * dy goes to the first position (row-major) equal to the window's maximum, the cpu backend's
 * rule; a NaN maximum matches nothing and the window gets 0.
 */
import type { WasmKernelArgs } from './stock.js';

/** scatter2x2Row(x0, x1, y, dy, dx0, dx1, windows, channelBytes): byte addresses in the heap. */
type ScatterRow = (x0: number, x1: number, y: number, dy: number, dx0: number, dx1: number, windows: number, channelBytes: number) => void;

// Opcodes used (WebAssembly core 2.0 and its fixed-width SIMD proposal, shipped in Node >= 16).
const I32 = 0x7f;
const V128 = 0x7b;
const [BLOCK, LOOP, END, BR_IF, VOID] = [0x02, 0x03, 0x0b, 0x0d, 0x40];
const [GET, SET, TEE] = [0x20, 0x21, 0x22];
const [I32_CONST, I32_EQZ, I32_LT_U, I32_ADD, I32_SUB, I32_SHL] = [0x41, 0x45, 0x49, 0x6a, 0x6b, 0x74];
const SIMD = 0xfd;
const LOAD = [SIMD, 0x00, 0x00, 0x00]; // v128.load, align hint 1, offset 0
const STORE = [SIMD, 0x0b, 0x00, 0x00]; // v128.store
const F32X4_EQ = [SIMD, 0x41];
const AND = [SIMD, 0x4e];
const ANDNOT = [SIMD, 0x4f];
const OR = [SIMD, 0x50];

// Parameters 0..7 as in ScatterRow, then locals: k (byte offset in the channel group loop),
// and the v128s max, dy, taken (positions already matched), e (this position's mask).
const [X0, X1, Y, DY, DX0, DX1, WINDOWS, CH] = [0, 1, 2, 3, 4, 5, 6, 7];
const [K, MAX, G, TAKEN, E] = [8, 9, 10, 11, 12];

const at = (base: number, plusChannel: boolean) => [GET, base, ...(plusChannel ? [GET, CH, I32_ADD] : []), GET, K, I32_ADD];

/** e = (x[pos] == max) & ~taken; dx[pos] = dy & e; taken |= e (skipped for the last position). */
function position(x: number, dx: number, plusChannel: boolean, last: boolean): number[] {
  return [
    ...at(x, plusChannel), ...LOAD, GET, MAX, ...F32X4_EQ, GET, TAKEN, ...ANDNOT, SET, E,
    ...at(dx, plusChannel), GET, G, GET, E, ...AND, ...STORE,
    ...(last ? [] : [GET, TAKEN, GET, E, ...OR, SET, TAKEN]),
  ];
}

const advance = (local: number, double: boolean) => [GET, local, GET, CH, ...(double ? [I32_CONST, 1, I32_SHL] : []), I32_ADD, SET, local];

const BODY = [
  0x02, 1, I32, 4, V128, // locals: 1 x i32, 4 x v128
  BLOCK, VOID,
  GET, WINDOWS, I32_EQZ, BR_IF, 0,
  LOOP, VOID,
  I32_CONST, 0, SET, K,
  LOOP, VOID,
  ...at(Y, false), ...LOAD, SET, MAX,
  ...at(DY, false), ...LOAD, SET, G,
  // The first position: nothing taken yet.
  ...at(X0, false), ...LOAD, GET, MAX, ...F32X4_EQ, SET, TAKEN,
  ...at(DX0, false), GET, G, GET, TAKEN, ...AND, ...STORE,
  ...position(X0, DX0, true, false),
  ...position(X1, DX1, false, false),
  ...position(X1, DX1, true, true),
  GET, K, I32_CONST, 16, I32_ADD, TEE, K, GET, CH, I32_LT_U, BR_IF, 0,
  END,
  ...advance(X0, true), ...advance(X1, true), ...advance(DX0, true), ...advance(DX1, true),
  ...advance(Y, false), ...advance(DY, false),
  GET, WINDOWS, I32_CONST, 1, I32_SUB, TEE, WINDOWS, BR_IF, 0,
  END,
  END,
  END,
];

const bytes = (s: string) => [...Buffer.from(s, 'utf8')];
const vec = (items: number[][]) => [items.length, ...items.flat()];
const section = (id: number, content: number[]) => [id, ...leb128(content.length), ...content];

function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    const byte = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? byte : byte | 0x80);
  } while (n !== 0);
  return out;
}

const MODULE_BYTES = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, vec([[0x60, 8, ...new Array<number>(8).fill(I32), 0]])), // type: (i32 x 8) -> ()
  ...section(2, vec([[3, ...bytes('env'), 6, ...bytes('memory'), 0x02, 0x00, 0x00]])), // import env.memory, min 0
  ...section(3, vec([[0]])), // function 0 has type 0
  ...section(7, vec([[10, ...bytes('scatter2x2'), 0x00, 0]])), // export function 0
  ...section(10, vec([[...leb128(BODY.length), ...BODY]])),
]);

/** The few WebAssembly JS APIs used here (the project's lib settings carry no DOM types). */
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const wasmJs = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

let compiled: object | null | undefined;
const instances = new WeakMap<object, ScatterRow>();

/**
 * The SIMD row scatter bound to `backend`'s memory, or undefined when this engine has no wasm
 * SIMD or the backend does not expose its memory (then the caller keeps its JavaScript loop).
 */
export function simdScatterRow(backend: WasmKernelArgs['backend']): ScatterRow | undefined {
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  if (!(memory instanceof wasmJs.Memory)) return undefined;
  if (compiled === undefined) compiled = wasmJs.validate(MODULE_BYTES) ? new wasmJs.Module(MODULE_BYTES) : null;
  if (compiled === null) return undefined;
  let scatter = instances.get(memory);
  if (!scatter) {
    scatter = new wasmJs.Instance(compiled, { env: { memory } }).exports['scatter2x2'] as ScatterRow;
    instances.set(memory, scatter);
  }
  return scatter;
}
