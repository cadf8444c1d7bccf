import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { F32X4_ADD, GET, LOAD, STORE, assemble, bindToBackend } from '../../src/wasm/assembler.js';

// add4(a, b, out): out[0..4) = a[0..4) + b[0..4), addresses in bytes.
const ADD4 = assemble([{ name: 'add4', params: 3, body: [0x00, GET, 2, GET, 0, ...LOAD, GET, 1, ...LOAD, ...F32X4_ADD, ...STORE] }]);
// The project's lib settings carry no WebAssembly types.
const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => { buffer: ArrayBuffer } } }).WebAssembly;
const fakeBackend = (memory: unknown) => ({ wasm: { asm: { memory } } });

describe('wasm assembler', () => {
  it('assembles a SIMD function that works in place on the memory it is bound to', () => {
    const memory = new Memory({ initial: 1 });
    const add4 = bindToBackend<{ add4: (a: number, b: number, out: number) => void }>(ADD4, fakeBackend(memory))!.add4;
    const f = new Float32Array(memory.buffer);
    f.set([1, 2, 3, 4, 10, 20, 30, 40]);
    add4(0, 16, 64);
    assert.deepEqual(Array.from(f.subarray(16, 20)), [11, 22, 33, 44]);
  });

  it('gives undefined (callers keep their slower path) for a backend without its memory or with shared memory', () => {
    assert.equal(bindToBackend(ADD4, fakeBackend(undefined)), undefined);
    const shared = new Memory({ initial: 1, maximum: 1, shared: true });
    assert.equal(bindToBackend(ADD4, fakeBackend(shared)), undefined);
  });
});
