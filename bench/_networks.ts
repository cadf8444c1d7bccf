/**
 * Shared by `bench/mlp.ts` and `bench/cnn.ts`: seconds per training epoch of a study network on
 * the real data (median of 3 after a warm-up epoch, validation included as in Keras; wall time
 * and the CPU time of all threads, which a machine shared with other work does not inflate), and
 * inference images/s on the 10,000 test images (median of 3 passes, on the training threads, as validation runs),
 * with the GFLOP/s that is; then PyTorch's figures for the same network, measured the same way
 * right after (bench/pytorch_reference.py, see _reference.ts), and the ratio of ours to them.
 * Flags: --backend NAME, --artifacts-dir DIR (needs the load and split stages' outputs),
 * --batch-size N (training; default the stage's), --infer-batch N[,N...] (inference; default INFERENCE_BATCH_SIZE,
 * a list measures each), --batches N (cap each epoch at N batches, and validation in
 * proportion, then scale the time up to a full epoch: for slow backends), --workers N
 * (data-parallel threads on wasm, as the stages use them; default as the stages: one per
 * core; 1 trains and infers in this thread), --no-reference (skip PyTorch).
 */
import { parseArgs } from 'node:util';
import { DEFAULTS, TRAINING_DEFAULTS, type BackendName } from '../src/config.js';
import { artifactPaths } from '../src/io/paths.js';
import { readPixelCache } from '../src/io/pixelCache.js';
import { readSplit } from '../src/io/split.js';
import { initBackend } from '../src/tfjs/backend.js';
import { evaluateDataset, INFERENCE_BATCH_SIZE } from '../src/networks/evaluate.js';
import { createDataParallelRunner, trainsDataParallel } from '../src/parallel/dataParallelRunner.js';
import { describeProfile, type StepProfile } from '../src/parallel/stepProfile.js';
import { tf } from '../src/tfjs/tf.js';
import { trainModel } from '../src/networks/train.js';
import { createRng, shuffleInPlace } from '../src/random.js';
import { augmentEachEpoch, batchCount, holdOut, imageDataset } from '../src/stages/network/datasets.js';
import type { TrainingRecipe } from '../src/stages/network/index.js';
import { forwardFlopsPerImage, plainMatMulGflops } from './_flops.js';
import { median } from './_measure.js';
import { figure, measureReference, referenceScript, type Reference } from './_reference.js';

const TIMED_EPOCHS = 3;
/** Passes over the test images per inference batch size; the median one is reported (one pass of the MLP takes about a second, where the host's noise shows). */
const INFERENCE_PASSES = 3;

interface InferencePass {
  size: number;
  count: number;
  wall: number;
  cpu: number;
}

const PYTORCH_SCRIPT = referenceScript('pytorch_reference.py');

/** PyTorch's run of the same measurement (same epochs, batch cap and inference batch sizes; the same recipe as JSON, if any). */
function measurePytorch(name: string, artifactsDir: string, batches: number | undefined, inferBatch: string, recipe?: Record<string, unknown>): Promise<Reference> {
  const cap = batches === undefined ? [] : ['--batches', String(batches)];
  const convnet = recipe ? ['--convnet', JSON.stringify(recipe)] : [];
  return measureReference(PYTORCH_SCRIPT, [name, '--artifacts-dir', artifactsDir, '--epochs', String(TIMED_EPOCHS), ...cap, '--infer-batch', inferBatch, ...convnet]);
}

/**
 * A network trained the modern way (the convnet stage's recipe): fitted on all the split's
 * training rows, validated on its validation rows, with its augmentation and per-step settings;
 * `pytorch` is the same recipe as bench/pytorch_reference.py's --convnet JSON.
 */
export interface BenchRecipe {
  training: TrainingRecipe;
  pytorch: Record<string, unknown>;
}

/**
 * "; PyTorch 1.13.1, same run: 6.8 s/epoch -> 1.12x PyTorch's time" for a training time, or
 * "; PyTorch 1.13.1, same run: 32900 images/s -> 0.47x PyTorch's rate" for an inference rate at
 * batch size `inferBatch`; or why there is no PyTorch figure.
 */
export function versusPytorch(reference: Reference, ours: number, inferBatch?: number): string {
  if (!reference.measured) return `; no PyTorch reference measured: ${reference.why}`;
  const library = String(reference.figures.library);
  if (inferBatch === undefined) {
    const theirs = figure(reference.figures, ['secondsPerEpoch'], PYTORCH_SCRIPT);
    return `; ${library}, same run: ${theirs.toFixed(1)} s/epoch -> ${(ours / theirs).toFixed(2)}x PyTorch's time`;
  }
  const theirs = figure(reference.figures, ['imagesPerSecond', String(inferBatch)], PYTORCH_SCRIPT);
  return `; ${library}, same run: ${Math.round(theirs)} images/s -> ${(ours / theirs).toFixed(2)}x PyTorch's rate`;
}

export async function benchNetwork(name: keyof typeof TRAINING_DEFAULTS, build: (seed: number) => tf.LayersModel, args: string[], recipe?: BenchRecipe): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      backend: { type: 'string' },
      'artifacts-dir': { type: 'string', default: 'artifacts' },
      'batch-size': { type: 'string', default: String(TRAINING_DEFAULTS[name].batchSize) },
      'infer-batch': { type: 'string', default: String(INFERENCE_BATCH_SIZE) },
      batches: { type: 'string' },
      workers: { type: 'string', default: String(DEFAULTS.workers) },
      'no-reference': { type: 'boolean', default: false },
    },
  });
  const batchSize = Number(values['batch-size']);
  const workers = Number(values.workers);
  const backend = await initBackend(values.backend as BackendName | undefined);
  const paths = artifactPaths(values['artifacts-dir']!);
  const [cache, split] = await Promise.all([readPixelCache(paths), readSplit(paths.split)]);
  const { fit, holdout } = recipe ? { fit: split.train, holdout: split.valid } : holdOut(split.train);
  const fullBatches = batchCount(fit.length, batchSize);
  const batches = Math.min(fullBatches, Number(values.batches ?? fullBatches));
  // A capped epoch keeps the full epoch's train/validation proportion, so scaling stays fair.
  const rows = fit.slice(0, batches * batchSize);
  const heldOut = holdout.slice(0, Math.ceil((holdout.length * batches) / fullBatches));
  const model = build(87);
  const optimizer = tf.train.adam(0.001, 0.9, 0.999, 1e-7);
  const runner = trainsDataParallel(backend, workers) ? createDataParallelRunner({ model, optimizer, workers, threadClocks: true }) : undefined;
  const threads = runner ? `data-parallel on ${workers} ${backend} workers` : 'in this thread';
  console.log(`${name} on ${backend}, ${threads}: batch ${batchSize}, ${batches}/${fullBatches} batches per epoch, ${1 + TIMED_EPOCHS} epochs (first is warm-up)`);
  const rng = createRng(87);
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  let cpuAtStart = process.cpuUsage();
  const inference: InferencePass[][] = [];
  let stepProfile: StepProfile | undefined;
  try {
    await trainModel({
      model,
      optimizer,
      train: imageDataset(cache.train, () => shuffleInPlace([...rows], rng), batchSize, recipe?.training.augment && augmentEachEpoch(recipe.training.augment, rng)),
      trainBatches: batches,
      stepSettings: recipe?.training.stepSettings((1 + TIMED_EPOCHS) * batches),
      valid: imageDataset(cache.train, () => heldOut, batchSize),
      rng,
      epochs: 1 + TIMED_EPOCHS,
      patience: 1 + TIMED_EPOCHS,
      runner,
      onEpochStart: (epoch) => {
        cpuAtStart = process.cpuUsage();
        if (epoch === 2) runner?.takeProfile(); // the step profile leaves the warm-up out
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
    stepProfile = runner?.takeProfile();

    // inference on the training threads (the runner's evaluate, as validation runs), else here
    const allTest = Array.from({ length: cache.test.count }, (_, i) => i);
    for (const size of values['infer-batch']!.split(',').map(Number)) {
      const passes: InferencePass[] = [];
      for (let pass = 0; pass < INFERENCE_PASSES; pass++) {
        const started = performance.now();
        const cpuBefore = process.cpuUsage();
        const testSet = imageDataset(cache.test, () => allTest, size);
        const test = await (runner ? runner.evaluate(testSet) : evaluateDataset(model, testSet));
        const wall = (performance.now() - started) / 1000;
        const cpu = process.cpuUsage(cpuBefore);
        passes.push({ size, count: test.count, wall, cpu: (cpu.user + cpu.system) / 1e6 });
      }
      inference.push(passes);
    }
  } finally {
    await runner?.close();
  }
  const flops = forwardFlopsPerImage(model);
  const peak = plainMatMulGflops();
  model.dispose();
  optimizer.dispose();
  // after ours, so the two never share the cores
  const reference: Reference = values['no-reference']
    ? { measured: false, why: '--no-reference' }
    : await measurePytorch(name, values['artifacts-dir']!, batches < fullBatches ? batches : undefined, values['infer-batch']!, recipe && { ...recipe.pytorch, batchSize });

  const perEpoch = median(seconds);
  const scaledNote = batches < fullBatches ? ` (scaled from ${batches} batches)` : '';
  console.log(`${name}: ${perEpoch.toFixed(1)} s/epoch${scaledNote} ${threads}, median of ${TIMED_EPOCHS}${versusPytorch(reference, perEpoch)}`);
  console.log(`${name}: CPU ${median(cpuSeconds).toFixed(1)} s/epoch, all threads (median)`);
  if (stepProfile) for (const line of describeProfile(stepProfile, workers)) console.log(`${name}: ${line}`);
  const cores = runner ? workers : 1;
  for (const passes of inference) {
    const rates = passes.map((pass) => pass.count / pass.wall).sort((x, y) => x - y);
    const run = [...passes].sort((x, y) => x.wall - y.wall)[passes.length >> 1]!;
    const imagesPerSecond = run.count / run.wall;
    const gflops = (imagesPerSecond * flops) / 1e9;
    console.log(
      `${name}: inference ${Math.round(imagesPerSecond)} images/s on ${run.count} test images (median of ${passes.length} passes: ` +
        `${rates.map(Math.round).join(', ')}; from the pixel cache, batch ${run.size}, ${threads})` +
        versusPytorch(reference, imagesPerSecond, run.size),
    );
    console.log(
      `${name}: inference ${gflops.toFixed(1)} GFLOP/s (${(flops / 1e6).toFixed(2)} MFLOP per image), ` +
        `${((100 * gflops) / (cores * peak)).toFixed(0)}% of ${cores} x ${peak.toFixed(1)} GFLOP/s (a plain 500x1000x800 ${backend} matmul on one core, measured now); ` +
        `CPU ${run.cpu.toFixed(2)} s (all threads) for ${run.wall.toFixed(2)} s: ` +
        // what a machine with a free core per thread would do, where other work takes cores
        `${Math.round((run.count * cores) / run.cpu)} images/s from ${cores} free core(s)`,
    );
  }
}
