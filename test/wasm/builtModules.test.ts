/**
 * Every WebAssembly module the build makes shares a memory it does not own (the tfjs wasm
 * backend's heap, a tree learner's or the data-parallel weights' memory). So each must import
 * that memory, define none, have no data segment (it would be written over the heap at
 * instantiation) and never grow memory (the owner's views would be detached).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fg from 'fast-glob';
import wabtInit from 'wabt';

const distRoot = fileURLToPath(new URL('../../', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const FEATURES = { simd: true, relaxed_simd: true, threads: true, bulk_memory: true } as const;

/** Section ids of the binary format. */
const MEMORY_SECTION = 5;
const START_SECTION = 8;
const DATA_SECTION = 11;
const DATA_COUNT_SECTION = 12;

test('every kernel source has a built module', async () => {
  const sources = await fg('src/**/assembly/*.ts', { cwd: repoRoot, ignore: ['**/_*.ts', '**/*.d.ts'] });
  const built = await fg('src/**/assembly/*.wasm', { cwd: distRoot });
  assert.ok(sources.length > 0);
  assert.deepEqual(built.map((f) => f.replace(/\.wasm$/, '')).sort(), sources.map((f) => f.replace(/\.ts$/, '')).sort());
});

test('built modules import their memory, with no data segment, no start and no memory.grow', async () => {
  const wabt = await wabtInit();
  const files = await fg('src/**/assembly/*.wasm', { cwd: distRoot, absolute: true });
  for (const file of files) {
    const bytes = new Uint8Array(await readFile(file));
    const sections = sectionIds(bytes);
    for (const id of [MEMORY_SECTION, START_SECTION, DATA_SECTION, DATA_COUNT_SECTION]) {
      assert.ok(!sections.includes(id), `${file} has section ${id}`);
    }
    const module = wabt.readWasm(bytes, { readDebugNames: false, ...FEATURES });
    // validate takes the features too (its typings omit them): without threads, wabt rejects the
    // shared memory the data-parallel modules import
    (module as unknown as { validate(features: typeof FEATURES): void }).validate(FEATURES);
    const text = module.toText({});
    module.destroy();
    const imports = [...text.matchAll(/\(import "([^"]+)" "([^"]+)" \((\w+)/g)].map((m) => `${m[1]}.${m[2]} ${m[3]}`);
    assert.deepEqual(imports, ['env.memory memory'], `${file} imports ${imports.join(', ')}`);
    assert.doesNotMatch(text, /memory\.grow/, `${file} grows memory`);
  }
});

test('the section reader sees a data segment where there is one', () => {
  // (module (memory 1) (data (i32.const 0) "a")): sections 5 (memory) and 11 (data)
  const bytes = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1, 11, 7, 1, 0, 0x41, 0, 0x0b, 1, 0x61]);
  assert.deepEqual(sectionIds(bytes), [MEMORY_SECTION, DATA_SECTION]);
});

/** The ids of a module's sections, in order. */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let at = 8; // after the magic number and version
  while (at < bytes.length) {
    ids.push(bytes[at++]!);
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++]!;
      size |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    at += size;
  }
  return ids;
}
