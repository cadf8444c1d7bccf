import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { dataIdxDir } from '../fixtures/data.js';
import { writeNetworkArtifacts } from '../fixtures/index.js';
import { BOOST_DEFAULTS } from '../src/boost/model.js';
import { TRAINING_DEFAULTS } from '../src/config.js';
import { artifactPaths } from '../src/io/paths.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'main-test-'));
});
after(() => rm(root, { recursive: true, force: true }));

/** A preload that makes every fs.promises.writeFile fail as on a full disk (ESM named imports included). */
const FULL_DISK = `
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
fs.promises.writeFile = async () => {
  throw Object.assign(new Error('ENOSPC: no space left on device, write'), { errno: -28, code: 'ENOSPC', syscall: 'write' });
};
syncBuiltinESMExports();
`;

describe('the CLI', () => {
  it('lists every stage of the study in order, and the flags with defaults, under --help', () => {
    const r = cli('--help');
    assert.equal(r.status, 0);
    const [all, others] = r.stdout.split('Not part of --stage all:');
    const names = (text = '') => [...text.matchAll(/^ {2}(\w+) {2,}/gm)].map((m) => m[1]);
    assert.deepEqual(names(all), ['prepare', 'load', 'visualize', 'split', 'trees', 'boost', 'mlp', 'cnn', 'convnet', 'evaluate', 'predict', 'report']);
    assert.deepEqual(names(others.split('Flags:')[0]), ['serve']);
    assert.match(r.stdout, /--port +serve: the port to listen on \(0: any free port\) \(default: 8080\)/);
    assert.match(r.stdout, /--host +serve: .*\(default: 127\.0\.0\.1\)/);
    assert.match(r.stdout, /--seed .*\(default: 87\)/);
    assert.match(r.stdout, /--data-dir .*\(default: data\/Fashion_MNIST\)/);
    assert.match(r.stdout, /--max-input-bytes +predict --input: larger image files are refused unread \(default: 50000000\)/);
    // the boost stage's defaults, from the learner's own BOOST_DEFAULTS
    assert.match(r.stdout, new RegExp(`--max-leaves +boost: .*\\(default: ${BOOST_DEFAULTS.maxLeaves}\\)`));
    assert.match(r.stdout, new RegExp(`--learning-rate +boost: .*\\(default: ${BOOST_DEFAULTS.learningRate}\\)`));
    assert.match(r.stdout, /--cv +boost: also run 5-fold stratified CV .*\(default: false\)/);
    // the defaults the network stages use (config.ts), not a copy that can drift
    const { mlp, cnn, convnet } = TRAINING_DEFAULTS;
    assert.match(r.stdout, new RegExp(`--epochs .*\\(default: mlp ${mlp.epochs}, cnn ${cnn.epochs}, convnet ${convnet.epochs}; the study: 500\\)`));
    assert.match(r.stdout, new RegExp(`--patience .*\\(default: mlp ${mlp.patience}, cnn ${cnn.patience}, convnet ${convnet.patience}; the study: 50\\)`));
    assert.match(r.stdout, /--augment +convnet: .*\(default: flip\)/);
  });

  it('exits 1 with a one-line cause for an unknown stage', () => {
    const r = cli('--stage', 'bogus');
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      'error: Unknown stage "bogus" (from --stage). Use one of: all, prepare, load, visualize, split, trees, boost, mlp, cnn, convnet, evaluate, predict, report, serve.\n',
    );
  });

  it('names the stage to run when an input is missing', () => {
    const r = cli('--stage', 'split', '--artifacts-dir', '/nonexistent/artifacts');
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      'error: Missing /nonexistent/artifacts/cache/manifest.json (input of stage "split"). ' +
        'Run `npm start -- --stage load` first, or use --stage all.\n',
    );
  });

  it('says in one line that a flag value starting with a dash is out of range (`--epochs -1`)', () => {
    const r = cli('--stage', 'mlp', '--epochs', '-1');
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'error: Expected a positive integer for epochs but received "-1" (from --epochs).\n');
  });

  it('turns a file standing where a folder should be (ENOTDIR) into one error line naming the path', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, '');
    const r = cli('--stage', 'prepare', '--idx-dir', dataIdxDir, '--data-dir', join(file, 'Fashion_MNIST'));
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      `error: ${join(file, '.Fashion_MNIST.prepare-tmp')}: a part of the path is a file, not a folder (ENOTDIR in lstat). ` +
        'Check --data-dir and --artifacts-dir, or move that file away.\n',
    );
  });

  it('turns a full disk (ENOSPC) into one error line naming the stage and what to do', async () => {
    const preload = join(root, 'full-disk.mjs');
    await writeFile(preload, FULL_DISK);
    const r = spawnSync(process.execPath, ['--import', preload, MAIN, '--stage', 'prepare', '--idx-dir', dataIdxDir, '--data-dir', join(root, 'full', 'Fashion_MNIST')], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      'error: stage prepare: no space left on the device (ENOSPC in write). ' +
        'Free some space, or point --artifacts-dir at a disk with room, and run again; finished work is kept.\n',
    );
  });

  it('removes the temp files that killed runs left in the folders the stage writes, not a running process\'s (issue 16)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'main-temps-'));
    try {
      await writeNetworkArtifacts(dir);
      const paths = artifactPaths(dir);
      await mkdir(paths.figures);
      const dead = spawnSync(process.execPath, ['-e', '']).pid; // exited: its id names no process
      const names = {
        deadSplit: `.split.json.${dead}.1.tmp`,
        deadMetrics: `.metrics.json.${dead}.7.tmp`,
        live: `.split.json.${process.pid}.2.tmp`,
        notOurs: 'notes.tmp',
      };
      for (const name of Object.values(names)) await writeFile(join(dir, name), 'partial');
      await writeFile(join(paths.figures, `.samples.png.${dead}.3.tmp`), 'partial'); // not a folder split writes
      const r = cli('--stage', 'split', '--artifacts-dir', dir);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(
        r.stderr,
        `removed 2 temp files left by interrupted runs: ${join(dir, names.deadMetrics)}, ${join(dir, names.deadSplit)}\n`,
      );
      assert.deepEqual((await readdir(dir)).sort(), [names.live, 'cache', 'figures', names.notOurs, 'split.json'].sort());
      assert.deepEqual(await readdir(paths.figures), [`.samples.png.${dead}.3.tmp`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
