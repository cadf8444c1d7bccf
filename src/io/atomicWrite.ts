import { mkdir, open, opendir, rename, rm, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

let counter = 0;

/**
 * A temp path beside `path` (same directory, so the final rename is atomic on one filesystem):
 * `.NAME.PID.N.tmp`. The writer's process id in the name tells a file that a killed run left
 * from one that a running process is still writing (`removeStaleTempFiles`).
 */
export function tempPathFor(path: string): string {
  counter += 1;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${counter}.tmp`);
}

/** The writer's process id of a `tempPathFor` file name, or undefined for any other name. */
export function tempFileWriter(name: string): number | undefined {
  const m = /^\..+\.(\d+)\.\d+\.tmp$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Whether a process with this id is running (one of another user counts: it exists). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Temp files removed at once: one by one, each removal waits for the one before (bench/RESULTS.md). */
const REMOVALS_IN_FLIGHT = 64;

/** Removes `paths`, several at a time; one already gone (another run removed it) is fine. */
async function removeAll(paths: string[]): Promise<void> {
  for (let i = 0; i < paths.length; i += REMOVALS_IN_FLIGHT) {
    await Promise.all(paths.slice(i, i + REMOVALS_IN_FLIGHT).map((path) => unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    })));
  }
}

/**
 * Removes the `tempPathFor` files directly in `dirs` whose writer is no longer running: what a
 * killed or crashed run left behind. A running process's temp files are kept, so concurrent runs
 * on one artifacts folder do not disturb each other. Missing folders are skipped; resolves to
 * the paths removed, sorted. Entries are streamed: of a huge folder only the stale names are kept.
 */
export async function removeStaleTempFiles(dirs: string[]): Promise<string[]> {
  const stale: string[] = [];
  const running = new Map<number, boolean>();
  for (const dir of dirs) {
    let entries;
    try {
      entries = await opendir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for await (const entry of entries) {
      const pid = entry.isFile() ? tempFileWriter(entry.name) : undefined;
      if (pid === undefined) continue;
      if (!running.has(pid)) running.set(pid, isRunning(pid));
      if (!running.get(pid)) stale.push(join(dir, entry.name));
    }
  }
  await removeAll(stale);
  return stale.sort();
}

/**
 * Writes `data` to `path` atomically: temp file in the same folder, fsync, rename.
 * A crash at any point leaves either the old file or the new one, never half of either.
 * Pieces (an iterable, or an async one) are written one by one, as they are made.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array | Iterable<string> | AsyncIterable<string | Uint8Array>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    const fh = await open(tmp, 'w');
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) await fh.writeFile(data);
      else for await (const piece of data) await (typeof piece === 'string' ? fh.write(piece) : fh.write(piece));
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
