import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

let counter = 0;

/** A temp path beside `path` (same directory, so the final rename is atomic on one filesystem). */
export function tempPathFor(path: string): string {
  counter += 1;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${counter}.tmp`);
}

/**
 * Writes `data` to `path` atomically: temp file in the same folder, fsync, rename.
 * A crash at any point leaves either the old file or the new one, never half of either.
 * Pieces of text (an iterable) are written one by one, as they are made.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array | Iterable<string>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    const fh = await open(tmp, 'w');
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) await fh.writeFile(data);
      else for (const piece of data) await fh.write(piece);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    // a failed write (ENOSPC) names no file; the message should name the one being written
    const system = err as NodeJS.ErrnoException;
    if (system.code !== undefined && system.path === undefined) system.path = path;
    throw err;
  }
}

/** `writeFileAtomic` for a JSON value, pretty-printed with a trailing newline. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
