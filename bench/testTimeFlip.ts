/**
 * `npm run bench -- testTimeFlip [--artifacts-dir A]`: a trained convnet's accuracy on the
 * validation and test images with and without test-time flips (src/networks/mirrorAverage.ts),
 * and each one's inference rate, in this thread. Works on a model saved either way: a
 * mirror-averaged model is measured with its net alone too, a net alone with the mirror added.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import type { ImageSet } from '../src/io/pixelCache.js';
import { readPixelCache } from '../src/io/pixelCache.js';
import { artifactPaths } from '../src/io/paths.js';
import { readSplit } from '../src/io/split.js';
import { evaluateDataset, INFERENCE_BATCH_SIZE } from '../src/networks/evaluate.js';
import { loadLayersModel } from '../src/networks/layersFiles.js';
import { mirrorAveragedTrunk, withMirrorAverage } from '../src/networks/mirrorAverage.js';
import { imageDataset } from '../src/stages/network/datasets.js';
import { initBackend } from '../src/tfjs/backend.js';
import type { tf } from '../src/tfjs/tf.js';

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { 'artifacts-dir': { type: 'string', default: 'artifacts' } } });
  const backend = await initBackend();
  const paths = artifactPaths(values['artifacts-dir']!);
  const [cache, split] = await Promise.all([readPixelCache(paths), readSplit(paths.split)]);
  const saved = await loadLayersModel(join(paths.models, 'convnet'));
  const net = mirrorAveragedTrunk(saved) ?? saved;
  const mirrored = net === saved ? withMirrorAverage(net) : saved;
  const allTest = Array.from({ length: cache.test.count }, (_, i) => i);
  const measure = async (model: tf.LayersModel, set: ImageSet, rows: readonly number[]) => {
    const started = performance.now();
    const e = await evaluateDataset(model, imageDataset(set, () => rows, INFERENCE_BATCH_SIZE));
    return { ...e, imagesPerSecond: e.count / ((performance.now() - started) / 1000) };
  };
  console.log(`convnet in ${values['artifacts-dir']} (saved ${net === saved ? 'without' : 'with'} test-time flips), ${backend}, one thread`);
  for (const [label, model] of [['without test-time flips', net], ['with test-time flips', mirrored]] as const) {
    const valid = await measure(model, cache.train, split.valid);
    const test = await measure(model, cache.test, allTest);
    console.log(
      `${label}: valid ${valid.accuracy.toFixed(4)} (${Math.round(valid.accuracy * valid.count)} of ${valid.count}), ` +
        `test ${test.accuracy.toFixed(4)} (${Math.round(test.accuracy * test.count)} of ${test.count}); ${Math.round(test.imagesPerSecond)} images/s`,
    );
  }
}
