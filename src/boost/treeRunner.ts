/**
 * Where a round's trees grow: on this thread with one worker, else on a pool of `workers`
 * threads sharing the fit's memory. A round's trees (one per class) are independent, so the
 * pool grows them side by side, each whole on one thread: no thread waits on another inside a
 * tree, and each tree is grown by the same code on the same data whichever thread takes it, so
 * the model does not depend on the number of workers.
 */
import type { GrownTree, GrowTask } from './growTree.js';
import { growTreeIn, type BoostShared } from './treeTask.js';
import { WorkerPool } from '../workerPool.js';

export interface TreeRunner {
  grow(task: GrowTask): Promise<GrownTree>;
  close(): Promise<void>;
}

/** A runner of `workers` threads (1: this thread) on `shared`; the caller closes it. */
export function createTreeRunner(shared: BoostShared, workers: number): TreeRunner {
  if (workers === 1) return { grow: async (task) => growTreeIn(shared, task), close: async () => {} };
  const pool = new WorkerPool<GrowTask, GrownTree>({
    filename: new URL('../workers/boostTree.worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    // a thread holds one tree at a time: the memory has one region per thread
    concurrentTasksPerWorker: 1,
    workerData: shared,
  });
  return { grow: (task) => pool.run(task), close: () => pool.destroy() };
}
