/**
 * `npm run bench -- kernels mlp|cnn|convnet [--steps N] [--batch N]`: per-kernel time of one training
 * step of the study's MLP or CNN, or the convnet, on wasm (one core), with the stock kernels ("before") and
 * with the project's fast kernels ("after"). Random pixels and labels: kernel cost does not
 * depend on the values. Prints ms per step for each kernel, sorted by the "before" time.
 * Kernel times are process CPU time (user + system), which stays meaningful on a loaded
 * machine where wall time does not; the step is reported both ways.
 */
import { initBackend } from '../src/tfjs/backend.js';
import { buildCnn } from '../src/networks/cnn.js';
import { buildConvnet } from '../src/networks/convnet.js';
import { registerFastKernels, restoreStockKernels } from '../src/tfjs/kernels/index.js';
import { buildMlp } from '../src/networks/mlp.js';
import { tf } from '../src/tfjs/tf.js';
import { median } from './_measure.js';

const MODELS = { mlp: () => buildMlp({ seed: 87 }), cnn: () => buildCnn({ seed: 87 }), convnet: () => buildConvnet({ seed: 87 }) };
type ModelName = keyof typeof MODELS;

interface Profile {
  /** kernel name -> ms per step */
  kernels: Map<string, number>;
  /** median wall time of a whole step, ms */
  stepMs: number;
  /** median CPU time of a whole step, ms */
  stepCpuMs: number;
  /** engine tensors added per step (should be 0) */
  leakedTensors: number;
}

export async function run(args: string[]): Promise<void> {
  const name = args[0] as ModelName;
  if (!(name in MODELS)) throw new Error(`Usage: npm run bench -- kernels mlp|cnn|convnet [--steps N] [--batch N]; got "${args[0] ?? ''}".`);
  const steps = numberFlag(args, '--steps', 3);
  const batch = numberFlag(args, '--batch', 500);
  console.log(`backend: ${await initBackend('wasm')}; ${name}, batch ${batch}, ${steps} timed steps after 1 warm-up`);
  restoreStockKernels();
  const before = await profileSteps(name, batch, steps);
  registerFastKernels();
  const after = await profileSteps(name, batch, steps);
  printTable(before, after);
}

async function profileSteps(name: ModelName, batch: number, steps: number): Promise<Profile> {
  const model = MODELS[name]();
  model.compile({ optimizer: tf.train.adam(), loss: 'categoricalCrossentropy' });
  const inputShape = model.inputs[0]!.shape.slice(1) as number[];
  const xs = tf.randomUniform([batch, ...inputShape]);
  const ys = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
  await model.trainOnBatch(xs, ys); // warm-up: operator caches, Adam slots
  const totals = new Map<string, number>();
  const stopTiming = timeKernels(totals);
  const stepTimes: number[] = [];
  const stepCpuTimes: number[] = [];
  const tensorsBefore = tf.memory().numTensors;
  try {
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      const startCpu = cpuMs();
      await model.trainOnBatch(xs, ys);
      stepTimes.push(performance.now() - start);
      stepCpuTimes.push(cpuMs() - startCpu);
    }
  } finally {
    stopTiming();
  }
  const leakedTensors = (tf.memory().numTensors - tensorsBefore) / steps;
  tf.dispose([xs, ys]);
  model.dispose();
  const kernels = new Map([...totals].map(([k, ms]) => [k, ms / steps]));
  return { kernels, stepMs: median(stepTimes), stepCpuMs: median(stepCpuTimes), leakedTensors };
}

/**
 * Wraps every registered wasm kernel with a timer adding into `totals`; returns the undo.
 * wasm kernels compute synchronously on this thread, so CPU time around kernelFunc is the
 * kernel's cost.
 * The project's kernels call stock kernels directly, so time is counted once, top level.
 */
function timeKernels(totals: Map<string, number>): () => void {
  const originals = tf.getKernelsForBackend('wasm');
  for (const config of originals) {
    const { kernelName, kernelFunc } = config;
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const start = cpuMs();
        try {
          return kernelFunc(args);
        } finally {
          totals.set(kernelName, (totals.get(kernelName) ?? 0) + cpuMs() - start);
        }
      },
    });
  }
  return () => {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, 'wasm');
      tf.registerKernel(config);
    }
  };
}

function printTable(before: Profile, after: Profile): void {
  const names = [...new Set([...before.kernels.keys(), ...after.kernels.keys()])]
    .sort((a, b) => (before.kernels.get(b) ?? 0) - (before.kernels.get(a) ?? 0));
  const ms = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1)).padStart(10);
  // Wide enough for the project's own kernel names (FashionPipeline...).
  const width = Math.max(24, ...names.map((k) => k.length + 2));
  console.log(`${'kernel (CPU ms/step)'.padEnd(width)}${'before'.padStart(10)}${'after'.padStart(10)}`);
  for (const k of names) {
    const b = before.kernels.get(k);
    const a = after.kernels.get(k);
    if ((b ?? 0) < 1 && (a ?? 0) < 1) continue; // under 1 ms per step in both: noise
    console.log(`${k.padEnd(width)}${ms(b)}${ms(a)}`);
  }
  const sum = (p: Profile) => [...p.kernels.values()].reduce((s, v) => s + v, 0);
  console.log(`${'(all kernels)'.padEnd(width)}${ms(sum(before))}${ms(sum(after))}`);
  console.log(`${'step, CPU (median)'.padEnd(width)}${ms(before.stepCpuMs)}${ms(after.stepCpuMs)}`);
  console.log(`${'step, wall (median)'.padEnd(width)}${ms(before.stepMs)}${ms(after.stepMs)}`);
  console.log(`tensors leaked per step: before ${before.leakedTensors}, after ${after.leakedTensors}`);
}

/** This process's user + system CPU time, ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function numberFlag(args: string[], flag: string, fallback: number): number {
  const i = args.indexOf(flag);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected a positive integer after ${flag} but received "${args[i + 1]}".`);
  return n;
}
