import { simdAffine, type Affine } from '../../src/tfjs/kernels/affineSimd.js';
import type { PortCase } from '../portAb.js';
import { arena, fillRandom, importOld } from './_fixtures.js';

/** FusedBatchNorm's forward on the study CNN's first BatchNorm at batch 250: [250,28,28,32]. */
export const cases: PortCase[] = [
  {
    name: 'affine',
    async prepare(base) {
      const old = await importOld<{ simdAffine(b: unknown): Affine }>(base, 'src/models/kernels/affineSimd.js');
      const pixels = 250 * 28 * 28;
      const channels = 32;
      const a = arena(pixels * channels * 8 + (1 << 20));
      const [x, y, sc, of] = [pixels * channels, pixels * channels, channels, channels].map((n) => a.alloc(n * 4)) as [number, number, number, number];
      fillRandom(a.f32(x, pixels * channels), 1);
      fillRandom(a.f32(sc, channels), 2);
      fillRandom(a.f32(of, channels), 3);
      const oldFn = old.simdAffine(a.backend);
      const newFn = simdAffine(a.backend);
      return {
        reset: () => a.f32(y, pixels * channels).fill(0),
        runOld: () => oldFn(x, y, sc, of, pixels, channels * 4),
        runNew: () => newFn(x, y, sc, of, pixels, channels * 4),
        output: () => a.bytes(y, pixels * channels * 4).slice(),
      };
    },
  },
];
