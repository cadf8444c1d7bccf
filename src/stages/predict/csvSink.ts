import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { tempPathFor } from '../../io/atomicWrite.js';
import type { CsvRow } from '../../operators/toCsvRows.js';

/** Rows in, CSV text out to a stream, with the stream's backpressure respected. */
export interface CsvSink {
  /** resolves once the rows are accepted (waits for 'drain' when the output is full) */
  write(rows: CsvRow[]): Promise<void>;
  /** flushes and ends the CSV; resolves when the output has taken everything */
  end(): Promise<void>;
}

/**
 * A sink writing `header` then rows to `out` through csv-stringify (no header line when `header`
 * is null: a part of a CSV that is merged later); `end` leaves `out` open when `closeOut` is false. An error of `out` (EPIPE when a reader such as `head` has gone) rejects
 * the pending and every later `write` with that error, instead of waiting for a 'drain' that
 * will never come.
 */
export function csvSink(out: Writable, header: string[] | null, closeOut = true): CsvSink {
  const stringifier = stringify(header === null ? { header: false } : { header: true, columns: header });
  let failure: Error | undefined;
  stringifier.on('error', (err: Error) => (failure ??= err));
  out.on('error', (err: Error) => {
    failure ??= err;
    stringifier.destroy(err);
  });
  stringifier.pipe(out, { end: closeOut });
  return {
    async write(rows) {
      for (const row of rows) {
        if (failure) throw failure;
        if (!stringifier.write(row)) await once(stringifier, 'drain');
      }
    },
    async end() {
      stringifier.end();
      await (closeOut ? finished(out) : finished(stringifier));
    },
  };
}

/** A CSV sink into a temp file beside `path`; `commit` fsyncs and renames it over `path`, `abort` deletes it. */
export interface AtomicCsvFile extends Omit<CsvSink, 'end'> {
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Streams a CSV into `path` atomically: rows go to a temp file in the same folder as they come,
 * and only `commit` makes it `path`. An error or interruption before that leaves any older
 * `path` untouched and no half-written file behind (call `abort`). `header` null: rows only.
 */
export async function atomicCsvFile(path: string, header: string[] | null): Promise<AtomicCsvFile> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  // flush: fsync before close, so the renamed file is on disk, not only in the page cache
  const out = createWriteStream(tmp, { flush: true });
  await once(out, 'open');
  const sink = csvSink(out, header);
  return {
    write: sink.write,
    async commit() {
      await sink.end(); // resolves once the file is flushed and closed
      await rename(tmp, path);
    },
    async abort() {
      out.destroy();
      await rm(tmp, { force: true });
    },
  };
}
