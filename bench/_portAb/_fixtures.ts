/** What the port A/B cases share: one memory posing as a wasm backend, carved into regions. */
import { join } from 'node:path';
import { createMemory, type WasmMemory } from '../../src/wasm/wasmModule.js';

export interface Arena {
  memory: WasmMemory;
  /** what `bindToBackend` reads */
  backend: { wasm: { asm: { memory: WasmMemory } } };
  /** a 64-byte aligned region of `bytes`; returns its byte address */
  alloc(bytes: number): number;
  f32(address: number, length: number): Float32Array;
  bytes(address: number, length: number): Uint8Array;
}

export function arena(totalBytes: number): Arena {
  const memory = createMemory(totalBytes);
  let next = 1024;
  return {
    memory,
    backend: { wasm: { asm: { memory } } },
    alloc(bytes) {
      const at = next;
      next = Math.ceil((next + bytes) / 64) * 64;
      if (next > memory.buffer.byteLength) throw new Error('arena: out of memory');
      return at;
    },
    f32: (address, length) => new Float32Array(memory.buffer, address, length),
    bytes: (address, length) => new Uint8Array(memory.buffer, address, length),
  };
}

/** Deterministic values in [-1, 1). */
export function fillRandom(view: Float32Array, seed = 1): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < view.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    view[i] = (s >>> 0) / 2 ** 31 - 1;
  }
}

/** A module of the old (opcode) build. */
export const importOld = <T>(base: string, path: string): Promise<T> => import(join(base, path)) as Promise<T>;
