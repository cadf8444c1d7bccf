import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { displayPath } from './displayPath.js';

/**
 * The bytes of a user-given file, or an Error whose message names it (as `shown`, see
 * displayPath) and says what is wrong: only a regular file, not empty, of at most `maxBytes` is
 * read, and never more than `maxBytes + 1` bytes of it (it may grow, or report no size as /proc
 * files do). stat comes first so that
 * a device is never opened (opening one can have effects of its own); O_NONBLOCK makes the open
 * of a path swapped for a FIFO since return at once instead of waiting for a writer, which would
 * hold a thread the process needs to exit; fstat then checks what was really opened.
 *
 * Synchronous, for a worker that reads one file at a time: there is nothing to overlap, and each
 * call saves a round trip through libuv's thread pool.
 */
export function readRegularFile(path: string | Uint8Array, shown: string, maxBytes: number): Buffer {
  const name = typeof path === 'string' ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength);
  let fd: number | undefined;
  try {
    checkReadable(statSync(name), shown, maxBytes);
    fd = openSync(name, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = fstatSync(fd);
    checkReadable(info, shown, maxBytes);
    const input = readAtMost(fd, info.size, maxBytes);
    if (input.length > maxBytes) throw new InputError(tooLarge(shown, `more than ${maxBytes} bytes`, maxBytes));
    if (input.length === 0) throw new InputError(`${shown}: empty file (0 bytes), not an image.`);
    return input;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new Error(describeReadError(shown, err as NodeJS.ErrnoException));
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A refusal already worded for the user, as opposed to a system error still to be described. */
class InputError extends Error {}

function checkReadable(info: Stats, shown: string, maxBytes: number): void {
  if (info.isDirectory()) throw new InputError(`${shown}: is a directory, not an image. Pass image files, or a glob such as "${shown}/**/*.png".`);
  if (!info.isFile()) throw new InputError(`${shown}: is ${fileKind(info)}, not an image file; only regular files are read.`);
  if (info.size > maxBytes) throw new InputError(tooLarge(shown, `${info.size} bytes`, maxBytes));
}

const tooLarge = (shown: string, size: string, maxBytes: number) =>
  `${shown}: ${size}, over the limit of ${maxBytes} bytes (--max-input-bytes); refused. Shrink the image, or raise the limit.`;

function fileKind(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Up to `maxBytes + 1` bytes of `fd`: the one extra byte tells a file over the limit from one
 * exactly at it. `sizeHint` (fstat's size) sizes the first read; a file that reports 0 (as
 * /proc files do) or grows is read on in larger steps until its end or the limit.
 */
function readAtMost(fd: number, sizeHint: number, maxBytes: number): Buffer {
  const limit = maxBytes + 1;
  let buffer = Buffer.allocUnsafe(Math.min(limit, sizeHint + 1));
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) {
      if (filled === limit) break;
      const larger = Buffer.allocUnsafe(Math.min(limit, Math.max(2 * filled, 65_536)));
      buffer.copy(larger, 0, 0, filled);
      buffer = larger;
    }
    const bytesRead = readSync(fd, buffer, filled, buffer.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

function describeReadError(shown: string, err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return `${shown}: no such file (relative paths start at ${displayPath(process.cwd())}).`;
  if (err.code === 'EACCES') return `${shown}: permission denied; make the file readable.`;
  if (err.code === 'ENOTDIR') return `${shown}: a part of the path before the file name is not a directory.`;
  // the system's message repeats the path as it is: shown escaped like the rest
  return `${shown}: cannot read (${displayPath(err.message)}).`;
}
