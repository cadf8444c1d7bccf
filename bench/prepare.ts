/**
 * `npm run bench -- prepare [--workers N]`: writes the 70,000-image layout from the official IDX
 * files into a temp folder and prints the time and peak memory. The temp folder is removed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, loadConfig } from '../src/config.js';
import { prepare } from '../src/stages/prepare/index.js';
import { trackPeakRss } from './_measure.js';
import { createStageContext } from '../src/stage.js';

/** Runs prepare from scratch into a fresh temp data dir; returns seconds and peak RSS in MB. */
export async function timePrepare(dataDir: string, workers: number): Promise<{ seconds: number; peakMb: number; cpuSeconds: number }> {
  const stopRss = trackPeakRss();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const ctx = createStageContext({ log: () => undefined, signal: new AbortController().signal });
  await prepare.run({ ...DEFAULTS, dataDir, workers }, ctx);
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - started) / 1000, peakMb: stopRss(), cpuSeconds: (used.user + used.system) / 1e6 };
}

export async function run(args: string[]): Promise<void> {
  const { workers } = loadConfig(args);
  const root = await mkdtemp(join(tmpdir(), 'bench-prepare-'));
  try {
    const { seconds, peakMb, cpuSeconds } = await timePrepare(join(root, 'Fashion_MNIST'), workers);
    console.log(
      `prepare from scratch (70,000 PNGs + CSVs, ${workers} workers): ${seconds.toFixed(2)} s, peak RSS ${peakMb.toFixed(0)} MB, ` +
        `CPU ${cpuSeconds.toFixed(2)} s (all threads; on a shared machine compare this)`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
