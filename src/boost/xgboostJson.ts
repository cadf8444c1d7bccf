/**
 * The model in XGBoost's own JSON format (its documented schema, doc/model.schema in XGBoost's
 * sources, as version 1.7 writes it: `gbtree`, objective `multi:softprob`), so a user can load
 * it with `xgboost.Booster(model_file=...)`; and models written by XGBoost's `save_model` read
 * back into a BoostModel.
 *
 * Reading checks everything the predictor relies on (array lengths, children inside the tree
 * and each reached once from the root, split features inside the row, finite numbers), so a
 * hostile or truncated file is a DataError naming the file and field, never a wrong prediction
 * or a walk that does not end.
 */
import { readFile, stat } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { NO_NODE, ROOT_PARENT, type BoostModel, type BoostTree } from './model.js';

/** The XGBoost version whose format is written (Debian's python3-xgboost reads it). */
export const XGBOOST_VERSION = [1, 7, 4] as const;
/**
 * The largest model file read: far above a study model (a few MB), and small enough that the
 * text and its parsed arrays stay well under 1 GB of memory.
 */
export const MAX_MODEL_BYTES = 128 * 1024 * 1024;
/** The deepest a tree may be (root at 0): far deeper than any boosted tree, shallow enough for any walk. */
export const MAX_TREE_DEPTH = 256;
/**
 * The most split nodes one row may pass through, over all trees (the sum of the trees' depths):
 * a prediction's work per row. A study model passes through a few 10,000s; this bound keeps the
 * 10,000 test images within seconds whatever the file says.
 */
export const MAX_PATH_SPLITS = 1 << 18;

/** Writes `model` to `path` as XGBoost JSON, atomically. */
export function writeXgboostJson(path: string, model: BoostModel): Promise<void> {
  return writeFileAtomic(path, xgboostJsonPieces(model));
}

/** The XGBoost JSON text of `model`, in pieces (a tree each), to write without one huge string. */
export function* xgboostJsonPieces(model: BoostModel): Generator<string> {
  const nc = String(model.numClass);
  const nf = String(model.numFeature);
  yield '{"learner":{' +
    `"attributes":{"best_iteration":"${model.bestIteration}","best_ntree_limit":"${model.bestIteration + 1}"},` +
    '"feature_names":[],"feature_types":[],' +
    '"gradient_booster":{"model":{' +
    `"gbtree_model_param":{"num_parallel_tree":"1","num_trees":"${model.trees.length}","size_leaf_vector":"0"},` +
    `"tree_info":[${Array.from(model.treeInfo).join(',')}],"trees":[`;
  for (let i = 0; i < model.trees.length; i++) yield (i > 0 ? ',' : '') + treeJson(model.trees[i]!, i, nf);
  yield ']},"name":"gbtree"},' +
    `"learner_model_param":{"base_score":"${float32Text(model.baseScore)}","boost_from_average":"1","num_class":"${nc}","num_feature":"${nf}","num_target":"1"},` +
    `"objective":{"name":"multi:softprob","softmax_multiclass_param":{"num_class":"${nc}"}}},` +
    `"version":[${XGBOOST_VERSION.join(',')}]}\n`;
}

function treeJson(tree: BoostTree, id: number, numFeature: string): string {
  const n = tree.leftChildren.length;
  const zeros = `[${new Array<string>(n).fill('0').join(',')}]`;
  return '{' +
    `"base_weights":${floats(tree.baseWeights)},` +
    '"categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[],' +
    `"default_left":${ints(tree.defaultLeft)},"id":${id},` +
    `"left_children":${ints(tree.leftChildren)},"loss_changes":${floats(tree.lossChanges)},` +
    `"parents":${ints(tree.parents)},"right_children":${ints(tree.rightChildren)},` +
    `"split_conditions":${floats(tree.splitConditions)},"split_indices":${ints(tree.splitIndices)},` +
    `"split_type":${zeros},"sum_hessian":${floats(tree.sumHessian)},` +
    `"tree_param":{"num_deleted":"0","num_feature":"${numFeature}","num_nodes":"${n}","size_leaf_vector":"0"}}`;
}

function ints(a: ArrayLike<number>): string {
  return `[${Array.from(a).join(',')}]`;
}

function floats(a: Float32Array): string {
  return `[${Array.from(a, float32Text).join(',')}]`;
}

/**
 * The shortest decimal that reads back as the float32 `v` (XGBoost writes its floats the same
 * way): the float64 text of a float32 carries up to 17 digits where 9 at most are needed. It
 * always has a point or an exponent: XGBoost's reader takes `128` for an integer and refuses it
 * where a float belongs ("Invalid cast, from Integer to Number").
 */
export function float32Text(v: number): string {
  const text = shortestFloat32(v);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

function shortestFloat32(v: number): string {
  const plain = String(v);
  if (plain.length <= 9) return plain;
  for (let digits = 1; digits < 9; digits++) {
    const text = v.toPrecision(digits);
    if (Math.fround(Number(text)) === v) return String(Number(text));
  }
  return String(Number(v.toPrecision(9)));
}

/** Reads an XGBoost JSON model (ours or XGBoost's `save_model`). Throws a DataError naming the file and what is wrong. */
export async function readXgboostJson(path: string): Promise<BoostModel> {
  const { size } = await stat(path);
  if (size > MAX_MODEL_BYTES) {
    throw new DataError(
      `Cannot read the XGBoost model ${path}: it is ${size} bytes, more than the ${MAX_MODEL_BYTES} this pipeline reads. ` +
        'Check that it is the model file you meant.',
    );
  }
  return parseXgboostJson(await readFile(path, 'utf8'), path);
}

/** `readXgboostJson` on text already read; `source` names it in errors. */
export function parseXgboostJson(text: string, source: string): BoostModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw modelError(source, `it is not JSON (${(error as Error).message})`);
  }
  return new ModelReader(source).model(json);
}

function modelError(source: string, problem: string): DataError {
  return new DataError(
    `Cannot read the XGBoost model ${source}: ${problem}. ` +
      "Use a model saved by this pipeline or by XGBoost's save_model('model.json') (gbtree, multi:softprob).",
  );
}

type Json = Record<string, unknown>;

/** Walks the parsed JSON, each step checking what it reads; `fail` names the field. */
class ModelReader {
  constructor(private readonly source: string) {}

  model(json: unknown): BoostModel {
    const learner = this.object(this.object(json, '(top)').learner, 'learner');
    const objective = this.string(this.object(learner.objective, 'learner.objective').name, 'learner.objective.name');
    if (objective !== 'multi:softprob' && objective !== 'multi:softmax') {
      this.fail(`learner.objective.name is "${objective}", not a multiclass softmax ("multi:softprob")`);
    }
    const params = this.object(learner.learner_model_param, 'learner.learner_model_param');
    const numClass = this.countParam(params.num_class, 'learner.learner_model_param.num_class');
    const numFeature = this.countParam(params.num_feature, 'learner.learner_model_param.num_feature');
    const baseScore = this.baseScore(params.base_score);
    const booster = this.object(learner.gradient_booster, 'learner.gradient_booster');
    if (booster.name !== 'gbtree') this.fail(`learner.gradient_booster.name is ${JSON.stringify(booster.name)}, not "gbtree"`);
    const gbtree = this.object(booster.model, 'learner.gradient_booster.model');
    let pathSplits = 0;
    const trees = this.array(gbtree.trees, 'trees').map((t, i) => {
      const { tree, depth } = this.tree(t, i, numFeature);
      pathSplits += depth;
      return tree;
    });
    if (pathSplits > MAX_PATH_SPLITS) {
      this.fail(`its trees' depths add up to ${pathSplits}, more than the ${MAX_PATH_SPLITS} splits a row may pass through here`);
    }
    const treeInfo = this.intArray(gbtree.tree_info, 'tree_info', trees.length);
    treeInfo.forEach((c, i) => {
      if (c < 0 || c >= numClass) this.fail(`tree_info[${i}] is ${c}, not a class in [0, ${numClass})`);
    });
    const attributes = learner.attributes === undefined ? {} : this.object(learner.attributes, 'learner.attributes');
    const rounds = Math.ceil(trees.length / numClass);
    const best = attributes.best_iteration === undefined ? rounds - 1 : Number(attributes.best_iteration);
    if (!Number.isInteger(best) || best < -1 || best >= Math.max(rounds, 1)) {
      this.fail(`learner.attributes.best_iteration is ${JSON.stringify(attributes.best_iteration)}, not a round of the model's ${rounds}`);
    }
    return { numClass, numFeature, baseScore, trees, treeInfo: Int32Array.from(treeInfo), bestIteration: best };
  }

  /** base_score: a float's text ("5E-1"), or a one-value JSON array's ("[5E-1]", XGBoost 2). */
  private baseScore(value: unknown): number {
    const text = this.string(value, 'learner.learner_model_param.base_score');
    const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
    const score = inner.trim() === '' ? NaN : Number(inner);
    if (!Number.isFinite(score)) this.fail(`learner.learner_model_param.base_score is ${JSON.stringify(text)}, not one finite number`);
    return score;
  }

  /** Tree `index` and its depth (root 0). */
  private tree(json: unknown, index: number, numFeature: number): { tree: BoostTree; depth: number } {
    const at = `trees[${index}]`;
    const t = this.object(json, at);
    const param = this.object(t.tree_param, `${at}.tree_param`);
    if (param.size_leaf_vector !== undefined && String(param.size_leaf_vector) !== '0' && String(param.size_leaf_vector) !== '1') {
      this.fail(`${at} has vector leaves (size_leaf_vector ${JSON.stringify(param.size_leaf_vector)}), which multi:softprob does not write`);
    }
    const n = this.countParam(param.num_nodes, `${at}.tree_param.num_nodes`);
    const splitType = t.split_type === undefined ? [] : this.intArray(t.split_type, `${at}.split_type`, n);
    const categorical = splitType.findIndex((s) => s !== 0);
    if (categorical >= 0) this.fail(`${at} has a categorical split at node ${categorical}, which pixels never need`);
    const tree: BoostTree = {
      leftChildren: Int32Array.from(this.intArray(t.left_children, `${at}.left_children`, n)),
      rightChildren: Int32Array.from(this.intArray(t.right_children, `${at}.right_children`, n)),
      parents: Int32Array.from(this.intArray(t.parents, `${at}.parents`, n)),
      splitIndices: Int32Array.from(this.intArray(t.split_indices, `${at}.split_indices`, n)),
      splitConditions: this.floatArray(t.split_conditions, `${at}.split_conditions`, n),
      defaultLeft: Uint8Array.from(this.intArray(t.default_left, `${at}.default_left`, n)),
      lossChanges: this.floatArray(t.loss_changes, `${at}.loss_changes`, n),
      sumHessian: this.floatArray(t.sum_hessian, `${at}.sum_hessian`, n),
      baseWeights: this.floatArray(t.base_weights, `${at}.base_weights`, n),
    };
    return { tree, depth: this.checkShape(tree, at, numFeature) };
  }

  /** Every child inside the tree and reached once from the root; split features inside the row; depth at most MAX_TREE_DEPTH. Returns the depth. */
  private checkShape(tree: BoostTree, at: string, numFeature: number): number {
    const n = tree.leftChildren.length;
    const reached = new Uint8Array(n);
    const depthOf = new Int32Array(n);
    const stack = [0];
    reached[0] = 1;
    let depth = 0;
    while (stack.length > 0) {
      const node = stack.pop()!;
      depth = Math.max(depth, depthOf[node]!);
      const left = tree.leftChildren[node]!;
      const right = tree.rightChildren[node]!;
      if (left === NO_NODE && right === NO_NODE) continue;
      const feature = tree.splitIndices[node]!;
      if (feature < 0 || feature >= numFeature) {
        this.fail(`${at}.split_indices[${node}] is ${feature}, not a feature in [0, ${numFeature})`);
      }
      for (const [side, child] of [['left', left], ['right', right]] as const) {
        if (child < 1 || child >= n) this.fail(`${at}.${side}_children[${node}] is ${child}, not a node in [1, ${n})`);
        if (reached[child]) this.fail(`${at}: node ${child} is reached twice (a cycle or a shared child)`);
        if (depthOf[node]! === MAX_TREE_DEPTH) this.fail(`${at} is deeper than ${MAX_TREE_DEPTH} levels`);
        reached[child] = 1;
        depthOf[child] = depthOf[node]! + 1;
        stack.push(child);
      }
    }
    return depth;
  }

  private object(value: unknown, at: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(`${at} is missing or not an object`);
    return value as Json;
  }

  private array(value: unknown, at: string): unknown[] {
    if (!Array.isArray(value)) this.fail(`${at} is missing or not an array`);
    return value as unknown[];
  }

  private string(value: unknown, at: string): string {
    if (typeof value !== 'string') this.fail(`${at} is missing or not a string`);
    return value as string;
  }

  /** A positive count written as a string ("10"), as XGBoost writes its parameters. */
  private countParam(value: unknown, at: string): number {
    const count = Number(this.string(value, at));
    if (!Number.isSafeInteger(count) || count < 1) this.fail(`${at} is ${JSON.stringify(value)}, not a positive integer`);
    return count;
  }

  private intArray(value: unknown, at: string, length: number): number[] {
    const a = this.array(value, at);
    if (a.length !== length) this.fail(`${at} has ${a.length} values, not ${length}`);
    const bad = a.findIndex((v) => !Number.isInteger(v) || Math.abs(v as number) > ROOT_PARENT);
    if (bad >= 0) this.fail(`${at}[${bad}] is ${JSON.stringify(a[bad])}, not an int32`);
    return a as number[];
  }

  private floatArray(value: unknown, at: string, length: number): Float32Array {
    const a = this.array(value, at);
    if (a.length !== length) this.fail(`${at} has ${a.length} values, not ${length}`);
    // finite as a float32 too: 1e39 is a finite JSON number but an infinite float32
    const bad = a.findIndex((v) => typeof v !== 'number' || !Number.isFinite(Math.fround(v)));
    if (bad >= 0) this.fail(`${at}[${bad}] is ${JSON.stringify(a[bad])}, not a finite float32`);
    return Float32Array.from(a as number[]);
  }

  private fail(problem: string): never {
    throw modelError(this.source, problem);
  }
}
