import type { Readable } from 'node:stream';

/** Longest line taken as a path, in bytes: Linux's PATH_MAX; no longer line can name a file. */
export const MAX_LINE_BYTES = 4096;

const NEWLINE = 0x0a;
const CR = 0x0d;

/** A line of input, numbered from 1 (blank lines count): its bytes, or only its length when it was too long to keep. */
export type Line = { number: number; bytes: Buffer } | { number: number; tooLongBytes: number };

export interface ReadLinesOptions {
  /** lines longer than this many bytes (a trailing `\r` not counted) are skipped, not kept */
  maxBytes?: number;
  /** when it fires the stream is destroyed and the lines end: stdin left open no longer keeps the process alive */
  signal?: AbortSignal;
}

/**
 * The non-blank lines of a byte stream (a trailing `\r` removed, other spaces kept: they may be
 * part of a file name), as bytes: a file name need not be UTF-8. Pulled: the next chunk is read
 * only when the lines of the current one have been taken, so a slow consumer pauses the stream
 * instead of buffering it (unlike readline's 'line' events).
 *
 * Linear and bounded whatever the input: each chunk is scanned once for newlines from where the
 * last scan stopped, and a line longer than `maxBytes` stops being kept as soon as it is (only
 * its length is counted), so an endless line costs one chunk of memory. It comes out as one
 * `tooLongBytes` line when its newline (or the end) arrives, and reading goes on after it.
 */
export async function* readLines(stream: Readable, opts: ReadLinesOptions = {}): AsyncGenerator<Line> {
  const maxBytes = opts.maxBytes ?? MAX_LINE_BYTES;
  const { signal } = opts;
  let pieces: Buffer[] = []; // the current line so far, while it may still fit
  let length = 0; // the current line's length so far, counted even once it no longer fits
  let last = -1; // its last byte, to drop a trailing \r
  let number = 1;
  const add = (piece: Buffer) => {
    if (piece.length === 0) return;
    length += piece.length;
    last = piece[piece.length - 1]!;
    if (length <= maxBytes + 1) pieces.push(piece); // + 1: room for a \r
    else pieces = [];
  };
  const finish = (): Line | undefined => {
    const size = last === CR ? length - 1 : length;
    const bytes = size > maxBytes ? undefined : Buffer.concat(pieces, size);
    const line: Line | undefined = !bytes ? { number, tooLongBytes: size } : bytes.toString().trim() ? { number, bytes } : undefined;
    pieces = [];
    length = 0;
    last = -1;
    number += 1;
    return line;
  };
  const stop = () => stream.destroy();
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted) stop();
  try {
    for await (const data of stream as AsyncIterable<Buffer | string>) {
      const chunk = typeof data === 'string' ? Buffer.from(data) : data; // a stream with an encoding set
      let start = 0;
      for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
        add(chunk.subarray(start, end));
        const line = finish();
        if (line) yield line;
        start = end + 1;
      }
      add(chunk.subarray(start));
    }
    if (length > 0) {
      const line = finish();
      if (line) yield line;
    }
  } catch (err) {
    if (!signal?.aborted) throw err; // destroyed by `stop`: the lines simply end
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}
