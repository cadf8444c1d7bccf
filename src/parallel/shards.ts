import type { ImageBatch } from '../dataset.js';
import { SEED_RANGE } from '../random.js';

/** An odd constant far from small seeds: shard k's seeds are the step's shifted k times by it. */
const SHARD_SEED_STEP = 0x5bd1e995;

/**
 * Splits `batch` into at most `parts` consecutive shards of sizes differing by at most one
 * (the first ones get the extra images; none is empty). Each shard owns its arrays, so they can
 * be moved to another thread without detaching the batch.
 *
 * @example
 * splitBatch(batchOf500, 2) // two shards of 250; a batch of 3 in 2 parts: 2 and 1
 */
export function splitBatch(batch: ImageBatch, parts: number): ImageBatch[] {
  const pixelsPerImage = batch.count > 0 ? batch.pixels.length / batch.count : 0;
  const shards: ImageBatch[] = [];
  const n = Math.min(parts, batch.count);
  let start = 0;
  for (let k = 0; k < n; k++) {
    const count = Math.floor(batch.count / n) + (k < batch.count % n ? 1 : 0);
    shards.push({
      count,
      pixels: batch.pixels.slice(start * pixelsPerImage, (start + count) * pixelsPerImage),
      labels: batch.labels.slice(start, start + count),
    });
    start += count;
  }
  return shards;
}

/**
 * The dropout seeds of shard `shard` of a step drawn `seeds`: shard 0 keeps them (one shard
 * is exactly the single-thread step), the others get their own, so no two shards share masks.
 */
export function shardSeeds(seeds: readonly number[], shard: number): number[] {
  return seeds.map((seed) => (seed + shard * SHARD_SEED_STEP) % SEED_RANGE);
}
