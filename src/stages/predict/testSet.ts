/**
 * The study's last step: the chosen model predicts the test images listed in test_sample.csv,
 * streamed: ids -> decode pool (chunks of batchSize) -> model (a batch per model worker) ->
 * back in file order -> csv-stringify -> temp file, renamed to `predictions/<model>_test.csv`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { concatMap, from, lastValueFrom, mergeMap } from 'rxjs';
import { DataError } from '../../errors.js';
import { parseIdClassCsv } from '../../io/csv.js';
import { sha256 } from '../../io/sha256.js';
import { artifactPaths, dataPaths } from '../../io/paths.js';
import type { Predictor } from '../../models/predictor.js';
import { chunkItems } from '../../operators/chunkItems.js';
import { decodeInPool } from '../../operators/decodeInPool.js';
import { inOrder } from '../../operators/inOrder.js';
import { toCsvRows } from '../../operators/toCsvRows.js';
import { createProgress } from '../../progress.js';
import { createDecodePool, decodeChunks, type DecodePool } from '../load/decodeImages.js';
import { atomicCsvFile, type CsvSink } from './csvSink.js';

/** test_sample.csv as it is: its header and records (every column kept), and where `class` is. */
export interface SampleCsv {
  header: string[];
  records: string[][];
  classCol: number;
  ids: Int32Array;
  /** of the file's bytes: a queue worker checks it reads the caller's file */
  sha256: string;
}

/** Reads test_sample.csv, validated like every id,class file (ids unique integers, both columns present). */
export async function readSampleCsv(path: string): Promise<SampleCsv> {
  const bytes = await readFile(path);
  const text = bytes.toString('utf8');
  const { ids } = parseIdClassCsv(text, path, { labelled: false });
  const [header = [], ...records] = parse(text, { trim: true }) as string[][];
  return { header, records, classCol: header.indexOf('class'), ids, sha256: sha256(bytes) };
}

/** Paths of the test images in row order; DataError listing the ids without an image (before anything is written). */
export async function testImagePaths(ids: Int32Array, dir: string, csvPath: string): Promise<string[]> {
  const present = new Set(await readdir(dir));
  const missing = Array.from(ids).filter((id) => !present.has(`${id}.png`));
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, ... (${missing.length} in all)` : '');
    throw new DataError(
      `${missing.length} id${missing.length > 1 ? 's' : ''} of ${csvPath} ha${missing.length > 1 ? 've' : 's'} no image in ${dir}: ${shown}. ` +
        'Add the images or remove those rows; no predictions were written.',
    );
  }
  return Array.from(ids, (id) => join(dir, `${id}.png`));
}

/** Rows `first` to `first + count - 1` of a file of inputs (0-based, header not counted). */
export interface RowRange {
  first: number;
  count: number;
}

export interface SampleRowsOptions {
  batchSize: number;
  /** decode tasks in flight (2 per decode thread keeps every thread busy) */
  decodesInFlight: number;
  signal: AbortSignal;
  /** told how many rows each written batch had */
  onRows?(count: number): void;
}

/**
 * Predicts rows `range` of test_sample.csv with `predictor` and writes them to `sink` in row
 * order, every column kept and `class` filled in. Batches start at multiples of `batchSize` from
 * `range.first`, so a range that starts at such a multiple is batched as the whole file is.
 */
export async function predictSampleRows(
  predictor: Predictor,
  sample: SampleCsv,
  paths: string[],
  range: RowRange,
  pool: DecodePool,
  sink: Pick<CsvSink, 'write'>,
  opts: SampleRowsOptions,
): Promise<void> {
  const decode = decodeChunks(pool, opts.signal);
  await lastValueFrom(
    from(Array.from({ length: range.count }, (_, i) => range.first + i)).pipe(
      chunkItems(opts.batchSize),
      decodeInPool((rows) => decode(rows.map((r) => paths[r]!)), opts.decodesInFlight),
      mergeMap(async (chunk) => ({ ...chunk, probs: await predictor.predictBatch(chunk.pixels, chunk.items.length) }), predictor.concurrency),
      inOrder((chunk) => chunk.index),
      toCsvRows((row, label) => sample.records[row]!.map((v, col) => (col === sample.classCol ? label : v))),
      concatMap(async (rows) => {
        await sink.write(rows);
        opts.onRows?.(rows.length);
      }),
    ),
    { defaultValue: undefined },
  );
}

export interface TestSetOptions {
  dataDir: string;
  artifactsDir: string;
  workers: number;
  batchSize: number;
  signal: AbortSignal;
}

/** Where `predict` writes the submission of model `name`. */
export function submissionPath(artifactsDir: string, name: string): string {
  return join(artifactPaths(artifactsDir).predictions, `${name}_test.csv`);
}

/** Predicts every test_sample.csv row with `predictor`; returns the CSV written and its row count. */
export async function predictTestSet(predictor: Predictor, opts: TestSetOptions): Promise<{ path: string; rows: number }> {
  const data = dataPaths(opts.dataDir);
  const sample = await readSampleCsv(data.testSampleCsv);
  const paths = await testImagePaths(sample.ids, data.testImages, data.testSampleCsv);
  const out = submissionPath(opts.artifactsDir, predictor.name);
  const pool = createDecodePool(opts.workers);
  const progress = createProgress(`predict ${predictor.name}`, paths.length);
  const file = await atomicCsvFile(out, sample.header);
  try {
    await predictSampleRows(predictor, sample, paths, { first: 0, count: paths.length }, pool, file, {
      batchSize: opts.batchSize,
      decodesInFlight: opts.workers * 2,
      signal: opts.signal,
      onRows: (n) => progress.tick(n),
    });
    await file.commit();
    progress.done();
  } catch (err) {
    await file.abort();
    throw opts.signal.aborted ? opts.signal.reason : err;
  } finally {
    await pool.destroy();
  }
  return { path: out, rows: paths.length };
}
