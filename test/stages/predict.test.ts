import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  dataLayoutDir, predictBoot28Png, predictBootLightBgPng, predictFixtureDir, predictImageBomb, predictNotAnImage,
  predictPullover28Webp, predictTrouser84Jpg, randomBoostModel, tinyMlp, writeRecordedModel,
} from '../../fixtures/index.js';
import { xgboostJsonPieces } from '../../src/boost/xgboostJson.js';
import { DEFAULTS, type PipelineConfig } from '../../src/config.js';
import { PIXELS_PER_IMAGE } from '../../src/dataset.js';
import { updateMetrics } from '../../src/io/metrics.js';
import { artifactPaths } from '../../src/io/paths.js';
import { argmaxRows } from '../../src/learn/metrics.js';
import { saveLayersModel } from '../../src/networks/layersFiles.js';
import { loadPredictor } from '../../src/models/registry.js';
import { decodeGreyPng } from '../../src/io/pngDecode.js';
import { predict } from '../../src/stages/predict/index.js';
import { createStageContext } from '../../src/stage.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `stdin` as its standard input. */
function cli(args: string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('predict stage', () => {
  let dir: string;
  let config: PipelineConfig;
  const ctx = createStageContext({ log: () => undefined, signal: new AbortController().signal });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'predict-'));
    config = { ...DEFAULTS, dataDir: dataLayoutDir, artifactsDir: dir, batchSize: 3, workers: 2, backend: 'cpu' };
    const mlp = tinyMlp();
    await saveLayersModel(mlp, join(dir, 'models', 'mlp'));
    mlp.dispose();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('asks for evaluate or --model when no best model is recorded', async () => {
    await assert.rejects(predict.run(config, ctx), {
      message: `No best model recorded in ${join(dir, 'metrics.json')}. Run \`npm start -- --stage evaluate\` first, or choose one with --model NAME.`,
    });
  });

  for (const model of ['mlp', 'boost'] as const) {
    it(`writes the best model's submission: test_sample.csv's columns and order, class predicted (${model})`, async () => {
      if (model === 'boost') await writeRecordedModel(dir, 'boost', [...xgboostJsonPieces(randomBoostModel(11, { rounds: 5 }))].join(''));
      await updateMetrics(artifactPaths(dir).metrics, 'evaluation', { best: model });
      await predict.run(config, ctx);
      const lines = (await readFile(join(dir, 'predictions', `${model}_test.csv`), 'utf8')).trimEnd().split('\n');
      const sample = (await readFile(join(dataLayoutDir, 'test_sample.csv'), 'utf8')).trimEnd().split('\n');
      assert.equal(lines[0], 'id,class');
      assert.deepEqual(lines.map((l) => l.split(',')[0]), sample.map((l) => l.split(',')[0]));
      // the same model on the same 20 images, decoded here in sample order
      const predictor = await loadPredictor(dir, model, 'cpu');
      const pixels = new Uint8Array(20 * PIXELS_PER_IMAGE);
      for (let i = 0; i < 20; i++) {
        const id = Number(sample[i + 1]!.split(',')[0]);
        decodeGreyPng(await readFile(join(dataLayoutDir, 'images', 'test', `${id}.png`)), `${id}.png`, pixels, i * PIXELS_PER_IMAGE);
      }
      const expected = argmaxRows(await predictor.predictBatch(pixels, 20), 20, 10);
      assert.deepEqual(lines.slice(1).map((l) => Number(l.split(',')[1])), Array.from(expected));
      if (model === 'boost') assert.ok(new Set(expected).size > 1, 'the boosted model predicts more than one class');
      await predictor.dispose();
    });
  }

  it('names ids without an image and writes nothing', async () => {
    const data = await mkdtemp(join(tmpdir(), 'predict-data-'));
    try {
      await cp(dataLayoutDir, data, { recursive: true });
      await appendFile(join(data, 'test_sample.csv'), '777,0\n778,0\n');
      const out = await mkdtemp(join(tmpdir(), 'predict-out-'));
      await cp(join(dir, 'models'), join(out, 'models'), { recursive: true });
      await assert.rejects(predict.run({ ...config, dataDir: data, artifactsDir: out, model: 'mlp' }, ctx), {
        message: `2 ids of ${join(data, 'test_sample.csv')} have no image in ${join(data, 'images', 'test')}: 777, 778. Add the images or remove those rows; no predictions were written.`,
      });
      assert.deepEqual(await readdir(out), ['models']);
      await rm(out, { recursive: true, force: true });
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });

  it('rejects an unknown --model', async () => {
    await assert.rejects(predict.run({ ...config, model: 'svm' }, ctx), {
      message: 'Expected decision-tree | random-forest | boost | mlp | cnn | convnet for model but received "svm" (from --model).',
    });
  });
});

describe('predict --input (CLI)', () => {
  let dir: string;
  let args: string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'predict-cli-'));
    const mlp = tinyMlp();
    await saveLayersModel(mlp, join(dir, 'models', 'mlp'));
    mlp.dispose();
    args = ['--stage', 'predict', '--artifacts-dir', dir, '--model', 'mlp', '--backend', 'cpu', '--workers', '1'];
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('predicts paths from stdin in order, names each bad input on stderr, exits 1 with a summary', async () => {
    const good = [predictBoot28Png, predictTrouser84Jpg, predictPullover28Webp, predictBootLightBgPng];
    const bad = [predictNotAnImage, predictImageBomb, predictFixtureDir, 'no/such/file.png'];
    const run = await cli([...args, '--input', '-'], [good[0], bad[0], good[1], bad[1], bad[2], good[2], bad[3], good[3]].join('\n') + '\n');
    const rows = run.stdout.trimEnd().split('\n');
    assert.equal(rows[0], 'path,class,label,probability');
    assert.deepEqual(rows.slice(1).map((r) => r.split(',')[0]), good);
    for (const row of rows.slice(1)) assert.match(row, /^[^,]+,\d,[^,]+,(0|1)\.\d{4}$/);
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('error: '));
    assert.deepEqual(errors, [
      `error: ${predictNotAnImage}: not an image sharp can read (file starts with 69 64 2C 63); expected PNG, JPEG, WebP, GIF, TIFF, AVIF or SVG.`,
      `error: ${predictImageBomb}: 50000 x 50000 = 2500000000 pixels, over the limit of 100000000 (an image bomb?); not decoded. Shrink it first if it is a real image.`,
      `error: ${predictFixtureDir}: is a directory, not an image. Pass image files, or a glob such as "${predictFixtureDir}/**/*.png".`,
      `error: no/such/file.png: no such file (relative paths start at ${process.cwd()}).`,
      'error: 4 of 8 inputs failed; see the lines above.',
    ]);
    assert.equal(run.code, 1);
  });

  it('takes a glob, and exits 0 when every input is an image', async () => {
    const run = await cli([...args, '--input', join(predictFixtureDir, '*.{jpg,webp}')]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trimEnd().split('\n').slice(1).map((r) => r.split(',')[0]).sort(), [predictPullover28Webp, predictTrouser84Jpg].sort());
  });

  it('predicts new images with the boosted model, each row its class and probability', async () => {
    await writeRecordedModel(dir, 'boost', [...xgboostJsonPieces(randomBoostModel(12, { rounds: 5 }))].join(''));
    const run = await cli([...args.slice(0, -6), '--model', 'boost', '--workers', '1', '--input', join(predictFixtureDir, '*.{jpg,webp}')]);
    assert.equal(run.code, 0, run.stderr);
    const rows = run.stdout.trimEnd().split('\n');
    assert.equal(rows.length, 3);
    for (const row of rows.slice(1)) assert.match(row, /^[^,]+,\d,[^,]+,(0|1)\.\d{4}$/);
  });

  it('says so when there is nothing to predict', async () => {
    const run = await cli([...args, '--input', join(predictFixtureDir, '*.gif')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /error: Nothing to predict: no files match ".*\*\.gif"\. Give one image path per line, or a glob such as "dir\/\*\*\/\*\.png"\./);
  });

  it('stops quietly when its output is closed, as `| head` does', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [MAIN, ...args, '--input', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => undefined); // it stops reading: later writes may fail
    child.stdin.end(`${predictBoot28Png}\n`.repeat(20_000));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.match(stderr, /; standard output was closed, so the rest of the input was not read\n/);
  });

  it('writes the first row long before standard input ends', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [MAIN, ...args, '--input', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    const firstRow = new Promise<void>((resolve) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.split('\n').length > 2) resolve();
      });
    });
    child.stdin.write(`${predictBoot28Png}\n`); // stdin stays open
    await firstRow;
    assert.ok(stdout.startsWith(`path,class,label,probability\n${predictBoot28Png},`), stdout);
    child.stdin.end();
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
  });
});
