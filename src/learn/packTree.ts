import type { Tree } from './tree.js';

/**
 * A tree as one contiguous buffer, so a worker can hand it back with a single transfer
 * (Piscina moves a top-level buffer; typed arrays nested in an object would be cloned).
 *
 * Layout: int32 header [nodes, leaves, numClasses], then left, right, samples, leafRow (int32),
 * gain, leafCounts (float32), feature (int16), threshold (uint8). Every section starts aligned.
 */
const HEADER_INTS = 3;

function sections(nodes: number, leaves: number, numClasses: number) {
  const i32 = 4 * nodes;
  const offsets = {
    left: HEADER_INTS * 4,
    right: HEADER_INTS * 4 + i32,
    samples: HEADER_INTS * 4 + 2 * i32,
    leafRow: HEADER_INTS * 4 + 3 * i32,
    gain: HEADER_INTS * 4 + 4 * i32,
    leafCounts: HEADER_INTS * 4 + 5 * i32,
    feature: HEADER_INTS * 4 + 5 * i32 + 4 * leaves * numClasses,
  };
  const threshold = offsets.feature + 2 * nodes;
  return { ...offsets, threshold, byteLength: threshold + nodes };
}

/** Copies `tree` into one new buffer (see the layout above). */
export function packTree(tree: Tree): Uint8Array {
  const nodes = tree.feature.length;
  const leaves = tree.leafCounts.length / tree.numClasses;
  const at = sections(nodes, leaves, tree.numClasses);
  const buffer = new ArrayBuffer(at.byteLength);
  new Int32Array(buffer, 0, HEADER_INTS).set([nodes, leaves, tree.numClasses]);
  new Int32Array(buffer, at.left, nodes).set(tree.left);
  new Int32Array(buffer, at.right, nodes).set(tree.right);
  new Int32Array(buffer, at.samples, nodes).set(tree.samples);
  new Int32Array(buffer, at.leafRow, nodes).set(tree.leafRow);
  new Float32Array(buffer, at.gain, nodes).set(tree.gain);
  new Float32Array(buffer, at.leafCounts, leaves * tree.numClasses).set(tree.leafCounts);
  new Int16Array(buffer, at.feature, nodes).set(tree.feature);
  new Uint8Array(buffer, at.threshold, nodes).set(tree.threshold);
  return new Uint8Array(buffer);
}

/** Views bytes made by `packTree` as a Tree (no copy when they start 4-byte aligned). */
export function unpackTree(bytes: Uint8Array): Tree {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const { buffer, byteOffset: o } = aligned;
  const [nodes, leaves, numClasses] = new Int32Array(buffer, o, HEADER_INTS) as unknown as [number, number, number];
  const at = sections(nodes, leaves, numClasses);
  if (at.byteLength !== aligned.byteLength) {
    throw new RangeError(`Expected a packed tree of ${at.byteLength} bytes for ${nodes} nodes but received ${aligned.byteLength} bytes.`);
  }
  return {
    numClasses,
    left: new Int32Array(buffer, o + at.left, nodes),
    right: new Int32Array(buffer, o + at.right, nodes),
    samples: new Int32Array(buffer, o + at.samples, nodes),
    leafRow: new Int32Array(buffer, o + at.leafRow, nodes),
    gain: new Float32Array(buffer, o + at.gain, nodes),
    leafCounts: new Float32Array(buffer, o + at.leafCounts, leaves * numClasses),
    feature: new Int16Array(buffer, o + at.feature, nodes),
    threshold: new Uint8Array(buffer, o + at.threshold, nodes),
  };
}
