import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { PipelineError } from '../../errors.js';
import { gunzipIdx, isGzip, readIdxBytes } from '../../io/idx.js';

/** The four official IDX files, by role, as upstream names them (without `.gz`). */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;
export type IdxRole = keyof typeof IDX_FILES;

/** Where the Debian package `dataset-fashion-mnist` installs the files. */
export const DEBIAN_IDX_DIR = '/usr/share/datasets/fashion-mnist';
/** The upstream repository's data folder. */
export const UPSTREAM_IDX_URL = 'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion';

/** The four files' contents (decompressed) and where they came from, for messages. */
export interface IdxSource {
  origin: string;
  files: Record<IdxRole, { name: string; bytes: Uint8Array }>;
}

export interface FindIdxOptions {
  /** --idx-dir, tried first */
  idxDir: string | undefined;
  debianDir?: string;
  baseUrl?: string;
  /** ms to wait for a server's response headers: keeps "no network" a matter of seconds */
  connectTimeoutMs?: number;
  /** ms for a whole file, body included */
  downloadTimeoutMs?: number;
  signal?: AbortSignal;
}

const ROLES = Object.keys(IDX_FILES) as IdxRole[];

/** Each role's file in `dir`, plain or `.gz`; the names of those missing otherwise. */
async function filesIn(dir: string): Promise<{ found?: Record<IdxRole, string>; missing: string[] }> {
  const found: Partial<Record<IdxRole, string>> = {};
  const missing: string[] = [];
  for (const role of ROLES) {
    for (const name of [`${IDX_FILES[role]}.gz`, IDX_FILES[role]]) {
      try {
        await access(join(dir, name));
        found[role] = join(dir, name);
        break;
      } catch {
        // try the next spelling
      }
    }
    if (!found[role]) missing.push(`${IDX_FILES[role]}[.gz]`);
  }
  return missing.length ? { missing } : { found: found as Record<IdxRole, string>, missing };
}

async function readAll(paths: Record<IdxRole, string>, origin: string): Promise<IdxSource> {
  const entries = await Promise.all(ROLES.map(async (role) => [role, { name: paths[role], bytes: await readIdxBytes(paths[role]) }] as const));
  return { origin, files: Object.fromEntries(entries) as IdxSource['files'] };
}

/** Fetches one URL; rejects (never hangs) when headers or body take longer than the limits. */
async function download(url: string, opts: FindIdxOptions): Promise<Uint8Array> {
  const connectMs = opts.connectTimeoutMs ?? 5000;
  // AbortSignal.timeout bounds the whole file; this one only the wait for headers, so a slow
  // but working network can still finish a 26 MB download.
  const headers = new AbortController();
  const timer = setTimeout(() => headers.abort(new Error(`no response within ${connectMs} ms`)), connectMs);
  const signals = [headers.signal, AbortSignal.timeout(opts.downloadTimeoutMs ?? 120_000), ...(opts.signal ? [opts.signal] : [])];
  try {
    const res = await fetch(url, { signal: AbortSignal.any(signals) });
    clearTimeout(timer);
    if (!res.ok) throw new Error(`HTTP ${res.status} for ${url}`);
    return new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    const e = err as Error;
    throw new Error(e.cause instanceof Error ? `${e.message} (${e.cause.message})` : e.message);
  } finally {
    clearTimeout(timer);
  }
}

async function downloadAll(baseUrl: string, opts: FindIdxOptions): Promise<IdxSource> {
  const entries = await Promise.all(
    ROLES.map(async (role) => {
      const name = `${baseUrl}/${IDX_FILES[role]}.gz`;
      const body = await download(name, opts);
      return [role, { name, bytes: isGzip(body) ? await gunzipIdx(body, name) : body }] as const;
    }),
  );
  return { origin: baseUrl, files: Object.fromEntries(entries) as IdxSource['files'] };
}

/**
 * Finds the four IDX files: `--idx-dir` if given, else the Debian package's folder, else the
 * upstream repository over the network. When all three fail the error names each option and
 * why it failed. Downloads stay in memory: prepare needs them once, to write the layout.
 */
export async function findIdx(opts: FindIdxOptions): Promise<IdxSource> {
  const tried: string[] = [];
  if (opts.idxDir !== undefined) {
    const { found, missing } = await filesIn(opts.idxDir);
    if (found) return readAll(found, opts.idxDir);
    // A folder the user named explicitly but got wrong is an error, not a reason to look elsewhere.
    throw new PipelineError(`--idx-dir ${opts.idxDir} lacks ${missing.join(', ')}. Put the four Fashion-MNIST IDX files there, or leave out --idx-dir.`);
  }
  tried.push('(1) --idx-dir DIR: not given');
  const debianDir = opts.debianDir ?? DEBIAN_IDX_DIR;
  const { found, missing } = await filesIn(debianDir);
  if (found) return readAll(found, debianDir);
  tried.push(`(2) ${debianDir} (Debian package dataset-fashion-mnist): lacks ${missing.join(', ')}`);
  const baseUrl = opts.baseUrl ?? UPSTREAM_IDX_URL;
  try {
    return await downloadAll(baseUrl, opts);
  } catch (err) {
    tried.push(`(3) download from ${baseUrl}: ${(err as Error).message}`);
  }
  throw new PipelineError(
    `Cannot find the Fashion-MNIST IDX files. Tried ${tried.join('; ')}. ` +
      'Pass --idx-dir DIR with the four files, or install them with `apt-get install dataset-fashion-mnist`, or connect to the network.',
  );
}
