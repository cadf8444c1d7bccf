/**
 * `npm run bench -- pixelCache [--artifacts-dir DIR]`: what the cache's content hashes cost on
 * the real cache (made by `npm start -- --stage load`). Reading: `readPixelCache` (sizes and
 * sha256 checked) against reading the same six files without a check; writing:
 * `writePixelCache` (sha256 of each file, manifest removed first) against atomic writes of the
 * same files alone, into a temp folder. Alternating, median of 5 rounds each; the OS file cache
 * stays warm, so this measures the hashing, not the disk.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { writeFileAtomic } from '../src/io/atomicWrite.js';
import { artifactPaths, type ArtifactPaths } from '../src/io/paths.js';
import { readPixelCache, writePixelCache, type PixelCache } from '../src/io/pixelCache.js';
import { median } from './_measure.js';

const ROUNDS = 5;

const cacheFiles = (p: ArtifactPaths) => [p.trainPixels, p.trainLabels, p.trainIds, p.testPixels, p.testLabels, p.testIds];

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

export async function run(args: string[]): Promise<void> {
  const paths = artifactPaths(loadConfig(args).artifactsDir);
  const out = await mkdtemp(join(tmpdir(), 'bench-pixel-cache-'));
  const outPaths = artifactPaths(out);
  try {
    const cache: PixelCache = await readPixelCache(paths);
    const bytes = await Promise.all(cacheFiles(paths).map((f) => readFile(f)));
    const times = { checkedRead: [] as number[], plainRead: [] as number[], hashedWrite: [] as number[], plainWrite: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      times.checkedRead.push(await seconds(() => readPixelCache(paths)));
      times.plainRead.push(await seconds(() => Promise.all(cacheFiles(paths).map((f) => readFile(f)))));
      times.hashedWrite.push(await seconds(() => writePixelCache(outPaths, cache, 'bench')));
      times.plainWrite.push(await seconds(async () => {
        for (const [i, f] of cacheFiles(outPaths).entries()) await writeFileAtomic(f, bytes[i]!);
      }));
    }
    const mb = bytes.reduce((n, b) => n + b.byteLength, 0) / 1e6;
    const line = (what: string, checked: number[], plain: number[]) =>
      `${what}: ${median(checked).toFixed(3)} s with the check, ${median(plain).toFixed(3)} s without ` +
      `(+${(median(checked) - median(plain)).toFixed(3)} s); rounds ${checked.map((t) => t.toFixed(3)).join(' ')} / ${plain.map((t) => t.toFixed(3)).join(' ')}`;
    console.log(`real cache: ${cache.train.count} + ${cache.test.count} images, ${mb.toFixed(1)} MB in 6 files; median of ${ROUNDS}`);
    console.log(line('read (readPixelCache)', times.checkedRead, times.plainRead));
    console.log(line('write (writePixelCache)', times.hashedWrite, times.plainWrite));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
