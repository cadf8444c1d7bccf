/**
 * The histogram kernels' memory layout, shared by the TypeScript that lays out the tree memory
 * (treeMemory.ts, splitSearch.ts) and the AssemblyScript kernels (assembly/histogram.ts), which
 * import this file too: plain numeric constants only, so the kernels inline them and the module
 * keeps no data segment.
 */

/** Distinct uint8 values a feature can take. */
export const VALUES = 256;
/** Histogram slots per value: a power of two >= the number of classes, so `(v << 4) | class`. */
export const MAX_CLASSES = 16;
/** Uint16 slots of one feature's histogram. */
export const SLOTS = VALUES * MAX_CLASSES;
/** Bytes of one feature's histogram (uint16 counts): a batch slot's stride in `hist`. */
export const HIST_BYTES = SLOTS * 2;
/** Bytes of one feature's marks of the values present (a byte each): a batch slot's stride in `seen`. */
export const SEEN_BYTES = VALUES;
/** Features filled per pass over a node's samples: each sample's index, label and weight are read once for all. */
export const BATCH = 4;
/** Where `scan` leaves its best proxy, in float64s from `counts` (after the left counts and the node's totals). */
export const SCAN_BEST = 2 * MAX_CLASSES;
