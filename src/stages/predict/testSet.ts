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
import { artifactPaths, dataPaths } from '../../io/paths.js';
import type { Predictor } from '../../models/predictor.js';
import { chunkItems } from '../../operators/chunkItems.js';
import { decodeInPool } from '../../operators/decodeInPool.js';
import { inOrder } from '../../operators/inOrder.js';
import { reportProgress } from '../../operators/reportProgress.js';
import { toCsvRows } from '../../operators/toCsvRows.js';
import { createProgress } from '../../progress.js';
import { createDecodePool, decodeChunks } from '../load/decodeImages.js';
import { atomicCsvFile } from './csvSink.js';

/** test_sample.csv as it is: its header and records (every column kept), and where `class` is. */
export interface SampleCsv {
  header: string[];
  records: string[][];
  classCol: number;
  ids: Int32Array;
}

/** Reads test_sample.csv, validated like every id,class file (ids unique integers, both columns present). */
export async function readSampleCsv(path: string): Promise<SampleCsv> {
  const text = await readFile(path, 'utf8');
  const { ids } = parseIdClassCsv(text, path, { labelled: false });
  const [header = [], ...records] = parse(text, { trim: true }) as string[][];
  return { header, records, classCol: header.indexOf('class'), ids };
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

export interface TestSetOptions {
  dataDir: string;
  artifactsDir: string;
  workers: number;
  batchSize: number;
  signal: AbortSignal;
}

/** Predicts every test_sample.csv row with `predictor`; returns the CSV written and its row count. */
export async function predictTestSet(predictor: Predictor, opts: TestSetOptions): Promise<{ path: string; rows: number }> {
  const data = dataPaths(opts.dataDir);
  const sample = await readSampleCsv(data.testSampleCsv);
  const paths = await testImagePaths(sample.ids, data.testImages, data.testSampleCsv);
  const out = join(artifactPaths(opts.artifactsDir).predictions, `${predictor.name}_test.csv`);
  const pool = createDecodePool(opts.workers);
  const decode = decodeChunks(pool, opts.signal);
  const progress = createProgress(`predict ${predictor.name}`, paths.length);
  const file = await atomicCsvFile(out, sample.header);
  try {
    await lastValueFrom(
      from(paths.map((_, row) => row)).pipe(
        chunkItems(opts.batchSize),
        decodeInPool((rows) => decode(rows.map((r) => paths[r]!)), opts.workers * 2),
        mergeMap(async (chunk) => ({ ...chunk, probs: await predictor.predictBatch(chunk.pixels, chunk.items.length) }), predictor.concurrency),
        inOrder((chunk) => chunk.index),
        toCsvRows((row, label) => sample.records[row]!.map((v, col) => (col === sample.classCol ? label : v))),
        concatMap(async (rows) => {
          await file.write(rows);
          return rows.length;
        }),
        reportProgress(progress, (n) => n),
      ),
      { defaultValue: undefined },
    );
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
