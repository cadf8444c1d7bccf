/**
 * A manifest: the image paths of one `predict --input --queue` run, one per line as raw bytes,
 * in a file named by its sha256. The caller writes it once; each shard job names a byte range of
 * it, so however many paths there are, Redis holds only offsets.
 */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { open, rename, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { DataError } from '../errors.js';
import { tempPathFor, writeFileAtomic } from '../io/atomicWrite.js';
import type { NewInput } from '../stages/predict/newInputs.js';
import type { RowRange } from '../stages/predict/testSet.js';

const NEWLINE = 0x0a;
/** Bytes of lines gathered before a write. */
const WRITE_BYTES = 1 << 16;

/** One shard of a manifest: its rows and the bytes they span. */
export interface ManifestShard {
  rows: RowRange;
  bytes: { start: number; end: number };
}

export interface Manifest {
  path: string;
  sha256: string;
  bytes: number;
  rows: number;
  shards: ManifestShard[];
}

/**
 * Writes the paths of `inputs` to a manifest under `dir` (atomically, named `<sha256>.paths`),
 * cut into shards of `shardRows` paths. An input refused before any file was read (a line too
 * long for a path), or a path with a newline in it (a manifest line cannot hold it), is told
 * to `onRefused` and left out, as the local run reports it and writes no row for it.
 */
export async function writeManifest(
  inputs: AsyncIterable<NewInput>,
  dir: string,
  shardRows: number,
  onRefused: (message: string) => void,
): Promise<Manifest> {
  const hash = createHash('sha256');
  const shards: ManifestShard[] = [];
  let rows = 0;
  let bytes = 0;
  let shardStart = 0;
  // written under a name of its own first: its sha256 is known only at the end
  const incoming = tempPathFor(join(dir, 'incoming.paths'));
  // lines are written in blocks of WRITE_BYTES: a write per line is a system call per path (bench/RESULTS.md)
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = () => {
    const block = Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    return block;
  };
  async function* lines(): AsyncGenerator<Uint8Array> {
    for await (const input of inputs) {
      if ('error' in input) {
        onRefused(input.error);
        continue;
      }
      const path = Buffer.from(input.path);
      if (path.includes(NEWLINE)) {
        onRefused(`${JSON.stringify(path.toString())}: a path with a newline in it cannot go through the queue; skipped. Rename the file.`);
        continue;
      }
      const line = Buffer.concat([path, Buffer.of(NEWLINE)]);
      hash.update(line);
      bytes += line.length;
      rows += 1;
      if (rows % shardRows === 0) {
        shards.push({ rows: { first: rows - shardRows, count: shardRows }, bytes: { start: shardStart, end: bytes } });
        shardStart = bytes;
      }
      pending.push(line);
      pendingBytes += line.length;
      if (pendingBytes >= WRITE_BYTES) yield flush();
    }
    if (pendingBytes > 0) yield flush();
  }
  await writeFileAtomic(incoming, lines());
  if (rows % shardRows !== 0) shards.push({ rows: { first: rows - (rows % shardRows), count: rows % shardRows }, bytes: { start: shardStart, end: bytes } });
  const sha256 = hash.digest('hex');
  const path = join(dir, `${sha256}.paths`);
  await rename(incoming, path);
  return { path, sha256, bytes, rows, shards };
}

/**
 * The inputs of one shard: lines `bytes.start` to `bytes.end` of the manifest at `path`, which
 * must be `size` bytes (else it is not the file the caller wrote: the shared folder is out of
 * date). A relative path is read from `cwd`, the caller's folder, and shown as written.
 */
export async function* manifestInputs(path: string, size: number, bytes: { start: number; end: number }, cwd: string): AsyncGenerator<NewInput> {
  const found = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new DataError(`Cannot read the manifest ${path} (${err.code ?? err.message}). Workers must see the caller's artifacts folder at the same path.`);
  });
  if (found.size !== size) {
    throw new DataError(`The manifest ${path} is ${found.size} bytes, but the caller wrote ${size}: this worker's view of the shared artifacts folder is not up to date.`);
  }
  const length = bytes.end - bytes.start;
  const buffer = Buffer.alloc(length);
  const file = await open(path, 'r');
  try {
    await file.read(buffer, 0, length, bytes.start);
  } finally {
    await file.close();
  }
  let at = 0;
  while (at < length) {
    const end = buffer.indexOf(NEWLINE, at);
    // copies: a view would send the whole shard's buffer to the decode thread with each path
    const line = Uint8Array.prototype.slice.call(buffer, at, end);
    at = end + 1;
    const path = isUtf8(line) ? Buffer.from(line).toString() : line;
    yield { path, file: fromFolder(cwd, path) };
  }
}

/** `path` as read from `cwd`: itself when absolute. */
function fromFolder(cwd: string, path: string | Uint8Array): string | Uint8Array {
  if (typeof path === 'string') return isAbsolute(path) ? path : join(cwd, path);
  if (path[0] === 0x2f) return path; // '/'
  return Buffer.concat([Buffer.from(`${cwd}/`), path]);
}
