import { open, rm, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { PIXELS_PER_IMAGE } from '../dataset.js';
import { CacheError, PipelineError } from '../errors.js';
import { writeJsonAtomic } from './atomicWrite.js';
import type { ArtifactPaths } from './paths.js';
import { sha256, writeFileAtomicSha256 } from './sha256.js';

/** One decoded image set: row-major uint8 pixels (count x 784), labels and ids by row. */
export interface ImageSet {
  count: number;
  pixels: Uint8Array;
  /** 0..9, or UNKNOWN_LABEL where the label is not known (test set without test_labels.csv) */
  labels: Uint8Array;
  ids: Int32Array;
}

export const UNKNOWN_LABEL = 255;

export interface PixelCache {
  train: ImageSet;
  test: ImageSet;
}

/** Bump when the manifest's meaning changes, so a cache written by another version is rebuilt. */
const CACHE_VERSION = 2;

/** One cache file as it was written: its size and the SHA-256 of its bytes. */
export interface CacheFileRecord {
  bytes: number;
  sha256: string;
}

/** manifest.json: what the cache was built from, and what each of its files held when written. */
export interface CacheManifest {
  version: typeof CACHE_VERSION;
  /** opaque fingerprint of the sources (CSV contents, image folder listing with sizes/mtimes) */
  sourceKey: string;
  trainCount: number;
  testCount: number;
  testLabelsKnown: boolean;
  /** by file name (`train-images.u8`, ...) */
  files: Record<string, CacheFileRecord>;
}

/** A manifest is a few hundred bytes: a bigger file is not one, and is not read into memory. */
const MANIFEST_MAX_BYTES = 64 * 1024;

type Part = 'pixels' | 'labels' | 'ids';
const BYTES_PER_IMAGE: Record<Part, number> = { pixels: PIXELS_PER_IMAGE, labels: 1, ids: Int32Array.BYTES_PER_ELEMENT };

/** The cache's files in the order they are written, each with the set and part it holds. */
function cacheFiles(paths: ArtifactPaths): { path: string; set: keyof PixelCache; part: Part }[] {
  return [
    { path: paths.trainPixels, set: 'train', part: 'pixels' },
    { path: paths.trainLabels, set: 'train', part: 'labels' },
    { path: paths.trainIds, set: 'train', part: 'ids' },
    { path: paths.testPixels, set: 'test', part: 'pixels' },
    { path: paths.testLabels, set: 'test', part: 'labels' },
    { path: paths.testIds, set: 'test', part: 'ids' },
  ];
}

const bytesOf = (a: Uint8Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Writes the cache. It is valid only as a whole, and only the manifest says so: the old manifest
 * is removed before the first file is replaced, and the new one, holding every file's size and
 * SHA-256, is written last. A run killed in between leaves no manifest (no cache, rebuilt by the
 * next `load`) instead of an old manifest over a mix of old and new files; the hashes catch a
 * file changed later, or one of two concurrent loads overwriting the other's files.
 */
export async function writePixelCache(paths: ArtifactPaths, cache: PixelCache, sourceKey: string): Promise<void> {
  await rm(paths.cacheManifest, { force: true });
  const files: Record<string, CacheFileRecord> = {};
  for (const { path, set, part } of cacheFiles(paths)) {
    const bytes = bytesOf(cache[set][part]);
    files[basename(path)] = { bytes: bytes.byteLength, sha256: await writeFileAtomicSha256(path, bytes) };
  }
  const manifest: CacheManifest = {
    version: CACHE_VERSION,
    sourceKey,
    trainCount: cache.train.count,
    testCount: cache.test.count,
    testLabelsKnown: !cache.test.labels.includes(UNKNOWN_LABEL),
    files,
  };
  await writeJsonAtomic(paths.cacheManifest, manifest);
}

/** Reads exactly `length` bytes from the start of `fh`; fewer when the file is shorter. */
async function readPrefix(fh: FileHandle, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let at = 0;
  while (at < length) {
    const { bytesRead } = await fh.read(out, at, length - at, at);
    if (bytesRead === 0) break;
    at += bytesRead;
  }
  return out.subarray(0, at);
}

/** Why `value` is not a manifest of this version for a cache in `paths`, or undefined when it is one. */
function manifestProblem(value: unknown, paths: ArtifactPaths): string | undefined {
  const m = value as Partial<CacheManifest> | null;
  if (typeof m !== 'object' || m === null) return 'manifest.json is not a JSON object';
  if (m.version !== CACHE_VERSION) return `manifest.json has version ${JSON.stringify(m.version)}, not ${CACHE_VERSION} (another version of the pipeline wrote it)`;
  const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  if (typeof m.sourceKey !== 'string' || !count(m.trainCount) || !count(m.testCount) || typeof m.testLabelsKnown !== 'boolean') {
    return 'manifest.json lacks sourceKey, trainCount, testCount or testLabelsKnown';
  }
  for (const { path, set, part } of cacheFiles(paths)) {
    const name = basename(path);
    const record = m.files?.[name];
    const bytes = (set === 'train' ? m.trainCount! : m.testCount!) * BYTES_PER_IMAGE[part];
    if (record?.bytes !== bytes || typeof record.sha256 !== 'string') return `manifest.json has no record of ${bytes} bytes with a sha256 for ${name}`;
  }
  return undefined;
}

/**
 * Reads and checks the manifest: undefined when there is none (no cache yet, or a write was
 * interrupted); CacheError when it is not a manifest of this version.
 */
export async function readCacheManifest(paths: ArtifactPaths): Promise<CacheManifest | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(paths.cacheManifest, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let text: string;
  try {
    const bytes = await readPrefix(fh, MANIFEST_MAX_BYTES + 1);
    if (bytes.length > MANIFEST_MAX_BYTES) throw new CacheError(paths.cacheDir, `manifest.json is larger than ${MANIFEST_MAX_BYTES} bytes, too large to be a manifest`);
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  } finally {
    await fh.close();
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CacheError(paths.cacheDir, `manifest.json is not JSON (${(err as Error).message})`);
  }
  const problem = manifestProblem(value, paths);
  if (problem) throw new CacheError(paths.cacheDir, problem);
  return value as CacheManifest;
}

/**
 * The bytes of one cache file, checked against its record: its size before anything is read (so
 * a file grown huge costs nothing), then its SHA-256.
 */
async function readRecorded(path: string, record: CacheFileRecord, cacheDir: string): Promise<Uint8Array> {
  const name = basename(path);
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CacheError(cacheDir, `${name} is missing`);
    throw err;
  }
  try {
    const { size } = await fh.stat();
    const bytes = size === record.bytes ? await readPrefix(fh, record.bytes) : undefined;
    if (bytes?.length !== record.bytes) throw new CacheError(cacheDir, `${name} holds ${size} bytes, manifest.json records ${record.bytes}`);
    if (sha256(bytes) !== record.sha256) throw new CacheError(cacheDir, `${name} does not match the sha256 in manifest.json (changed since load wrote it)`);
    return bytes;
  } finally {
    await fh.close();
  }
}

/** Reads the cache files that `manifest` describes, each checked against its size and SHA-256. */
export async function readCacheFiles(paths: ArtifactPaths, manifest: CacheManifest): Promise<PixelCache> {
  const files = cacheFiles(paths);
  const bytes = await Promise.all(files.map(({ path }) => readRecorded(path, manifest.files[basename(path)]!, paths.cacheDir)));
  const part = (set: keyof PixelCache, p: Part) => bytes[files.findIndex((f) => f.set === set && f.part === p)]!;
  const imageSet = (set: keyof PixelCache, count: number): ImageSet => {
    const ids = new Int32Array(count);
    bytesOf(ids).set(part(set, 'ids')); // a copy: the bytes need not sit at a 4-byte boundary
    return { count, pixels: part(set, 'pixels'), labels: part(set, 'labels'), ids };
  };
  return { train: imageSet('train', manifest.trainCount), test: imageSet('test', manifest.testCount) };
}

/** Reads the whole cache written by the `load` stage; CacheError when it is not whole. */
export async function readPixelCache(paths: ArtifactPaths): Promise<PixelCache> {
  const manifest = await readCacheManifest(paths);
  if (!manifest) {
    throw new PipelineError(
      `No pixel cache at ${paths.cacheDir}. Run \`npm start -- --stage load\` first, or use --stage all.`,
    );
  }
  return readCacheFiles(paths, manifest);
}
