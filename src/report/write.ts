/**
 * Writing a report directory: report.json (canonical), report.md, report.html,
 * bench-bigger.json and bench-smaller.json. Every text is rendered before the first file is
 * written, and each file is written atomically (src/report/atomic.ts), so a failure leaves
 * no half-written file. `checkOutDir` runs before the benchmark so a bad `--out` fails in
 * a second, not after minutes of measuring.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeDirs, writeFileAtomic } from './atomic.js';
import { gabEntries, gabText } from './gab.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { Report } from './model.js';

export const REPORT_FILES = ['report.json', 'report.md', 'report.html', 'bench-bigger.json', 'bench-smaller.json'] as const;
export type ReportFile = (typeof REPORT_FILES)[number];

/** A report directory or file that cannot be written; the message is one line for the user. */
export class ReportWriteError extends Error {}

export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: 'no such directory, and it cannot be created there', EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device', ENOTDIR: 'a path component is a file', EEXIST: 'a file is in the way',
  };
  return e?.code ? `${e.code}${why[e.code] ? ` (${why[e.code]})` : ''}` : String(err);
}

/**
 * Creates `dir` and proves it writable with a probe file (removed).
 * @throws ReportWriteError naming the directory and the reason
 */
export function checkOutDir(dir: string): string {
  const abs = resolve(dir);
  const probe = join(abs, `.poisonbench-probe-${process.pid}`);
  try {
    makeDirs(abs);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    throw new ReportWriteError(`cannot write reports to ${abs}: ${describeFsError(err)}`);
  }
  return abs;
}

/** The report's files as text, by name. */
export function renderReportFiles(report: Report): Record<ReportFile, string> {
  return {
    'report.json': JSON.stringify(report, null, 2) + '\n',
    'report.md': renderMarkdown(report),
    'report.html': renderHtml(report),
    'bench-bigger.json': gabText(gabEntries(report, 'bigger')),
    'bench-smaller.json': gabText(gabEntries(report, 'smaller')),
  };
}

/**
 * Writes every report file into `dir` (created if missing).
 * @returns the absolute paths written, in REPORT_FILES order
 * @throws ReportWriteError when a file cannot be written (files already written stay whole)
 */
export function writeReportFiles(dir: string, report: Report): string[] {
  const abs = checkOutDir(dir);
  const texts = renderReportFiles(report);
  return REPORT_FILES.map((name) => {
    const path = join(abs, name);
    try {
      writeFileAtomic(path, texts[name]);
    } catch (err) {
      throw new ReportWriteError(`cannot write ${path}: ${describeFsError(err)}`);
    }
    return path;
  });
}

/** `bench-results/<timestamp>` for a run started at `at` (UTC, file-name safe, sortable). */
export function defaultOutDir(at: Date, base = 'bench-results'): string {
  return join(base, at.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-'));
}
