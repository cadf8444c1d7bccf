import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { treesTrain300 } from '../../fixtures/index.js';
import { fitBoost, type BoostData } from '../../src/boost/fitBoost.js';
import { gradientScale } from '../../src/boost/gradients.js';
import { BOOST_DEFAULTS, NO_NODE, type BoostParams, type BoostTree } from '../../src/boost/model.js';
import { xgboostJsonPieces } from '../../src/boost/xgboostJson.js';
import { ConfigError, DataError } from '../../src/errors.js';

const F = 784;
const K = 10;

async function fixture(trainRows = 240): Promise<BoostData> {
  const set = await treesTrain300();
  const rows = Int32Array.from({ length: 300 }, (_, i) => i);
  return { pixels: set.pixels, labels: set.labels, numFeature: F, numClass: K, train: rows.slice(0, trainRows), valid: rows.slice(trainRows) };
}

const SMALL: BoostParams = { ...BOOST_DEFAULTS, rounds: 3, maxLeaves: 8, minDataInLeaf: 5, subsample: 1, colsampleBytree: 1 };

/**
 * The first round's tree of class `cls` by a plain learner: every cut of every feature tried
 * over the node's rows with exact float64 sums (no histograms, no subtraction), leaf-wise with
 * the same rules (the best gain first, ties to the lower node; the first feature and lowest cut
 * win a tie). In round one every margin is the base score, so p = 0.1: g = 0.1 - y, h = 0.18,
 * in the learner's fixed point (sums of integers, times the unit).
 */
function referenceTree(data: BoostData, cls: number, p: BoostParams) {
  const scale = gradientScale(data.train.length);
  const unit = 1 / scale;
  const g = Array.from(data.train, (r) => Math.round((data.labels[r] === cls ? 0.1 - 1 : 0.1) * scale));
  const h = Array.from(data.train, () => Math.round(2 * 0.1 * (1 - 0.1) * scale));
  const px = (i: number, f: number) => data.pixels[data.train[i]! * F + f]!;
  type Node = { id: number; rows: number[]; depth: number; G: number; H: number; gain: number; feature: number; cond: number; left: number; right: number };
  const nodes: Node[] = [];
  const make = (rows: number[], depth: number): Node => {
    const node = { id: nodes.length, rows, depth, G: 0, H: 0, gain: -Infinity, feature: -1, cond: -1, left: NO_NODE, right: NO_NODE };
    for (const i of rows) (node.G += g[i]!), (node.H += h[i]!);
    [node.G, node.H] = [node.G * unit, node.H * unit];
    nodes.push(node);
    if (rows.length >= 2 * p.minDataInLeaf && node.H >= 2 * p.minChildWeight) findSplit(node);
    return node;
  };
  const findSplit = (node: Node) => {
    let best = 1e-6;
    const parent = (node.G * node.G) / (node.H + p.lambda);
    for (let f = 0; f < F; f++) {
      // each value's integer sums, then every cut between two values present, lowest first
      const byValue = new Map<number, [number, number, number]>();
      for (const i of node.rows) {
        const v = byValue.get(px(i, f)) ?? [0, 0, 0];
        byValue.set(px(i, f), [v[0] + g[i]!, v[1] + h[i]!, v[2] + 1]);
      }
      const values = [...byValue.keys()].sort((a, b) => a - b);
      let [gi, hi, nl] = [0, 0, 0];
      for (const v of values.slice(0, -1)) {
        const [vg, vh, vn] = byValue.get(v)!;
        [gi, hi, nl] = [gi + vg, hi + vh, nl + vn];
        const [gl, hl] = [gi * unit, hi * unit];
        const [gr, hr, nr] = [node.G - gl, node.H - hl, node.rows.length - nl];
        if (nl < p.minDataInLeaf || nr < p.minDataInLeaf || hl < p.minChildWeight || hr < p.minChildWeight) continue;
        const gain = (gl * gl) / (hl + p.lambda) + (gr * gr) / (hr + p.lambda) - parent;
        if (gain > best) [best, node.gain, node.feature, node.cond] = [gain, gain, f, v + 1];
      }
    }
  };
  const leaves = [make(Array.from(data.train, (_, i) => i), 0)];
  while (leaves.length < p.maxLeaves) {
    const best = leaves.filter((l) => l.gain > 1e-6).sort((a, b) => b.gain - a.gain || a.id - b.id)[0];
    if (!best) break;
    const left = make(best.rows.filter((i) => px(i, best.feature) < best.cond), best.depth + 1);
    const right = make(best.rows.filter((i) => px(i, best.feature) >= best.cond), best.depth + 1);
    [best.left, best.right] = [left.id, right.id];
    leaves.splice(leaves.indexOf(best), 1, left, right);
  }
  return nodes.map((n) => ({
    left: n.left, right: n.right, feature: n.left === NO_NODE ? 0 : n.feature,
    cond: n.left === NO_NODE ? Math.fround(p.learningRate * (-n.G / (n.H + p.lambda))) : n.cond, gain: Math.fround(n.left === NO_NODE ? 0 : n.gain),
  }));
}

const shape = (t: BoostTree) =>
  Array.from(t.leftChildren, (left, i) => ({ left, right: t.rightChildren[i]!, feature: t.splitIndices[i]!, cond: t.splitConditions[i]!, gain: t.lossChanges[i]! }));

const modelBytes = (fit: Awaited<ReturnType<typeof fitBoost>>) => [...xgboostJsonPieces(fit.model)].join('');

describe('fitBoost (issue 17)', () => {
  it("grows the first round's trees as a plain exhaustive learner does (histograms, subtraction and SIMD change nothing)", async () => {
    const data = await fixture();
    const fit = await fitBoost(data, { params: { ...SMALL, rounds: 1 } });
    for (let cls = 0; cls < K; cls++) {
      // exact: the sums are of the same integers, the gains and leaf values the same float64 expressions
      assert.deepEqual(shape(fit.model.trees[cls]!), referenceTree(data, cls, SMALL), `class ${cls}`);
    }
  });

  it('builds histograms in the wasm kernel only for the smaller child: the bigger one comes by subtraction', async () => {
    const data = await fixture();
    const fit = await fitBoost(data, { params: { ...SMALL, rounds: 1, minDataInLeaf: 1, minChildWeight: 0, maxLeaves: 16 } });
    const rowsThrough = (t: BoostTree, node: number) =>
      Array.from(data.train).filter((r) => {
        let n = 0;
        while (n !== node && t.leftChildren[n] !== NO_NODE) n = data.pixels[r * F + t.splitIndices[n]!]! < t.splitConditions[n]! ? t.leftChildren[n]! : t.rightChildren[n]!;
        return n === node;
      }).length;
    // with min rows 1 and no min child weight a child of 2 rows or more may be split: each split
    // with such a child builds the smaller child's histograms and subtracts for the bigger one
    let [subtracted, expectedRows] = [0, 0];
    for (const t of fit.model.trees) {
      expectedRows += data.train.length;
      t.leftChildren.forEach((left, n) => {
        if (left === NO_NODE) return;
        const sizes = [rowsThrough(t, left), rowsThrough(t, t.rightChildren[n]!)];
        if (Math.max(...sizes) < 2) return;
        subtracted++;
        expectedRows += Math.min(...sizes);
      });
    }
    assert.ok(subtracted > 50);
    assert.equal(fit.stats.subtracted, subtracted);
    assert.equal(fit.stats.built, K + subtracted);
    assert.equal(fit.stats.rowsBuilt, expectedRows);
  });

  it('writes the same model bytes with 1 and 2 workers (row and feature sampling on)', async () => {
    const data = await fixture();
    const params = { ...SMALL, rounds: 4, subsample: 0.8, colsampleBytree: 0.5 };
    const [one, two] = [await fitBoost(data, { params, workers: 1 }), await fitBoost(data, { params, workers: 2 })];
    assert.equal(one.model.trees.length, 40);
    assert.equal(modelBytes(two), modelBytes(one));
    assert.deepEqual(two.history.map((r) => [r.train, r.valid]), one.history.map((r) => [r.train, r.valid]));
  });

  it('scores every round and improves the train loss', async () => {
    const rounds: number[] = [];
    const fit = await fitBoost(await fixture(), { params: SMALL, onRound: (r) => rounds.push(r.round) });
    assert.deepEqual(rounds, [0, 1, 2]);
    const losses = fit.history.map((r) => r.train.mlogloss);
    assert.ok(losses[0]! < Math.log(K) && losses[1]! < losses[0]! && losses[2]! < losses[1]!, `train mlogloss ${losses}`);
    assert.ok(fit.history.every((r) => r.valid && r.valid.accuracy >= 0 && r.valid.accuracy <= 1));
  });

  it('stops early when the valid mlogloss has not improved for earlyStoppingRounds rounds, keeping the best round', async () => {
    // a big learning rate on 60 rows overfits within a few rounds
    const fit = await fitBoost(await fixture(60), { params: { ...SMALL, rounds: 60, learningRate: 1, minDataInLeaf: 2, earlyStoppingRounds: 3 } });
    const losses = fit.history.map((r) => r.valid!.mlogloss);
    const best = losses.indexOf(Math.min(...losses));
    assert.ok(fit.stoppedEarly);
    assert.equal(fit.history.length, best + 4);
    assert.equal(fit.model.bestIteration, best);
    assert.equal(fit.model.trees.length, (best + 1) * K);
  });

  it('ends between rounds when the signal fires, with the rounds done', async () => {
    const controller = new AbortController();
    const fit = await fitBoost(await fixture(), {
      params: { ...SMALL, rounds: 10, earlyStoppingRounds: 0 },
      signal: controller.signal,
      onRound: (r) => r.round === 1 && controller.abort(),
    });
    assert.ok(fit.interrupted);
    assert.equal(fit.history.length, 2);
    assert.ok(fit.model.trees.length <= 2 * K);
  });

  it('refuses a parameter out of range and a row without a label', async () => {
    const data = await fixture();
    await assert.rejects(fitBoost(data, { params: { ...SMALL, maxLeaves: 1 } }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, 'Expected an integer in [2, 127] for maxLeaves but received 1.');
      return true;
    });
    await assert.rejects(fitBoost(data, { params: { ...SMALL, subsample: 0 } }), { message: 'Expected a number in (0, 1] for subsample but received 0.' });
    await assert.rejects(fitBoost(data, { params: SMALL, workers: 0 }), { message: 'Expected a positive integer for workers but received 0.' });
    const labels = Uint8Array.from(data.labels);
    labels[7] = 255;
    await assert.rejects(fitBoost({ ...data, labels }, { params: SMALL }), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.equal(e.message, 'Row 7 has label 255, not a class in [0, 10). Boosting needs every train and valid row labelled.');
      return true;
    });
  });
});
