/**
 * `npm run bench -- queue [--parts predict,enqueue,trees] [--model NAME] [--count N] [--repeats R] [--manifest M] [--artifacts-dir DIR] [--data-dir DIR]`
 *
 * On a private redis-server started for the run:
 * 1. `predict --input -` over N paths (the test images repeated; default 60,000, so 6 shards of
 *    10,000), timed from the command's start to its exit: in-process (this host's pools), then
 *    `--queue` with 1 worker process (2 threads per pool) and with 2 worker processes (1 thread
 *    each), R times each in turn (default 3), medians. Workers are started, and warmed with one
 *    run, before the timed runs; each run's parts are removed first, so no shard is reused. The
 *    queued rows must be the in-process rows, byte for byte. Overhead per shard: the 1-worker
 *    run's extra time over in-process, divided by its shards.
 * 2. Queueing a manifest of M paths (default 1,000,000) with no worker running: the time until
 *    its shard jobs are all in Redis, and Redis's peak memory then (used_memory_peak) against
 *    before.
 * 3. The trees stage on this host's pool, then with `--queue` and 1 worker process (2 threads),
 *    each in a temp artifacts folder sharing DIR's pixel cache and split: wall times, and whether
 *    the model files are the same bytes.
 *
 * Parts 1 and 2 remove DIR/queue before each run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DEFAULTS } from '../src/config.js';
import { dataPaths } from '../src/io/paths.js';
import { sha256 } from '../src/io/sha256.js';
import { QUEUE_NAME } from '../src/queue/connection.js';
import { median } from './_measure.js';
import { benchTarget } from './_target.js';
import { startRedis } from './_redis.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const WORKER = fileURLToPath(new URL('../src/worker.js', import.meta.url));

interface Timed {
  seconds: number;
  stdoutSha256: string;
  code: number | null;
  stderr: string;
}

/** Runs the CLI with `lines` on stdin (generated lazily), timed from spawn to exit. */
function timedRun(args: string[], count: number, line: (i: number) => string): Promise<Timed> {
  return new Promise((done, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c) => (stderr += c));
    Readable.from((function* () {
      for (let i = 0; i < count; i++) yield `${line(i)}\n`;
    })()).pipe(child.stdin);
    child.on('error', reject);
    child.on('close', (code) => done({ seconds: (performance.now() - started) / 1000, stdoutSha256: sha256(Buffer.concat(chunks)), code, stderr }));
  });
}

/** What the parts share: the private Redis, the predict command lines and how to feed them. */
interface Bench {
  url: string;
  client: Redis;
  artifactsDir: string;
  model: string;
  /** `predict --input -` in-process, and with `--queue` */
  base: string[];
  queued: string[];
  line(i: number): string;
  /** removes the parts and manifests of earlier runs, and every job */
  fresh(): Promise<void>;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      parts: { type: 'string', default: 'predict,enqueue,trees' },
      model: { type: 'string' },
      count: { type: 'string', default: '60000' },
      repeats: { type: 'string', default: '3' },
      manifest: { type: 'string', default: '1000000' },
      'artifacts-dir': { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const { artifactsDir, dataDir, model } = await benchTarget(values);
  const testDir = dataPaths(dataDir).testImages;
  const names = (await readdir(testDir)).filter((n) => n.endsWith('.png')).sort();
  const parts = new Set(values.parts.split(','));
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const base = ['--stage', 'predict', '--input', '-', '--model', model, '--artifacts-dir', artifactsDir, '--data-dir', dataDir];
  const bench: Bench = {
    url: redis.url,
    client,
    artifactsDir,
    model,
    base,
    queued: [...base, '--queue', redis.url],
    line: (i) => join(testDir, names[i % names.length]!),
    async fresh() {
      await rm(join(artifactsDir, 'queue'), { recursive: true, force: true });
      await client.flushall();
    },
  };
  try {
    if (parts.has('predict')) await comparePredict(bench, Number(values.count), Number(values.repeats));
    if (parts.has('enqueue')) await measureEnqueue(bench, Number(values.manifest));
    await bench.fresh();
    if (parts.has('trees')) await compareTrees(artifactsDir, redis.url);
  } finally {
    client.disconnect();
    await redis.stop();
  }
}

/** Starts `n` worker processes of `threads` threads each, once they take jobs. */
async function startWorkers(url: string, n: number, threads: number): Promise<ChildProcess[]> {
  const workers: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const w = spawn(process.execPath, [WORKER, '--queue', url, '--workers', String(threads)], { stdio: ['ignore', 'pipe', 'inherit'] });
    // the listener stays: it keeps reading the worker's log, whose pipe would otherwise fill up
    await new Promise<void>((r) => w.stdout!.on('data', (d: Buffer) => d.toString().includes('takes jobs') && r()));
    workers.push(w);
  }
  return workers;
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode === null ? w.once('close', r) : r(undefined)))));
}

/** Part 1: in-process against 1 and 2 worker processes, rounds of each in turn. */
async function comparePredict(b: Bench, count: number, repeats: number): Promise<void> {
  const configs = [
    { name: 'in-process (2 threads per pool)', workers: 0, threads: 0 },
    { name: '1 worker process (2 threads per pool)', workers: 1, threads: 2 },
    { name: '2 worker processes (1 thread per pool each)', workers: 2, threads: 1 },
  ];
  const times = new Map<string, number[]>(configs.map((c) => [c.name, []]));
  let expected: string | undefined;
  // rounds of every configuration in turn, so a drift of the host's speed hits each alike
  for (let r = 0; r < repeats; r++) {
    for (const c of configs) {
      const workers = await startWorkers(b.url, c.workers, c.threads);
      try {
        if (c.workers > 0) {
          await b.fresh();
          const warm = await timedRun(b.queued, Math.min(count, 2000), b.line); // loads the model in every worker
          if (warm.code !== 0) throw new Error(`warm-up run failed: ${warm.stderr}`);
        }
        await b.fresh();
        const t = await timedRun(c.workers === 0 ? b.base : b.queued, count, b.line);
        if (t.code !== 0) throw new Error(`${c.name} failed (exit ${t.code}): ${t.stderr}`);
        expected ??= t.stdoutSha256;
        if (t.stdoutSha256 !== expected) throw new Error(`${c.name}: its rows differ from the in-process run's (sha256 ${t.stdoutSha256} against ${expected})`);
        times.get(c.name)!.push(t.seconds);
        console.log(`round ${r + 1}, ${c.name}: ${t.seconds.toFixed(2)} s`);
      } finally {
        await stopWorkers(workers);
      }
    }
  }
  const shards = Math.ceil(count / DEFAULTS.shardSize);
  const local = median(times.get(configs[0]!.name)!);
  console.log(`\npredict --input - (${b.model}), ${count} images, ${shards} shards, median of ${repeats}, start to exit; rows identical in every run:`);
  for (const c of configs) {
    const t = median(times.get(c.name)!);
    console.log(`  ${c.name.padEnd(45)} ${t.toFixed(2)} s  ${Math.round(count / t)} images/s  ${(local / t).toFixed(2)}x in-process`);
  }
  const one = median(times.get(configs[1]!.name)!);
  // a difference below the rounds' spread can come out negative: it is printed as measured
  console.log(`  overhead per shard (1 worker against in-process): ${Math.round(((one - local) / shards) * 1000) + 0} ms`);
}

/** Part 2: a manifest of `paths` paths queued with no worker running: time to queue, Redis's peak memory. */
async function measureEnqueue(b: Bench, paths: number): Promise<void> {
  await b.fresh();
  await b.client.config('RESETSTAT');
  const before = Number(/used_memory:(\d+)/.exec(await b.client.info('memory'))![1]);
  const expectedShards = Math.ceil(paths / DEFAULTS.shardSize);
  const started = performance.now();
  const caller = spawn(process.execPath, [MAIN, ...b.queued], { stdio: ['pipe', 'ignore', 'inherit'] });
  Readable.from((function* () {
    for (let i = 0; i < paths; i++) yield `${b.line(i)}\n`;
  })()).pipe(caller.stdin);
  const queue = new Queue(QUEUE_NAME, { connection: { url: b.url } });
  try {
    for (;;) {
      const waiting = (await queue.getJobCounts('waiting')).waiting ?? 0;
      if (waiting >= expectedShards) break;
      if (caller.exitCode !== null) throw new Error(`the caller exited (${caller.exitCode}) before its ${expectedShards} shards were queued`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await queue.close();
  }
  const enqueueSeconds = (performance.now() - started) / 1000;
  const peak = Number(/used_memory_peak:(\d+)/.exec(await b.client.info('memory'))![1]);
  caller.kill('SIGTERM');
  await new Promise((r) => caller.once('close', r));
  const dir = join(b.artifactsDir, 'queue', 'manifests');
  const manifests = (await readdir(dir)).filter((f) => f.endsWith('.paths'));
  const manifestBytes = (await Promise.all(manifests.map((f) => readFile(join(dir, f))))).reduce((n, bytes) => Math.max(n, bytes.length), 0);
  console.log(
    `\nenqueue ${paths} paths: ${expectedShards} shard jobs + 1 merge in Redis after ${enqueueSeconds.toFixed(1)} s (reading stdin and writing the ` +
      `${(manifestBytes / 2 ** 20).toFixed(1)} MB manifest included); Redis used_memory ${(before / 2 ** 20).toFixed(2)} MB before, peak ${(peak / 2 ** 20).toFixed(2)} MB ` +
      `(${((peak - before) / 2 ** 20).toFixed(2)} MB for the run)`,
  );
}

/** Part 3: the trees stage here and over the queue, on copies of `artifactsDir`'s cache and split. */
async function compareTrees(artifactsDir: string, url: string): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'bench-trees-'));
  try {
    const dirs = { local: join(root, 'local'), queued: join(root, 'queued') };
    for (const dir of Object.values(dirs)) {
      await mkdir(dir);
      await symlink(resolve(artifactsDir, 'cache'), join(dir, 'cache'));
      await copyFile(join(artifactsDir, 'split.json'), join(dir, 'split.json'));
    }
    const trees = (dir: string, extra: string[] = []) => timedRun(['--stage', 'trees', '--artifacts-dir', dir, ...extra], 0, () => '');
    const local = await trees(dirs.local);
    const workers = await startWorkers(url, 1, 2);
    let jobs = 0;
    workers[0]!.stdout!.on('data', (d: Buffer) => (jobs += d.toString().split('\n').filter((l) => / started$/.test(l)).length));
    const queued = await trees(dirs.queued, ['--queue', url]).finally(() => stopWorkers(workers));
    for (const t of [local, queued]) if (t.code !== 0) throw new Error(`the trees stage failed (exit ${t.code}): ${t.stderr}`);
    const same = await Promise.all(['decision-tree.json', 'random-forest.json'].map(async (name) => {
      const [a, b] = await Promise.all(Object.values(dirs).map((dir) => readFile(join(dir, 'models', name))));
      return `${name} ${a!.equals(b!) ? 'identical' : 'DIFFERENT'} (sha256 ${sha256(a!).slice(0, 12)}...)`;
    }));
    console.log(
      `\ntrees stage, start to exit: on this host's pool ${local.seconds.toFixed(2)} s; over the queue with 1 worker process (2 threads) ` +
        `${queued.seconds.toFixed(2)} s (${(queued.seconds / local.seconds).toFixed(2)}x, ${jobs} jobs); ${same.join(', ')}`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
