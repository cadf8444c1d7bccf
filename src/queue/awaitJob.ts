import type { Queue, QueueEvents } from 'bullmq';
import { PipelineError } from '../errors.js';
import { shownUrl } from './connection.js';

/** How long a caller waits on an unreachable Redis before it stops (finished work is kept on disk). */
export const REDIS_OUTAGE_MS = 60_000;
const POLL_MS = 500;

export interface AwaitJobOptions {
  url: string;
  /** adds the job (or the flow it heads): called when Redis does not have it */
  send(): Promise<unknown>;
  /** why the job failed (its own reason, or a child's) */
  failure(): Promise<string>;
  /** told when the job vanished after it was sent (Redis restarted without its data) and is sent again */
  onResend?(): void;
  /** settles when the job's queue says it finished (see jobEnds); between polls it saves waiting for the next one */
  ended?(id: string): Promise<void>;
  /** told once when no worker is connected to the queue (checked when the job is sent, then every NO_WORKER_CHECK_MS) */
  onNoWorker?(): void;
  signal: AbortSignal;
}

/** The hint for a caller whose queue has no worker: its jobs wait until one starts. */
export function noWorker(url: string): string {
  return `queue: no worker is connected to ${shownUrl(url)}; the jobs wait until one starts: \`npm run worker -- --queue ${shownUrl(url)}\``;
}

/** How often a caller waiting on a job checks that some worker is there to take it. */
export const NO_WORKER_CHECK_MS = 30_000;

/**
 * A promise per job id that settles when `events` reports the job completed or failed. Events
 * make a finished job noticed at once; awaitJob still polls, for the events a Redis restart loses.
 */
export function jobEnds(events: QueueEvents): (id: string) => Promise<void> {
  const waiting = new Map<string, { promise: Promise<void>; resolve(): void }>();
  const end = ({ jobId }: { jobId: string }) => {
    waiting.get(jobId)?.resolve();
    waiting.delete(jobId);
  };
  events.on('completed', end);
  events.on('failed', end);
  return (id) => {
    let entry = waiting.get(id);
    if (!entry) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      entry = { promise, resolve };
      waiting.set(id, entry);
    }
    return entry.promise;
  };
}

/** Resolves to `promise`'s value, or rejects once `ms` have passed (Redis commands wait across reconnects). */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Sends job `id` unless Redis has it, and polls it until it completes; resolves to its return
 * value. Polling, not events, so that nothing is missed across a Redis restart: a job that is
 * gone is sent again (its id is fixed by its work, and finished work is on disk, so this
 * redoes nothing). A failed job left by an earlier call is removed and sent again; a failure of
 * this call's job rejects with `failure()`'s reason. Redis unreachable for REDIS_OUTAGE_MS rejects.
 */
export async function awaitJob<T>(queue: Queue, id: string, opts: AwaitJobOptions): Promise<T> {
  let sent = false;
  let lastAnswer = performance.now();
  let workersChecked = -Infinity;
  let toldNoWorker = false;
  for (;;) {
    opts.signal.throwIfAborted();
    // asked before the state is read, so an end between the two is not missed
    const ended = opts.ended?.(id);
    try {
      const job = await within(queue.getJob(id), POLL_MS * 4);
      let state = job ? await within(job.getState(), POLL_MS * 4) : undefined;
      if (state === 'completed') return job!.returnvalue as T;
      if (state === 'failed' && sent) throw new PipelineError(`The run failed on the workers: ${await opts.failure()}`);
      if (state === 'failed') {
        await within(job!.remove({ removeChildren: true }), POLL_MS * 4);
        state = undefined;
      }
      if (state === undefined) {
        if (sent) opts.onResend?.();
        await within(opts.send(), POLL_MS * 4);
        sent = true;
      }
      if (opts.onNoWorker && !toldNoWorker && performance.now() - workersChecked > NO_WORKER_CHECK_MS) {
        workersChecked = performance.now();
        if ((await within(queue.getWorkersCount(), POLL_MS * 4)) === 0) {
          toldNoWorker = true;
          opts.onNoWorker();
        }
      }
      lastAnswer = performance.now();
    } catch (err) {
      if (err instanceof PipelineError) throw err;
      if (performance.now() - lastAnswer > REDIS_OUTAGE_MS) {
        throw new PipelineError(
          `Redis at ${shownUrl(opts.url)} has not answered for ${REDIS_OUTAGE_MS / 1000} s (${(err as Error).message}). ` +
            'The work finished so far is kept: rerun the same command once Redis is back, and only the rest is done.',
        );
      }
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((r) => (timer = setTimeout(r, POLL_MS))), ended]);
    clearTimeout(timer);
  }
}
