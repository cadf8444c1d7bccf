import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { treesTest100, treesTrain300, writeTreesArtifacts, type TreesImageSet } from '../../fixtures/index.js';
import { DEFAULTS } from '../../src/config.js';
import { PIXELS_PER_IMAGE } from '../../src/dataset.js';
import { readMetrics } from '../../src/io/metrics.js';
import { artifactPaths } from '../../src/io/paths.js';
import { readPixelCache, writePixelCache } from '../../src/io/pixelCache.js';
import { readSplit, writeSplit } from '../../src/io/split.js';
import { packTree } from '../../src/learn/packTree.js';
import type { Tree } from '../../src/learn/tree.js';
import { createTreePool, fitAll, type FitSpec, type TreeRunner } from '../../src/stages/trees/fitAll.js';
import { treeTrainingData } from '../../src/stages/trees/trainingData.js';
import { createQueueTreeRunner } from '../../src/queue/treeRunner.js';
import { createStageContext } from '../../src/stage.js';
import { type Proc, start, startedLines } from '../support/processes.js';
import { type PrivateRedis, startRedis } from '../../bench/_redis.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const WORKER = fileURLToPath(new URL('../../src/worker.js', import.meta.url));

/** metrics.json without what differs from run to run: times, when it was written, the model's path. */
function stableMetrics(metrics: Record<string, Record<string, unknown>>): unknown {
  return Object.fromEntries(Object.entries(metrics).map(([model, entry]) => [
    model,
    Object.fromEntries(Object.entries(entry).filter(([key]) => !/Seconds$/.test(key) && key !== 'modelPath' && key !== 'updatedAt')),
  ]));
}

describe('trees over the queue', () => {
  let redis: PrivateRedis;
  let root: string;
  let workers: Proc[] = [];
  let train: TreesImageSet;
  let test: TreesImageSet;

  const worker = () => {
    const proc = start(WORKER, ['--queue', redis.url, '--workers', '2', '--lock-duration', '2000']);
    workers.push(proc);
    return proc;
  };

  before(async () => {
    redis = await startRedis();
    root = await mkdtemp(join(tmpdir(), 'queue-trees-'));
    [train, test] = await Promise.all([treesTrain300(), treesTest100()]);
  });
  after(async () => {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exit));
    await redis.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('writes the models and scores of a one-machine run with the same seed, from two worker processes', async () => {
    const local = join(root, 'local');
    const queued = join(root, 'queued');
    await writeTreesArtifacts(local, train, test);
    await cp(local, queued, { recursive: true });
    const args = (dir: string) => ['--stage', 'trees', '--artifacts-dir', dir, '--workers', '2'];
    const one = await start(MAIN, args(local)).exit;
    assert.equal(one.code, 0, one.stderr);
    const [a, b] = [worker(), worker()];
    const run = await start(MAIN, [...args(queued), '--queue', redis.url]).exit;
    assert.equal(run.code, 0, run.stderr);
    for (const name of ['decision-tree.json', 'random-forest.json']) {
      assert.ok((await readFile(join(queued, 'models', name))).equals(await readFile(join(local, 'models', name))), name);
    }
    const metrics = async (dir: string) => stableMetrics((await readMetrics(artifactPaths(dir).metrics)) as Record<string, Record<string, unknown>>);
    assert.deepEqual(await metrics(queued), await metrics(local));
    // 600 forest trees; 6 decision trees (5 folds and the final fit), each 3 jobs: its top, the
    // top of its one part and that part's subtree (tops split no node of so few rows). Once each:
    const jobs = startedLines(a.out() + b.out(), /tree-task/);
    assert.equal(jobs.length, 618, [...a.out().split('\n'), ...b.out().split('\n')].filter((l) => !/ (started|done in [\d.]+ s)$/.test(l)).join('\n'));
    assert.ok(startedLines(a.out(), /tree-task/).length > 0 && startedLines(b.out(), /tree-task/).length > 0, 'both workers took jobs');
  });

  it("grows a decision tree's parts (top, then subtrees) as jobs and grafts the same tree", async () => {
    // 9,000 rows (the 300 images, each 30 times with one pixel changed per copy): big enough
    // that the top of a decision tree leaves parts of more than PART_MIN_SAMPLES rows
    const dir = join(root, 'parts');
    const copies = 30;
    const pixels = new Uint8Array(train.count * copies * PIXELS_PER_IMAGE);
    const labels = new Uint8Array(train.count * copies);
    for (let c = 0; c < copies; c++) {
      pixels.set(train.pixels, c * train.pixels.length);
      labels.set(train.labels, c * train.count);
      for (let i = 0; i < train.count; i++) pixels[(c * train.count + i) * PIXELS_PER_IMAGE + ((c * 37 + i) % PIXELS_PER_IMAGE)] = (c * 53) % 256;
    }
    const count = train.count * copies;
    const ids = Int32Array.from({ length: count }, (_, i) => i);
    await writePixelCache(artifactPaths(dir), { train: { pixels, labels, count, ids }, test: { ...test, ids: Int32Array.from({ length: test.count }, (_, i) => i) } }, 'fixture');
    await writeSplit(artifactPaths(dir).split, { seed: 1, validFraction: 0, train: Array.from(ids), valid: [] });
    const paths = artifactPaths(dir);
    const training = treeTrainingData(await readPixelCache(paths), await readSplit(paths.split), 5);
    const specs: FitSpec[] = [{ kind: 'tree', rows: training.all, options: { maxFeatures: PIXELS_PER_IMAGE, seed: 5 } }];
    const fit = async (runner: TreeRunner): Promise<Tree> => {
      let tree: Tree | undefined;
      try {
        await fitAll(runner, training.data, specs, new AbortController().signal, (_, outcome) => {
          tree = outcome.trees[0];
        }, () => undefined);
      } finally {
        await runner.destroy();
      }
      return tree!;
    };
    const localTree = await fit(createTreePool(2));
    if (workers.length === 0) worker();
    const before = workers.map((w) => w.out().length);
    const ctx = createStageContext({ log: () => undefined, warn: () => undefined });
    const queuedTree = await fit(await createQueueTreeRunner({ ...DEFAULTS, artifactsDir: dir, queue: redis.url, seed: 5 }, training, ctx));
    assert.deepEqual(packTree(queuedTree), packTree(localTree));
    const log = workers.map((w, i) => w.out().slice(before[i])).join('');
    assert.ok(startedLines(log, /tree-task/).length > 3, `a top and its parts:\n${log}`);
    const tops = (await readdir(join(dir, 'queue'), { recursive: true })).filter((f) => f.endsWith('.json'));
    assert.ok(tops.length >= 3, `the root's top and each part's own top: ${tops}`);
  });
});
