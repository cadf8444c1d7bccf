/** Child processes of the CLIs for tests: output kept, waits for a line, the exit. */
import { type ChildProcess, spawn } from 'node:child_process';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A process whose output is kept, with a wait for a line of it. */
export interface Proc {
  child: ChildProcess;
  out(): string;
  /** resolves once `pattern` has been printed `times` times */
  waitFor(pattern: RegExp, times?: number): Promise<void>;
  exit: Promise<Run>;
}

export function start(script: string, args: string[], stdin = ''): Proc {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdin!.end(stdin);
  const exit = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return {
    child,
    out: () => stdout + stderr,
    async waitFor(pattern, times = 1) {
      const global = new RegExp(pattern.source, 'g');
      for (let waited = 0; (stdout + stderr).match(global)?.length !== times; waited += 20) {
        if (child.exitCode !== null) throw new Error(`exited before printing ${pattern}:\n${stdout}${stderr}`);
        if (waited > 60_000) throw new Error(`no ${pattern} in 60 s:\n${stdout}${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    exit,
  };
}

/** Lines of a worker log that say a job matching `id` started. */
export const startedLines = (log: string, id: RegExp) => log.split('\n').filter((l) => / started$/.test(l) && id.test(l));
