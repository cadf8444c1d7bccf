/**
 * Compiles every WebAssembly kernel of the project: each `src/**\/assembly/NAME.ts` (AssemblyScript)
 * becomes `dist/src/**\/assembly/NAME.wasm`, beside the compiled TypeScript that loads it.
 * Options come from the `asconfig.json` of the kernel's folder. A compile error stops the build.
 */
import asc from 'assemblyscript/asc';
import fg from 'fast-glob';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const sources = await fg('src/**/assembly/*.ts', { ignore: ['**/_*.ts', '**/*.d.ts'] });
if (sources.length === 0) throw new Error('build-wasm: no kernel sources found under src/**/assembly/');
let failed = 0;
for (const source of sources.sort()) {
  const outFile = join('dist', source.replace(/\.ts$/, '.wasm'));
  await mkdir(dirname(outFile), { recursive: true });
  const { error, stderr } = await asc.main([source, '--config', join(dirname(source), 'asconfig.json'), '--outFile', outFile]);
  if (error) {
    failed++;
    console.error(`build-wasm: ${source} did not compile: ${error.message}\n${stderr.toString()}`);
  }
}
if (failed > 0) process.exit(1);
