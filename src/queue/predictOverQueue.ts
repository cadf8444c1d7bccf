/**
 * The caller's side of `predict --queue URL`: the inputs become a manifest cut into shards of
 * about SHARD_IMAGES images, sent as one BullMQ flow (a merge job over the shard jobs), then
 * waited for with a progress bar. The result is the file a one-machine run writes: the
 * submission CSV, or, with `--input`, the rows on stdout.
 *
 * Job ids come from the run's id (its inputs, model and settings), so a second caller of the
 * same run, or a rerun, adds nothing new: it waits for the same jobs. When Redis loses the run
 * (restarted without persistence) the caller sends it again, and the shards whose parts are on
 * disk are not redone.
 */
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FlowProducer, type FlowJob, Queue, QueueEvents } from 'bullmq';
import type { PipelineConfig } from '../config.js';
import { PipelineError } from '../errors.js';
import { dataPaths } from '../io/paths.js';
import { sha256 } from '../io/sha256.js';
import { modelDigest, type ModelName } from '../models/registry.js';
import { inferenceBatchSize } from '../networks/evaluate.js';
import { createProgress } from '../progress.js';
import type { StageContext } from '../stage.js';
import { NEW_IMAGE_COLUMNS } from '../stages/predict/newImages.js';
import { newInputs, nothingToPredict } from '../stages/predict/newInputs.js';
import { readSampleCsv, submissionPath, testImagePaths } from '../stages/predict/testSet.js';
import { awaitJob, jobEnds, noWorker } from './awaitJob.js';
import { checkRedis, connectionOptions, QUEUE_NAME, shownUrl } from './connection.js';
import { JOB, JOB_OPTIONS, type MergeResult, type ModelRef, type PredictMergeData, type PredictShardData, predictJobId, runDir } from './jobs.js';
import { writeManifest } from './manifest.js';
import { partErrors, runPredictMerge } from './predictJobs.js';


/** What a run is made of; its hash is the run's id. */
interface RunPlan {
  run: string;
  shards: PredictShardData[];
  merge: PredictMergeData;
  /** inputs refused before queueing (counted as failed) */
  refused: number;
}

/** The run's id: the same inputs, model and settings give the same id on any machine. */
function runId(parts: unknown): string {
  return sha256(JSON.stringify(parts)).slice(0, 20);
}

async function planTestRun(config: PipelineConfig, artifactsDir: string, model: ModelRef, batchSize: number, shardRows: number): Promise<RunPlan> {
  const dataDir = resolve(config.dataDir);
  const data = dataPaths(dataDir);
  const sample = await readSampleCsv(data.testSampleCsv);
  const { sha256: sampleSha256 } = sample;
  // missing images stop the run here, before anything is queued, as they do on one machine
  await testImagePaths(sample.ids, data.testImages, data.testSampleCsv);
  const run = runId({ kind: 'test', dataDir, sampleSha256, model, batchSize, shardRows });
  const shards: PredictShardData[] = [];
  for (let first = 0, index = 0; first < sample.ids.length; first += shardRows, index++) {
    const rows = { first, count: Math.min(shardRows, sample.ids.length - first) };
    shards.push({ kind: 'test', run, index, artifactsDir, model, batchSize, rows, dataDir, sampleSha256 });
  }
  const out = submissionPath(artifactsDir, model.name);
  return { run, shards, merge: { run, runDir: runDir(artifactsDir, run), shards: shards.length, header: sample.header, out }, refused: 0 };
}

async function planInputRun(config: PipelineConfig, ctx: StageContext, artifactsDir: string, model: ModelRef, batchSize: number, shardRows: number): Promise<RunPlan> {
  const dir = join(artifactsDir, 'queue', 'manifests');
  await mkdir(dir, { recursive: true });
  let refused = 0;
  const manifest = await writeManifest(newInputs(config.input!, ctx.stdin, ctx.signal), dir, shardRows, (message) => {
    refused += 1;
    ctx.warn(`error: ${message}`);
  });
  const cwd = process.cwd();
  const { maxInputBytes } = config;
  const run = runId({ kind: 'input', manifest: manifest.sha256, cwd, model, batchSize, maxInputBytes, shardRows });
  const shards = manifest.shards.map((shard, index): PredictShardData => ({
    kind: 'input', run, index, artifactsDir, model, batchSize, rows: shard.rows,
    manifest: { path: manifest.path, bytes: manifest.bytes }, bytes: shard.bytes, cwd, maxInputBytes,
  }));
  const dirOfRun = runDir(artifactsDir, run);
  return { run, shards, merge: { run, runDir: dirOfRun, shards: shards.length, header: NEW_IMAGE_COLUMNS, out: join(dirOfRun, 'predictions.csv') }, refused };
}

/** The run as one flow: the merge job, parent of the shard jobs. */
function flowOf(plan: RunPlan): FlowJob {
  return {
    name: JOB.predictMerge,
    queueName: QUEUE_NAME,
    data: plan.merge,
    opts: { ...JOB_OPTIONS, jobId: predictJobId(plan.run) },
    children: plan.shards.map((shard) => ({
      name: JOB.predictShard,
      queueName: QUEUE_NAME,
      data: shard,
      // a shard that fails for good fails the run, instead of leaving the merge waiting forever
      opts: { ...JOB_OPTIONS, jobId: predictJobId(plan.run, shard.index), failParentOnFailure: true },
    })),
  };
}

/**
 * Sends the run (unless it is already queued) and waits for its merge job, showing the shards'
 * progress; resolves to the merge's result. A run that failed before (an earlier call) is sent
 * again; a failure of this one rejects with the first failed shard's reason.
 */
async function sendAndWait(url: string, plan: RunPlan, label: string, ctx: StageContext): Promise<MergeResult> {
  const connection = connectionOptions(url);
  const queue = new Queue(QUEUE_NAME, { connection });
  const flows = new FlowProducer({ connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  const mergeId = predictJobId(plan.run);
  const total = plan.shards.reduce((n, s) => n + s.rows.count, 0);
  const doneOf = new Map<string, number>(plan.shards.map((s) => [predictJobId(plan.run, s.index), 0]));
  const progress = createProgress(label, total);
  let shown = 0;
  const update = (jobId: string, rows: number) => {
    if (!doneOf.has(jobId) || rows <= doneOf.get(jobId)!) return;
    doneOf.set(jobId, rows);
    const sum = [...doneOf.values()].reduce((a, b) => a + b, 0);
    progress.tick(sum - shown);
    shown = sum;
  };
  events.on('progress', ({ jobId, data }) => typeof data === 'number' && update(jobId, data));
  const shardOf = (jobId: string) => plan.shards.find((s) => predictJobId(plan.run, s.index) === jobId);
  events.on('completed', ({ jobId }) => {
    const shard = shardOf(jobId);
    if (shard) update(jobId, shard.rows.count);
  });
  // a failed attempt is retried (JOB_OPTIONS); the user sees why it failed as it happens
  events.on('failed', ({ jobId, failedReason }) => {
    const shard = shardOf(jobId);
    if (shard) ctx.warn(`queue: shard ${shard.index} failed on a worker: ${failedReason}`);
  });
  events.on('error', () => undefined); // outages are reported by the polling below
  try {
    const result = await awaitJob<MergeResult>(queue, mergeId, {
      url,
      send: () => flows.add(flowOf(plan)),
      failure: () => firstFailure(queue, plan),
      onResend: () => ctx.warn(`queue: run ${plan.run} is no longer in Redis (restarted?); sending it again, finished shards are kept`),
      ended: jobEnds(events),
      onNoWorker: () => ctx.warn(noWorker(url)),
      signal: ctx.signal,
    });
    progress.done();
    return result;
  } catch (err) {
    if (ctx.signal.aborted) ctx.warn(`queue: stopped waiting; run ${plan.run} goes on on the workers: rerun the same command to collect its output`);
    throw err;
  } finally {
    await Promise.allSettled([events.close(), flows.close(), queue.close()]);
  }
}

/** The reason of the first failed shard of the run (or the merge's own). */
async function firstFailure(queue: Queue, plan: RunPlan): Promise<string> {
  for (const shard of plan.shards) {
    const job = await queue.getJob(predictJobId(plan.run, shard.index));
    if (job?.failedReason) return `shard ${shard.index} (rows ${shard.rows.first + 1} to ${shard.rows.first + shard.rows.count}): ${job.failedReason}`;
  }
  return (await queue.getJob(predictJobId(plan.run)))?.failedReason ?? 'no reason recorded';
}

/** `predict --queue`: the submission CSV (or `--input` rows on stdout) made by queue workers. */
export async function predictOverQueue(config: PipelineConfig, ctx: StageContext, name: ModelName): Promise<void> {
  const url = config.queue!;
  await checkRedis(url);
  const artifactsDir = resolve(config.artifactsDir);
  const model = { name, sha256: await modelDigest(artifactsDir, name) };
  const batchSize = inferenceBatchSize(config);
  // whole batches: a shard batches its rows as a one-machine run does
  const shardRows = Math.ceil(config.shardSize / batchSize) * batchSize;
  const started = performance.now();
  const plan = config.input === undefined
    ? await planTestRun(config, artifactsDir, model, batchSize, shardRows)
    : await planInputRun(config, ctx, artifactsDir, model, batchSize, shardRows);
  const total = plan.shards.reduce((n, s) => n + s.rows.count, 0);
  ctx.warn(`queue: run ${plan.run}: ${total} images in ${plan.shards.length} shards on ${shownUrl(url)}`);
  // nothing to send: the merge of no parts (a header line) is made here
  const result = plan.shards.length === 0 ? await runPredictMerge(plan.merge) : await sendAndWait(url, plan, `predict ${name} on the queue`, ctx);
  const seconds = (performance.now() - started) / 1000;
  const rate = `${result.rows} of ${total + plan.refused} images predicted in ${seconds.toFixed(1)} s (${Math.round(total / seconds)} images/s)`;
  if (config.input === undefined) {
    ctx.log(`${name}: ${rate}`);
    ctx.log(`submission CSV: ${result.out}`);
    return;
  }
  for (const message of await partErrors(plan.merge.runDir, plan.shards.length)) ctx.warn(`error: ${message}`);
  await pipeline(createReadStream(result.out), ctx.stdout, { end: false });
  ctx.warn(`${name}: ${rate}`);
  const failed = result.failed + plan.refused;
  if (total + plan.refused === 0) throw new PipelineError(nothingToPredict(config.input));
  if (failed > 0) throw new PipelineError(`${failed} of ${total + plan.refused} inputs failed; see the lines above.`);
}
