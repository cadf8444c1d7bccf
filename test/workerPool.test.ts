import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fg from 'fast-glob';
import { WorkerPool } from '../src/workerPool.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const WORKER_POOL = new URL('../src/workerPool.js', import.meta.url).href;

/**
 * A task module whose graph takes long to instantiate, and that says when that starts: a chain
 * of `modules` files, each re-exporting the one before (`export *`) beside `functions` of its
 * own, imported as a namespace (so instantiating it resolves a number of names that grows with
 * the square of the chain), after a CommonJS file that posts "instantiating" to the pool. When
 * `require()` loads an ES module (Node 20), the CommonJS files it imports run before the graph is
 * instantiated, so a pool that ends its threads on that message ends them mid-instantiation.
 * The default export returns `value` after `delayMs` milliseconds (a task long enough to abort).
 */
function writeSlowToInstantiateModule(dir: string, modules: number, functions: number): string {
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(dir, 'instantiating.cjs'), "require('node:worker_threads').parentPort.postMessage('instantiating');\n");
  for (let m = 0; m < modules; m++) {
    const reexport = m > 0 ? `import * as previous from './m${m - 1}.js';\nexport * from './m${m - 1}.js';\nexport { previous };\n` : '';
    const own = Array.from({ length: functions }, (_, f) => `export function f${m}_${f}() { return ${f}; }\n`).join('');
    writeFileSync(join(dir, `m${m}.js`), reexport + own);
  }
  const task = join(dir, 'task.js');
  writeFileSync(
    task,
    "import './instantiating.cjs';\n" +
      `import * as chain from './m${modules - 1}.js';\n` +
      'export default ({ value, delayMs }) => new Promise((done) => setTimeout(() => done(value), delayMs));\n' +
      'export const names = Object.keys(chain).length;\n',
  );
  return task;
}

/**
 * A process that, `rounds` times, ends a pool's threads while they instantiate `task` (see
 * writeSlowToInstantiateModule): a 2-thread pool destroyed then (as a short `predict` could
 * destroy its pools), and a 2-thread pool whose two running tasks are aborted then (Piscina ends
 * their threads and starts others, still loading when the pool is destroyed). Prints
 * "survived N" at the end.
 */
const CHURN = `
const [poolUrl, task, rounds] = process.argv.slice(1);
const { WorkerPool } = await import(poolUrl);
const instantiating = (pool) => new Promise((resolve) => pool.once('message', resolve));
for (let i = 0; i < Number(rounds); i++) {
  const pool = new WorkerPool({ filename: task, minThreads: 2, maxThreads: 2 });
  await instantiating(pool);
  await pool.destroy();

  const aborting = new WorkerPool({ filename: task, minThreads: 2, maxThreads: 2 });
  const stop = new AbortController();
  const tasks = [1, 2].map((value) => aborting.run({ value, delayMs: 5000 }, { signal: stop.signal }).catch((err) => err.name));
  await instantiating(aborting);
  stop.abort();
  const outcomes = await Promise.all(tasks);
  if (outcomes.join() !== 'AbortError,AbortError') throw new Error('the tasks ended with ' + outcomes.join());
  await aborting.destroy();
}
console.log('survived ' + rounds);
`;

/** Runs CHURN; resolves to its exit code (128 + signal number when killed), stdout and stderr. */
function churn(task: string, rounds: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHURN, WORKER_POOL, task, String(rounds)]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? 128 + (signal === 'SIGABRT' ? 6 : 0), stdout, stderr }));
  });
}

describe('WorkerPool', () => {
  let dir: string;
  let task: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'worker-pool-'));
    task = writeSlowToInstantiateModule(dir, 100, 10);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('destroys pools whose threads are still loading their module without aborting the process (issue 16)', async () => {
    const rounds = 4;
    const { code, stdout, stderr } = await churn(task, rounds);
    assert.equal(code, 0, `the process ended with ${code}:\n${stderr.split('\n').slice(0, 3).join('\n')}`);
    assert.equal(stdout, `survived ${rounds}\n`);
  });

  it('rejects a task aborted while its thread loads with Piscina\'s AbortError, carrying the reason', async () => {
    const pool = new WorkerPool<{ value: number; delayMs: number }, number>({ filename: task, minThreads: 1, maxThreads: 1 });
    const stop = new AbortController();
    const run = pool.run({ value: 1, delayMs: 1000 }, { signal: stop.signal });
    stop.abort('stopped by the test');
    await assert.rejects(run, (err: Error) => err.name === 'AbortError' && err.message === 'The task has been aborted' && err.cause === 'stopped by the test');
    await pool.destroy();
  });

  it('returns results as Piscina does, and destroys a pool whose module fails to load', async () => {
    const pool = new WorkerPool<{ value: number; delayMs: number }, number>({ filename: task, minThreads: 2, maxThreads: 2 });
    assert.equal(await pool.run({ value: 41, delayMs: 0 }), 41);
    await pool.destroy();

    const broken = join(dir, 'broken.js');
    writeFileSync(broken, "throw new Error('this module cannot load');\n");
    const failing = new WorkerPool({ filename: broken, minThreads: 1, maxThreads: 1 });
    // Piscina reports each thread's failure, and replaces a failed thread once
    const errors: string[] = [];
    const reported = new Promise((resolve) => failing.on('error', (err: Error) => resolve(errors.push(err.message))));
    await reported;
    await failing.destroy();
    assert.deepEqual([...new Set(errors)], ['this module cannot load']);
  });

  it('is the pool of every worker the project starts: no `new Piscina` in src/', () => {
    const files = fg.sync('src/**/*.ts', { cwd: root, ignore: ['src/workerPool.ts'] });
    assert.ok(files.length > 50, `only ${files.length} source files found`);
    assert.deepEqual(
      files.filter((f) => /\bnew Piscina\b/.test(readFileSync(join(root, f), 'utf8'))),
      [],
      'create pools with new WorkerPool (src/workerPool.ts)',
    );
  });
});
