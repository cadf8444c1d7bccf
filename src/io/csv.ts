import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { NUM_CLASSES } from '../dataset.js';
import { DataError } from '../errors.js';

/** The rows of an `id,class` CSV (train.csv, test_sample.csv, test_labels.csv), in file order. */
export interface IdClassRows {
  ids: Int32Array;
  /** 0..9 when the file holds labels; the raw placeholder values are not kept otherwise */
  labels: Uint8Array;
}

export interface IdClassOptions {
  /**
   * true: `class` must be a label 0..9 (train.csv, test_labels.csv). false: `class` is a
   * placeholder to be overwritten (test_sample.csv); the column must exist, its values are not read.
   */
  labelled: boolean;
}

const INTEGER = /^\d+$/;

/**
 * Parses and validates an `id,class` CSV: a header naming both columns (any order, extra
 * columns ignored), each id a non-negative integer appearing once, each class a label 0..9
 * when `labelled`. Throws DataError naming `file`, the line and the fix.
 */
export function parseIdClassCsv(text: string, file: string, opts: IdClassOptions): IdClassRows {
  let records: string[][];
  try {
    // Blank lines are kept (not skipped) so that record index + 1 is always the line number.
    records = parse(text, { trim: true }) as string[][];
  } catch (err) {
    throw new DataError(`Cannot parse ${file} as CSV: ${(err as Error).message}. Fix the file (one "id,class" row per line).`);
  }
  const header = records[0];
  if (!header) throw new DataError(`${file} is empty. It needs a header "id,class" and one row per image.`);
  const idCol = header.indexOf('id');
  const classCol = header.indexOf('class');
  for (const [name, col] of [['id', idCol], ['class', classCol]] as const) {
    if (col < 0) {
      throw new DataError(`${file} has no "${name}" column (header: ${header.join(',')}). The header must name the columns id,class.`);
    }
  }
  const count = records.length - 1;
  const ids = new Int32Array(count);
  const labels = new Uint8Array(count);
  const firstLine = new Map<number, number>();
  for (let r = 0; r < count; r += 1) {
    const record = records[r + 1]!;
    const line = r + 2;
    const idText = record[idCol] ?? '';
    const id = Number(idText);
    if (!INTEGER.test(idText) || id > 0x7fffffff) {
      throw new DataError(`${file} line ${line}: id "${idText}" is not a non-negative integer. Fix or remove that row.`);
    }
    const seen = firstLine.get(id);
    if (seen !== undefined) {
      throw new DataError(`${file} line ${line}: id ${id} appears again (first on line ${seen}). Each id must appear once; remove the duplicate row.`);
    }
    firstLine.set(id, line);
    ids[r] = id;
    if (opts.labelled) {
      const classText = record[classCol] ?? '';
      if (!INTEGER.test(classText) || Number(classText) >= NUM_CLASSES) {
        throw new DataError(`${file} line ${line}: class "${classText}" is not a label 0..${NUM_CLASSES - 1}. Fix or remove that row.`);
      }
      labels[r] = Number(classText);
    }
  }
  return { ids, labels };
}

/** Reads and validates an `id,class` CSV file; see parseIdClassCsv. */
export async function readIdClassCsv(path: string, opts: IdClassOptions): Promise<IdClassRows> {
  return parseIdClassCsv(await readFile(path, 'utf8'), path, opts);
}

/** Formats `id,class` rows as CSV text with a header and a trailing newline. */
export function formatIdClassCsv(ids: ArrayLike<number>, classes: ArrayLike<number>): string {
  const lines = ['id,class'];
  for (let i = 0; i < ids.length; i += 1) lines.push(`${ids[i]},${classes[i]}`);
  return lines.join('\n') + '\n';
}
