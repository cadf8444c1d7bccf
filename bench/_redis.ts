/**
 * A private Redis for the queue tests and `bench queue`: its own port, no persistence, stopped
 * when done.
 * `restart` kills it and starts an empty one on the same port, as a crashed Redis without
 * persistence comes back.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export interface PrivateRedis {
  url: string;
  port: number;
  /** kill -9, then an empty Redis on the same port */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A port nobody listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function launch(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const failed = once(child, 'exit').then(() => {
    throw new Error(`redis-server exited at once: ${out}`);
  });
  const ready = (async () => {
    while (!out.includes('Ready to accept connections')) await new Promise((r) => setTimeout(r, 20));
  })();
  await Promise.race([ready, failed]);
  return child;
}

export async function startRedis(): Promise<PrivateRedis> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error('redis-server is not installed: install the Debian package redis-server (the queue tests and `bench queue` start a private one).');
  }
  const port = await freePort();
  let child = await launch(port);
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart() {
      await kill();
      child = await launch(port);
    },
    stop: kill,
  };
}
