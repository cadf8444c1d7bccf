/**
 * `trees --queue`: each task of the trees stage's fitAll (a forest's tree, a decision tree's top
 * or one of its subtrees, for a CV fold or the final fit) is one job. A job names its rows, never
 * lists them: every training row, a CV fold's training rows (the worker rebuilds the folds from
 * the same cache, split and seed), or a part of a top whose result file is on the shared
 * artifacts folder. Its result goes to a file there too, which is how a redone job finds its
 * work already done.
 */
import { access, readFile } from 'node:fs/promises';
import type { SubtreeRoot } from '../learn/fitTree.js';
import type { FitTreeTask, TopTaskResult } from '../learn/fitTask.js';
import { DataError } from '../errors.js';
import { fileStamp } from '../io/fileStamp.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { artifactPaths } from '../io/paths.js';
import { readPixelCache } from '../io/pixelCache.js';
import { sha256 } from '../io/sha256.js';
import { readSplit } from '../io/split.js';
import { sharedTaskData, type TreePool } from '../stages/trees/fitAll.js';
import { treeTrainingData, type TreeTrainingData } from '../stages/trees/trainingData.js';

/** Rows a tree task learns from, by reference. */
export type RowsRef = { kind: 'all' } | { kind: 'fold'; fold: number } | { kind: 'part'; top: string; index: number };

/** A task's model with its subtree root (where it has one) named by reference. */
type WithRootRef<M> = M extends { root: SubtreeRoot }
  ? Omit<M, 'root'> & { root: RowsRef }
  : M extends { root?: SubtreeRoot } ? Omit<M, 'root'> & { root?: RowsRef } : M;

/** A tree task as a job: FitTreeTask with its arrays replaced by references. */
export interface TreeTaskData {
  /** the run's id: its training data and seed */
  run: string;
  artifactsDir: string;
  /** trainingDataDigest of the caller's cache and split */
  dataSha256: string;
  seed: number;
  rows: RowsRef;
  model: WithRootRef<FitTreeTask['model']>;
  /** where the result goes: a `.json` for a top, the result's bytes for the others */
  out: string;
}

/** The sha256 of what the trees learn from: the pixel cache's manifest (which holds each cache file's sha256) and split.json. */
export async function trainingDataDigest(artifactsDir: string): Promise<string> {
  const paths = artifactPaths(artifactsDir);
  const read = (path: string) => readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new DataError(`Cannot read ${path} (${err.code ?? err.message}). Workers must see the caller's artifacts folder at the same path.`);
  });
  return sha256(Buffer.concat([await read(paths.cacheManifest), await read(paths.split)]));
}

/** A top's result file: its arrays as base64. */
interface TopFile {
  bytes: string;
  open: number[];
  roots: { samples: string; features: string; constants: number; seed: number }[];
}

const base64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
/** An aligned copy of base64 `text` as `Type`. */
function fromBase64<T>(text: string, Type: new (buffer: ArrayBuffer) => T): T {
  const bytes = Buffer.from(text, 'base64');
  return new Type(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

/** Reads a result file written by runTreeTask. */
export async function readTreeResult(out: string, kind: TreeTaskData['model']['kind']): Promise<Uint8Array | TopTaskResult> {
  if (kind !== 'top') return new Uint8Array(await readFile(out));
  const top = JSON.parse(await readFile(out, 'utf8')) as TopFile;
  return {
    bytes: fromBase64(top.bytes, Uint8Array),
    open: top.open,
    roots: top.roots.map((r): SubtreeRoot => ({ samples: fromBase64(r.samples, Int32Array), features: fromBase64(r.features, Uint16Array), constants: r.constants, seed: r.seed })),
  };
}

/** What a worker keeps between tree jobs: its tree pool and the training data last built. */
export interface TreeTools {
  pool: TreePool;
  /** the last training data digest, and the files' stamp it was computed for */
  digest?: { stamp: string; sha256: string };
  training?: { key: string; data: TreeTrainingData; shared: ReturnType<typeof sharedTaskData> };
}

/** The files trainingDataDigest reads, as stat sees them: while these stay, the digest does. */
async function dataStamp(artifactsDir: string): Promise<string> {
  const paths = artifactPaths(artifactsDir);
  return `${artifactsDir}\n${await fileStamp([paths.cacheManifest, paths.split])}`;
}

/** The training data of `job`, built once per cache, split and seed; DataError when this host's files differ from the caller's. */
async function trainingFor(job: TreeTaskData, tools: TreeTools): Promise<NonNullable<TreeTools['training']>> {
  // hashed again only when the files change: a forest is hundreds of jobs on the same files
  const stamp = await dataStamp(job.artifactsDir);
  if (tools.digest?.stamp !== stamp) tools.digest = { stamp, sha256: await trainingDataDigest(job.artifactsDir) };
  const digest = tools.digest.sha256;
  if (digest !== job.dataSha256) {
    throw new DataError(`The pixel cache or split.json under ${job.artifactsDir} on this worker is not the caller's: sync the shared artifacts folder.`);
  }
  const key = `${job.artifactsDir}\n${digest}\n${job.seed}`;
  if (tools.training?.key !== key) {
    const paths = artifactPaths(job.artifactsDir);
    const [cache, split] = await Promise.all([readPixelCache(paths), readSplit(paths.split)]);
    const data = treeTrainingData(cache, split, job.seed);
    tools.training = { key, data, shared: sharedTaskData(data.data) };
  }
  return tools.training;
}

async function rootOf(ref: RowsRef): Promise<SubtreeRoot> {
  if (ref.kind !== 'part') throw new DataError(`A subtree's root must be a part of a top, not "${ref.kind}" rows.`);
  const top = (await readTreeResult(ref.top, 'top').catch((err: Error) => {
    throw new DataError(`Cannot read the top ${ref.top} this subtree grows from (${err.message}). Workers must see the caller's artifacts folder at the same path.`);
  })) as TopTaskResult;
  return top.roots[ref.index]!;
}

async function rowsOf(ref: RowsRef, training: TreeTrainingData): Promise<Int32Array> {
  if (ref.kind === 'all') return training.all;
  if (ref.kind === 'fold') return training.foldTrain[ref.fold]!;
  return (await rootOf(ref)).samples;
}

/** Runs one tree task on this host's pool into its result file (or finds it there); resolves to whether it was there. */
export async function runTreeTask(job: TreeTaskData, tools: TreeTools): Promise<{ reused: boolean }> {
  if (await access(job.out).then(() => true, () => false)) return { reused: true };
  const training = await trainingFor(job, tools);
  const rows = await rowsOf(job.rows, training.data);
  const model = job.model.kind === 'forest'
    ? job.model
    : job.model.kind === 'top'
      ? { ...job.model, root: job.model.root && (await rootOf(job.model.root)) }
      : { ...job.model, root: await rootOf(job.model.root) };
  const result = await tools.pool.run({ ...training.shared, rows, model });
  if (result instanceof Uint8Array) {
    await writeFileAtomic(job.out, result);
  } else {
    const file: TopFile = {
      bytes: base64(result.bytes),
      open: result.open,
      roots: result.roots.map((r) => ({ samples: base64(r.samples), features: base64(r.features), constants: r.constants, seed: r.seed })),
    };
    await writeFileAtomic(job.out, JSON.stringify(file));
  }
  return { reused: false };
}
