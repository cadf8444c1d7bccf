#!/usr/bin/env node
/**
 * `npm run worker -- --queue redis://HOST:PORT`: a long-running process that takes the
 * pipeline's queue jobs (see README "Beyond one machine"). SIGTERM or Ctrl-C stops it once the
 * job in hand is done; a second one quits at once, and that job goes back to the queue when its
 * lock runs out.
 */
import { hostname } from 'node:os';
import { runCli } from './cli.js';
import { loadConfig, parseQueueUrl } from './config.js';
import { PipelineError } from './errors.js';
import { checkRedis, shownUrl } from './queue/connection.js';
import { startWorker } from './queue/worker.js';

const USAGE = `Usage: npm run worker -- --queue redis://HOST:PORT [--workers N] [--backend NAME] [--lock-duration MS]

Takes jobs from the queue (predict --queue) until stopped. --queue may instead come from REDIS_URL.
Every worker must see the caller's data and artifacts folders at the same paths (a shared mount).`;

async function main(argv: string[]): Promise<number> {
  const config = loadConfig(argv);
  if (config.help) {
    console.log(USAGE);
    return 0;
  }
  const fromEnv = process.env.REDIS_URL;
  const url = config.queue ?? (fromEnv !== undefined && fromEnv !== '' ? parseQueueUrl(fromEnv, 'REDIS_URL') : undefined);
  if (url === undefined) throw new PipelineError('No queue to take jobs from: give --queue redis://HOST:PORT, or set REDIS_URL.');
  await checkRedis(url);
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  // listening before the worker starts: it may take a job before `ready` resolves, and a signal
  // then must not end the process with the job half done
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  const worker = startWorker({ url, workers: config.workers, backend: config.backend, lockDurationMs: config.lockDurationMs, log });
  await worker.ready;
  log(`worker ${hostname()}:${process.pid} takes jobs from ${shownUrl(url)} with ${config.workers} threads per pool; SIGTERM or Ctrl-C stops it after the job in hand`);
  const signal = await stopped;
  log(`${signal}: finishing the job in hand, then stopping (again to quit at once)`);
  // the second signal: with no listener left, the signal's default action ends the process
  const quit = (sig: NodeJS.Signals) => {
    process.removeAllListeners('SIGTERM').removeAllListeners('SIGINT');
    process.kill(process.pid, sig);
  };
  process.once('SIGTERM', quit).once('SIGINT', quit);
  await worker.close();
  log('stopped');
  return 0;
}

runCli(() => main(process.argv.slice(2)), () => 'the worker');
