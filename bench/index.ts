/**
 * `npm run bench -- NAME [args]`: heavy measurements on the real data, kept out of the tests.
 * Each benchmark is `bench/NAME.ts` exporting `run(args)`, and prints its own figures.
 */
import { readdir } from 'node:fs/promises';

const here = new URL('.', import.meta.url);
const available = (await readdir(here))
  .filter((f) => f.endsWith('.js') && f !== 'index.js' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();
const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`Usage: npm run bench -- NAME [args], where NAME is one of: ${available.join(', ')}`);
  process.exit(name ? 1 : 0);
}
const mod = (await import(new URL(`./${name}.js`, here).href)) as { run(args: string[]): Promise<void> };
await mod.run(args);
