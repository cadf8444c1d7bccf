import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { DataPaths } from '../../io/paths.js';

/** Bump when the cache's meaning changes, so older caches are rebuilt. */
const KEY_VERSION = 'load-v1';

async function contents(path: string): Promise<Uint8Array | string> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
}

/**
 * A cheap fingerprint of load's sources (no image is read): the three CSVs' bytes, and
 * for each image folder its inode, mtime and size. Adding, removing or renaming images changes
 * the folder's mtime; replacing the folder changes its inode. Listing the folder would cost
 * more than all of that and tell nothing more on filesystems with fine-grained mtimes.
 *
 * Limits: rewriting an image's contents in place under the same name changes none of these, and
 * a filesystem with coarse mtimes (FAT: 2 s) can miss a change made within the same tick. After
 * editing images in place, delete artifacts/cache (or touch the image folder).
 */
export async function sourceKey(paths: DataPaths): Promise<string> {
  const hash = createHash('sha256').update(KEY_VERSION);
  // Roles, not paths, label each part: the same data under another --data-dir spelling keeps its key.
  for (const [role, csv] of [['train', paths.trainCsv], ['sample', paths.testSampleCsv], ['labels', paths.testLabelsCsv]]) {
    hash.update(`\n${role}\n`).update(await contents(csv!));
  }
  for (const [role, dir] of [['train', paths.trainImages], ['test', paths.testImages]]) {
    const info = await stat(dir!);
    hash.update(`\n${role} ${info.ino} ${info.mtimeMs} ${info.size}`);
  }
  return hash.digest('hex');
}
