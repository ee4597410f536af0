/**
 * Writing result files so that a crash, a Ctrl-C or a full disk never leaves a half-written
 * report: the text goes to a temporary file beside the target, which is then renamed over
 * it (rename is atomic within one file system).
 */
import { writeFileSync, renameSync, rmSync, mkdirSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/** Writes `text` to `path` atomically. @throws the file system's error, target untouched. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
