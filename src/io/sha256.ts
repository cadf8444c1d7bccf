import { createHash } from 'node:crypto';
import { writeFileAtomic } from './atomicWrite.js';

/** The SHA-256 of `data` (a string as its UTF-8 bytes), in hex. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * `writeFileAtomic` that resolves to the SHA-256 (hex) of the bytes written, so a reader can
 * later tell whether the file is still the one written. Pieces are hashed as they are written:
 * a forest's text is never held whole.
 */
export async function writeFileAtomicSha256(path: string, data: string | Uint8Array | Iterable<string>): Promise<string> {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    await writeFileAtomic(path, data);
    return sha256(data);
  }
  const hash = createHash('sha256');
  await writeFileAtomic(path, (function* () {
    for (const piece of data) {
      hash.update(piece);
      yield piece;
    }
  })());
  return hash.digest('hex');
}
