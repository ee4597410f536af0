/**
 * Writing result files so that a crash, a Ctrl-C or a full disk never leaves a half-written
 * report: the text goes to a temporary file beside the target, which is then renamed over
 * it (rename is atomic within one file system). A write that fails (ENOSPC half-way, EACCES)
 * removes its temporary file and leaves the target as it was.
 */
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * The file-system calls the writer makes; tests replace `writeFile` to simulate a full disk
 * (no test can fill a real one without root for a tmpfs mount).
 */
export interface AtomicFs {
  writeFile: (path: string, text: string) => void;
}

const REAL_FS: AtomicFs = { writeFile: (path, text) => writeFileSync(path, text) };
let fs: AtomicFs = REAL_FS;

/** Test hook: replaces the write call until reset (`undefined` restores the real one). */
export function setAtomicFs(replacement: AtomicFs | undefined): void {
  fs = replacement ?? REAL_FS;
}

/**
 * Creates `dir` and its missing parents.
 *
 * Not `mkdirSync(dir, { recursive: true })`: on Node 20 that loops forever when mkdir
 * answers ENOENT under an existing parent (`/proc/x`, some FUSE and network mounts) — a
 * hang, where a user's bad `--out` must be a one-line error.
 * @throws the file system's error (ENOENT, EACCES, ENOTDIR, EEXIST for a file in the way)
 */
export function makeDirs(dir: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  let at = abs;
  for (;;) {
    try {
      if (!statSync(at).isDirectory()) {
        const err = new Error(`ENOTDIR: not a directory, ${at}`) as NodeJS.ErrnoException;
        err.code = at === abs ? 'EEXIST' : 'ENOTDIR';
        throw err;
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const parent = dirname(at);
      if (parent === at) throw err;
      missing.push(at);
      at = parent;
    }
  }
  // Each component once, parent first: an ENOENT here is an error, never a retry.
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Writes `text` to `path` atomically. @throws the file system's error, target untouched. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  makeDirs(dirname(path));
  try {
    fs.writeFile(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
