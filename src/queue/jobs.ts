/**
 * What goes through the queue: the data of each kind of job, its id, and the options it is sent
 * with. Jobs hold ranges of files on the shared folders, never the items themselves, so Redis
 * holds a few hundred bytes per job however many images a run has.
 */
import { join } from 'node:path';
import type { JobsOptions } from 'bullmq';
import type { ModelName } from '../models/registry.js';
import type { RowRange } from '../stages/predict/testSet.js';

/** A model as a job names it: its content is what must match on the worker, not its path. */
export interface ModelRef {
  name: ModelName;
  /** sha256 of its registry file (modelDigest) */
  sha256: string;
}

/** What every prediction shard has. Paths are absolute: every machine mounts the shared folders at the same place. */
interface PredictShardBase {
  /** the run's id (runId): the same inputs, model and settings give the same id */
  run: string;
  /** the shard's position in the run, from 0 */
  index: number;
  artifactsDir: string;
  model: ModelRef;
  batchSize: number;
  /** the manifest's rows this shard predicts */
  rows: RowRange;
}

/** A range of test_sample.csv rows, for the submission CSV. */
export interface TestShardData extends PredictShardBase {
  kind: 'test';
  dataDir: string;
  /** sha256 of test_sample.csv as the caller read it */
  sampleSha256: string;
}

/** A range of the lines of a manifest of image paths (`--input`). */
export interface InputShardData extends PredictShardBase {
  kind: 'input';
  /** the manifest file and its size (its name is its sha256) */
  manifest: { path: string; bytes: number };
  /** byte offsets of the shard's first line and just past its last */
  bytes: { start: number; end: number };
  /** the caller's working folder: relative paths in the manifest are relative to it */
  cwd: string;
  maxInputBytes: number;
}

export type PredictShardData = TestShardData | InputShardData;

/** The parent of a run's shards: joins their parts into `out`. */
export interface PredictMergeData {
  run: string;
  /** the run's folder, where the parts are */
  runDir: string;
  shards: number;
  /** the CSV's header line's columns */
  header: string[];
  /** the file the run produces */
  out: string;
}

export interface ShardResult {
  rows: number;
  failed: number;
  /** its part was on disk already (done by an earlier attempt or run): nothing was predicted */
  reused: boolean;
}

export interface MergeResult {
  out: string;
  rows: number;
  failed: number;
}

/** Job names, one per kind of work. */
export const JOB = { predictShard: 'predict-shard', predictMerge: 'predict-merge', treeTask: 'tree-task' } as const;

/** The id of a run's merge job, and of its shard `index`: fixed by the run, so sending a run twice adds nothing. */
export function predictJobId(run: string, index?: number): string {
  return index === undefined ? `predict-${run}-merge` : `predict-${run}-${index}`;
}

/** A run's folder under the artifacts folder: its manifest parts and their records. */
export function runDir(artifactsDir: string, run: string): string {
  return join(artifactsDir, 'queue', run);
}

/**
 * Options of every job. Finished jobs are kept for a while (a late duplicate caller still finds
 * its run done) but not forever. A failure is retried once after 2 s: a shared folder that was
 * briefly unreachable; a job's own UnrecoverableError (a model that differs) is not retried.
 */
export const JOB_OPTIONS: JobsOptions = {
  attempts: 2,
  backoff: { type: 'fixed', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};
