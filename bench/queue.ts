/**
 * `npm run bench -- queue [--model NAME] [--count N] [--repeats R] [--manifest M] [--artifacts-dir DIR] [--data-dir DIR]`
 *
 * On a private redis-server started for the run:
 * 1. `predict --input -` over N paths (the test images repeated; default 60,000, so 6 shards of
 *    10,000), timed from the command's start to its exit: in-process (this host's pools), then
 *    `--queue` with 1 worker process (2 threads per pool) and with 2 worker processes (1 thread
 *    each), R times each in turn (default 3), medians. Workers are started, and warmed with one
 *    run, before the timed runs; each run's parts are removed first, so no shard is reused. The
 *    queued rows must be the in-process rows, byte for byte. Overhead per shard: the 1-worker
 *    run's extra time over in-process, divided by its shards.
 * 2. Enqueueing a manifest of M paths (default 1,000,000) with no worker running: the time until
 *    its shard jobs are all in Redis, and Redis's peak memory then (used_memory_peak) against
 *    before.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DEFAULTS } from '../src/config.js';
import { readEvaluation } from '../src/io/evaluation.js';
import { dataPaths } from '../src/io/paths.js';
import { sha256 } from '../src/io/sha256.js';
import { checkModelName } from '../src/models/registry.js';
import { QUEUE_NAME } from '../src/queue/connection.js';
import { median } from './_measure.js';
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

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      count: { type: 'string', default: '60000' },
      repeats: { type: 'string', default: '3' },
      manifest: { type: 'string', default: '1000000' },
      'artifacts-dir': { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const artifactsDir = resolve(values['artifacts-dir'] ?? DEFAULTS.artifactsDir);
  const dataDir = resolve(values['data-dir'] ?? DEFAULTS.dataDir);
  const model = values.model ? checkModelName(values.model, '--model') : (await readEvaluation(artifactsDir))?.best;
  if (!model) throw new Error(`No best model in ${artifactsDir}/metrics.json: run \`npm start -- --stage evaluate\` or pass --model NAME.`);
  const count = Number(values.count);
  const repeats = Number(values.repeats);
  const testDir = dataPaths(dataDir).testImages;
  const names = (await readdir(testDir)).filter((n) => n.endsWith('.png')).sort();
  const line = (i: number) => join(testDir, names[i % names.length]!);
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const workers: ReturnType<typeof spawn>[] = [];
  try {
    const base = ['--stage', 'predict', '--input', '-', '--model', model, '--artifacts-dir', artifactsDir, '--data-dir', dataDir];
    const queued = [...base, '--queue', redis.url];
    const fresh = async () => {
      await rm(join(artifactsDir, 'queue'), { recursive: true, force: true });
      await client.flushall();
    };
    const startWorkers = async (n: number, threads: number) => {
      for (const w of workers.splice(0)) {
        w.kill('SIGTERM');
        await new Promise((r) => w.once('close', r));
      }
      for (let i = 0; i < n; i++) {
        const w = spawn(process.execPath, [WORKER, '--queue', redis.url, '--workers', String(threads)], { stdio: ['ignore', 'pipe', 'inherit'] });
        await new Promise<void>((r) => w.stdout!.on('data', (d: Buffer) => d.toString().includes('takes jobs') && r()));
        workers.push(w);
      }
      await fresh();
      const warm = await timedRun(queued, Math.min(count, 2000), line); // loads the model in every worker
      if (warm.code !== 0) throw new Error(`warm-up run failed: ${warm.stderr}`);
    };
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
        if (c.workers > 0) await startWorkers(c.workers, c.threads);
        await fresh();
        const t = await timedRun(c.workers === 0 ? base : queued, count, line);
        if (t.code !== 0) throw new Error(`${c.name} failed (exit ${t.code}): ${t.stderr}`);
        expected ??= t.stdoutSha256;
        if (t.stdoutSha256 !== expected) throw new Error(`${c.name}: its rows differ from the in-process run's (sha256 ${t.stdoutSha256} against ${expected})`);
        times.get(c.name)!.push(t.seconds);
        console.log(`round ${r + 1}, ${c.name}: ${t.seconds.toFixed(2)} s`);
      }
    }
    const shards = Math.ceil(count / DEFAULTS.shardSize);
    const local = median(times.get(configs[0]!.name)!);
    console.log(`\npredict --input - (${model}), ${count} images, ${shards} shards, median of ${repeats}, start to exit; rows identical in every run:`);
    for (const c of configs) {
      const t = median(times.get(c.name)!);
      console.log(`  ${c.name.padEnd(45)} ${t.toFixed(2)} s  ${Math.round(count / t)} images/s  ${(local / t).toFixed(2)}x in-process`);
    }
    const one = median(times.get(configs[1]!.name)!);
    // a difference below the rounds' spread can come out negative: it is printed as measured
    console.log(`  overhead per shard (1 worker against in-process): ${Math.round(((one - local) / shards) * 1000) + 0} ms`);

    for (const w of workers.splice(0)) w.kill('SIGTERM');
    await fresh();
    await client.config('RESETSTAT');
    const before = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
    const manifest = Number(values.manifest);
    const expectedShards = Math.ceil(manifest / DEFAULTS.shardSize);
    const started = performance.now();
    const caller = spawn(process.execPath, [MAIN, ...queued], { stdio: ['pipe', 'ignore', 'inherit'] });
    Readable.from((function* () {
      for (let i = 0; i < manifest; i++) yield `${line(i)}\n`;
    })()).pipe(caller.stdin);
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
    for (;;) {
      const waiting = (await queue.getJobCounts('waiting')).waiting ?? 0;
      if (waiting >= expectedShards) break;
      if (caller.exitCode !== null) throw new Error(`the caller exited (${caller.exitCode}) before its ${expectedShards} shards were queued`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const enqueueSeconds = (performance.now() - started) / 1000;
    const info = await client.info('memory');
    const peak = Number(/used_memory_peak:(\d+)/.exec(info)![1]);
    caller.kill('SIGTERM');
    await queue.close();
    const manifestFile = (await readdir(join(artifactsDir, 'queue', 'manifests'))).filter((f) => f.endsWith('.paths'));
    const manifestBytes = (await Promise.all(manifestFile.map((f) => readFile(join(artifactsDir, 'queue', 'manifests', f))))).reduce((n, b) => Math.max(n, b.length), 0);
    console.log(
      `\nenqueue ${manifest} paths: ${expectedShards} shard jobs + 1 merge in Redis after ${enqueueSeconds.toFixed(1)} s (reading stdin and writing the ` +
        `${(manifestBytes / 2 ** 20).toFixed(1)} MB manifest included); Redis used_memory ${(before / 2 ** 20).toFixed(2)} MB before, peak ${(peak / 2 ** 20).toFixed(2)} MB ` +
        `(${((peak - before) / 2 ** 20).toFixed(2)} MB for the run)`,
    );
    await rm(join(artifactsDir, 'queue'), { recursive: true, force: true });
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    client.disconnect();
    await redis.stop();
  }
}
