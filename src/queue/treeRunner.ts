/**
 * The caller's side of `trees --queue`: a TreeRunner whose tasks run as jobs on queue workers.
 * fitAll drives it as it drives this host's pool, so the trees, and the models and scores made
 * from them, are the ones a one-machine run makes with the same seed.
 */
import { join, resolve } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import type { PipelineConfig } from '../config.js';
import { sha256 } from '../io/sha256.js';
import type { FitTreeTask, TopTaskResult } from '../learn/fitTask.js';
import type { StageContext } from '../stage.js';
import type { TreeRunner } from '../stages/trees/fitAll.js';
import type { TreeTrainingData } from '../stages/trees/trainingData.js';
import { awaitJob, jobEnds, noWorker } from './awaitJob.js';
import { checkRedis, connectionOptions, TREE_QUEUE_NAME } from './connection.js';
import { JOB, JOB_OPTIONS } from './jobs.js';
import { type RowsRef, readTreeResult, type TreeTaskData, trainingDataDigest } from './treeJobs.js';

/**
 * Tasks the caller keeps on the queue at once (fitAll sends twice this many): enough for a few
 * hosts' workers; more would only wait in Redis, and fewer cap how many hosts can help.
 */
const TASKS_ON_QUEUE = 8;

export async function createQueueTreeRunner(config: PipelineConfig, training: TreeTrainingData, ctx: StageContext): Promise<TreeRunner> {
  const url = config.queue!;
  await checkRedis(url);
  const artifactsDir = resolve(config.artifactsDir);
  const dataSha256 = await trainingDataDigest(artifactsDir);
  const run = sha256(JSON.stringify({ dataSha256, seed: config.seed })).slice(0, 20);
  const dir = join(artifactsDir, 'queue', `trees-${run}`);
  // the arrays fitAll hands out, by what a worker rebuilds them from
  const refs = new WeakMap<object, RowsRef>();
  refs.set(training.all, { kind: 'all' });
  training.foldTrain.forEach((rows, fold) => refs.set(rows, { kind: 'fold', fold }));
  const refOf = (value: object): RowsRef => {
    const ref = refs.get(value);
    if (!ref) throw new Error('A tree task names rows the queue runner did not hand out (not all, a fold, or a part of a top).');
    return ref;
  };
  const queue = new Queue(TREE_QUEUE_NAME, { connection: connectionOptions(url) });
  const events = new QueueEvents(TREE_QUEUE_NAME, { connection: connectionOptions(url) });
  events.on('error', () => undefined); // outages are noticed by awaitJob's polling
  const ended = jobEnds(events);
  // the tasks in flight each check; the user is told once
  let toldNoWorker = false;
  ctx.warn(`queue: trees run ${run} on ${TREE_QUEUE_NAME}`);
  return {
    maxThreads: TASKS_ON_QUEUE,
    async run(task: FitTreeTask, { signal }) {
      const { model: m } = task;
      const model: TreeTaskData['model'] = m.kind === 'forest'
        ? m
        : m.kind === 'top'
          ? { ...m, root: m.root && refOf(m.root) }
          : { ...m, root: refOf(m.root) };
      const rows = refOf(task.rows);
      const key = sha256(JSON.stringify({ rows, model })).slice(0, 20);
      const id = `tree-${run}-${key}`;
      const data: TreeTaskData = { run, artifactsDir, dataSha256, seed: config.seed, rows, model, out: join(dir, `${key}.${m.kind === 'top' ? 'json' : 'bin'}`) };
      await awaitJob(queue, id, {
        url,
        send: () => queue.add(JOB.treeTask, data, { ...JOB_OPTIONS, jobId: id }),
        failure: async () => (await queue.getJob(id))?.failedReason ?? 'no reason recorded',
        ended,
        onNoWorker: () => {
          if (!toldNoWorker) ctx.warn(noWorker(url));
          toldNoWorker = true;
        },
        signal,
      });
      const result = await readTreeResult(data.out, m.kind);
      if (!(result instanceof Uint8Array)) {
        (result as TopTaskResult).roots.forEach((root, index) => {
          const ref: RowsRef = { kind: 'part', top: data.out, index };
          refs.set(root, ref);
          refs.set(root.samples, ref);
        });
      }
      return result;
    },
    async destroy() {
      await Promise.allSettled([events.close(), queue.close()]);
    },
  };
}
