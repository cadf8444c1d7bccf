/**
 * Where the queue lives: a Redis URL from `--queue` or REDIS_URL, the connection options BullMQ
 * needs for each role, and the checks made before any job is sent or taken.
 */
import { Redis } from 'ioredis';
import { PipelineError } from '../errors.js';

/** The BullMQ queue of prediction jobs: a worker takes one at a time (a shard uses all its threads). */
export const QUEUE_NAME = 'fashion-pipeline';
/** The queue of tree jobs: a tree is fitted on one thread, so a worker takes one per thread. */
export const TREE_QUEUE_NAME = 'fashion-pipeline-trees';

/** BullMQ 6 needs Redis 6.2 or later. */
const MIN_REDIS = [6, 2] as const;

/**
 * ioredis options for `url`. Every role retries a command across reconnects instead of failing it
 * after 20 tries (`maxRetriesPerRequest: null`): BullMQ requires it of workers, whose blocking
 * reads must outlive a Redis restart, and a caller bounds its own waits (waitForRun).
 */
export function connectionOptions(url: string): { url: string; maxRetriesPerRequest: null; connectionName: string } {
  return { url, maxRetriesPerRequest: null, connectionName: `fashion-pipeline:${process.pid}` };
}

/** The URL without its password, for messages. */
export function shownUrl(url: string): string {
  const u = new URL(url);
  if (u.password !== '') u.password = '***';
  return u.toString();
}

/**
 * Connects once to check what BullMQ needs before anything is queued: Redis answers (within
 * `timeoutMs`), is 6.2 or later, and evicts nothing when full. An evicting policy would drop
 * job keys under memory pressure, and a dropped job is lost work that nobody is told about.
 */
export async function checkRedis(url: string, timeoutMs = 10_000): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  client.on('error', () => undefined); // the failed connect below says it
  try {
    await client.connect().catch((err: Error) => {
      throw new PipelineError(`Cannot reach Redis at ${shownUrl(url)} (${err.message}). Start it, or check the host and port of --queue / REDIS_URL.`);
    });
    const info = parseInfo(await client.info('server') + await client.info('memory'));
    const version = (info.get('redis_version') ?? '0').split('.').map(Number);
    if (version[0]! < MIN_REDIS[0] || (version[0] === MIN_REDIS[0] && version[1]! < MIN_REDIS[1])) {
      throw new PipelineError(`Redis at ${shownUrl(url)} is ${info.get('redis_version')}; BullMQ needs ${MIN_REDIS.join('.')} or later.`);
    }
    const policy = info.get('maxmemory_policy');
    if (policy !== 'noeviction') {
      throw new PipelineError(
        `Redis at ${shownUrl(url)} has maxmemory-policy "${policy}": it may evict queued jobs when memory is full. ` +
          'Set it to noeviction (`redis-cli -u URL config set maxmemory-policy noeviction`, and in redis.conf).',
      );
    }
  } finally {
    client.disconnect();
  }
}

/** The `field:value` lines of an INFO reply. */
function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}
