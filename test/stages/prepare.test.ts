import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dataIdxDir, dataTrainLabels40 } from '../../fixtures/data.js';
import { DEFAULTS, type PipelineConfig } from '../../src/config.js';
import { PIXELS_PER_IMAGE } from '../../src/dataset.js';
import { parseIdxImages, readIdxBytes } from '../../src/io/idx.js';
import { decodeGreyPng } from '../../src/io/pngDecode.js';
import { findIdx } from '../../src/stages/prepare/findIdx.js';
import { prepare } from '../../src/stages/prepare/index.js';
import { createStageContext } from '../../src/stage.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'prepare-test-'));
});
after(() => rm(root, { recursive: true, force: true }));

let n = 0;
/** A fresh --data-dir under the test's temp folder, and the config to prepare it from the fixture IDX. */
function setup(overrides: Partial<PipelineConfig> = {}) {
  n += 1;
  const dataDir = join(root, `run${n}`, 'Fashion_MNIST');
  const config: PipelineConfig = { ...DEFAULTS, dataDir, idxDir: dataIdxDir, workers: 1, ...overrides };
  const lines: string[] = [];
  const run = (signal = new AbortController().signal) => prepare.run(config, createStageContext({ log: (l) => lines.push(l), signal }));
  return { dataDir, config, lines, run, tempDir: join(root, `run${n}`, '.Fashion_MNIST.prepare-tmp') };
}

const exists = (path: string) => stat(path).then(() => true, () => false);

/** Serves `files` by name under /fashion/, or never answers when `silent`. */
async function server(files: Record<string, Uint8Array>, silent = false): Promise<{ url: string; close(): Promise<void> }> {
  const srv: Server = createServer((req, res) => {
    if (silent) return; // accept the connection, never respond
    const body = files[req.url!.replace('/fashion/', '')];
    res.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/fashion`,
    close: () => new Promise<void>((r) => {
      srv.closeAllConnections();
      srv.close(() => r());
    }),
  };
}

describe('prepare', () => {
  it('writes the study layout: PNGs equal to the IDX pixels, train.csv, test_sample.csv, test_labels.csv', async () => {
    const { dataDir, run, lines, tempDir } = setup();
    await run();
    assert.deepEqual(lines, [`wrote 40 train and 20 test images to ${dataDir} (from ${dataIdxDir})`]);
    assert.deepEqual((await readdir(dataDir)).sort(), ['images', 'test_labels.csv', 'test_sample.csv', 'train.csv']);
    const trainCsv = await readFile(join(dataDir, 'train.csv'), 'utf8');
    assert.equal(trainCsv, ['id,class', ...dataTrainLabels40.map((l, i) => `${i},${l}`)].join('\n') + '\n');
    const sample = await readFile(join(dataDir, 'test_sample.csv'), 'utf8');
    assert.equal(sample, ['id,class', ...Array.from({ length: 20 }, (_, i) => `${i},0`)].join('\n') + '\n');
    const testLabels = await readFile(join(dataDir, 'test_labels.csv'), 'utf8');
    assert.equal(testLabels.split('\n').slice(0, 4).join(' '), 'id,class 0,9 1,2 2,1');
    for (const [set, file, count] of [['train', 'train-images-idx3-ubyte.gz', 40], ['test', 't10k-images-idx3-ubyte.gz', 20]] as const) {
      const idx = parseIdxImages(await readIdxBytes(join(dataIdxDir, file)), file);
      const names = await readdir(join(dataDir, 'images', set));
      assert.equal(names.length, count);
      const decoded = new Uint8Array(count * PIXELS_PER_IMAGE);
      for (let id = 0; id < count; id += 1) {
        const path = join(dataDir, 'images', set, `${id}.png`);
        decodeGreyPng(await readFile(path), path, decoded, id * PIXELS_PER_IMAGE);
      }
      assert.deepEqual(decoded, new Uint8Array(idx.pixels));
    }
    assert.equal(await exists(tempDir), false);
  });

  it('skips a layout that is already complete, touching nothing', async () => {
    const { dataDir, run, lines } = setup();
    await run();
    const before = (await stat(join(dataDir, 'images', 'train', '0.png'))).mtimeMs;
    await run();
    assert.equal(lines[1], `data layout at ${dataDir} is complete: skipped`);
    assert.equal((await stat(join(dataDir, 'images', 'train', '0.png'))).mtimeMs, before);
  });

  it('refuses to overwrite an incomplete layout, saying what is missing', async () => {
    const { dataDir, run } = setup();
    await run();
    await rm(join(dataDir, 'images', 'train', '5.png'));
    await assert.rejects(run(), {
      name: 'PipelineError',
      message:
        `${dataDir} exists but is not a complete data layout (${join(dataDir, 'images', 'train')} holds 39 PNGs but ` +
        `${join(dataDir, 'train.csv')} has 40 rows). Remove it (or use another --data-dir) and run \`npm start -- --stage prepare\` again.`,
    });
  });

  it('cleans a temp folder left by an interrupted run and completes', async () => {
    const { dataDir, run, tempDir } = setup();
    await mkdir(join(tempDir, 'images', 'train'), { recursive: true });
    await writeFile(join(tempDir, 'images', 'train', '0.png'), 'half');
    await run();
    assert.equal(await exists(tempDir), false);
    assert.equal((await readdir(join(dataDir, 'images', 'train'))).length, 40);
  });

  it('leaves neither the layout nor a temp folder behind when interrupted', async () => {
    const { dataDir, run, tempDir } = setup();
    const stop = new AbortController();
    stop.abort(new Error('Interrupted by SIGINT'));
    await assert.rejects(run(stop.signal), { message: 'Interrupted by SIGINT' });
    assert.equal(await exists(dataDir), false);
    assert.equal(await exists(tempDir), false);
  });

  it('names an IDX file with the wrong magic number and writes nothing', async () => {
    const idxDir = join(root, 'bad-idx');
    await cp(dataIdxDir, idxDir, { recursive: true });
    // a labels file that is really an images file
    await cp(join(idxDir, 't10k-images-idx3-ubyte.gz'), join(idxDir, 't10k-labels-idx1-ubyte.gz'));
    const { dataDir, run } = setup({ idxDir });
    await assert.rejects(run(), {
      name: 'DataError',
      message: `${join(idxDir, 't10k-labels-idx1-ubyte.gz')} has IDX magic number 2051, expected 2049 (labels). Check that the right file has this name.`,
    });
    assert.equal(await exists(dataDir), false);
  });

  it('says which files --idx-dir lacks', async () => {
    const idxDir = join(root, 'empty-idx');
    await mkdir(idxDir);
    await writeFile(join(idxDir, 'train-images-idx3-ubyte'), '');
    const { run } = setup({ idxDir });
    await assert.rejects(run(), {
      name: 'PipelineError',
      message:
        `--idx-dir ${idxDir} lacks train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]. ` +
        'Put the four Fashion-MNIST IDX files there, or leave out --idx-dir.',
    });
  });
});

describe('findIdx', () => {
  const lacking = 'lacks train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]';

  it('fails within seconds, naming all three options, when the server never answers', async () => {
    const silent = await server({}, true);
    const started = performance.now();
    try {
      await assert.rejects(findIdx({ idxDir: undefined, debianDir: '/nonexistent', baseUrl: silent.url, connectTimeoutMs: 300 }), {
        name: 'PipelineError',
        message:
          'Cannot find the Fashion-MNIST IDX files. Tried (1) --idx-dir DIR: not given; ' +
          `(2) /nonexistent (Debian package dataset-fashion-mnist): ${lacking}; ` +
          `(3) download from ${silent.url}: no response within 300 ms. ` +
          'Pass --idx-dir DIR with the four files, or install them with `apt-get install dataset-fashion-mnist`, or connect to the network.',
      });
      assert.ok(performance.now() - started < 2000);
    } finally {
      await silent.close();
    }
  });

  it('names the HTTP status when the server refuses', async () => {
    const empty = await server({});
    try {
      await assert.rejects(findIdx({ idxDir: undefined, debianDir: '/nonexistent', baseUrl: empty.url }), (err: Error) => {
        assert.match(err.message, new RegExp(`\\(3\\) download from ${empty.url}: HTTP 404 for ${empty.url}/t.*-idx\\d-ubyte\\.gz\\. Pass --idx-dir`));
        return true;
      });
    } finally {
      await empty.close();
    }
  });

  it('downloads the four files when neither folder has them', async () => {
    const names = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
    const files = Object.fromEntries(await Promise.all(names.map(async (f) => [f, await readFile(join(dataIdxDir, f))] as const)));
    const upstream = await server(files);
    try {
      const source = await findIdx({ idxDir: undefined, debianDir: '/nonexistent', baseUrl: upstream.url });
      assert.equal(source.origin, upstream.url);
      assert.equal(source.files.testImages.name, `${upstream.url}/t10k-images-idx3-ubyte.gz`);
      assert.equal(parseIdxImages(source.files.trainImages.bytes, 'x').count, 40);
    } finally {
      await upstream.close();
    }
  });

  it('uses the Debian folder when no --idx-dir is given', async () => {
    const source = await findIdx({ idxDir: undefined, debianDir: dataIdxDir, baseUrl: 'http://127.0.0.1:9/never' });
    assert.equal(source.origin, dataIdxDir);
  });
});
