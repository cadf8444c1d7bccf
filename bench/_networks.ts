/**
 * Shared by `bench/mlp.ts` and `bench/cnn.ts`: seconds per training epoch of a study network on
 * the real data (median of 3 after a warm-up epoch, validation included as in Keras; wall time
 * and the CPU time of all threads, which a machine shared with other work does not inflate), and
 * inference images/s on the 10,000 test images, next to PyTorch's figures on this machine.
 * Flags: --backend NAME, --artifacts-dir DIR (needs the load and split stages' outputs),
 * --batch-size N, --batches N (cap each epoch at N batches, and validation in proportion, then
 * scale the time up to a full epoch: for slow backends), --workers N (data-parallel threads on
 * wasm, as the stages use them; default as the stages: one per core; 1 trains in this thread).
 */
import { parseArgs } from 'node:util';
import { DEFAULTS, type BackendName } from '../src/config.js';
import { artifactPaths } from '../src/io/paths.js';
import { readPixelCache } from '../src/io/pixelCache.js';
import { readSplit } from '../src/io/split.js';
import { initBackend } from '../src/models/backend.js';
import { evaluateDataset } from '../src/models/evaluate.js';
import { createDataParallelRunner, trainsDataParallel } from '../src/models/parallel/dataParallelRunner.js';
import { tf } from '../src/models/tf.js';
import { trainModel } from '../src/models/train.js';
import { createRng, shuffleInPlace } from '../src/random.js';
import { batchCount, holdOut, imageDataset } from '../src/stages/network/datasets.js';
import { median } from './_measure.js';

/** PyTorch's figures for the same network, measured on this machine. */
export interface Reference {
  secondsPerEpoch: number;
  imagesPerSecond: number;
}

const TIMED_EPOCHS = 3;

export async function benchNetwork(name: string, build: (seed: number) => tf.LayersModel, reference: Reference, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      backend: { type: 'string' },
      'artifacts-dir': { type: 'string', default: 'artifacts' },
      'batch-size': { type: 'string', default: '500' },
      batches: { type: 'string' },
      workers: { type: 'string', default: String(DEFAULTS.workers) },
    },
  });
  const batchSize = Number(values['batch-size']);
  const workers = Number(values.workers);
  const backend = await initBackend(values.backend as BackendName | undefined);
  const paths = artifactPaths(values['artifacts-dir']!);
  const [cache, split] = await Promise.all([readPixelCache(paths), readSplit(paths.split)]);
  const { fit, holdout } = holdOut(split.train);
  const fullBatches = batchCount(fit.length, batchSize);
  const batches = Math.min(fullBatches, Number(values.batches ?? fullBatches));
  // A capped epoch keeps the full epoch's train/validation proportion, so scaling stays fair.
  const rows = fit.slice(0, batches * batchSize);
  const heldOut = holdout.slice(0, Math.ceil((holdout.length * batches) / fullBatches));
  const model = build(87);
  const optimizer = tf.train.adam(0.001, 0.9, 0.999, 1e-7);
  const runner = trainsDataParallel(backend, workers) ? createDataParallelRunner({ model, optimizer, workers }) : undefined;
  const threads = runner ? `data-parallel on ${workers} ${backend} workers` : 'in this thread';
  console.log(`${name} on ${backend}, ${threads}: batch ${batchSize}, ${batches}/${fullBatches} batches per epoch, ${1 + TIMED_EPOCHS} epochs (first is warm-up)`);
  const rng = createRng(87);
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  let cpuAtStart = process.cpuUsage();
  try {
    await trainModel({
      model,
      optimizer,
      train: imageDataset(cache.train, () => shuffleInPlace([...rows], rng), batchSize),
      trainBatches: batches,
      valid: imageDataset(cache.train, () => heldOut, batchSize),
      rng,
      epochs: 1 + TIMED_EPOCHS,
      patience: 1 + TIMED_EPOCHS,
      runner,
      onEpochStart: () => {
        cpuAtStart = process.cpuUsage();
      },
      onEpochEnd: async (end) => {
        const scaled = end.logs.seconds * (fullBatches / batches);
        const used = process.cpuUsage(cpuAtStart);
        // all threads' CPU time: on a machine shared with other work, wall time hides the gain of
        // more threads, while CPU s / threads still shows what an idle machine would take
        const cpu = ((used.user + used.system) / 1e6) * (fullBatches / batches);
        console.log(`  epoch ${end.epoch}${end.epoch === 1 ? ' (warm-up)' : ''}: ${scaled.toFixed(1)} s, CPU ${cpu.toFixed(1)} s (all threads), loss ${end.logs.loss.toFixed(4)}`);
        if (end.epoch > 1) {
          seconds.push(scaled);
          cpuSeconds.push(cpu);
        }
      },
    });
  } finally {
    await runner?.close();
  }

  const allTest = Array.from({ length: cache.test.count }, (_, i) => i);
  const started = performance.now();
  const test = await evaluateDataset(model, imageDataset(cache.test, () => allTest, batchSize));
  const imagesPerSecond = test.count / ((performance.now() - started) / 1000);
  model.dispose();
  optimizer.dispose();

  const perEpoch = median(seconds);
  const scaledNote = batches < fullBatches ? ` (scaled from ${batches} batches)` : '';
  console.log(`${name}: ${perEpoch.toFixed(1)} s/epoch${scaledNote} ${threads}, median of ${TIMED_EPOCHS}; PyTorch ${reference.secondsPerEpoch} s/epoch -> ${(perEpoch / reference.secondsPerEpoch).toFixed(2)}x PyTorch's time`);
  console.log(`${name}: CPU ${median(cpuSeconds).toFixed(1)} s/epoch, all threads (median)`);
  console.log(
    `${name}: inference ${Math.round(imagesPerSecond)} images/s on ${test.count} test images (from the pixel cache, batch ${batchSize}); ` +
      `PyTorch ${reference.imagesPerSecond} images/s -> ${(imagesPerSecond / reference.imagesPerSecond).toFixed(2)}x PyTorch's rate`,
  );
}
