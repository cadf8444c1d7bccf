import { mkdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { from, lastValueFrom, mergeMap } from 'rxjs';
import { formatIdClassCsv } from '../../io/csv.js';
import type { IdxImages, IdxLabels } from '../../io/idx.js';
import { dataPaths } from '../../io/paths.js';
import type { Progress } from '../../progress.js';
import type { EncodeTask } from '../../io/pngEncode.js';
import { WorkerPool } from '../../workerPool.js';

/** Images written per pool task: enough to make messaging negligible, small enough to balance. */
const IMAGES_PER_TASK = 1000;

export interface LayoutSource {
  train: { images: IdxImages; labels: IdxLabels };
  test: { images: IdxImages; labels: IdxLabels };
}

export interface WriteLayoutOptions {
  workers: number;
  progress?: Progress;
  signal?: AbortSignal;
}

/** The temp sibling `prepare` writes into; fixed, so a rerun finds and removes a stale one. */
export function layoutTempDir(dataDir: string): string {
  return join(dirname(dataDir), `.${basename(dataDir)}.prepare-tmp`);
}

/** Copies pixels onto a SharedArrayBuffer, so every task sees them without a 47 MB copy each. */
function shared(pixels: Uint8Array): Uint8Array {
  const out = new Uint8Array(new SharedArrayBuffer(pixels.length));
  out.set(pixels);
  return out;
}

/**
 * Writes the study's layout at `dataDir`: images/{train,test}/{id}.png, train.csv,
 * test_sample.csv (class 0 as the placeholder), test_labels.csv. Everything goes into a temp
 * sibling folder first and is renamed into place at the end, so `dataDir` is either absent or
 * whole. The PNGs are encoded and written by a pool of `workers` threads.
 *
 * The files are not fsynced one by one (70,000 fsyncs would cost far more than writing them):
 * a power cut just after the rename could leave some empty. `load` names any such PNG; delete
 * the folder and run prepare again.
 */
export async function writeLayout(dataDir: string, source: LayoutSource, opts: WriteLayoutOptions): Promise<void> {
  const tmp = layoutTempDir(dataDir);
  const paths = dataPaths(tmp);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(paths.trainImages, { recursive: true });
  await mkdir(paths.testImages, { recursive: true });
  const pool = new WorkerPool<EncodeTask, number>({
    filename: new URL('../../workers/encode.worker.js', import.meta.url).href,
    minThreads: opts.workers,
    maxThreads: opts.workers,
  });
  // After the first failure (or Ctrl-C) the tasks not yet started are skipped, but none that is
  // running is aborted: aborting a Piscina task terminates its thread, and a thread terminated
  // inside deflateSync takes the process down on Node 20 ("close before init"). Every task and
  // CSV write is settled before the temp folder is removed, so none writes into it afterwards.
  let failure: { reason: unknown } | undefined;
  const fail = (reason: unknown) => {
    failure ??= { reason };
  };
  const stopped = () => failure !== undefined || opts.signal?.aborted === true;
  const { train, test } = source;
  const ids = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  const csvs = Promise.all([
    writeFile(paths.trainCsv, formatIdClassCsv(ids(train.labels.count), train.labels.labels)),
    writeFile(paths.testSampleCsv, formatIdClassCsv(ids(test.labels.count), new Uint8Array(test.labels.count))),
    writeFile(paths.testLabelsCsv, formatIdClassCsv(ids(test.labels.count), test.labels.labels)),
  ]).catch(fail);
  const tasks: EncodeTask[] = [];
  for (const [set, dir] of [[train, paths.trainImages], [test, paths.testImages]] as const) {
    const pixels = shared(set.images.pixels);
    for (let first = 0; first < set.images.count; first += IMAGES_PER_TASK) {
      tasks.push({ pixels, first, count: Math.min(IMAGES_PER_TASK, set.images.count - first), dir });
    }
  }
  const encode = async (task: EncodeTask) => {
    if (stopped()) return;
    const written = await pool.run(task).catch(fail);
    if (written !== undefined && !stopped()) opts.progress?.tick(written); // no progress shown past a failure
  };
  // two tasks per thread, so none waits for its next one
  await lastValueFrom(from(tasks).pipe(mergeMap(encode, opts.workers * 2)), { defaultValue: undefined });
  await csvs;
  await pool.destroy();
  if (stopped()) {
    await rm(tmp, { recursive: true, force: true });
    throw failure ? failure.reason : opts.signal!.reason;
  }
  await mkdir(dirname(dataDir), { recursive: true });
  await rmdir(dataDir).catch(() => undefined); // an empty folder may stand in the way; a full one makes rename fail
  await rename(tmp, dataDir);
}
