import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createMemory, WasmModule, WasmModuleError } from '../../src/wasm/wasmModule.js';

describe('WasmModule fails loudly', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasm-module-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('names a missing module and says to build', () => {
    const path = join(dir, 'absent.wasm');
    assert.throws(() => new WasmModule(pathToFileURL(path)).bind(createMemory(1)), (err: Error) => {
      assert.ok(err instanceof WasmModuleError);
      assert.match(err.message, new RegExp(`^The kernel module ${path} is missing \\(ENOENT.*\\)\\. Run npm run build\\.$`));
      return true;
    });
  });

  it('gives the engine\'s reason when a module does not compile', async () => {
    const path = join(dir, 'garbage.wasm');
    await writeFile(path, Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x7f]));
    assert.throws(() => new WasmModule(pathToFileURL(path)).bind(createMemory(1)), (err: Error) => {
      assert.ok(err instanceof WasmModuleError);
      assert.match(err.message, new RegExp(`^The kernel module ${path} does not compile on this engine: WebAssembly.Module\\(\\): .+\\. The kernels need`));
      return true;
    });
  });

  it('refuses a backend that does not expose its memory', () => {
    const module = new WasmModule(new URL('../../src/tfjs/kernels/assembly/affine.wasm', import.meta.url));
    assert.throws(() => module.bindToBackend({ wasm: {} }), {
      name: 'WasmModuleError',
      message: /^The tfjs wasm backend does not expose its WebAssembly memory \(backend\.wasm\.asm\.memory\)/,
    });
  });
});
