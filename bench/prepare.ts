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

/** Runs prepare from scratch into a fresh temp data dir; returns seconds and peak RSS in MB. */
export async function timePrepare(dataDir: string, workers: number): Promise<{ seconds: number; peakMb: number }> {
  const stopRss = trackPeakRss();
  const started = performance.now();
  const ctx = { log: () => undefined, signal: new AbortController().signal };
  await prepare.run({ ...DEFAULTS, dataDir, workers }, ctx);
  return { seconds: (performance.now() - started) / 1000, peakMb: stopRss() };
}

export async function run(args: string[]): Promise<void> {
  const { workers } = loadConfig(args);
  const root = await mkdtemp(join(tmpdir(), 'bench-prepare-'));
  try {
    const { seconds, peakMb } = await timePrepare(join(root, 'Fashion_MNIST'), workers);
    console.log(`prepare from scratch (70,000 PNGs + CSVs, ${workers} workers): ${seconds.toFixed(2)} s, peak RSS ${peakMb.toFixed(0)} MB`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
