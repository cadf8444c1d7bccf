import { simdScatterRow, type ScatterRow } from '../../src/tfjs/kernels/maxPoolGradSimd.js';
import { simdPatchesTimesDy, type Accumulate } from '../../src/tfjs/kernels/patchesTimesDySimd.js';
import { simdAdam, type SimdAdam } from '../../src/parallel/adamSimd.js';
import { createSharedMemory, type WasmMemory } from '../../src/wasm/wasmModule.js';
import type { PortCase } from '../portAb.js';
import { arena, fillRandom, importOld } from './_fixtures.js';

const BATCH = 250;

/**
 * MaxPoolGrad's SIMD row scatter on the study CNN's four 2x2 pools at batch 250, called per output
 * row as maxPoolGrad.ts does. x is a ReLU output (whole windows of 0: ties the first position must
 * win), y its 2x2 maxima (a few NaN: a window nobody takes), dy random.
 */
const POOLS: [number, number][] = [[28, 64], [14, 64], [7, 128], [3, 128]];

function maxPoolCase([size, channels]: [number, number]): PortCase {
  return {
    name: `maxPoolGrad-${size}x${size}x${channels}`,
    async prepare(base) {
      const old = await importOld<{ simdScatterRow(b: unknown): ScatterRow }>(base, 'src/models/kernels/maxPoolGradSimd.js');
      const out = size >> 1;
      const inFloats = BATCH * size * size * channels;
      const outFloats = BATCH * out * out * channels;
      const a = arena((inFloats * 2 + outFloats * 2) * 4 + (1 << 20));
      const [x, dx, y, dy] = [inFloats, inFloats, outFloats, outFloats].map((n) => a.alloc(n * 4)) as [number, number, number, number];
      const xs = a.f32(x, inFloats);
      fillRandom(xs, 1);
      for (let i = 0; i < xs.length; i++) xs[i] = Math.max(0, xs[i]!);
      fillRandom(a.f32(dy, outFloats), 2);
      const ys = a.f32(y, outFloats);
      let o = 0;
      for (let b = 0; b < BATCH; b++) {
        for (let oh = 0; oh < out; oh++) {
          for (let ow = 0; ow < out; ow++) {
            const i0 = ((b * size + oh * 2) * size + ow * 2) * channels;
            for (let c = 0; c < channels; c++, o++) {
              const i = i0 + c;
              ys[o] = Math.max(xs[i]!, xs[i + channels]!, xs[i + size * channels]!, xs[i + size * channels + channels]!);
            }
          }
        }
      }
      for (let i = 0; i < outFloats; i += 997) ys[i] = NaN;
      const channelBytes = channels * 4;
      const inRowBytes = size * channelBytes;
      const outRowBytes = out * channelBytes;
      const rows = (scatterRow: ScatterRow) => () => {
        for (let b = 0; b < BATCH; b++) {
          for (let oh = 0; oh < out; oh++) {
            const inRow = (b * size + oh * 2) * inRowBytes;
            const outRow = (b * out + oh) * outRowBytes;
            scatterRow(x + inRow, x + inRow + inRowBytes, y + outRow, dy + outRow, dx + inRow, dx + inRow + inRowBytes, out, channelBytes);
          }
        }
      };
      return {
        reset: () => a.f32(dx, inFloats).fill(0),
        runOld: rows(old.simdScatterRow(a.backend)),
        runNew: rows(simdScatterRow(a.backend)),
        output: () => a.bytes(dx, inFloats * 4).slice(),
      };
    },
  };
}

/**
 * filterGradByPatches' SIMD accumulation on the study CNN's first convolution at batch 250:
 * 28x28 output pixels per image, patches of 2x2 taps of 1 channel, 64 filters, in chunks of 1024
 * pixels as that kernel calls it (each chunk's sums kept apart here, so all can be compared).
 */
const patchesCase: PortCase = {
  name: 'patchesTimesDy',
  async prepare(base) {
    const old = await importOld<{ simdPatchesTimesDy(b: unknown): Accumulate }>(base, 'src/models/kernels/patchesTimesDySimd.js');
    const pixels = BATCH * 28 * 28;
    const rows = 4;
    const channels = 64;
    const chunk = 1024;
    const chunks = Math.ceil(pixels / chunk);
    const sumFloats = chunks * rows * channels;
    const a = arena((pixels * (rows + channels) + sumFloats) * 4 + (1 << 20));
    const [patches, dy, sums] = [pixels * rows, pixels * channels, sumFloats].map((n) => a.alloc(n * 4)) as [number, number, number];
    fillRandom(a.f32(patches, pixels * rows), 3);
    fillRandom(a.f32(dy, pixels * channels), 4);
    const channelBytes = channels * 4;
    const all = (accumulate: Accumulate) => () => {
      for (let k = 0, first = 0; first < pixels; k++, first += chunk) {
        const count = Math.min(chunk, pixels - first);
        accumulate(patches + first * rows * 4, dy + first * channelBytes, sums + k * rows * channelBytes, count, rows, channelBytes);
      }
    };
    return {
      reset: () => a.f32(sums, sumFloats).fill(0),
      runOld: all(old.simdPatchesTimesDy(a.backend)),
      runNew: all(simdPatchesTimesDy(a.backend)),
      output: () => a.bytes(sums, sumFloats * 4).slice(),
    };
  },
};

/**
 * The data-parallel Adam update over the study CNN's 906,890 trainable weights (of 907,658), in a
 * shared memory as sharedUpdate.ts allocates it: two shards' gradients averaged in the pass, the
 * constants flatAdam.ts derives for update 11 of tf.train.adam(0.001, 0.9, 0.999, 1e-7).
 */
const adamCase: PortCase = {
  name: 'adam',
  async prepare(base) {
    const old = await importOld<{ simdAdam(m: WasmMemory): SimdAdam }>(base, 'src/models/parallel/adamSimd.js');
    const floats = 906_890;
    const groups = floats >> 2;
    const bytes = Math.ceil((floats * 4) / 16) * 16;
    const memory = createSharedMemory(bytes * 5 + 1024);
    const [w, m, v, ga, gb] = [0, 1, 2, 3, 4].map((k) => 1024 + k * bytes) as [number, number, number, number, number];
    const view = (at: number) => new Float32Array(memory.buffer, at, floats);
    const [wv, mv, vv] = [view(w), view(m), view(v)];
    fillRandom(wv, 5);
    fillRandom(mv, 6);
    fillRandom(vv, 7);
    for (let i = 0; i < floats; i++) {
      mv[i]! *= 0.01;
      vv[i] = Math.abs(vv[i]!) * 1e-4;
    }
    fillRandom(view(ga), 8);
    fillRandom(view(gb), 9);
    const saved = [wv.slice(), mv.slice(), vv.slice()];
    const [lr, beta1, beta2, epsilon, t] = [0.001, 0.9, 0.999, 1e-7, 11];
    const stepSize = -lr / (1 - beta1 ** t);
    const inverse2 = 1 / (1 - beta2 ** t);
    const run = (adam: SimdAdam) => () => adam(w, m, v, ga, gb, groups, 0.5, 0.5, beta1, beta2, 1 - beta1, 1 - beta2, stepSize, inverse2, epsilon);
    return {
      reset: () => [wv, mv, vv].forEach((a, i) => a.set(saved[i]!)),
      runOld: run(old.simdAdam(memory)),
      runNew: run(simdAdam(memory)),
      output: () => new Uint8Array(memory.buffer.slice(w, v + bytes)),
    };
  },
};

export const cases: PortCase[] = [...POOLS.map(maxPoolCase), patchesCase, adamCase];
