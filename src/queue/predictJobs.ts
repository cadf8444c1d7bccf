/**
 * The worker's side of `predict --queue`: a shard predicts its rows into a part of the CSV, and
 * the merge joins the parts, in order, into the file a one-machine run writes.
 *
 * A part is two files under the run's folder, each written atomically: part-N.csv (its rows, no
 * header), then part-N.json (its record: the CSV's sha256, row and failure counts, the failure
 * messages). A record that matches its CSV means the shard is done, so a shard done before (a
 * worker killed after writing it, a rerun after Redis lost its jobs) is not predicted again.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrecoverableError } from 'bullmq';
import { DataError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite.js';
import { dataPaths } from '../io/paths.js';
import { sha256 } from '../io/sha256.js';
import { stringify } from 'csv-stringify/sync';
import type { Predictor } from '../models/predictor.js';
import { atomicCsvFile } from '../stages/predict/csvSink.js';
import { predictNewImages, type NormalizePool } from '../stages/predict/newImages.js';
import { predictSampleRows, readSampleCsv, testImagePaths } from '../stages/predict/testSet.js';
import type { DecodePool } from '../stages/load/decodeImages.js';
import type { MergeResult, PredictMergeData, PredictShardData, ShardResult } from './jobs.js';
import { manifestInputs } from './manifest.js';

/** A shard part's record, written after its CSV. */
interface PartRecord extends Omit<ShardResult, 'reused'> {
  csvSha256: string;
  /** one message per failed input, in input order */
  errors: string[];
}

/** The two files of part `index` of the run in `dir`. */
export function partFiles(dir: string, index: number): { csv: string; record: string } {
  const name = `part-${String(index).padStart(5, '0')}`;
  return { csv: join(dir, `${name}.csv`), record: join(dir, `${name}.json`) };
}

/** The part's record and CSV bytes when both are there and agree; undefined when the shard is not done. */
async function readPart(dir: string, index: number): Promise<{ record: PartRecord; csv: Buffer } | undefined> {
  const files = partFiles(dir, index);
  try {
    const record = JSON.parse(await readFile(files.record, 'utf8')) as PartRecord;
    const csv = await readFile(files.csv);
    return sha256(csv) === record.csvSha256 ? { record, csv } : undefined;
  } catch {
    return undefined;
  }
}

/** What a worker lends a shard: its loaded model, its thread pools and a progress callback. */
export interface ShardTools {
  predictor: Predictor;
  decodePool: DecodePool;
  normalizePool: NormalizePool;
  /** decode tasks in flight */
  decodesInFlight: number;
  /** told the rows done so far */
  onProgress(rows: number): void;
  signal: AbortSignal;
}

/** Predicts one shard into its part (or finds it done); resolves to its counts. */
export async function runPredictShard(job: PredictShardData, dir: string, tools: ShardTools): Promise<ShardResult> {
  const done = await readPart(dir, job.index);
  if (done) return { rows: done.record.rows, failed: done.record.failed, reused: true };
  const files = partFiles(dir, job.index);
  const file = await atomicCsvFile(files.csv, null);
  const sink = { write: file.write, end: file.commit };
  let rows = 0;
  const progress = (n: number) => tools.onProgress((rows += n));
  const errors: string[] = [];
  try {
    if (job.kind === 'test') {
      const csvPath = dataPaths(job.dataDir).testSampleCsv;
      const sample = await readSampleCsv(csvPath).catch((err: NodeJS.ErrnoException) => {
        if (err.code === undefined) throw err; // the file's content, which the parser's message names
        throw new DataError(`Cannot read ${csvPath} (${err.code ?? err.message}). Workers must see the caller's data folder at the same path.`);
      });
      if (sample.sha256 !== job.sampleSha256) {
        throw new UnrecoverableError(`${csvPath} on this worker is not the caller's (its sha256 differs): sync the shared data folder.`);
      }
      const paths = await testImagePaths(sample.ids, dataPaths(job.dataDir).testImages, csvPath);
      await predictSampleRows(tools.predictor, sample, paths, job.rows, tools.decodePool, sink, {
        batchSize: job.batchSize,
        decodesInFlight: tools.decodesInFlight,
        signal: tools.signal,
        onRows: progress,
      });
      await sink.end();
    } else {
      const inputs = manifestInputs(job.manifest.path, job.manifest.bytes, job.bytes, job.cwd);
      const result = await predictNewImages(tools.predictor, inputs, {
        pool: tools.normalizePool,
        batchSize: job.batchSize,
        sink,
        maxInputBytes: job.maxInputBytes,
        onFailure: (message) => {
          errors.push(message);
          progress(1);
        },
        onRows: progress,
        signal: tools.signal,
      });
      if (result.total !== job.rows.count) {
        throw new DataError(`Shard ${job.index} of run ${job.run} read ${result.total} paths of ${job.manifest.path}, not ${job.rows.count}.`);
      }
    }
  } catch (err) {
    await file.abort();
    throw err;
  }
  // read back rather than hashed as written: the record vouches for the bytes on disk
  const record: PartRecord = { csvSha256: sha256(await readFile(files.csv)), rows: job.rows.count - errors.length, failed: errors.length, errors };
  await writeJsonAtomic(files.record, record);
  return { rows: record.rows, failed: record.failed, reused: false };
}

/** The failure messages of every part of a finished run, in input order. */
export async function partErrors(dir: string, shards: number): Promise<string[]> {
  const errors: string[] = [];
  // the records only: the merge has checked every part's CSV against its record
  for (let i = 0; i < shards; i++) errors.push(...(JSON.parse(await readFile(partFiles(dir, i).record, 'utf8')) as PartRecord).errors);
  return errors;
}

/** Joins the parts of a run into `job.out` (atomically): the header line, then each part's rows in order. */
export async function runPredictMerge(job: PredictMergeData): Promise<MergeResult> {
  let rows = 0;
  let failed = 0;
  async function* pieces(): AsyncGenerator<string | Uint8Array> {
    yield stringify([], { header: true, columns: job.header });
    for (let i = 0; i < job.shards; i++) {
      const part = await readPart(job.runDir, i);
      if (!part) throw new DataError(`Part ${i} of run ${job.run} is missing or damaged (${partFiles(job.runDir, i).record}): rerun the same command to redo it.`);
      rows += part.record.rows;
      failed += part.record.failed;
      yield part.csv;
    }
  }
  await writeFileAtomic(job.out, pieces());
  return { out: job.out, rows, failed };
}
