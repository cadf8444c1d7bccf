/**
 * Issue 16, item 3: an interrupted `load` must never leave a cache that a later run reuses or a
 * later stage reads as whole. `load` runs in a child process that test/support/killAtStep.ts
 * kills with SIGKILL at each step of the cache write in turn; the next `load`, on another layout
 * with the same counts, must then hold exactly that layout.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { DEFAULTS } from '../../src/config.js';
import { PIXELS_PER_IMAGE } from '../../src/dataset.js';
import { removeStaleTempFiles } from '../../src/io/atomicWrite.js';
import { formatIdClassCsv } from '../../src/io/csv.js';
import { artifactPaths, dataPaths } from '../../src/io/paths.js';
import { readPixelCache } from '../../src/io/pixelCache.js';
import { encodeGreyPng } from '../../src/io/pngEncode.js';
import { createRng } from '../../src/random.js';
import { load } from '../../src/stages/load/index.js';
import { createStageContext } from '../../src/stage.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const PRELOAD = new URL('../support/killAtStep.js', import.meta.url).href;
const TRAIN_COUNT = 20;
const TEST_COUNT = 10;

/** A small study layout on disk and what its cache must hold. */
interface Layout {
  dir: string;
  train: { pixels: Uint8Array; labels: Uint8Array };
  test: { pixels: Uint8Array; labels: Uint8Array };
}

/** Random images and labels from `seed`, written as a layout (ids 0..n-1 in both sets). */
async function writeLayout(dir: string, seed: number): Promise<Layout> {
  const rng = createRng(seed);
  const set = async (imageDir: string, count: number) => {
    const pixels = Uint8Array.from({ length: count * PIXELS_PER_IMAGE }, () => rng.int(256));
    const labels = Uint8Array.from({ length: count }, () => rng.int(10));
    await mkdir(imageDir, { recursive: true });
    for (let i = 0; i < count; i++) await writeFile(join(imageDir, `${i}.png`), encodeGreyPng(pixels.subarray(i * PIXELS_PER_IMAGE, (i + 1) * PIXELS_PER_IMAGE), 28, 28));
    return { pixels, labels };
  };
  const paths = dataPaths(dir);
  const train = await set(paths.trainImages, TRAIN_COUNT);
  const test = await set(paths.testImages, TEST_COUNT);
  const ids = (n: number) => Array.from({ length: n }, (_, i) => i);
  await writeFile(paths.trainCsv, formatIdClassCsv(ids(TRAIN_COUNT), train.labels));
  await writeFile(paths.testSampleCsv, formatIdClassCsv(ids(TEST_COUNT), new Uint8Array(TEST_COUNT)));
  await writeFile(paths.testLabelsCsv, formatIdClassCsv(ids(TEST_COUNT), test.labels));
  return { dir, train, test };
}

const loadArgs = (layout: Layout, artifacts: string) => ['--import', PRELOAD, MAIN, '--stage', 'load', '--data-dir', layout.dir, '--artifacts-dir', artifacts, '--workers', '1'];

/** `load` in a child process that dies at `step` of its cache write; resolves to how it ended. */
async function runKilledLoad(layout: Layout, artifacts: string, step: number, when: 'after' | 'before') {
  const env = { ...process.env, KILL_STEP: String(step), KILL_WHEN: when, KILL_UNDER: artifactPaths(artifacts).cacheDir };
  const child = spawn(process.execPath, loadArgs(layout, artifacts), { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [status, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { status, signal, stderr };
}

/**
 * `load` in this process, as main.ts runs a stage (leftover temp files first): the run after a
 * kill, where a child process would only add its start-up time. Resolves to its result lines.
 */
async function loadHere(layout: Layout, artifacts: string): Promise<string[]> {
  const config = { ...DEFAULTS, dataDir: layout.dir, artifactsDir: artifacts, workers: 1 };
  const lines: string[] = [];
  await removeStaleTempFiles(load.outputs(config));
  await load.run(config, createStageContext({ log: (l) => lines.push(l), warn: (l) => lines.push(l) }));
  return lines;
}

/** The cache holds exactly `layout`'s pixels, labels and ids, and no temp file. */
async function assertCacheHolds(artifacts: string, layout: Layout, context: string): Promise<void> {
  const cache = await readPixelCache(artifactPaths(artifacts));
  for (const set of ['train', 'test'] as const) {
    assert.deepEqual(cache[set].pixels, layout[set].pixels, `${context}: ${set} pixels`);
    assert.deepEqual(cache[set].labels, layout[set].labels, `${context}: ${set} labels`);
    assert.deepEqual([...cache[set].ids], Array.from({ length: cache[set].count }, (_, i) => i), `${context}: ${set} ids`);
  }
  assert.deepEqual((await readdir(artifactPaths(artifacts).cacheDir)).filter((n) => n.endsWith('.tmp')), [], `${context}: temp files left`);
}

let root: string;
let a: Layout;
let b: Layout;
/** An artifacts folder holding a whole cache of layout A, copied for each run. */
let cacheOfA: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'load-interrupted-'));
  [a, b] = await Promise.all([writeLayout(join(root, 'layout-a'), 1), writeLayout(join(root, 'layout-b'), 2)]);
  cacheOfA = join(root, 'artifacts-a');
  const r = spawnSync(process.execPath, loadArgs(a, cacheOfA), { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  await assertCacheHolds(cacheOfA, a, 'load of A');
});
after(() => rm(root, { recursive: true, force: true }));

describe('load killed while it writes the cache (issue 16)', () => {
  /** Steps of the write: removing the old manifest, the six files, the new manifest. */
  const STEPS = 8;
  for (const when of ['after', 'before'] as const) {
    it(`is never reused or read as whole when killed ${when} any step; the next load holds the other layout`, async () => {
      // Each step in its own copy of A's cache, a few at a time (most of a run is its process starting).
      const outcomes = await lastValueFrom(
        from(Array.from({ length: STEPS + 1 }, (_, i) => i + 1)).pipe(
          mergeMap(async (step) => {
            const artifacts = join(root, `${when}-${step}`);
            await cp(cacheOfA, artifacts, { recursive: true });
            const run = await runKilledLoad(b, artifacts, step, when);
            if (run.signal !== 'SIGKILL') {
              assert.equal(run.status, 0, run.stderr);
              await assertCacheHolds(artifacts, b, `load of B, not killed at step ${step}`);
              return { step, killed: false };
            }
            const lines = await loadHere(a, artifacts);
            await assertCacheHolds(artifacts, a, `load of A after a kill ${when} step ${step}: ${lines.join('\n')}`);
            return { step, killed: true };
          }, 3),
          toArray(),
        ),
      );
      const killedAt = outcomes.filter((o) => o.killed).map((o) => o.step).sort((x, y) => x - y);
      assert.deepEqual(killedAt, Array.from({ length: STEPS }, (_, i) => i + 1), 'a kill at each step, and a whole run after the last');
    });
  }
});

describe('a cache changed after load wrote it', () => {
  it('is rebuilt by load, not reused, with a line saying why', async () => {
    const artifacts = join(root, 'changed');
    await cp(cacheOfA, artifacts, { recursive: true });
    const paths = artifactPaths(artifacts);
    const pixels = await readFile(paths.trainPixels);
    pixels[100] ^= 0xff; // same size: only the content hash can tell
    await writeFile(paths.trainPixels, pixels);
    const lines: string[] = [];
    const warnings: string[] = [];
    await load.run({ ...DEFAULTS, dataDir: a.dir, artifactsDir: artifacts, workers: 1 }, createStageContext({ log: (l) => lines.push(l), warn: (l) => warnings.push(l) }));
    assert.deepEqual(warnings, [`pixel cache ${paths.cacheDir}: train-images.u8 does not match the sha256 in manifest.json (changed since load wrote it); rebuilding`]);
    assert.equal(lines[0], `decoded 30 images into ${paths.cacheDir}`);
    await assertCacheHolds(artifacts, a, 'rebuilt');
  });
});
