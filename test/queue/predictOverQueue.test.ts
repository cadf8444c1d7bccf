import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FlowProducer, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { dataLayoutDir, predictNotAnImage, tinyMlp } from '../../fixtures/index.js';
import { saveLayersModel } from '../../src/networks/layersFiles.js';
import { QUEUE_NAME } from '../../src/queue/connection.js';
import { JOB, JOB_OPTIONS } from '../../src/queue/jobs.js';
import { modelDigest } from '../../src/models/registry.js';
import { type Proc, start, startedLines } from '../support/processes.js';
import { type PrivateRedis, startRedis } from '../../bench/_redis.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const WORKER = fileURLToPath(new URL('../../src/worker.js', import.meta.url));


describe('predict over the queue (a private redis-server, worker processes)', () => {
  let redis: PrivateRedis;
  let dir: string;
  let workers: Proc[] = [];
  const testImages = join(dataLayoutDir, 'images', 'test');
  let manyPaths: string;

  const common = () => ['--stage', 'predict', '--model', 'mlp', '--data-dir', dataLayoutDir, '--artifacts-dir', dir, '--backend', 'cpu', '--workers', '1', '--batch-size', '3'];
  const worker = (extra: string[] = []) => {
    const proc = start(WORKER, ['--queue', redis.url, '--workers', '1', '--backend', 'cpu', '--lock-duration', '1500', ...extra]);
    workers.push(proc);
    return proc;
  };
  const stopWorkers = async () => {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exit));
    workers = [];
  };

  before(async () => {
    redis = await startRedis();
    dir = await mkdtemp(join(tmpdir(), 'queue-'));
    const mlp = tinyMlp();
    await saveLayersModel(mlp, join(dir, 'models', 'mlp'));
    mlp.dispose();
    const names = (await readdir(testImages)).sort();
    // 400 paths: the 20 test images over and over, long enough that a shard is mid-way when a worker is killed
    manyPaths = Array.from({ length: 400 }, (_, i) => join(testImages, names[i % names.length]!)).join('\n') + '\n';
  });
  after(async () => {
    await stopWorkers();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await stopWorkers();
    await rm(join(dir, 'queue'), { recursive: true, force: true });
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
  });

  /** The one-machine run's CSV of the test set, then the same over the queue. */
  async function localSubmission(): Promise<string> {
    const local = await start(MAIN, common()).exit;
    assert.equal(local.code, 0, local.stderr);
    const csv = await readFile(join(dir, 'predictions', 'mlp_test.csv'), 'utf8');
    await rm(join(dir, 'predictions'), { recursive: true });
    return csv;
  }

  it('writes the submission CSV byte for byte as on one machine, from shards on two workers', async () => {
    const expected = await localSubmission();
    const [a, b] = [worker(), worker()];
    const run = await start(MAIN, [...common(), '--queue', redis.url, '--shard-size', '5']).exit;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /queue: run [0-9a-f]{20}: 20 images in 4 shards/);
    assert.equal(await readFile(join(dir, 'predictions', 'mlp_test.csv'), 'utf8'), expected);
    await stopWorkers();
    // shards of 6 rows (5 rounded up to whole batches of 3): each done once, by one of the two
    const shardStarts = startedLines(a.out() + b.out(), /predict-shard predict-\w+-\d /);
    assert.equal(shardStarts.length, 4);
  });

  it('streams --input rows to stdout as on one machine; a bad image is an error line, the rest goes on', async () => {
    const input = manyPaths.split('\n').slice(0, 30).join('\n') + `\n${predictNotAnImage}\n${join(testImages, 'missing.png')}\n`;
    const local = await start(MAIN, [...common(), '--input', '-'], input).exit;
    worker();
    const queued = await start(MAIN, [...common(), '--input', '-', '--queue', redis.url, '--shard-size', '10'], input).exit;
    assert.equal(queued.stdout, local.stdout);
    assert.equal(queued.code, local.code);
    assert.equal(queued.code, 1);
    const errors = (text: string) => text.split('\n').filter((l) => l.startsWith('error: '));
    assert.deepEqual(errors(queued.stderr), errors(local.stderr));
    assert.equal(errors(queued.stderr).length, 3); // two bad inputs and the closing count
    assert.equal(local.stdout.split('\n').length, 32); // header, 30 rows, the final newline
  });

  it('redoes the shard of a worker killed with -9 on another worker: the same rows, none twice', async () => {
    const local = await start(MAIN, [...common(), '--input', '-'], manyPaths).exit;
    assert.equal(local.code, 0, local.stderr);
    const doomed = worker();
    const caller = start(MAIN, [...common(), '--input', '-', '--queue', redis.url, '--shard-size', '100'], manyPaths);
    await doomed.waitFor(/predict-shard \S+ started/);
    doomed.child.kill('SIGKILL');
    await doomed.exit;
    const rescuer = worker();
    const queued = await caller.exit;
    assert.equal(queued.code, 0, queued.stderr);
    assert.equal(queued.stdout, local.stdout);
    // the killed worker's shard was taken back and done by the other worker
    const killedShard = /predict-shard (\S+) started/.exec(doomed.out())![1]!;
    assert.ok(!doomed.out().includes(`${killedShard} done`));
    await stopWorkers();
    assert.equal(startedLines(rescuer.out(), new RegExp(`${killedShard} `)).length, 1, rescuer.out());
    assert.equal(startedLines(rescuer.out(), /predict-shard/).length, 4, rescuer.out());
  });

  it('goes on when Redis restarts empty mid-run, and does not redo the shards finished before', async () => {
    const local = await start(MAIN, [...common(), '--input', '-'], manyPaths).exit;
    const w = worker();
    const caller = start(MAIN, [...common(), '--input', '-', '--queue', redis.url, '--shard-size', '100'], manyPaths);
    await w.waitFor(/predict-shard \S+ done/);
    await redis.restart();
    const queued = await caller.exit;
    assert.equal(queued.code, 0, queued.stderr);
    assert.equal(queued.stdout, local.stdout);
    assert.match(queued.stderr, /is no longer in Redis \(restarted\?\); sending it again/);
    await stopWorkers();
    const firstDone = /predict-shard (\S+) done in [\d.]+ s\n/.exec(w.out())![1]!;
    assert.match(w.out(), new RegExp(`${firstDone} done in [\\d.]+ s \\(its result was on disk already\\)`));
  });

  it('a second caller of the same run waits for the same jobs instead of adding its own', async () => {
    const args = [...common(), '--input', '-', '--queue', redis.url, '--shard-size', '100'];
    const w = worker();
    const [first, second] = await Promise.all([start(MAIN, args, manyPaths).exit, start(MAIN, args, manyPaths).exit]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(second.stdout, first.stdout);
    await stopWorkers();
    assert.equal(startedLines(w.out(), /predict-shard/).length, 4, w.out());
    assert.equal(startedLines(w.out(), /predict-merge/).length, 1, w.out());
  });

  it('a worker refuses a job for another version of the model, or naming a file it cannot see', async () => {
    worker();
    const connection = { url: redis.url, maxRetriesPerRequest: null };
    const flows = new FlowProducer({ connection });
    const events = new QueueEvents(QUEUE_NAME, { connection });
    const queue = new Queue(QUEUE_NAME, { connection });
    try {
      const shard = {
        kind: 'test', run: 'r', index: 0, artifactsDir: dir, model: { name: 'mlp', sha256: '0'.repeat(64) }, batchSize: 3,
        rows: { first: 0, count: 3 }, dataDir: dataLayoutDir, sampleSha256: '',
      };
      const { job } = await flows.add({ name: JOB.predictShard, queueName: QUEUE_NAME, data: shard, opts: { ...JOB_OPTIONS, jobId: 'wrong-model' } });
      await assert.rejects(job.waitUntilFinished(events), (err: Error) => {
        assert.match(err.message, new RegExp(`models/mlp/model\\.json has sha256 [0-9a-f]{12}\\.\\.\\., but the job is for 000000000000\\.\\.\\.: this worker sees another version of the model`));
        return true;
      });
      assert.equal((await queue.getJob('wrong-model'))!.attemptsMade, 1); // not retried
      // a manifest this worker cannot see: the job fails naming it (after one retry)
      const missing = join(dir, 'queue', 'manifests', 'gone.paths');
      const lost = { ...shard, kind: 'input', model: { name: 'mlp', sha256: await modelDigest(dir, 'mlp') }, manifest: { path: missing, bytes: 10 }, bytes: { start: 0, end: 10 }, cwd: dir, maxInputBytes: 1000 };
      const { job: lostJob } = await flows.add({ name: JOB.predictShard, queueName: QUEUE_NAME, data: lost, opts: { ...JOB_OPTIONS, jobId: 'lost-manifest' } });
      await assert.rejects(lostJob.waitUntilFinished(events), {
        message: `Cannot read the manifest ${missing} (ENOENT). Workers must see the caller's artifacts folder at the same path.`,
      });
    } finally {
      await Promise.all([flows.close(), events.close(), queue.close()]);
    }
  });

  it('refuses a Redis that may evict jobs, saying how to fix it', async () => {
    const client = new Redis(redis.url);
    await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const run = await start(MAIN, [...common(), '--queue', redis.url]).exit;
      assert.equal(run.code, 1);
      assert.match(run.stderr, /error: Redis at redis:\/\/127\.0\.0\.1:\d+\/? has maxmemory-policy "allkeys-lru": it may evict queued jobs when memory is full\. Set it to noeviction/);
    } finally {
      await client.config('SET', 'maxmemory-policy', 'noeviction');
      client.disconnect();
    }
  });

  it('a caller with no worker says how to start one, and goes on once one has started', async () => {
    const caller = start(MAIN, [...common(), '--queue', redis.url]);
    await caller.waitFor(/queue: no worker is connected to redis:\/\/127\.0\.0\.1:\d+; the jobs wait until one starts: `npm run worker -- --queue redis:\/\/127\.0\.0\.1:\d+`/);
    worker();
    const run = await caller.exit;
    assert.equal(run.code, 0, run.stderr);
  });

  it('a worker stopped by SIGTERM finishes the job in hand first', async () => {
    const w = worker();
    const caller = start(MAIN, [...common(), '--input', '-', '--queue', redis.url, '--shard-size', '400'], manyPaths);
    await w.waitFor(/predict-shard \S+ started/);
    w.child.kill('SIGTERM');
    const stopped = await w.exit;
    assert.equal(stopped.code, 0);
    assert.match(stopped.stdout, /SIGTERM: finishing the job in hand[\s\S]*predict-shard \S+ done in [\d.]+ s\n[\s\S]*stopped/);
    workers = workers.filter((p) => p !== w);
    worker(); // for the merge
    assert.equal((await caller.exit).code, 0);
  });
});
