/**
 * The README's quick start, run as written (issue 16): in bash, with stub `apt-get`, `npm` and
 * (for a user) `sudo` that record their arguments, so nothing is installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const PACKAGES = 'dataset-fashion-mnist fonts-dejavu-core';

/** The first sh block of the README's "Quick start" section. */
function quickStartCommand(markdown: string): string {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Quick start'));
  assert.ok(section, 'README.md has no "## Quick start" section');
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'the Quick start section has no sh block');
  return block[1]!.trim();
}

/** A stub command in `bin` that appends its name and arguments to $CALLS, then runs `then`. */
function stub(bin: string, name: string, then = 'exit 0'): void {
  const path = join(bin, name);
  writeFileSync(path, `#!/bin/sh\necho "${name} $*" >> "$CALLS"\n${then}\n`);
  chmodSync(path, 0o755);
}

describe('the README quick start', () => {
  let dir: string;
  let bin: string;
  let calls: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'quick-start-'));
    bin = join(dir, 'bin');
    calls = join(dir, 'calls');
    writeFileSync(calls, '');
    mkdirSync(bin);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the quick start in bash with only `bin` on PATH; its exit status, stderr and the stubs' calls. */
  const runQuickStart = () => {
    const r = spawnSync('/bin/bash', ['--norc', '--noprofile', '-c', quickStartCommand(readFileSync(README, 'utf8'))], { env: { PATH: bin, CALLS: calls }, encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr, calls: readFileSync(calls, 'utf8').split('\n').filter(Boolean) };
  };

  it('runs as root where there is no sudo (a Docker container): apt-get update and install, then npm ci and npm start', () => {
    stub(bin, 'apt-get');
    stub(bin, 'npm');
    assert.deepEqual(runQuickStart(), {
      status: 0,
      stderr: '',
      calls: ['apt-get update', `apt-get install -y ${PACKAGES}`, 'npm ci', 'npm start -- --stage all'],
    });
  });

  it('runs apt-get through sudo where there is one (a user)', () => {
    stub(bin, 'apt-get');
    stub(bin, 'npm');
    stub(bin, 'sudo', 'exec "$@"');
    assert.deepEqual(runQuickStart(), {
      status: 0,
      stderr: '',
      calls: ['sudo apt-get update', 'apt-get update', `sudo apt-get install -y ${PACKAGES}`, `apt-get install -y ${PACKAGES}`, 'npm ci', 'npm start -- --stage all'],
    });
  });

  it('stops at a failed apt-get: npm does not run', () => {
    stub(bin, 'apt-get', 'exit 100');
    stub(bin, 'npm');
    assert.deepEqual(runQuickStart(), { status: 100, stderr: '', calls: ['apt-get update'] });
  });
});
