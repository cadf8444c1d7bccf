import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { writeNetworkArtifacts } from '../fixtures/index.js';
import { TRAINING_DEFAULTS } from '../src/config.js';
import { artifactPaths } from '../src/io/paths.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });

describe('the CLI', () => {
  it('lists every stage of the study in order, and the flags with defaults, under --help', () => {
    const r = cli('--help');
    assert.equal(r.status, 0);
    const stages = [...r.stdout.matchAll(/^ {2}(\w+) {2,}/gm)].map((m) => m[1]);
    assert.deepEqual(stages, ['prepare', 'load', 'visualize', 'split', 'trees', 'mlp', 'cnn', 'evaluate', 'predict', 'report']);
    assert.match(r.stdout, /--seed .*\(default: 87\)/);
    assert.match(r.stdout, /--data-dir .*\(default: data\/Fashion_MNIST\)/);
    // the defaults the network stages use (config.ts), not a copy that can drift
    const { mlp, cnn } = TRAINING_DEFAULTS;
    assert.match(r.stdout, new RegExp(`--epochs .*\\(default: mlp ${mlp.epochs}, cnn ${cnn.epochs}; the study: 500\\)`));
    assert.match(r.stdout, new RegExp(`--patience .*\\(default: mlp ${mlp.patience}, cnn ${cnn.patience}; the study: 50\\)`));
  });

  it('exits 1 with a one-line cause for an unknown stage', () => {
    const r = cli('--stage', 'bogus');
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      'error: Unknown stage "bogus" (from --stage). Use one of: all, prepare, load, visualize, split, trees, mlp, cnn, evaluate, predict, report.\n',
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
