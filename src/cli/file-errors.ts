import { accessSync, constants, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * A file the admin named that cannot be read or written, said as what to fix. Node's own text
 * ("ENOENT: no such file or directory, open '/x'") is for developers; an admin running
 * `jigsaw aup import` needs to know which path and what is wrong with it.
 * Returns undefined for anything that is not a file-system error about a path.
 */
export function describeFileError(error: unknown): string | undefined {
  const e = error as NodeJS.ErrnoException | undefined;
  if (!e || typeof e !== 'object' || typeof e.path !== 'string' || typeof e.code !== 'string') return undefined;
  const problem = FILE_PROBLEMS[e.code];
  return problem ? `${e.path}: ${problem}` : `${e.path} cannot be used (${e.code}).`;
}

const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: 'there is no such file or folder. Check the path.',
  ENOTDIR: 'part of the path is a file, not a folder. Check the path.',
  EISDIR: 'this is a folder; name a file.',
  EACCES: 'permission denied. Choose a file you may read, or a folder you may write to.',
  EPERM: 'permission denied. Choose a file you may read, or a folder you may write to.',
  EEXIST: 'already exists; choose another name.',
  ENOSPC: 'the disk is full.',
  EROFS: 'the disk is read-only; choose a folder you may write to.',
};

/**
 * A file the admin named, as text. Node leaves the path off some errors (reading a folder gives
 * "EISDIR: illegal operation on a directory, read"), so it is put back for describeFileError.
 */
export function readInputFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw withPath(err, path);
  }
}

/**
 * Writes a report the admin asked for. Created readable by its owner only: the sharing audit's
 * reports name files and their owners (often a pupil's name in a file name), the AUP register
 * names staff.
 */
export function writeOutputFile(path: string, text: string): void {
  try {
    writeFileSync(path, text, { mode: 0o600 });
  } catch (err) {
    throw withPath(err, path);
  }
}

/**
 * Whether a report can be written to `path`, checked before a long run (a sharing audit can take
 * half an hour) rather than found out at its end. Returns what to fix, or undefined.
 */
export function outputTargetProblem(path: string): string | undefined {
  const full = resolve(path);
  try {
    if (statSync(full).isDirectory()) return describeFileError(Object.assign(new Error('EISDIR'), { code: 'EISDIR', path }));
  } catch {
    // Not there yet: its folder must be.
  }
  try {
    accessSync(dirname(full), constants.W_OK);
    return undefined;
  } catch (err) {
    return describeFileError(Object.assign(err as NodeJS.ErrnoException, { path: dirname(full) }));
  }
}

/** The error, with the path it concerns where Node left it off. */
function withPath(err: unknown, path: string): unknown {
  if (err && typeof err === 'object' && !(err as NodeJS.ErrnoException).path) (err as NodeJS.ErrnoException).path = path;
  return err;
}
