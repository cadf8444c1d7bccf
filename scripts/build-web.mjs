/**
 * Builds the serve stage's prediction page into dist/web/: src/web/predict.ts bundled for the
 * browser with its imports (TensorFlow.js, and the pipeline's own framing code from src/images/),
 * the page and its style, and the wasm backend's binaries, so the page needs nothing from another
 * host. tsconfig.web.json type-checks the page with the DOM's types (tsc runs before this).
 */
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import fg from 'fast-glob';

const out = 'dist/web';
await mkdir(out, { recursive: true });
await build({
  entryPoints: ['src/web/predict.ts'],
  outfile: `${out}/predict.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
const wasm = await fg('node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm');
if (wasm.length === 0) throw new Error('build-web: no wasm binaries in node_modules/@tensorflow/tfjs-backend-wasm/dist/ (run npm ci)');
for (const file of ['src/web/predict.html', 'src/web/predict.css', ...wasm]) await copyFile(file, `${out}/${file.split('/').pop()}`);
