import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import fg from 'fast-glob';
import { displayPath } from '../../io/displayPath.js';
import { MAX_LINE_BYTES, readLines } from './readLines.js';

/**
 * One input of `--input`: a path to predict (bytes when the name is not UTF-8), or a line refused
 * before any file was touched. `file`, when given, is where to read it: the path as given stays
 * what its row shows (a queue worker resolves a caller's relative path against the caller's folder).
 */
export type NewInput = { path: string | Uint8Array; file?: string | Uint8Array } | { error: string };

/**
 * The inputs of `--input`: for `-`, the lines of `stdin` (each line a path; a line that is not
 * valid UTF-8 is kept as bytes, which fs opens as they are; a line too long to be a path is one
 * error), else the files a fast-glob pattern matches. `signal` ends the reading of `stdin`.
 */
export async function* newInputs(input: string, stdin: Readable, signal: AbortSignal): AsyncGenerator<NewInput> {
  if (input !== '-') {
    for await (const path of fg.stream(input, { onlyFiles: true })) yield { path: path as string };
    return;
  }
  for await (const line of readLines(stdin, { signal })) {
    if ('tooLongBytes' in line) {
      yield {
        error:
          `standard input line ${line.number}: ${line.tooLongBytes} bytes, longer than a path can be (${MAX_LINE_BYTES}); skipped. ` +
          'Give one image path per line.',
      };
    } else {
      // a copy of its own: a view of a pooled Buffer would clone the whole pool into the worker
      yield { path: isUtf8(line.bytes) ? line.bytes.toString() : new Uint8Array(line.bytes) };
    }
  }
}

/** The message of an `--input` that gave no inputs at all. */
export function nothingToPredict(input: string): string {
  const where = input === '-' ? 'standard input had no paths' : `no files match "${displayPath(input)}"`;
  return `Nothing to predict: ${where}. Give one image path per line, or a glob such as "dir/**/*.png".`;
}
