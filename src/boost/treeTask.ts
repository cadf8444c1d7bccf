/**
 * A tree of a boosting round grown in the thread that runs this, its leaf values then added to
 * its class's margins: the Piscina task of the fit's pool (workers/boostTree.worker.ts), and the
 * same function on the main thread with one worker.
 * Each run claims a free region of the shared memory for the tree's rows and histograms, so any
 * thread can grow any tree, and the tree does not depend on which thread grew it.
 */
import { workerData } from 'piscina';
import type { WasmMemory } from '../wasm/wasmModule.js';
import type { BoostLayout } from './boostMemory.js';
import { bindBoostKernels } from './histogramKernels.js';
import { growTree, type GrowParams, type GrownTree, type GrowTask } from './growTree.js';
import { addTreeToMargins } from './updateMargins.js';

/** What every thread gets once (Piscina's workerData): the shared memory, its layout and the growth parameters. */
export interface BoostShared {
  memory: WasmMemory;
  layout: BoostLayout;
  params: GrowParams;
}

/** Grows `task`'s tree in a free region of `shared`'s memory. */
export function growTreeIn(shared: BoostShared, task: GrowTask): GrownTree {
  const { memory, layout } = shared;
  const claims = new Int32Array(memory.buffer, layout.claims, layout.regions);
  let region = 0;
  while (region < layout.regions && Atomics.compareExchange(claims, region, 0, 1) !== 0) region++;
  if (region === layout.regions) throw new Error(`growTreeIn: all ${layout.regions} regions are in use (more trees at once than threads)`);
  try {
    const { tree, stats, ranges } = growTree({ memory, layout, kernels: bindBoostKernels(memory) }, region, task, shared.params);
    addTreeToMargins(memory, layout, region, task, { tree, stats, ranges });
    return { tree, stats };
  } finally {
    Atomics.store(claims, region, 0);
  }
}

/** The pool task: `growTreeIn` on the pool's shared memory. */
export default function growTreeTask(task: GrowTask): GrownTree {
  return growTreeIn(workerData as BoostShared, task);
}
