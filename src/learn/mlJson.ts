import { LEAF, type Tree } from './tree.js';

/**
 * Our trees as the JSON models of mljs' `ml-cart` (`DecisionTreeClassifier.load`) and
 * `ml-random-forest` (`RandomForestClassifier.load`), written as text straight from the typed
 * arrays (a forest is ~10^6 nodes: building objects first would cost hundreds of MB).
 *
 * Scale: the models expect the raw pixel values 0..255 as features (784 per image, row-major).
 * ml-cart sends a row left when `row[splitColumn] < splitValue`; our trees send it left when
 * `x <= threshold` on integers, so `splitValue = threshold + 0.5` makes both agree on every
 * integer input. (For pixels scaled to [0,1], divide each splitValue by 255.)
 */
export const ML_INPUT_SCALE = 'raw pixel values 0..255 (784 features per image, row-major 28x28)';

/** ml-cart's options, as its trainer would record them for a fully grown Gini tree. */
const TREE_OPTIONS = { gainFunction: 'gini', splitFunction: 'mean', minNumSamples: 1, gainThreshold: 0, kind: 'classifier' };

/** The JSON text of `DecisionTreeClassifier.toJSON()` for one tree. */
export function toMlCartJson(tree: Tree): string {
  return `{"name":"DTClassifier","inputScale":${JSON.stringify(ML_INPUT_SCALE)},${estimatorBody(tree)}}`;
}

/** The JSON text of `RandomForestClassifier.toJSON()` for a forest over `featureCount` features. */
export function toMlForestJson(trees: readonly Tree[], featureCount: number, seed: number): string {
  // every tree sees every feature (ours draw features per split, not per tree)
  const allFeatures = `[${Array.from({ length: featureCount }, (_, f) => f).join(',')}]`;
  const parts = [
    `{"name":"RFClassifier","inputScale":${JSON.stringify(ML_INPUT_SCALE)},"baseModel":{`,
    `"indexes":[${trees.map(() => allFeatures).join(',')}],`,
    `"n":${featureCount},"replacement":false,"maxFeatures":1,"nEstimators":${trees.length},`,
    `"treeOptions":${JSON.stringify(TREE_OPTIONS)},"isClassifier":true,"seed":${seed},"useSampleBagging":true,`,
    '"estimators":[',
  ];
  trees.forEach((tree, i) => parts.push(`${i > 0 ? ',' : ''}{"name":"DTClassifier",${estimatorBody(tree)}}`));
  parts.push(']}}');
  return parts.join('');
}

/** `"options":...,"root":...` of one tree. */
function estimatorBody(tree: Tree): string {
  const parts: string[] = [`"options":${JSON.stringify(TREE_OPTIONS)},"root":`];
  writeNode(tree, 0, parts);
  return parts.join('');
}

function writeNode(tree: Tree, node: number, parts: string[]): void {
  if (tree.feature[node] === LEAF) {
    parts.push(`{"distribution":[[${leafDistribution(tree, node).join(',')}]],"numberSamples":${tree.samples[node]}}`);
    return;
  }
  parts.push(
    `{"splitValue":${tree.threshold[node]! + 0.5},"splitColumn":${tree.feature[node]},` +
      `"gain":${Number(tree.gain[node]!.toPrecision(6))},"numberSamples":${tree.samples[node]},"left":`,
  );
  writeNode(tree, tree.left[node]!, parts);
  parts.push(',"right":');
  writeNode(tree, tree.right[node]!, parts);
  parts.push('}');
}

/** The leaf's class fractions (ml-cart stores probabilities, not counts). */
function leafDistribution(tree: Tree, node: number): number[] {
  const k = tree.numClasses;
  const base = tree.leafRow[node]! * k;
  const counts = Array.from(tree.leafCounts.subarray(base, base + k));
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}
