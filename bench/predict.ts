/**
 * `npm run bench -- predict [--model NAME] [--count N] [--artifacts-dir DIR] [--data-dir DIR]`
 *
 * 1. The study's submission: the 10,000 test images through decode pool, model and CSV
 *    (in-process, model load excluded), with the best model unless --model is given.
 * 2. New images piped in: the CLI spawned with `--input -`, its stdin fed the test image paths
 *    repeated to N lines (default 20,000); images/s from the first row to the last, and the
 *    child's peak RSS (VmHWM), which must not grow with N.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../src/config.js';
import { readEvaluation } from '../src/io/evaluation.js';
import { dataPaths } from '../src/io/paths.js';
import { INFERENCE_BATCH_SIZE } from '../src/networks/evaluate.js';
import { loadPooledPredictor } from '../src/models/pooledPredictor.js';
import { checkModelName } from '../src/models/registry.js';
import { predictTestSet } from '../src/stages/predict/testSet.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { model: { type: 'string' }, count: { type: 'string', default: '20000' }, 'artifacts-dir': { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const artifactsDir = values['artifacts-dir'] ?? DEFAULTS.artifactsDir;
  const dataDir = values['data-dir'] ?? DEFAULTS.dataDir;
  const model = values.model ? checkModelName(values.model, '--model') : (await readEvaluation(artifactsDir))?.best;
  if (!model) throw new Error(`No best model in ${artifactsDir}/metrics.json: run \`npm start -- --stage evaluate\` or pass --model NAME.`);

  const predictor = await loadPooledPredictor(artifactsDir, model, { workers: DEFAULTS.workers });
  const started = performance.now();
  const { path, rows } = await predictTestSet(predictor, { dataDir, artifactsDir, workers: DEFAULTS.workers, batchSize: INFERENCE_BATCH_SIZE, signal: new AbortController().signal });
  const seconds = (performance.now() - started) / 1000;
  await predictor.dispose();
  console.log(`test set (${model}): ${rows} images in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds)} images/s (decode + model + CSV) -> ${path}`);

  const count = Number(values.count);
  const sample = (await readFile(dataPaths(dataDir).testSampleCsv, 'utf8')).trim().split('\n').slice(1).map((l) => l.split(',')[0]);
  const testDir = dataPaths(dataDir).testImages;
  const piped = await pipedRun(['--stage', 'predict', '--input', '-', '--model', model, '--artifacts-dir', artifactsDir], count, (i) => join(testDir, `${sample[i % sample.length]}.png`));
  console.log(
    `piped paths (${model}): ${piped.rows} images; ${Math.round(piped.rows / piped.streamSeconds)} images/s from first row to last ` +
      `(${piped.totalSeconds.toFixed(1)} s in all, start-up included); child peak RSS ${piped.peakMb.toFixed(0)} MB; exit ${piped.code}`,
  );
}

/** Spawns the CLI, streams `count` generated lines into its stdin, counts its output rows. */
function pipedRun(args: string[], count: number, line: (i: number) => string) {
  return new Promise<{ rows: number; streamSeconds: number; totalSeconds: number; peakMb: number; code: number | null }>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    let rows = -1; // the header
    let first = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) rows++;
      if (!first && rows > 0) first = performance.now();
    });
    // generated lazily: the list itself never sits in memory, and the pipe's backpressure paces it
    Readable.from((function* () {
      for (let i = 0; i < count; i++) yield `${line(i)}\n`;
    })()).pipe(child.stdin);
    let peakKb = 0;
    const timer = setInterval(() => {
      readFile(`/proc/${child.pid}/status`, 'utf8').then((s) => {
        peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0));
      }, () => undefined);
    }, 200);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const end = performance.now();
      resolve({ rows, streamSeconds: (end - first) / 1000, totalSeconds: (end - started) / 1000, peakMb: peakKb / 1024, code });
    });
  });
}
