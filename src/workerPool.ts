import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';

/**
 * The message a Piscina thread posts once it has loaded its task module (piscina's
 * `src/common.ts` READY; not exported by the package).
 */
const PISCINA_READY = '_WORKER_READY';

type PoolOptions = NonNullable<ConstructorParameters<typeof Piscina>[0]>;
type RunOptions = NonNullable<Parameters<Piscina['run']>[1]>;

/**
 * A Piscina pool whose `destroy()` and `close()` first wait until every thread has finished
 * loading its task module (or has exited), then end the threads as Piscina does.
 *
 * Why: a thread loads its module with `require()`, which on Node 20 loads an ES module
 * synchronously; a thread terminated while that module graph is being instantiated takes the
 * whole process down (`FATAL ERROR: v8::Module::IsGraphAsync must be used on an instantiated
 * module`, exit 134). Piscina's `destroy()` terminates threads whatever they are doing, and it
 * marks the threads it starts with the pool as ready before they have loaded anything, so a pool
 * destroyed soon after its first tasks (a short `predict`) could hit a thread still loading.
 *
 * Aborting a running task ends its thread too, so `run` holds an abort back the same way.
 *
 * A thread terminated while it runs native code can take the process down as well (inside
 * zlib's inflate or deflate: "close before init"), so `destroy()` and `close()` also wait until
 * the tasks already given to the pool have settled. A caller that must stop sooner aborts its
 * tasks (only for work that is safe to cut, such as WebAssembly) or stops giving new ones.
 *
 * Threads started with the pool are watched for their ready message from the start. A thread
 * Piscina starts later (replacing one that an aborted task ended) gets its `workerCreate` event
 * only once it has loaded, so one without that event is still loading.
 */
export class WorkerPool<Task = unknown, Result = unknown> extends Piscina<Task, Result> {
  /** for each thread started with the pool: settles once it has loaded its module or exited */
  readonly #startupLoads = new WeakMap<Worker, Promise<void>>();
  /** ids of the threads started later that have loaded their module */
  readonly #loadedLater = new Set<number>();
  /** the tasks given to the pool that have not settled yet */
  readonly #unsettled = new Set<Promise<unknown>>();

  constructor(options: PoolOptions) {
    super(options);
    for (const thread of this.threads) {
      this.#startupLoads.set(thread, untilLoadedOrExited(thread, (resolve) => thread.on('message', (m: unknown) => isReadyMessage(m) && resolve())));
    }
    this.on('workerCreate', (created: WorkerCreated) => this.#loadedLater.add(created.id));
  }

  /** Settles once no thread is loading its task module. */
  async #loading(): Promise<void> {
    await Promise.all(
      this.threads.map((thread) => {
        const startup = this.#startupLoads.get(thread);
        if (startup) return startup;
        const { threadId } = thread;
        if (this.#loadedLater.has(threadId)) return undefined;
        return untilLoadedOrExited(thread, (resolve) => this.on('workerCreate', (created: WorkerCreated) => created.id === threadId && resolve()));
      }),
    );
  }

  /**
   * Piscina's `run`, except that aborting `signal` reaches the pool only once no thread is
   * loading: Piscina ends the thread that runs an aborted task, and that may be one still loading
   * (its tasks wait on it). The task's promise rejects with Piscina's AbortError as before.
   */
  override run(task: Task, options: RunOptions = {}): Promise<Result> {
    const result = this.#runHoldingAborts(task, options);
    const settled = result.then(noop, noop);
    this.#unsettled.add(settled);
    void settled.then(() => this.#unsettled.delete(settled));
    return result;
  }

  #runHoldingAborts(task: Task, options: RunOptions): Promise<Result> {
    const { signal } = options;
    if (!(signal instanceof AbortSignal) || signal.aborted) return super.run(task, options);
    const held = new AbortController();
    const forward = () => void this.#loading().then(() => held.abort(signal.reason));
    signal.addEventListener('abort', forward, { once: true });
    return super.run(task, { ...options, signal: held.signal }).finally(() => signal.removeEventListener('abort', forward));
  }

  /** Settles once no thread is loading its module and every task given so far has settled. */
  async #quiet(): Promise<void> {
    await this.#loading();
    await Promise.all(this.#unsettled);
  }

  override async destroy(): Promise<void> {
    await this.#quiet();
    await super.destroy();
  }

  override async close(options?: Parameters<Piscina['close']>[0]): Promise<void> {
    await this.#quiet();
    await super.close(options);
  }
}

/** What Piscina's `workerCreate` event carries (the part used here). */
interface WorkerCreated {
  id: number;
}

/** Settles when `watch` reports `thread` loaded, or when it exits (a module that fails to load ends its thread). */
function untilLoadedOrExited(thread: Worker, watch: (resolve: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    watch(resolve);
    // not events.once: it rejects on the thread's 'error', which Piscina reports already
    thread.once('exit', () => resolve());
  });
}

function noop(): void {}

function isReadyMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && PISCINA_READY in message;
}
