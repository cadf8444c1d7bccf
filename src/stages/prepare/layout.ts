import { readdir, readFile } from 'node:fs/promises';
import type { DataPaths } from '../../io/paths.js';

/** What `prepare` finds at --data-dir before writing anything. */
export type LayoutState = { state: 'absent' } | { state: 'complete' } | { state: 'incomplete'; reason: string };

async function entries(dir: string): Promise<string[] | undefined> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Data rows of a CSV (lines after the header), without parsing it: the fast check only counts. */
async function csvRows(path: string): Promise<number | undefined> {
  try {
    const text = await readFile(path, 'latin1');
    return text.split('\n').filter((line) => line.trim() !== '').length - 1;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * A fast look at the study layout (no image is read): complete when train.csv and
 * test_sample.csv exist and each image folder holds as many PNGs as its CSV has rows. The
 * images themselves are checked by `load`, which decodes every one. test_labels.csv is not
 * required, so a user's own copy of the study's data counts as complete.
 */
export async function inspectLayout(paths: DataPaths): Promise<LayoutState> {
  const top = await entries(paths.root);
  if (top === undefined || top.length === 0) return { state: 'absent' };
  for (const [csv, dir] of [[paths.trainCsv, paths.trainImages], [paths.testSampleCsv, paths.testImages]] as const) {
    const rows = await csvRows(csv);
    if (rows === undefined) return { state: 'incomplete', reason: `${csv} is missing` };
    const pngs = (await entries(dir))?.filter((name) => name.endsWith('.png')).length ?? 0;
    if (pngs !== rows) return { state: 'incomplete', reason: `${dir} holds ${pngs} PNGs but ${csv} has ${rows} rows` };
  }
  return { state: 'complete' };
}
