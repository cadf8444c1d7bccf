/**
 * `predict --input` against inputs that hung it, grew it without bound or wrote to the terminal
 * raw (issue 16), and how the process ends on SIGINT / SIGTERM. Each test runs the CLI.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { predictBoot28Png, predictBootLightBgPng, tinyMlp } from '../../../fixtures/index.js';
import { saveLayersModel } from '../../../src/networks/layersFiles.js';

const MAIN = fileURLToPath(new URL('../../../src/main.js', import.meta.url));

interface Run {
  /** the exit status as a shell reports it: 128 + the signal's number when a signal ended it */
  status: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

function start(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Waits for the child to end; collects its output (stdout as latin1, so any byte shows). */
function finish(child: ChildProcessWithoutNullStreams, started = performance.now()): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const status = code ?? 128 + constants.signals[signal!];
      resolve({ status, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** Runs the CLI with `stdin` as its whole standard input. */
function cli(args: string[], stdin: string | Buffer): Promise<Run> {
  const child = start(args);
  child.stdin.on('error', () => undefined); // it may stop reading before the end
  child.stdin.end(stdin);
  return finish(child);
}

const paths = (run: Run) => run.stdout.trimEnd().split('\n').slice(1).map((r) => r.split(',')[0]);
const errors = (run: Run) => run.stderr.split('\n').filter((l) => l.startsWith('error: '));

/** Resolves once `child` has written its first CSV row. */
function firstRow(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((resolve) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').length > 2) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
  });
}

describe('predict --input: hostile inputs and signals (issue 16)', () => {
  let dir: string;
  let args: string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'predict-hostile-'));
    const mlp = tinyMlp();
    await saveLayersModel(mlp, join(dir, 'models', 'mlp'));
    mlp.dispose();
    args = ['--stage', 'predict', '--artifacts-dir', dir, '--model', 'mlp', '--backend', 'cpu', '--workers', '1', '--input', '-'];
    execFileSync('mkfifo', [join(dir, 'fifo.png')]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('gives rows for the good paths around a FIFO and /dev/zero, and one error for each, at once', { timeout: 30_000 }, async () => {
    const fifo = join(dir, 'fifo.png');
    const run = await cli(args, [predictBoot28Png, fifo, '/dev/zero', predictBootLightBgPng].join('\n') + '\n');
    assert.deepEqual(paths(run), [predictBoot28Png, predictBootLightBgPng]);
    assert.deepEqual(errors(run), [
      `error: ${fifo}: is a FIFO (named pipe), not an image file; only regular files are read.`,
      'error: /dev/zero: is a character device, not an image file; only regular files are read.',
      'error: 2 of 4 inputs failed; see the lines above.',
    ]);
    assert.equal(run.status, 1);
    assert.ok(run.seconds < 10, `took ${run.seconds.toFixed(1)} s`);
  });

  it('refuses a file over --max-input-bytes without reading it', { timeout: 30_000 }, async () => {
    const run = await cli([...args, '--max-input-bytes', '1000'], `${predictBootLightBgPng}\n${predictBoot28Png}\n`);
    assert.deepEqual(paths(run), [predictBoot28Png]);
    assert.deepEqual(errors(run), [
      `error: ${predictBootLightBgPng}: 21416 bytes, over the limit of 1000 bytes (--max-input-bytes); refused. Shrink the image, or raise the limit.`,
      'error: 1 of 2 inputs failed; see the lines above.',
    ]);
  });

  it('makes a 32 MB line one error and predicts the lines after it', { timeout: 30_000 }, async () => {
    const line = Buffer.alloc(32 << 20, 'a');
    const run = await cli(args, Buffer.concat([Buffer.from(`${predictBoot28Png}\n`), line, Buffer.from(`\n${predictBoot28Png}\n`)]));
    assert.deepEqual(paths(run), [predictBoot28Png, predictBoot28Png]);
    assert.deepEqual(errors(run), [
      'error: standard input line 2: 33554432 bytes, longer than a path can be (4096); skipped. Give one image path per line.',
      'error: 1 of 3 inputs failed; see the lines above.',
    ]);
    assert.ok(run.seconds < 10, `took ${run.seconds.toFixed(1)} s`);
  });

  it('predicts names that are not UTF-8 or hold escape sequences, and shows them escaped', { timeout: 30_000 }, async () => {
    const bytesName = Buffer.concat([Buffer.from(join(dir, 'boot-')), Buffer.from([0xff]), Buffer.from('.png')]);
    const escName = join(dir, 'boot-\x1b[31mred\x1b[0m.png');
    await copyFile(predictBoot28Png, bytesName);
    await copyFile(predictBoot28Png, escName);
    const missing = join(dir, 'gone-\x1b]0;owned\x07.png');
    const run = await cli(args, Buffer.concat([bytesName, Buffer.from(`\n${escName}\n${missing}\n`)]));
    assert.deepEqual(paths(run), [join(dir, 'boot-\\xFF.png'), join(dir, 'boot-\\x1B[31mred\\x1B[0m.png')]);
    assert.deepEqual(errors(run), [
      `error: ${join(dir, 'gone-\\x1B]0;owned\\x07.png')}: no such file (relative paths start at ${process.cwd()}).`,
      'error: 1 of 3 inputs failed; see the lines above.',
    ]);
    assert.ok(!/[\x00-\x09\x0b-\x1f\x7f-\xff]/.test(run.stdout + run.stderr), 'a control or raw byte reached the output');
  });

  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} with standard input still open: exits ${status} with one error line, rows kept`, { timeout: 30_000 }, async () => {
      const child = start(args);
      const ended = finish(child);
      child.stdin.write(`${predictBoot28Png}\n`); // and never ended
      await firstRow(child);
      child.kill(signal);
      const run = await ended;
      assert.equal(run.status, status);
      assert.deepEqual(paths(run), [predictBoot28Png]);
      assert.deepEqual(errors(run), [`error: Interrupted by ${signal}; finished work is kept.`]);
    });
  }

  it('a second SIGINT ends a run with a FIFO in its input within a second or two, status 130', { timeout: 30_000 }, async () => {
    const child = start(args);
    const ended = finish(child);
    child.stdin.write(`${predictBoot28Png}\n${join(dir, 'fifo.png')}\n${predictBoot28Png}\n`);
    await firstRow(child);
    const signalled = performance.now();
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGINT'), 100);
    const run = await ended;
    assert.equal(run.status, 130);
    const seconds = (performance.now() - signalled) / 1000;
    assert.ok(seconds < 2, `still running ${seconds.toFixed(1)} s after the signals`);
  });
});
