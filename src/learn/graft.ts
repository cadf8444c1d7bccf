import { NodeStore } from './nodeStore.js';
import { LEAF, type Tree } from './tree.js';

/**
 * The tree `top` with `subtrees[i]` in place of its leaf `open[i]` (see growTop). Nodes are
 * numbered as `fitTree` numbers them (children made when their parent splits, left subtree
 * first), so a tree fitted in parts is the very same as one fitted whole.
 */
export function graft(top: Tree, open: readonly number[], subtrees: readonly Tree[]): Tree {
  const k = top.numClasses;
  const partAt = new Map(open.map((node, i) => [node, subtrees[i]!]));
  const store = new NodeStore(k);
  const stack = [{ tree: top, from: 0, to: store.add() }];
  while (stack.length > 0) {
    const next = stack.pop()!;
    const part = next.tree === top ? partAt.get(next.from) : undefined;
    const tree = part ?? next.tree;
    const from = part ? 0 : next.from;
    if (tree.feature[from] === LEAF) {
      const row = tree.leafRow[from]!;
      store.setLeaf(next.to, tree.samples[from]!, tree.leafCounts.subarray(row * k, (row + 1) * k));
      continue;
    }
    const left = store.add();
    const right = store.add();
    store.setSplit(next.to, tree.feature[from]!, tree.threshold[from]!, tree.gain[from]!, tree.samples[from]!, left, right);
    stack.push({ tree, from: tree.right[from]!, to: right }, { tree, from: tree.left[from]!, to: left });
  }
  return store.finish();
}
