/**
 * The boosting histograms' memory layout, shared by the TypeScript that lays out the boost
 * memory (boostMemory.ts, growTree.ts) and the AssemblyScript kernels (assembly/histogram.ts),
 * which import this file too: plain numeric constants only, so the kernels inline them and the
 * module keeps no data segment.
 *
 * A bin is four int32s, (sum of gradients, sum of hessians, row count, 0), the gradients in
 * fixed point (gradients.ts): one SIMD add accumulates a row into it, and a histogram is
 * subtracted from another four lanes at a time. A row's gradient pair is stored the same way,
 * (g, h, 1, 0), so the add needs no shuffle. Integer sums are exact in any order, so a
 * histogram made by subtraction equals the one built from the rows, and two cuts that send the
 * same rows left gain exactly the same (the tie then goes to the first feature, whichever thread
 * or path made the histogram).
 */

/** Distinct uint8 values a feature can take: a histogram's bins. */
export const BINS = 256;
/** Bytes of one bin (and of one row's gradient pair): four int32s. */
export const BIN_BYTES = 16;
/** Bytes of one feature's histogram. */
export const HIST_BYTES = BINS * BIN_BYTES;
/** Features filled per pass over a node's rows: each row's index and gradients are read once for all. */
export const BATCH = 4;

/**
 * The scan's result, float64s from its `best` address: the gain, the rows on the left (the
 * learner checks its partition against it), the feature's position in the node's feature list,
 * and the last bin on the left (the split condition is that bin + 1).
 */
export const BEST_GAIN = 0;
export const BEST_COUNT = 1;
export const BEST_FEATURE = 2;
export const BEST_BIN = 3;
/** float64s of a scan result */
export const BEST_SIZE = 4;
