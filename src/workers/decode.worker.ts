import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { Piscina } from 'piscina';
import { PIXELS_PER_IMAGE } from '../dataset.js';
import { DATA_ERROR_CAUSE, DataError } from '../errors.js';
import { decodeGreyPng } from '../io/pngDecode.js';

// One read buffer per worker: open + readSync into it is much faster than readFileSync,
// which stats the file and allocates a new Buffer for each of 70,000 small files.
const readBuffer = Buffer.alloc(64 * 1024);

function readSmallFile(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const n = readSync(fd, readBuffer, 0, readBuffer.length, 0);
    return n < readBuffer.length ? readBuffer.subarray(0, n) : readFileSync(path); // a rare large file
  } finally {
    closeSync(fd);
  }
}

/**
 * Decodes 28x28 greyscale PNGs into one buffer (paths.length x 784, in path order).
 * Bad input throws an Error whose `cause` is DATA_ERROR_CAUSE and whose message names the file.
 */
export function decodePaths(paths: string[]): Uint8Array {
  const out = new Uint8Array(paths.length * PIXELS_PER_IMAGE);
  for (let i = 0; i < paths.length; i += 1) {
    const path = paths[i]!;
    try {
      decodeGreyPng(readSmallFile(path), path, out, i * PIXELS_PER_IMAGE);
    } catch (err) {
      if (err instanceof DataError) throw new Error(err.message, { cause: DATA_ERROR_CAUSE });
      const code = (err as NodeJS.ErrnoException).code;
      if (code) throw new Error(`Cannot read ${path} (${code}). Check that the file exists and is readable.`, { cause: DATA_ERROR_CAUSE });
      throw err;
    }
  }
  return out;
}

/**
 * The pool task: one chunk of paths (a few hundred, so messaging stays cheap) decoded into one
 * buffer that is moved to the caller rather than copied.
 */
export default function decodeChunk(paths: string[]): Uint8Array {
  return Piscina.move(decodePaths(paths)) as Uint8Array;
}
