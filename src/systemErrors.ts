/**
 * The operating system's errors that a user can fix (a full disk, a file where a folder should
 * be, a read-only folder), as one `error:` line that names the path and says what to do, instead
 * of a stack trace. Anything else is a bug and keeps its stack.
 */

const FREE_SPACE = 'Free some space, or point --artifacts-dir at a disk with room, and run again; finished work is kept.';
const CHECK_DIRS = 'Check --data-dir and --artifacts-dir, or move that file away.';
const PERMISSIONS = 'Make it readable and writable for this user, or choose other --data-dir / --artifacts-dir.';
const TOO_MANY_FILES = 'Lower --workers, or raise the limit (ulimit -n).';

const FIXES: Record<string, { what: string; fix: string }> = {
  ENOSPC: { what: 'no space left on the device', fix: FREE_SPACE },
  EDQUOT: { what: 'the disk quota is used up', fix: FREE_SPACE },
  ENOTDIR: { what: 'a part of the path is a file, not a folder', fix: CHECK_DIRS },
  EISDIR: { what: 'is a folder where a file was expected', fix: 'Move the folder away, or check --data-dir and --artifacts-dir.' },
  EACCES: { what: 'permission denied', fix: PERMISSIONS },
  EPERM: { what: 'operation not permitted', fix: PERMISSIONS },
  EROFS: { what: 'the file system is read-only', fix: 'Point --artifacts-dir at a writable folder.' },
  ENOENT: { what: 'no such file or folder', fix: 'Check the path (relative paths start at the current folder).' },
  ENAMETOOLONG: { what: 'the path is too long', fix: 'Use a shorter --data-dir or --artifacts-dir.' },
  EMFILE: { what: 'too many open files', fix: TOO_MANY_FILES },
  ENFILE: { what: 'too many open files on the system', fix: 'Lower --workers, or close other programs.' },
  EIO: { what: 'input/output error', fix: 'The disk may be failing: check it, or use another folder.' },
};

/**
 * The one-line message for an operating-system error a user can fix; undefined for anything
 * else. `during` says what was running, for errors that name no path (a full disk on write).
 */
export function describeSystemError(err: unknown, during: string): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, path, syscall } = systemFields(err as NodeJS.ErrnoException);
  const known = code === undefined ? undefined : FIXES[code];
  if (!known) return undefined;
  const where = path === undefined ? during : path.toString();
  const call = syscall === undefined ? '' : ` (${code} in ${syscall})`;
  return `${where}: ${known.what}${call}. ${known.fix}`;
}

/**
 * An error thrown in a worker thread arrives with only its message ("ENOSPC: no space left on
 * device, open '/x/y'"): its code, call and path are read back from that.
 */
function systemFields(err: NodeJS.ErrnoException): Pick<NodeJS.ErrnoException, 'code' | 'path' | 'syscall'> {
  if (err.code !== undefined) return err;
  const m = /^(E[A-Z]+): [^,]*, (\w+)(?: '(.*)')?/.exec(err.message);
  return m ? { code: m[1], syscall: m[2], path: m[3] } : {};
}
