/**
 * The BatchNorm-training and elementwise-gradient kernels (elementwiseGrads.ts,
 * batchNormGradStats.ts, batchNormTraining.ts over batchNormTrainingSimd.ts), old and new, each
 * called as the wasm backend calls it: the kernel function, with a stand-in backend that carves
 * its tensors out of one memory. So the comparison covers the whole kernel (chunked calls, the
 * float64 sums, the scalar tail), and the outputs compared are every tensor the kernel returns.
 * Shapes: the study CNN's activations at batch 250, its first block [250,28,28,64] (memory
 * bound) and its third [250,7,7,128] (4 x 12,250 pixels: more of it stays in cache).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { batchNormGradStats } from '../../src/tfjs/kernels/batchNormGradStats.js';
import { batchNormInputGrad, channelMoments } from '../../src/tfjs/kernels/batchNormTraining.js';
import { reluGrad, squareGrad } from '../../src/tfjs/kernels/elementwiseGrads.js';
import type { WasmKernelArgs, WasmKernelFunc } from '../../src/tfjs/kernels/stock.js';
import type { tf } from '../../src/tfjs/tf.js';
import type { PortCase } from '../portAb.js';
import { arena, fillRandom, importOld } from './_fixtures.js';

/** What a stand-in backend holds: tensors at fixed addresses (inputs) and a scratch region (outputs). */
interface Heap {
  backend: BackendWasm;
  /** a float32 tensor of `shape` filled with values in [-1, 1) from `seed` */
  input(shape: number[], seed: number): tf.TensorInfo;
  /** frees every output and zeroes the bytes they used (so a kernel that writes nothing is seen) */
  reset(): void;
  /** a copy of the bytes of `infos`, one after the other */
  bytes(infos: tf.TensorInfo[]): Uint8Array;
}

const size = (shape: number[]) => shape.reduce((n, d) => n * d, 1);

function heap(inputFloats: number, outputFloats: number): Heap {
  const a = arena((inputFloats + outputFloats) * 4 + (1 << 20));
  const scratchBytes = outputFloats * 4 + (1 << 16);
  const scratch = a.alloc(scratchBytes);
  let next = scratch;
  const where = new Map<object, { at: number; length: number }>();
  const register = (shape: number[], at: number): tf.TensorInfo => {
    const dataId = {};
    where.set(dataId, { at, length: size(shape) });
    return { dataId, shape, dtype: 'float32' } as tf.TensorInfo;
  };
  const view = (info: tf.TensorInfo) => {
    const t = where.get(info.dataId)!;
    return a.f32(t.at, t.length);
  };
  const backend = {
    wasm: a.backend.wasm,
    makeOutput(shape: number[], _dtype: string, _offset?: number, values?: Float32Array): tf.TensorInfo {
      const at = next;
      next = Math.ceil((next + size(shape) * 4) / 64) * 64;
      if (next > scratch + scratchBytes) throw new Error('heap: out of scratch memory');
      const info = register(shape, at);
      if (values) view(info).set(values);
      return info;
    },
    typedArrayFromHeap: view,
    disposeData: () => {},
  };
  return {
    backend: backend as unknown as BackendWasm,
    input(shape, seed) {
      const info = register(shape, a.alloc(size(shape) * 4));
      fillRandom(view(info), seed);
      return info;
    },
    reset() {
      a.bytes(scratch, next - scratch).fill(0);
      next = scratch;
    },
    bytes(infos) {
      const parts = infos.map((i) => new Uint8Array(view(i).slice().buffer));
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    },
  };
}

/** Which kernel, and the shapes of its inputs for an activation of `shape`. */
interface KernelSpec {
  name: string;
  /** the old build's module and export */
  module: string;
  exported: string;
  current: WasmKernelFunc;
  inputs(shape: number[]): Record<string, number[]>;
  /** floats of the outputs (and the kernel's temporaries) for an activation of `size` floats */
  outputFloats(size: number, channels: number): number;
}

const activation = (names: string[]) => (shape: number[]) => Object.fromEntries(names.map((n) => [n, shape]));

const KERNELS: KernelSpec[] = [
  {
    name: 'reluGrad',
    module: 'src/models/kernels/elementwiseGrads.js',
    exported: 'reluGrad',
    current: reluGrad,
    inputs: activation(['dy', 'x']),
    outputFloats: (n) => n,
  },
  {
    name: 'squareGrad',
    module: 'src/models/kernels/elementwiseGrads.js',
    exported: 'squareGrad',
    current: squareGrad,
    inputs: activation(['dy', 'x']),
    outputFloats: (n) => n,
  },
  {
    name: 'bnGradStats',
    module: 'src/models/kernels/batchNormGradStats.js',
    exported: 'batchNormGradStats',
    current: batchNormGradStats,
    inputs: (shape) => ({ dy: shape, x: shape, mean: shape.slice(-1), scaleInvStd: shape.slice(-1) }),
    outputFloats: (n, c) => n + 4 * c,
  },
  {
    name: 'bnMoments',
    module: 'src/models/kernels/batchNormTraining.js',
    exported: 'channelMoments',
    current: channelMoments,
    inputs: activation(['x']),
    outputFloats: (_n, c) => 5 * c,
  },
  {
    name: 'bnInputGrad',
    module: 'src/models/kernels/batchNormTraining.js',
    exported: 'batchNormInputGrad',
    current: batchNormInputGrad,
    inputs: (shape) => ({ dx0: shape, x: shape, mean: shape.slice(-1), b: shape.slice(-1), c: shape.slice(-1) }),
    outputFloats: (n) => n,
  },
];

const SHAPES = [
  [250, 28, 28, 64],
  [250, 7, 7, 128],
];

function kernelCase(spec: KernelSpec, shape: number[]): PortCase {
  return {
    name: `${spec.name}-${shape.slice(1).join('x')}`,
    async prepare(base) {
      const old = (await importOld<Record<string, WasmKernelFunc>>(base, spec.module))[spec.exported]!;
      const shapes = spec.inputs(shape);
      const inputFloats = Object.values(shapes).reduce((n, s) => n + size(s), 0);
      const h = heap(inputFloats, spec.outputFloats(size(shape), shape.at(-1)!));
      const inputs = Object.fromEntries(Object.entries(shapes).map(([name, s], i) => [name, h.input(s, i + 1)]));
      const args: WasmKernelArgs = { inputs, backend: h.backend };
      let out: tf.TensorInfo[] = [];
      const call = (fn: WasmKernelFunc) => {
        const result = fn(args);
        out = Array.isArray(result) ? result : [result];
      };
      return {
        reset: () => h.reset(),
        runOld: () => call(old),
        runNew: () => call(spec.current),
        output: () => h.bytes(out),
      };
    },
  };
}

export const cases: PortCase[] = KERNELS.flatMap((spec) => SHAPES.map((shape) => kernelCase(spec, shape)));
