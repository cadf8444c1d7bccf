import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE_SIZE_PX, PIXELS_PER_IMAGE } from '../dataset.js';
import { encodeGreyPng, type EncodeTask } from '../io/pngEncode.js';


/**
 * Encodes and writes one run of PNGs; returns how many it wrote. Synchronous writes: a worker
 * has nothing else to do meanwhile, and they measured faster than fs/promises for 500-byte files.
 * The files land in prepare's temp folder, whose rename is the atomic step for the whole layout.
 */
export default function encodeRun(task: EncodeTask): number {
  for (let id = task.first; id < task.first + task.count; id += 1) {
    const pixels = task.pixels.subarray(id * PIXELS_PER_IMAGE, (id + 1) * PIXELS_PER_IMAGE);
    writeFileSync(join(task.dir, `${id}.png`), encodeGreyPng(pixels, IMAGE_SIZE_PX, IMAGE_SIZE_PX));
  }
  return task.count;
}
