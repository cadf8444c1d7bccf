import { fmaMultiply, type Epilogue, type Operand, type Packing } from '../../src/tfjs/kernels/fmaGemm.js';
import type { PortCase } from '../portAb.js';
import { arena, fillRandom, importOld } from './_fixtures.js';

/** The old build's module, as far as the cases use it. */
interface OldFmaGemm {
  enableRelaxedSimd(): void;
  fmaMultiply: typeof fmaMultiply;
}

type Backend = Parameters<typeof fmaMultiply>[0];

interface Shape {
  name: string;
  m: number;
  k: number;
  n: number;
  /** A as multiplied is the transpose of its stored [k, m] buffer (packed by packRowsContiguous) */
  transposeA?: boolean;
  /** B as multiplied is the transpose of its stored [n, k] buffer (packed by packStrided) */
  transposeB?: boolean;
  epilogue: Epilogue;
}

/**
 * The study's products, through the whole GEMM (`fmaMultiply`: packing, chunks, panels, the
 * overlapping last block or panel), old module against new, over the same operands in one memory.
 */
const SHAPES: Shape[] = [
  // MLP at batch 500: the first Dense layer forward (784 -> 1000, bias and relu)...
  { name: 'fmaGemm-mlpForward', m: 500, k: 784, n: 1000, epilogue: 'biasRelu' },
  // ...its weight gradient x^T dy (A transposed, packed from contiguous rows)...
  { name: 'fmaGemm-mlpDw', m: 784, k: 500, n: 1000, transposeA: true, epilogue: 'none' },
  // ...and its input gradient dy W^T (B transposed, packed by strided copies)
  { name: 'fmaGemm-mlpDx', m: 500, k: 1000, n: 784, transposeB: true, epilogue: 'none' },
  // the MLP's second hidden layer without bias (relu only) and its output layer (bias only;
  // 10 columns: two overlapping panels)
  { name: 'fmaGemm-mlpHiddenRelu', m: 500, k: 1000, n: 800, epilogue: 'relu' },
  { name: 'fmaGemm-mlpOutBias', m: 500, k: 50, n: 10, epilogue: 'bias' },
  // the CNN's second dense layer (1024 -> 512) at batch 250: 250 rows end in an overlapping block
  { name: 'fmaGemm-cnnDense', m: 250, k: 1024, n: 512, epilogue: 'biasRelu' },
  // one tap of the 14x14x64 convolution's input gradient (inputGradByTaps.ts): 512 pixels,
  // dy [512, 64] times W_tap^T (transposed B), added into dx
  { name: 'fmaGemm-convDxTap', m: 512, k: 64, n: 64, transposeB: true, epilogue: 'accumulate' },
];

export const cases: PortCase[] = SHAPES.map((shape) => ({
  name: shape.name,
  async prepare(base) {
    const old = await importOld<OldFmaGemm>(base, 'src/models/kernels/fmaGemm.js');
    old.enableRelaxedSimd();
    const { m, k, n, transposeA = false, transposeB = false, epilogue } = shape;
    const packedABytes = Math.ceil(m / 4) * k * 16;
    const packedBBytes = Math.ceil(n / 8) * k * 32;
    const a = arena(4 * (m * k + k * n + 2 * m * n + n) + packedABytes + packedBBytes + (1 << 20));
    const [aAt, bAt, cAt, c0At, biasAt, packedAAt, packedBAt] = [m * k * 4, k * n * 4, m * n * 4, m * n * 4, n * 4, packedABytes, packedBBytes].map(
      (bytes) => a.alloc(bytes),
    ) as [number, number, number, number, number, number, number];
    fillRandom(a.f32(aAt, m * k), 1);
    fillRandom(a.f32(bAt, k * n), 2);
    fillRandom(a.f32(biasAt, n), 3);
    // what C holds before an accumulating product
    fillRandom(a.f32(c0At, m * n), 4);
    // The GEMM reads packing space through typedArrayFromHeap(info).byteOffset; here infos are addresses.
    const backend = {
      ...a.backend,
      typedArrayFromHeap: (info: { at: number }) => ({ byteOffset: info.at }),
    } as unknown as Backend;
    const packing = { packedA: { at: packedAAt }, packedB: { at: packedBAt } } as unknown as Packing;
    const aOp: Operand = transposeA ? { at: aAt, rowStride: 4, columnStride: m * 4 } : { at: aAt, rowStride: k * 4, columnStride: 4 };
    const bOp: Operand = transposeB ? { at: bAt, rowStride: 4, columnStride: k * 4 } : { at: bAt, rowStride: n * 4, columnStride: 4 };
    const c = a.f32(cAt, m * n);
    const c0 = a.f32(c0At, m * n);
    return {
      reset: () => (epilogue === 'accumulate' ? c.set(c0) : c.fill(0)),
      runOld: () => old.fmaMultiply(backend, aOp, bOp, [m, k, n], cAt, n * 4, packing, epilogue, biasAt),
      runNew: () => fmaMultiply(backend, aOp, bOp, [m, k, n], cAt, n * 4, packing, epilogue, biasAt),
      output: () => a.bytes(cAt, m * n * 4).slice(),
    };
  },
}));
