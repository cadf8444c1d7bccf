import type { Piscina } from 'piscina';

/** A task ran for longer than its limit and its worker was stopped. */
export class TaskTimeoutError extends Error {
  override name = 'TaskTimeoutError';
  constructor(readonly ms: number) {
    super(`took longer than ${ms / 1000} s`);
  }
}

/**
 * Runs `task` on `pool` for at most `ms` milliseconds, counted from now: give the pool no more
 * tasks than it has workers, or the wait for one counts too. Past that, Piscina terminates the
 * worker (the only way to stop a native decode mid-way) and starts another in its place; this
 * rejects with TaskTimeoutError. Piscina runs a task that can be aborted alone on its worker, so
 * stopping it stops nothing else.
 */
export async function runWithTimeout<T, R>(pool: Piscina<T, R>, task: T, ms: number): Promise<R> {
  // not AbortSignal.timeout: its timer lives on for `ms` after the task is done, so thousands of
  // images a second would keep tens of thousands of them alive
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ms);
  try {
    return await pool.run(task, { signal: stop.signal });
  } catch (err) {
    throw stop.signal.aborted ? new TaskTimeoutError(ms) : err;
  } finally {
    clearTimeout(timer);
  }
}
