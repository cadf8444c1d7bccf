/**
 * A reference library's figures, measured in the same run as ours: this host's speed drifts by
 * more than the gaps being measured, so a ratio against figures measured at another time means
 * nothing. A bench runs its Python script (`bench/pytorch_reference.py`,
 * `bench/sklearn_reference.py`) after its own measurements, with the interpreter that
 * BENCH_PYTHON names (default `python3`); the script's progress goes to stderr, and its last
 * line on stdout is a JSON object: its figures, or `{"unavailable": why}` (exit code 3) where the
 * library cannot be imported.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The environment variable naming the Python interpreter that runs the reference scripts. */
export const PYTHON_ENV = 'BENCH_PYTHON';
/** The exit code of a reference script whose library cannot be imported. */
export const UNAVAILABLE_EXIT_CODE = 3;

/** What a reference run gave: its figures (the script's JSON), or why there are none. */
export type Reference = { measured: true; figures: Record<string, unknown> } | { measured: false; why: string };

/** A script's stdout and exit code, or the error that kept it from starting. */
export interface ScriptRun {
  stdout: string;
  code: number | null;
  spawnError?: NodeJS.ErrnoException;
}

/** The path of a reference script in bench/ (beside the compiled benches' sources). */
export const referenceScript = (name: string): string => fileURLToPath(new URL(`../../bench/${name}`, import.meta.url));

/**
 * The Reference of one run of `script` (a path) with `python`. A script that runs but prints no
 * JSON object as its last line is a bug in it: an Error naming the script and that line.
 */
export function readReference(script: string, python: string, run: ScriptRun): Reference {
  if (run.spawnError) {
    const why = run.spawnError.code === 'ENOENT' ? 'not found' : run.spawnError.message;
    return { measured: false, why: `no Python interpreter "${python}" (${why}); set ${PYTHON_ENV} to one that has the library` };
  }
  const last = run.stdout.trimEnd().split('\n').at(-1) ?? '';
  let result: unknown;
  try {
    result = JSON.parse(last);
  } catch {
    result = undefined;
  }
  const object = typeof result === 'object' && result !== null && !Array.isArray(result) ? (result as Record<string, unknown>) : undefined;
  if (run.code === UNAVAILABLE_EXIT_CODE && object && 'unavailable' in object) {
    return { measured: false, why: `${python} cannot import it (${String(object.unavailable)}); set ${PYTHON_ENV} to an interpreter that has it` };
  }
  if (run.code !== 0) return { measured: false, why: `${script} failed with exit code ${run.code} (its messages are above)` };
  if (!object) throw new Error(`${script} exited 0 but its last line of output is not a JSON object: "${last.slice(0, 200)}"`);
  return { measured: true, figures: object };
}

/**
 * Runs `script` with `args` under BENCH_PYTHON (default python3), its stderr passed through.
 * Rejects only where the script's output is malformed (readReference).
 */
export function measureReference(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Reference> {
  const python = env[PYTHON_ENV] || 'python3';
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', (err) => {
      try {
        resolve(readReference(script, python, { stdout, code: null, spawnError: err }));
      } catch (e) {
        reject(e);
      }
    });
    child.on('close', (code) => {
      try {
        resolve(readReference(script, python, { stdout, code }));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** A number in the reference's figures; an Error naming the field and the script where it is missing. */
export function figure(figures: Record<string, unknown>, path: string[], script: string): number {
  let value: unknown = figures;
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${script} gave no number at ${path.join('.')} (got ${JSON.stringify(value)})`);
  }
  return value;
}
