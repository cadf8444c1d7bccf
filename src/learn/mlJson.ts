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
  return [...mlForestJsonChunks(trees, featureCount, seed)].join('');
}

/** toMlForestJson's text in pieces, a tree each: to write as it is made, in small steps. */
export function* mlForestJsonChunks(trees: readonly Tree[], featureCount: number, seed: number): Generator<string> {
  // every tree sees every feature (ours draw features per split, not per tree)
  const allFeatures = `[${Array.from({ length: featureCount }, (_, f) => f).join(',')}]`;
  yield [
    `{"name":"RFClassifier","inputScale":${JSON.stringify(ML_INPUT_SCALE)},"baseModel":{`,
    `"indexes":[${trees.map(() => allFeatures).join(',')}],`,
    `"n":${featureCount},"replacement":false,"maxFeatures":1,"nEstimators":${trees.length},`,
    `"treeOptions":${JSON.stringify(TREE_OPTIONS)},"isClassifier":true,"seed":${seed},"useSampleBagging":true,`,
    '"estimators":[',
  ].join('');
  for (const [i, tree] of trees.entries()) yield `${i > 0 ? ',' : ''}{"name":"DTClassifier",${estimatorBody(tree)}}`;
  yield ']}}';
}

/** `"options":...,"root":...` of one tree. */
function estimatorBody(tree: Tree): string {
  const parts: string[] = [`"options":${JSON.stringify(TREE_OPTIONS)},"root":`];
  writeNode(tree, 0, parts);
  return parts.join('');
}

function writeNode(tree: Tree, node: number, parts: string[]): void {
  if (tree.feature[node] === LEAF) {
    parts.push(`{"distribution":[[${leafDistribution(tree, node)}]],"numberSamples":${tree.samples[node]}}`);
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

/**
 * The leaf's class fractions, comma-separated (ml-cart stores probabilities, not counts). Most
 * leaves of fully grown trees hold one class: their text is made once per class (formatting
 * the 4 million fractions of a forest one by one held up the trees stage's main thread).
 */
function leafDistribution(tree: Tree, node: number): string {
  const k = tree.numClasses;
  const base = tree.leafRow[node]! * k;
  let total = 0;
  let present = 0;
  let only = 0;
  for (let c = 0; c < k; c++) {
    const count = tree.leafCounts[base + c]!;
    total += count;
    if (count > 0) {
      present++;
      only = c;
    }
  }
  if (present === 1) return pureDistribution(k, only);
  const fractions: number[] = [];
  for (let c = 0; c < k; c++) fractions.push(tree.leafCounts[base + c]! / total);
  return fractions.join(',');
}

const pureDistributions = new Map<number, string[]>();

/** "0,..,1,..,0": all of `k` classes' weight on class `c`. */
function pureDistribution(k: number, c: number): string {
  let texts = pureDistributions.get(k);
  if (!texts) pureDistributions.set(k, (texts = Array.from({ length: k }, (_, one) => Array.from({ length: k }, (_, i) => (i === one ? 1 : 0)).join(','))));
  return texts[c]!;
}
