/**
 * A preload (`node --import <this file> dist/src/main.js ...`) that kills its process with
 * SIGKILL at one step of a file write, as a power cut or the OOM killer would: the crash tests
 * run a stage under it once for every step. A step is one call of `fs.promises.rename`, `rm` or
 * `unlink` on a path under KILL_UNDER (a rename counts by its destination).
 *
 * - KILL_STEP: which step (1 = the first); unset, the module does nothing (the test runner
 *   also runs it as a test file).
 * - KILL_WHEN: `after` (default) kills once the step is done; `before` kills instead of doing it,
 *   which leaves a written temp file that was never renamed in.
 * - KILL_UNDER: the folder whose writes count (every path when unset).
 *
 * ESM named imports (`import { rename } from 'node:fs/promises'`) are bindings of the builtin
 * module's exports, so after wrapping, `syncBuiltinESMExports` points them at the wrappers.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { resolve, sep } from 'node:path';

const step = Number(process.env.KILL_STEP);
if (Number.isInteger(step) && step > 0) {
  const when = process.env.KILL_WHEN ?? 'after';
  const under = process.env.KILL_UNDER === undefined ? undefined : resolve(process.env.KILL_UNDER) + sep;
  let done = 0;
  const counts = (path: fs.PathLike) => under === undefined || resolve(String(path)).startsWith(under);
  const kill = () => process.kill(process.pid, 'SIGKILL');
  const wrap = <A extends [fs.PathLike, ...unknown[]]>(call: (...args: A) => Promise<void>, target: (args: A) => fs.PathLike) =>
    async (...args: A): Promise<void> => {
      if (!counts(target(args))) return call(...args);
      if (done + 1 === step && when === 'before') kill();
      await call(...args);
      done += 1;
      if (done === step) kill();
    };
  const p = fs.promises;
  p.rename = wrap(p.rename.bind(p), (args) => args[1] as fs.PathLike);
  p.rm = wrap(p.rm.bind(p), (args) => args[0]);
  p.unlink = wrap(p.unlink.bind(p), (args) => args[0]);
  syncBuiltinESMExports();
}
