/**
 * Which path each of the project's kernels took. Most kernels have a fast path for the shapes
 * the study's networks use and hand other shapes to the stock kernel; a change that quietly
 * sends a study shape down the stock path would only show as a slower epoch. Each kernel
 * records its choice here (a Set insert per call), and a test runs the study's networks and
 * fails on any path named `stock…`.
 */

const taken = new Map<string, Set<string>>();

/** Records that `kernel` ran `path`. Paths that name a slow fallback start with "stock". */
export function tookPath(kernel: string, path: string): void {
  let paths = taken.get(kernel);
  if (!paths) taken.set(kernel, (paths = new Set()));
  paths.add(path);
}

/** Kernel name -> the paths it took since the last `clearTakenPaths`, sorted. */
export function takenPaths(): Record<string, string[]> {
  return Object.fromEntries([...taken].map(([kernel, paths]) => [kernel, [...paths].sort()]).sort());
}

export function clearTakenPaths(): void {
  taken.clear();
}
