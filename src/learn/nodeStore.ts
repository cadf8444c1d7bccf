import { LEAF, type Tree } from './tree.js';

/** A Tree under construction: typed arrays that double when full, trimmed by `finish`. */
export class NodeStore {
  private size = 0;
  private leaves = 0;
  private feature = new Int16Array(1024);
  private threshold = new Uint8Array(1024);
  private left = new Int32Array(1024);
  private right = new Int32Array(1024);
  private gain = new Float32Array(1024);
  private samples = new Int32Array(1024);
  private leafRow = new Int32Array(1024);
  private leafCounts: Float32Array;

  constructor(private readonly numClasses: number) {
    this.leafCounts = new Float32Array(1024 * numClasses);
  }

  /** Reserves a node id (filled later by `setSplit` or `setLeaf`). */
  add(): number {
    if (this.size === this.feature.length) this.grow();
    return this.size++;
  }

  setSplit(node: number, feature: number, threshold: number, gain: number, samples: number, left: number, right: number): void {
    this.feature[node] = feature;
    this.threshold[node] = threshold;
    this.gain[node] = gain;
    this.samples[node] = samples;
    this.left[node] = left;
    this.right[node] = right;
    this.leafRow[node] = -1;
  }

  setLeaf(node: number, samples: number, classCounts: ArrayLike<number>): void {
    if ((this.leaves + 1) * this.numClasses > this.leafCounts.length) {
      this.leafCounts = grown(this.leafCounts, this.leafCounts.length * 2);
    }
    this.feature[node] = LEAF;
    this.samples[node] = samples;
    this.leafRow[node] = this.leaves;
    for (let k = 0; k < this.numClasses; k++) this.leafCounts[this.leaves * this.numClasses + k] = classCounts[k]!;
    this.leaves++;
  }

  /** The finished tree, with arrays cut to size. */
  finish(): Tree {
    const n = this.size;
    return {
      numClasses: this.numClasses,
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      gain: this.gain.slice(0, n),
      samples: this.samples.slice(0, n),
      leafRow: this.leafRow.slice(0, n),
      leafCounts: this.leafCounts.slice(0, this.leaves * this.numClasses),
    };
  }

  private grow(): void {
    const n = this.feature.length * 2;
    this.feature = grown(this.feature, n);
    this.threshold = grown(this.threshold, n);
    this.left = grown(this.left, n);
    this.right = grown(this.right, n);
    this.gain = grown(this.gain, n);
    this.samples = grown(this.samples, n);
    this.leafRow = grown(this.leafRow, n);
  }
}

type Growable = Int16Array | Uint8Array | Int32Array | Float32Array;

function grown<T extends Growable>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a as never);
  return b;
}
