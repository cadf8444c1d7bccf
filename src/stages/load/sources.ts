import { access } from 'node:fs/promises';
import { join } from 'node:path';
import fg from 'fast-glob';
import { DataError } from '../../errors.js';
import { readIdClassCsv, type IdClassRows } from '../../io/csv.js';
import type { DataPaths } from '../../io/paths.js';
import { UNKNOWN_LABEL } from '../../io/pixelCache.js';

/** One image set to decode: image paths in CSV order, with ids and labels by row. */
export interface SetSources {
  ids: Int32Array;
  labels: Uint8Array;
  paths: string[];
}

export interface LoadSources {
  train: SetSources;
  test: SetSources;
  testLabelsKnown: boolean;
}

/**
 * Checks that a CSV and its image folder agree: every id has `{dir}/{id}.png` and every PNG in
 * the folder (as fast-glob lists it) has a row. Throws DataError naming the first offender.
 */
async function matchImages(rows: IdClassRows, csv: string, dir: string): Promise<string[]> {
  const names = new Set(await fg('*.png', { cwd: dir, onlyFiles: true }));
  const paths: string[] = new Array(rows.ids.length);
  const missing: number[] = [];
  for (let r = 0; r < rows.ids.length; r += 1) {
    const name = `${rows.ids[r]}.png`;
    if (!names.delete(name)) missing.push(r);
    paths[r] = join(dir, name);
  }
  if (missing.length > 0) {
    const r = missing[0]!;
    const more = missing.length > 1 ? ` (${missing.length - 1} more rows lack images too)` : '';
    throw new DataError(`${csv} line ${r + 2}: id ${rows.ids[r]} has no image ${paths[r]}${more}. Add the image or remove the row.`);
  }
  if (names.size > 0) {
    const [first] = [...names].sort();
    const more = names.size > 1 ? ` (${names.size - 1} more images lack rows too)` : '';
    throw new DataError(`${join(dir, first!)} has no row in ${csv}${more}. Add a row for it ("${first!.slice(0, -4)},<class>") or remove the image.`);
  }
  return paths;
}

/** Labels of the test rows from test_labels.csv, matched by id; UNKNOWN_LABEL when absent. */
async function testLabels(paths: DataPaths, sample: IdClassRows): Promise<Uint8Array | undefined> {
  try {
    await access(paths.testLabelsCsv);
  } catch {
    return undefined;
  }
  const known = await readIdClassCsv(paths.testLabelsCsv, { labelled: true });
  const byId = new Map<number, number>();
  known.ids.forEach((id, r) => byId.set(id, known.labels[r]!));
  const labels = new Uint8Array(sample.ids.length);
  sample.ids.forEach((id, r) => {
    const label = byId.get(id);
    if (label === undefined) {
      throw new DataError(`${paths.testLabelsCsv} has no row for id ${id} (line ${r + 2} of ${paths.testSampleCsv}). Add it, or delete ${paths.testLabelsCsv} to load the test set unlabelled.`);
    }
    labels[r] = label;
    byId.delete(id);
  });
  if (byId.size > 0) {
    const [id] = byId.keys();
    throw new DataError(`${paths.testLabelsCsv} has id ${id}, which is not in ${paths.testSampleCsv}. Remove that row.`);
  }
  return labels;
}

/**
 * Reads and validates the layout's CSVs and image listings: ids, labels, and image paths in
 * CSV order. Every problem is a DataError naming the file or row and the fix.
 */
export async function readLoadSources(paths: DataPaths): Promise<LoadSources> {
  const [train, sample] = await Promise.all([
    readIdClassCsv(paths.trainCsv, { labelled: true }),
    readIdClassCsv(paths.testSampleCsv, { labelled: false }),
  ]);
  const [trainPaths, testPaths, labels] = await Promise.all([
    matchImages(train, paths.trainCsv, paths.trainImages),
    matchImages(sample, paths.testSampleCsv, paths.testImages),
    testLabels(paths, sample),
  ]);
  return {
    train: { ids: train.ids, labels: train.labels, paths: trainPaths },
    test: { ids: sample.ids, labels: labels ?? new Uint8Array(sample.ids.length).fill(UNKNOWN_LABEL), paths: testPaths },
    testLabelsKnown: labels !== undefined,
  };
}
