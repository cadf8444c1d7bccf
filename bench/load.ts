/**
 * `npm run bench -- load [--workers N] [--data-dir DIR]`: the load stage on the real layout
 * (data/Fashion_MNIST, made by `npm start -- --stage prepare`), into a temp artifacts folder so
 * the real cache is left alone: the decode alone (images/s, peak RSS; worker threads share the
 * process, so RSS covers them), a cold stage run (CSV checks, decode, cache write), a warm run
 * in-process, and a warm run as a fresh `node` process (module loading included).
 * The OS file cache stays warm: this measures decoding, not the disk.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULTS, loadConfig } from '../src/config.js';
import { dataPaths } from '../src/io/paths.js';
import { createDecodePool, decodeImages } from '../src/stages/load/decodeImages.js';
import { load } from '../src/stages/load/index.js';
import { readLoadSources } from '../src/stages/load/sources.js';
import { median, trackPeakRss } from './_measure.js';
import { createStageContext } from '../src/stage.js';

const seconds = (since: number) => (performance.now() - since) / 1000;
const cpuSeconds = (used: NodeJS.CpuUsage) => ((used.user + used.system) / 1e6).toFixed(2);

export async function run(args: string[]): Promise<void> {
  const { workers, dataDir } = loadConfig(args);
  const artifactsDir = await mkdtemp(join(tmpdir(), 'bench-load-'));
  const config = { ...DEFAULTS, dataDir, artifactsDir, workers };
  const ctx = createStageContext({ log: () => undefined, signal: new AbortController().signal });
  try {
    const sources = await readLoadSources(dataPaths(dataDir));
    const paths = [...sources.train.paths, ...sources.test.paths];
    const pool = createDecodePool(workers);
    // one empty task per thread first, so the timing below is decoding, not thread start-up
    await Promise.all(Array.from({ length: workers }, () => pool.run([])));
    let stopRss = trackPeakRss(10);
    let started = performance.now();
    let cpu = process.cpuUsage();
    await decodeImages(paths, pool);
    const decodeS = seconds(started);
    cpu = process.cpuUsage(cpu);
    await pool.destroy();
    console.log(
      `decode ${paths.length} PNGs (${workers} workers): ${decodeS.toFixed(2)} s = ${Math.round(paths.length / decodeS)} images/s, ` +
        `peak RSS ${stopRss().toFixed(0)} MB, CPU ${cpuSeconds(cpu)} s (all threads; on a shared machine compare this)`,
    );

    stopRss = trackPeakRss(10);
    started = performance.now();
    cpu = process.cpuUsage();
    await load.run(config, ctx);
    console.log(
      `load, cold cache (CSV checks + decode + cache write): ${seconds(started).toFixed(2)} s, ` +
        `peak RSS ${stopRss().toFixed(0)} MB, CPU ${cpuSeconds(process.cpuUsage(cpu))} s`,
    );

    const warm: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      started = performance.now();
      await load.run(config, ctx);
      warm.push(seconds(started));
    }
    console.log(`load, warm cache, in-process: median ${median(warm).toFixed(3)} s of 5`);

    const main = fileURLToPath(new URL('../src/main.js', import.meta.url));
    const proc: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      started = performance.now();
      execFileSync(process.execPath, [main, '--stage', 'load', '--data-dir', dataDir, '--artifacts-dir', artifactsDir], { stdio: 'ignore' });
      proc.push(seconds(started));
    }
    console.log(`load, warm cache, fresh process (node startup + imports of every stage): median ${median(proc).toFixed(2)} s of 3`);
  } finally {
    await rm(artifactsDir, { recursive: true, force: true });
  }
}
