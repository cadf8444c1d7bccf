import type { Readable } from 'node:stream';

/**
 * The non-blank lines of a text stream (a trailing `\r` removed, other spaces kept: they may be
 * part of a file name), pulled:
 * the next chunk is read only when the lines of the current one have been taken, so a slow
 * consumer pauses the stream instead of buffering it (unlike readline's 'line' events).
 */
export async function* readLines(stream: Readable): AsyncGenerator<string> {
  stream.setEncoding('utf8');
  let rest = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const part of parts) {
      const line = part.endsWith('\r') ? part.slice(0, -1) : part;
      if (line.trim()) yield line;
    }
  }
  if (rest.trim()) yield rest;
}
