/**
 * Issue 16, item 8: `trees` writes each model file, then its metrics.json entry. A run killed in
 * between must not leave a model that evaluate or predict would use with another run's figures:
 * every tree model either loads together with the entry of the run that wrote it, or is refused
 * with a message saying to rerun the stage. The stage runs in a child process that
 * test/support/killAtStep.ts kills after each of its writes in turn.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { treesTest100, treesTrain300 } from '../../fixtures/index.js';
import { DEFAULTS } from '../../src/config.js';
import { readMetrics } from '../../src/io/metrics.js';
import { artifactPaths } from '../../src/io/paths.js';
import { writePixelCache } from '../../src/io/pixelCache.js';
import { writeSplit } from '../../src/io/split.js';
import { stratifiedKFold } from '../../src/learn/stratifiedKFold.js';
import { loadPredictor, modelFile, modelsOfStage, type ModelName } from '../../src/models/registry.js';
import { trees } from '../../src/stages/trees/index.js';
import { createStageContext } from '../../src/stage.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const PRELOAD = new URL('../support/killAtStep.js', import.meta.url).href;
const MODELS = modelsOfStage('trees');

/** A run's model files and the parts of its metrics.json entries that identify it. */
type RunOutputs = Map<ModelName, { file: string; entry: string }>;

/** What identifies a metrics entry's run (timings and dates differ between runs of the same fit). */
const entryKey = (e: Record<string, unknown> | undefined) => JSON.stringify([e?.cvScores, e?.validAccuracy, e?.testAccuracy, e?.nodes]);

async function outputsOf(dir: string): Promise<RunOutputs> {
  const metrics = await readMetrics(artifactPaths(dir).metrics);
  const out: RunOutputs = new Map();
  for (const model of MODELS) out.set(model, { file: await readFile(modelFile(dir, model), 'utf8'), entry: entryKey(metrics[model]) });
  return out;
}

/** Writes split.json with fold `fold` of a stratified 5-fold as the validation rows. */
async function useSplit(dir: string, labels: Uint8Array, fold: number): Promise<void> {
  const f = stratifiedKFold(labels, 5, 1)[fold]!;
  await writeSplit(artifactPaths(dir).split, { seed: 1, validFraction: 0.2, train: Array.from(f.train), valid: Array.from(f.test) });
}

const runInProcess = (dir: string) =>
  trees.run({ ...DEFAULTS, artifactsDir: dir, workers: 2 }, createStageContext({ log: () => undefined, signal: new AbortController().signal }));

let root: string;
/** artifacts after a whole run on split 1, with split.json already switched to split 2 */
let base: string;
let first: RunOutputs;
let second: RunOutputs;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'trees-interrupted-'));
  const [train, test] = await Promise.all([treesTrain300(), treesTest100()]);
  const ids = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  base = join(root, 'base');
  await writePixelCache(artifactPaths(base), { train: { ...train, ids: ids(300) }, test: { ...test, ids: ids(100) } }, 'fixture');
  await useSplit(base, train.labels, 0);
  await runInProcess(base);
  first = await outputsOf(base);
  await useSplit(base, train.labels, 1);
  const whole = join(root, 'whole');
  await cp(base, whole, { recursive: true });
  await runInProcess(whole);
  second = await outputsOf(whole);
  for (const model of MODELS) {
    assert.notEqual(first.get(model)!.file, second.get(model)!.file, `${model}: the two splits must give different models`);
    assert.notEqual(first.get(model)!.entry, second.get(model)!.entry, `${model}: and different figures`);
  }
});
after(() => rm(root, { recursive: true, force: true }));

/** `trees` in a child process on `dir` that dies after `step` of its writes; resolves to how it ended. */
async function runKilledTrees(dir: string, step: number) {
  const env = { ...process.env, KILL_STEP: String(step), KILL_UNDER: dir };
  const child = spawn(process.execPath, ['--import', PRELOAD, MAIN, '--stage', 'trees', '--artifacts-dir', dir, '--workers', '1'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [status, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { status, signal, stderr };
}

/** Every tree model in `dir` loads with its own run's figures, or is refused; `step` names the case. */
async function assertConsistent(dir: string, step: number): Promise<void> {
  const now = await outputsOf(dir);
  for (const model of MODELS) {
    const { file, entry } = now.get(model)!;
    const fileRun = [first, second].findIndex((run) => run.get(model)!.file === file);
    const entryRun = [first, second].findIndex((run) => run.get(model)!.entry === entry);
    assert.ok(fileRun !== -1 && entryRun !== -1, `${model} after step ${step}: a model or entry of neither run`);
    if (fileRun === entryRun) {
      await (await loadPredictor(dir, model)).dispose();
      continue;
    }
    await assert.rejects(loadPredictor(dir, model), {
      name: 'PipelineError',
      message:
        `${modelFile(dir, model)} and ${artifactPaths(dir).metrics} disagree: the model's sha256 is not the one recorded for "${model}" ` +
        '(the trees stage was interrupted between writing them). Run `npm start -- --stage trees` again.',
    }, `${model} after step ${step}`);
  }
}

describe('trees killed between writing a model and metrics.json (issue 16)', () => {
  /** Steps of its writes: the two model files, then the two metrics.json updates. */
  const STEPS = 4;
  it('leaves every model either loading with its own run\'s figures or refused, after any step', async () => {
    // Each step in its own copy, a few at a time (much of a run is its process starting).
    const outcomes = await lastValueFrom(
      from(Array.from({ length: STEPS + 1 }, (_, i) => i + 1)).pipe(
        mergeMap(async (step) => {
          const dir = join(root, `step-${step}`);
          await cp(base, dir, { recursive: true });
          const run = await runKilledTrees(dir, step);
          if (run.signal !== 'SIGKILL') assert.equal(run.status, 0, run.stderr);
          await assertConsistent(dir, step);
          return { step, killed: run.signal === 'SIGKILL' };
        }, 3),
        toArray(),
      ),
    );
    const killedAt = outcomes.filter((o) => o.killed).map((o) => o.step).sort((x, y) => x - y);
    assert.deepEqual(killedAt, Array.from({ length: STEPS }, (_, i) => i + 1), 'a kill after each write, and a whole run after the last');
  });
});
