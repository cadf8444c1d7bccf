/**
 * `npm run bench -- boostKernels`: the boosting histogram build (and its scan) on the study's
 * 48,000 training rows, by node size and pixel layout: milliseconds per node (the best of 7) and
 * nanoseconds per row and feature. Nodes are spread evenly over the rows, as a tree's nodes are
 * once partitioned; the gradient pairs are synthetic (the build's cost does not depend on them).
 * The figures behind growTree.ts's ROW_MAJOR_BELOW. Flag: --artifacts-dir DIR.
 */
import { parseArgs } from 'node:util';
import { PIXELS_PER_IMAGE } from '../src/dataset.js';
import { artifactPaths } from '../src/io/paths.js';
import { readPixelCache } from '../src/io/pixelCache.js';
import { readSplit } from '../src/io/split.js';
import { boostLayout, createBoostMemory, writeTrainPixels } from '../src/boost/boostMemory.js';
import { bindBoostKernels } from '../src/boost/histogramKernels.js';

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { 'artifacts-dir': { type: 'string', default: 'artifacts' } } });
  const paths = artifactPaths(values['artifacts-dir']!);
  const [cache, split] = await Promise.all([readPixelCache(paths), readSplit(paths.split)]);
  const n = split.train.length;
  const f = PIXELS_PER_IMAGE;
  const layout = boostLayout({ rows: n, validRows: 0, features: f, classes: 1, maxLeaves: 1, treeFeatures: f, regions: 1 });
  const memory = createBoostMemory(layout);
  writeTrainPixels(memory, layout, cache.train.pixels, split.train);
  const kernels = bindBoostKernels(memory);
  const gh = new Int32Array(memory.buffer, layout.gh, n * 4);
  for (let i = 0; i < n; i++) gh.set([((i * 7919) % 2001) - 1000, 500 + (i % 300), 1, 0], i * 4);
  const region = layout.regionStart;
  const order = new Int32Array(memory.buffer, region + layout.region.order, n);
  new Int32Array(memory.buffer, region + layout.region.features, f).set(Array.from({ length: f }, (_, i) => i));
  console.log(`boost kernels: ${n} rows x ${f} features; best of 7 per case`);
  for (const fraction of [1, 0.25, 0.1, 0.05, 0.01]) {
    const count = Math.round(n * fraction);
    for (let i = 0; i < count; i++) order[i] = Math.floor((i * n) / count);
    const line: string[] = [];
    for (const [name, x, featureStride, rowStride] of [['feature-major', layout.x, n, 1], ['row-major', layout.xRows, 1, f]] as const) {
      for (const scan of [0, 1]) {
        let ms = Infinity;
        for (let t = 0; t < 7; t++) {
          const started = performance.now();
          kernels.build(
            x, featureStride, rowStride, region + layout.region.order, count, layout.gh, region + layout.region.features, f, region + layout.region.hist,
            scan, region + layout.region.best, 0, count * 0.02, count, 1 / 32768, 1, 1, 20,
          );
          ms = Math.min(ms, performance.now() - started);
        }
        line.push(`${name}${scan ? ' + scan' : ''} ${ms.toFixed(2)} ms (${((ms * 1e6) / (count * f)).toFixed(2)} ns)`);
      }
    }
    console.log(`${count} rows: ${line.join(', ')}`);
  }
}
