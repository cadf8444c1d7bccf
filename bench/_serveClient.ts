/**
 * The load generator of `npm run bench -- serve`, run as its own process so that its work is not
 * the server's: `node _serveClient.js URL MODEL CLIENTS COUNT FILE...` sends COUNT single-image
 * `POST /api/predict?model=MODEL` requests (the files in turn, read once beforehand) from CLIENTS concurrent
 * clients over keep-alive connections, and prints one JSON line: wall seconds, each request's
 * latency in ms, and the rows' classes in request order.
 */
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { basename } from 'node:path';

const [url, model, clients, count, ...files] = process.argv.slice(2);
const { hostname, port } = new URL(url!);
const agent = new Agent({ keepAlive: true, maxSockets: Number(clients) });
const bodies = await Promise.all(files.map((f) => readFile(f)));
const names = files.map((f) => encodeURIComponent(basename(f)));

function post(i: number): Promise<number> {
  const k = i % bodies.length;
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname, port, agent, method: 'POST', path: `/api/predict?model=${model}&name=${names[k]}`, headers: { 'content-type': 'image/png' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`request ${i}: ${res.statusCode} ${text}`));
          resolve((JSON.parse(text) as { rows: { class: number }[] }).rows[0]!.class);
        });
      },
    );
    req.on('error', reject);
    req.end(bodies[k]);
  });
}

const total = Number(count);
const latencies = new Array<number>(total);
const classes = new Array<number>(total);
let next = 0;
const started = performance.now();
await Promise.all(Array.from({ length: Number(clients) }, async () => {
  while (next < total) {
    const i = next++;
    const t = performance.now();
    classes[i] = await post(i);
    latencies[i] = performance.now() - t;
  }
}));
const seconds = (performance.now() - started) / 1000;
agent.destroy();
console.log(JSON.stringify({ seconds, latencies, classes }));
