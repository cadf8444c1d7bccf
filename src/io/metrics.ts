import { readFile } from 'node:fs/promises';
import { writeJsonAtomic } from './atomicWrite.js';

/** metrics.json: one entry per model name (plus free-form sections such as `data`). */
export type Metrics = Record<string, Record<string, unknown>>;

let queue: Promise<unknown> = Promise.resolve();

/** Reads metrics.json, or `{}` when it does not exist yet. */
export async function readMetrics(path: string): Promise<Metrics> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Metrics;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

/**
 * Merges `entry` into `metrics[name]` and writes the file atomically. Other names are kept;
 * updates within this process are serialised so two stages cannot drop each other's entry.
 */
export function updateMetrics(path: string, name: string, entry: Record<string, unknown>): Promise<void> {
  const next = queue.then(async () => {
    const metrics = await readMetrics(path);
    metrics[name] = { ...(metrics[name] ?? {}), ...entry, updatedAt: new Date().toISOString() };
    await writeJsonAtomic(path, metrics);
  });
  queue = next.catch(() => undefined);
  return next;
}
