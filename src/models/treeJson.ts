/**
 * Prediction from trees saved in mljs's JSON format (ml-cart `DTClassifier`, ml-random-forest
 * `RFClassifier`), compiled once into flat arrays. mljs's own `predictProbability` returns
 * wrong values (docs/ARCHITECTURE.md), so probabilities come from the leaves' class distributions: a
 * tree gives its leaf's distribution, a forest the mean over its trees (soft voting, as
 * scikit-learn's `predict_proba`), summed in float64 and with ties broken as the forest's vote.
 */
import { DataError } from '../errors.js';

/** An ml-cart node: a split (`splitColumn`, `splitValue`, `left`, `right`) or a leaf (`distribution`). */
export interface MlTreeNode {
  splitColumn?: number;
  splitValue?: number;
  left?: MlTreeNode;
  right?: MlTreeNode;
  /** class fractions of the leaf, as a row vector `[[p0, p1, ...]]` or a flat array */
  distribution?: number[] | number[][];
}

/** ml-cart's `DecisionTreeClassifier#toJSON()`. */
export interface MlTreeJson {
  name: 'DTClassifier';
  root: MlTreeNode;
}

/** ml-random-forest's `RandomForestClassifier#toJSON()` (only the fields prediction needs). */
export interface MlForestJson {
  name: 'RFClassifier';
  baseModel: {
    estimators: MlTreeJson[];
    /** feature columns each tree was fitted on: its `splitColumn` indexes into these */
    indexes?: number[][];
  };
}

/** A tree in flat arrays: node i splits on `column[i]` (-1 for a leaf). */
interface FlatTree {
  column: Int32Array;
  splitValue: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** per node: the start of its class fractions in `probs` (leaves only) */
  probsAt: Int32Array;
  /** float64, as the trainer sums them: float32 fractions would make and break ties differently */
  probs: Float64Array;
}

/** Predicts `numClasses` probabilities per row from mljs tree or forest JSON. */
export interface TreeJsonModel {
  trees: number;
  predictProbabilities(pixels: Uint8Array, n: number, width: number): Float32Array;
}

/** Compiles parsed mljs JSON (a tree or a forest) for `numClasses` classes; `source` names it in errors. */
export function compileTreeJson(json: unknown, numClasses: number, source: string): TreeJsonModel {
  const model = json as { name?: string; root?: MlTreeNode; baseModel?: Partial<MlForestJson['baseModel']> };
  let flats: FlatTree[];
  if (model.name === 'DTClassifier' && model.root) {
    flats = [flatten(model.root, undefined, numClasses, source)];
  } else if (model.name === 'RFClassifier' && Array.isArray(model.baseModel?.estimators)) {
    const { estimators, indexes } = model.baseModel as MlForestJson['baseModel'];
    flats = estimators.map((tree, i) => flatten(tree.root, indexes?.[i], numClasses, source));
  } else {
    throw new DataError(
      `${source} is not an ml-cart DTClassifier or ml-random-forest RFClassifier model (its "name" is ${JSON.stringify(model.name)}). ` +
        'Train it again with `npm start -- --stage trees`.',
    );
  }
  return {
    trees: flats.length,
    predictProbabilities(pixels, n, width) {
      const out = new Float32Array(n * numClasses);
      const sums = new Float64Array(numClasses);
      for (let row = 0; row < n; row++) {
        sums.fill(0);
        let best = 0;
        let bestSum = 0;
        for (const t of flats) {
          let node = 0;
          // ml-cart sends a row left when x < splitValue
          while (t.column[node]! >= 0) node = pixels[row * width + t.column[node]!]! < t.splitValue[node]! ? t.left[node]! : t.right[node]!;
          const at = t.probsAt[node]!;
          for (let c = 0; c < numClasses; c++) {
            sums[c]! += t.probs[at + c]!;
            if (sums[c]! > bestSum) {
              bestSum = sums[c]!;
              best = c;
            }
          }
        }
        for (let c = 0; c < numClasses; c++) out[row * numClasses + c] = sums[c]! / flats.length;
        breakTie(out, row * numClasses, numClasses, best);
      }
      return out;
    },
  };
}

const f32 = new Float32Array(1);
const f32Bits = new Int32Array(f32.buffer);

/**
 * Makes `winner` the only largest value of a row when others equal it. A forest's vote counts
 * the class that reached the top sum first (tree by tree) as the winner, like
 * ml-random-forest's majority vote and the trees stage; argmax on tied probabilities would take
 * the lowest class instead. The winner is raised by one float32 step, invisible at 4 decimals.
 */
function breakTie(out: Float32Array, base: number, k: number, winner: number): void {
  const top = out[base + winner]!;
  for (let c = 0; c < k; c++) {
    if (c !== winner && out[base + c]! >= top) {
      f32[0] = top;
      f32Bits[0]! += 1;
      out[base + winner] = f32[0];
      return;
    }
  }
}

/** Depth-first flattening (an explicit stack: fully grown trees are deep). */
function flatten(root: MlTreeNode, columns: number[] | undefined, numClasses: number, source: string): FlatTree {
  const nodes: MlTreeNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    nodes.push(node);
    if (!node.distribution) {
      if (!node.left || !node.right || node.splitColumn === undefined || node.splitValue === undefined) {
        throw new DataError(`${source} has a node with neither a distribution nor a complete split; the file is damaged. Train again with \`npm start -- --stage trees\`.`);
      }
      stack.push(node.right, node.left);
    }
  }
  const index = new Map(nodes.map((node, i) => [node, i]));
  const n = nodes.length;
  const flat: FlatTree = {
    column: new Int32Array(n),
    splitValue: new Float64Array(n),
    left: new Int32Array(n),
    right: new Int32Array(n),
    probsAt: new Int32Array(n),
    probs: new Float64Array(nodes.filter((node) => node.distribution).length * numClasses),
  };
  let leaves = 0;
  nodes.forEach((node, i) => {
    if (node.distribution) {
      flat.column[i] = -1;
      flat.probsAt[i] = leaves * numClasses;
      const dist = (Array.isArray(node.distribution[0]) ? node.distribution[0] : node.distribution) as number[];
      dist.slice(0, numClasses).forEach((p, c) => (flat.probs[leaves * numClasses + c] = p));
      leaves++;
    } else {
      flat.column[i] = columns ? columns[node.splitColumn!]! : node.splitColumn!;
      flat.splitValue[i] = node.splitValue!;
      flat.left[i] = index.get(node.left!)!;
      flat.right[i] = index.get(node.right!)!;
    }
  });
  return flat;
}
