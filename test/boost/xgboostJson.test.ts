import assert from 'node:assert/strict';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pythonWithXgboost, randomBoostModel, runPython, treesTest100, treesTrain300 } from '../../fixtures/index.js';
import { fitBoost } from '../../src/boost/fitBoost.js';
import { BOOST_DEFAULTS } from '../../src/boost/model.js';
import { flattenModel, predictProbabilities } from '../../src/boost/predict.js';
import {
  float32Text,
  MAX_MODEL_BYTES,
  MAX_PATH_SPLITS,
  MAX_TREE_DEPTH,
  parseXgboostJson,
  readXgboostJson,
  writeXgboostJson,
  xgboostJsonPieces,
} from '../../src/boost/xgboostJson.js';
import { DataError } from '../../src/errors.js';

const PREDICT = `
import sys, json, numpy as np, xgboost as xgb
booster = xgb.Booster(model_file=sys.argv[1])
x = np.fromfile(sys.argv[2], dtype=np.uint8).reshape(-1, int(sys.argv[3])).astype(np.float32)
print(json.dumps(booster.predict(xgb.DMatrix(x), strict_shape=True).reshape(-1).tolist()))
`;

const TRAIN = `
import sys, json, numpy as np, xgboost as xgb
x = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(-1, 784).astype(np.float32)
y = np.fromfile(sys.argv[2], dtype=np.uint8)
params = {'objective': 'multi:softprob', 'num_class': 10, 'tree_method': 'hist', 'max_depth': 3, 'nthread': 1}
booster = xgb.train(params, xgb.DMatrix(x, label=y), 4)
booster.save_model(sys.argv[3])
t = np.fromfile(sys.argv[4], dtype=np.uint8).reshape(-1, 784).astype(np.float32)
print(json.dumps(booster.predict(xgb.DMatrix(t), strict_shape=True).reshape(-1).tolist()))
`;

const python = pythonWithXgboost();
const NO_XGBOOST = python ? false : 'python3-xgboost is not installed (apt-get install python3-xgboost); .ci/run installs it';

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  assert.ok(worst <= tolerance, `largest difference ${worst} > ${tolerance}`);
}

describe('XGBoost JSON models (issue 17)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xgboost-json-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes a model that reads back field for field', async () => {
    const model = randomBoostModel(1);
    const path = join(dir, 'round-trip.json');
    await writeXgboostJson(path, model);
    assert.deepEqual(await readXgboostJson(path), model);
  });

  it('writes the layout XGBoost 1.7 writes: version, objective, parameters as strings, tree_info', () => {
    const json = JSON.parse([...xgboostJsonPieces(randomBoostModel(2, { rounds: 2, numClass: 3, numFeature: 5 }))].join(''));
    assert.deepEqual(json.version, [1, 7, 4]);
    assert.deepEqual(json.learner.objective, { name: 'multi:softprob', softmax_multiclass_param: { num_class: '3' } });
    assert.deepEqual(json.learner.learner_model_param, {
      base_score: '0.5', boost_from_average: '1', num_class: '3', num_feature: '5', num_target: '1',
    });
    assert.deepEqual(json.learner.attributes, { best_iteration: '1', best_ntree_limit: '2' });
    assert.equal(json.learner.gradient_booster.name, 'gbtree');
    assert.deepEqual(json.learner.gradient_booster.model.gbtree_model_param, { num_parallel_tree: '1', num_trees: '6', size_leaf_vector: '0' });
    assert.deepEqual(json.learner.gradient_booster.model.tree_info, [0, 1, 2, 0, 1, 2]);
    const tree = json.learner.gradient_booster.model.trees[4];
    assert.equal(tree.id, 4);
    assert.equal(tree.parents[0], 2147483647);
    assert.deepEqual(tree.tree_param, { num_deleted: '0', num_feature: '5', num_nodes: String(tree.left_children.length), size_leaf_vector: '0' });
  });

  it('writes each float32 as the shortest decimal that reads back as the same float32', () => {
    for (const [value, text] of [[0.5, '0.5'], [128, '128.0'], [Math.fround(0.1), '0.1'], [Math.fround(-0.15475115), '-0.15475115'], [Math.fround(1e-20), '1e-20']] as const) {
      assert.equal(float32Text(value), text);
    }
    const values = new Float32Array(randomBoostModel(3).trees.flatMap((t) => [...t.sumHessian, ...t.baseWeights]));
    for (const v of values) assert.equal(Math.fround(Number(float32Text(v))), v);
  });

  it('a model written here loads in python3-xgboost with the same probabilities (1e-5)', { skip: NO_XGBOOST }, async () => {
    const model = randomBoostModel(4, { rounds: 5, maxLeaves: 31 });
    const images = await treesTest100();
    const [modelPath, pixelsPath] = [join(dir, 'ours.json'), join(dir, 'test-100.u8')];
    await writeXgboostJson(modelPath, model);
    await writeFile(pixelsPath, images.pixels);
    const theirs = runPython(python!, PREDICT, [modelPath, pixelsPath, '784']) as number[];
    assertClose(predictProbabilities(flattenModel(model), images.pixels, images.count), theirs, 1e-5);
  });

  it('a model fitted here loads in python3-xgboost with the same probabilities (1e-5)', { skip: NO_XGBOOST }, async () => {
    const [train, test] = await Promise.all([treesTrain300(), treesTest100()]);
    const rows = Int32Array.from({ length: train.count }, (_, i) => i);
    const { model } = await fitBoost(
      { pixels: train.pixels, labels: train.labels, numFeature: 784, numClass: 10, train: rows },
      { params: { ...BOOST_DEFAULTS, rounds: 5, maxLeaves: 8, minDataInLeaf: 5 } },
    );
    const [modelPath, pixelsPath] = [join(dir, 'fitted.json'), join(dir, 'test-100-fitted.u8')];
    await writeXgboostJson(modelPath, model);
    await writeFile(pixelsPath, test.pixels);
    const theirs = runPython(python!, PREDICT, [modelPath, pixelsPath, '784']) as number[];
    assertClose(predictProbabilities(flattenModel(model), test.pixels, test.count), theirs, 1e-5);
  });

  it("a model saved by XGBoost's save_model reads into ours with the same probabilities (1e-5)", { skip: NO_XGBOOST }, async () => {
    const [train, test] = await Promise.all([treesTrain300(), treesTest100()]);
    const paths = ['train.u8', 'labels.u8', 'theirs.json', 'test.u8'].map((name) => join(dir, name));
    await Promise.all([writeFile(paths[0]!, train.pixels), writeFile(paths[1]!, train.labels), writeFile(paths[3]!, test.pixels)]);
    const theirs = runPython(python!, TRAIN, paths) as number[];
    const model = await readXgboostJson(paths[2]!);
    assert.equal(model.trees.length, 40);
    assertClose(predictProbabilities(flattenModel(model), test.pixels, test.count), theirs, 1e-5);
  });
});

describe('XGBoost JSON models: files that are not a model this pipeline can read', () => {
  const ADVICE = "Use a model saved by this pipeline or by XGBoost's save_model('model.json') (gbtree, multi:softprob).";
  const text = [...xgboostJsonPieces(randomBoostModel(5, { rounds: 1, numClass: 2, numFeature: 4, maxLeaves: 3 }))].join('');
  /** The fixture model's JSON changed by `edit`. */
  const edited = (edit: (json: any) => void) => {
    const json = JSON.parse(text);
    edit(json);
    return JSON.stringify(json);
  };
  const tree0 = (json: any) => json.learner.gradient_booster.model.trees[0];
  const refuses = (source: string, problem: string) => (error: unknown) => {
    assert.ok(error instanceof DataError);
    assert.equal(error.message, `Cannot read the XGBoost model ${source}: ${problem}. ${ADVICE}`);
    return true;
  };

  it('refuses text that is not JSON', () => {
    assert.throws(() => parseXgboostJson('{"learner":', 'm.json'), refuses('m.json', "it is not JSON (Unexpected end of JSON input)"));
  });

  it('refuses another objective, booster or vector leaves', () => {
    const binary = edited((j) => (j.learner.objective.name = 'binary:logistic'));
    assert.throws(() => parseXgboostJson(binary, 'm.json'), refuses('m.json', 'learner.objective.name is "binary:logistic", not a multiclass softmax ("multi:softprob")'));
    const dart = edited((j) => (j.learner.gradient_booster.name = 'dart'));
    assert.throws(() => parseXgboostJson(dart, 'm.json'), refuses('m.json', 'learner.gradient_booster.name is "dart", not "gbtree"'));
    const vector = edited((j) => (tree0(j).tree_param.size_leaf_vector = '3'));
    assert.throws(() => parseXgboostJson(vector, 'm.json'), refuses('m.json', 'trees[0] has vector leaves (size_leaf_vector "3"), which multi:softprob does not write'));
  });

  it('refuses a child outside the tree, a cycle and a split feature outside the row', () => {
    const outside = edited((j) => (tree0(j).left_children[0] = 99));
    assert.throws(() => parseXgboostJson(outside, 'm.json'), refuses('m.json', 'trees[0].left_children[0] is 99, not a node in [1, 5)'));
    const cycle = edited((j) => {
      const t = tree0(j);
      const leaf = t.left_children.findIndex((c: number, i: number) => c === -1 && i > 0);
      t.left_children[leaf] = 1;
      t.right_children[leaf] = 2;
    });
    assert.throws(() => parseXgboostJson(cycle, 'm.json'), /^DataError: Cannot read the XGBoost model m\.json: trees\[0\]: node [12] is reached twice \(a cycle or a shared child\)\./);
    const feature = edited((j) => (tree0(j).split_indices[0] = 4));
    assert.throws(() => parseXgboostJson(feature, 'm.json'), refuses('m.json', 'trees[0].split_indices[0] is 4, not a feature in [0, 4)'));
  });

  it('refuses arrays of the wrong length, numbers that are not float32, classes out of range and a bad base_score', () => {
    const short = edited((j) => tree0(j).sum_hessian.pop());
    assert.throws(() => parseXgboostJson(short, 'm.json'), refuses('m.json', 'trees[0].sum_hessian has 4 values, not 5'));
    const huge = edited((j) => (tree0(j).split_conditions[0] = 1e39));
    assert.throws(() => parseXgboostJson(huge, 'm.json'), refuses('m.json', 'trees[0].split_conditions[0] is 1e+39, not a finite float32'));
    const cls = edited((j) => (j.learner.gradient_booster.model.tree_info[1] = 2));
    assert.throws(() => parseXgboostJson(cls, 'm.json'), refuses('m.json', 'tree_info[1] is 2, not a class in [0, 2)'));
    const base = edited((j) => (j.learner.learner_model_param.base_score = 'abc'));
    assert.throws(() => parseXgboostJson(base, 'm.json'), refuses('m.json', 'learner.learner_model_param.base_score is "abc", not one finite number'));
  });

  it('refuses a tree deeper than MAX_TREE_DEPTH and trees whose depths add up past MAX_PATH_SPLITS', () => {
    // a chain: split node 2i has leaf 2i + 1 on its left and the next split on its right
    const chain = (splits: number) => {
      const n = 2 * splits + 1;
      const left = Array.from({ length: n }, (_, i) => (i % 2 === 0 && i < n - 1 ? i + 1 : -1));
      const right = Array.from({ length: n }, (_, i) => (i % 2 === 0 && i < n - 1 ? i + 2 : -1));
      const zeros = new Array<number>(n).fill(0);
      return {
        base_weights: zeros, categories: [], categories_nodes: [], categories_segments: [], categories_sizes: [], default_left: zeros,
        id: 0, left_children: left, right_children: right, loss_changes: zeros, parents: zeros, split_conditions: zeros, split_indices: zeros,
        split_type: zeros, sum_hessian: zeros, tree_param: { num_deleted: '0', num_feature: '4', num_nodes: String(n), size_leaf_vector: '0' },
      };
    };
    const withTrees = (trees: unknown[]) =>
      edited((j) => {
        j.learner.gradient_booster.model.trees = trees;
        j.learner.gradient_booster.model.tree_info = trees.map(() => 0);
        j.learner.gradient_booster.model.gbtree_model_param.num_trees = String(trees.length);
        j.learner.attributes = {};
      });
    assert.equal(parseXgboostJson(withTrees([chain(MAX_TREE_DEPTH)]), 'm.json').trees.length, 1);
    assert.throws(() => parseXgboostJson(withTrees([chain(MAX_TREE_DEPTH + 1)]), 'm.json'), refuses('m.json', `trees[0] is deeper than ${MAX_TREE_DEPTH} levels`));
    const many = MAX_PATH_SPLITS / MAX_TREE_DEPTH + 1;
    assert.throws(
      () => parseXgboostJson(withTrees(new Array(many).fill(chain(MAX_TREE_DEPTH))), 'm.json'),
      refuses('m.json', `its trees' depths add up to ${many * MAX_TREE_DEPTH}, more than the ${MAX_PATH_SPLITS} splits a row may pass through here`),
    );
  });

  it('reads the base_score of XGBoost 2 ("[5E-1]")', () => {
    const v2 = edited((j) => (j.learner.learner_model_param.base_score = '[5E-1]'));
    assert.equal(parseXgboostJson(v2, 'm.json').baseScore, 0.5);
  });

  it('refuses a file larger than MAX_MODEL_BYTES without reading it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xgboost-json-big-'));
    try {
      const path = join(dir, 'big.json');
      await writeFile(path, '');
      await truncate(path, MAX_MODEL_BYTES + 1);
      await assert.rejects(readXgboostJson(path), (error: unknown) => {
        assert.ok(error instanceof DataError);
        assert.equal(
          error.message,
          `Cannot read the XGBoost model ${path}: it is ${MAX_MODEL_BYTES + 1} bytes, more than the ${MAX_MODEL_BYTES} this pipeline reads. Check that it is the model file you meant.`,
        );
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
