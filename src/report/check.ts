/**
 * Checking a report directory the way CI does: every file exists, the JSON files parse and
 * validate against their published schemas, report.md is within the step-summary limit,
 * report.html is self-contained and holds its charts, and the two github-action-benchmark
 * files together hold every row of report.json.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MARKDOWN_MAX_BYTES } from './markdown.js';
import type { Report } from './model.js';
import { GAB_SCHEMA, REPORT_SCHEMA } from './schema.js';
import { validateJson } from './validate.js';
import { REPORT_FILES } from './write.js';

export interface DirCheck {
  /** Absolute paths of the files found. */
  readonly files: string[];
  /** One line per problem; empty when the directory is good. */
  readonly problems: string[];
}

function parse(path: string, problems: string[]): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    problems.push(`${path}: not JSON (${(err as Error).message})`);
    return undefined;
  }
}

export function checkReportDir(dir: string): DirCheck {
  const files: string[] = [];
  const problems: string[] = [];
  for (const name of REPORT_FILES) {
    const path = join(dir, name);
    if (existsSync(path)) files.push(path);
    else problems.push(`${path}: missing`);
  }
  if (problems.length) return { files, problems };
  const report = parse(join(dir, 'report.json'), problems) as Report | undefined;
  if (report !== undefined) {
    for (const e of validateJson(REPORT_SCHEMA, report)) problems.push(`report.json${e.startsWith('/') ? '' : ' '}${e}`);
  }
  let gabCount = 0;
  for (const name of ['bench-bigger.json', 'bench-smaller.json']) {
    const gab = parse(join(dir, name), problems);
    if (gab === undefined) continue;
    for (const e of validateJson(GAB_SCHEMA, gab)) problems.push(`${name}${e.startsWith('/') ? '' : ' '}${e}`);
    if (Array.isArray(gab)) gabCount += gab.length;
  }
  if (report !== undefined && problems.length === 0) {
    const rows = report.suites.reduce((n, s) => n + s.rows.length, 0);
    if (rows !== gabCount) problems.push(`bench-bigger.json and bench-smaller.json hold ${gabCount} rows, report.json ${rows}`);
  }
  const md = statSync(join(dir, 'report.md')).size;
  if (md === 0 || md > MARKDOWN_MAX_BYTES) problems.push(`report.md: ${md} bytes (want 1..${MARKDOWN_MAX_BYTES})`);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  if (!/^<!doctype html>/i.test(html)) problems.push('report.html: no doctype');
  if (/\s(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i.test(html) || /url\(\s*["']?(?:https?:)?\/\//i.test(html)) problems.push('report.html: loads something from the network');
  if (!/<figure class="chart"/.test(html) || !/id="report-charts"/.test(html)) problems.push('report.html: no charts');
  return { files, problems };
}
