/**
 * A queue worker: takes the pipeline's jobs from Redis one at a time and runs them on this
 * host's thread pools. The main thread only moves rows and files; decoding and prediction run in
 * the pools' threads, so BullMQ's lock renewal on the main thread is never held up.
 */
import { hostname } from 'node:os';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { BackendName } from '../config.js';
import { loadPooledPredictor } from '../models/pooledPredictor.js';
import type { Predictor } from '../models/predictor.js';
import { modelDigest, modelFile } from '../models/registry.js';
import { createDecodePool } from '../stages/load/decodeImages.js';
import { createNormalizePool } from '../stages/predict/newImages.js';
import { createTreePool, TASKS_PER_WORKER } from '../stages/trees/fitAll.js';
import { connectionOptions, QUEUE_NAME, TREE_QUEUE_NAME } from './connection.js';
import { JOB, type ModelRef, type PredictMergeData, type PredictShardData, runDir, type ShardResult } from './jobs.js';
import { runPredictMerge, runPredictShard } from './predictJobs.js';
import { runTreeTask, type TreeTaskData, type TreeTools } from './treeJobs.js';

export interface WorkerOptions {
  url: string;
  /** threads of each pool */
  workers: number;
  backend: BackendName | undefined;
  /**
   * how long a job's lock lasts without renewal (ms): a worker that dies (kill -9, a lost host)
   * has its job taken back and given to another worker after about this long
   */
  lockDurationMs: number;
  /** one line per job started, done or failed */
  log(line: string): void;
}

/** The least time between two progress updates of a job (each is a Redis write and an event). */
const PROGRESS_EVERY_MS = 250;

export interface QueueWorker {
  /** resolves once the job in hand (if any) has finished and the pools are down */
  close(): Promise<void>;
  /** resolves once connected and taking jobs */
  ready: Promise<void>;
}

/**
 * Starts taking jobs: one prediction job at a time (a shard's pools use every thread given), and
 * TASKS_PER_WORKER tree jobs per thread (a tree is fitted on one).
 */
export function startWorker(opts: WorkerOptions): QueueWorker {
  const decodePool = createDecodePool(opts.workers);
  const normalizePool = createNormalizePool(opts.workers);
  // a job in hand always runs to its end: the worker stops between jobs (close)
  const never = new AbortController().signal;
  let model: { key: string; predictor: Predictor } | undefined;
  const who = `${hostname()}:${process.pid}`;

  /** The pooled predictor of `ref`, loaded once per model version; UnrecoverableError when this host's file differs. */
  async function predictorFor(artifactsDir: string, ref: ModelRef): Promise<Predictor> {
    let digest: string;
    try {
      digest = await modelDigest(artifactsDir, ref.name);
    } catch (err) {
      throw new UnrecoverableError(`worker ${who}: ${(err as Error).message} Workers must see the caller's artifacts folder at the same path.`);
    }
    if (digest !== ref.sha256) {
      throw new UnrecoverableError(
        `worker ${who}: ${modelFile(artifactsDir, ref.name)} has sha256 ${digest.slice(0, 12)}..., but the job is for ${ref.sha256.slice(0, 12)}...: ` +
          'this worker sees another version of the model. Sync the shared artifacts folder, then rerun the command.',
      );
    }
    const key = `${artifactsDir}\n${ref.name}\n${digest}`;
    if (model?.key !== key) {
      await model?.predictor.dispose();
      model = { key, predictor: await loadPooledPredictor(artifactsDir, ref.name, { workers: opts.workers, backend: opts.backend }) };
    }
    return model.predictor;
  }

  async function runJob(job: Job): Promise<unknown> {
    if (job.name === JOB.predictMerge) return runPredictMerge(job.data as PredictMergeData);
    if (job.name !== JOB.predictShard) throw new UnrecoverableError(`worker ${who}: unknown job "${job.name}" (is this worker older than the caller?)`);
    const data = job.data as PredictShardData;
    const predictor = await predictorFor(data.artifactsDir, data.model);
    let last = 0;
    return runPredictShard(data, runDir(data.artifactsDir, data.run), {
      predictor,
      decodePool,
      normalizePool,
      decodesInFlight: opts.workers * 2,
      signal: never,
      onProgress: (rows) => {
        const now = performance.now();
        if (now - last < PROGRESS_EVERY_MS && rows < data.rows.count) return;
        last = now;
        // progress is advice: a failed update must not fail the shard
        job.updateProgress(rows).catch(() => undefined);
      },
    });
  }

  const treeTools: Partial<TreeTools> = {};
  async function runTreeJob(job: Job): Promise<unknown> {
    if (job.name !== JOB.treeTask) throw new UnrecoverableError(`worker ${who}: unknown job "${job.name}" (is this worker older than the caller?)`);
    treeTools.pool ??= createTreePool(opts.workers);
    return runTreeTask(job.data as TreeTaskData, treeTools as TreeTools);
  }

  const settings = { connection: connectionOptions(opts.url), lockDuration: opts.lockDurationMs, stalledInterval: opts.lockDurationMs, maxStalledCount: 1 };
  const workers = [
    new Worker(QUEUE_NAME, runJob, { ...settings, concurrency: 1 }),
    // as the local pool does: each thread holds its next tree while it fits one
    new Worker(TREE_QUEUE_NAME, runTreeJob, { ...settings, concurrency: opts.workers * TASKS_PER_WORKER }),
  ];
  const started = new Map<string, number>();
  // connection errors are retried by ioredis; say them once each, not as a crash
  let lastError = '';
  for (const worker of workers) {
    worker.on('active', (job) => {
      started.set(job.id!, performance.now());
      opts.log(`${job.name} ${job.id} started`);
    });
    worker.on('completed', (job, result) => {
      const reused = (result as Partial<ShardResult>).reused === true;
      opts.log(`${job.name} ${job.id} done in ${seconds(started, job.id!)} s${reused ? ' (its result was on disk already)' : ''}`);
    });
    worker.on('failed', (job, err) => job && opts.log(`${job.name} ${job.id} failed after ${seconds(started, job.id!)} s: ${err.message}`));
    worker.on('error', (err) => {
      if (err.message !== lastError) opts.log(`queue: ${err.message}`);
      lastError = err.message;
    });
  }

  return {
    ready: Promise.all(workers.map((w) => w.waitUntilReady())).then(() => undefined),
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([decodePool.destroy(), normalizePool.destroy(), model?.predictor.dispose(), treeTools.pool?.destroy()]);
    },
  };
}

function seconds(started: Map<string, number>, id: string): string {
  const t0 = started.get(id);
  started.delete(id);
  return t0 === undefined ? '?' : ((performance.now() - t0) / 1000).toFixed(1);
}
