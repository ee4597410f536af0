/**
 * report.md: the report as GitHub-flavoured Markdown, for `$GITHUB_STEP_SUMMARY` (which takes
 * at most 1 MiB per step) and for reading in a PR. Under the limit by construction: when the
 * whole text would exceed it, suites' row tables are replaced by a pointer to report.json,
 * largest first, until it fits.
 */
import { appendFileSync } from 'node:fs';
import { jobTable } from './jobs.js';
import { allChecks, type Report, type ReportSuite } from './model.js';
import { fmtNum } from './table.js';

/** GitHub's step summary limit is 1 MiB; stay a little below it. */
export const MARKDOWN_MAX_BYTES = 1024 * 1024 - 4096;

/** Escapes a table cell: pipes and newlines would break the row. */
const cell = (v: string | number): string =>
  typeof v === 'number' ? (Number.isNaN(v) ? '-' : fmtNum(v)) : v.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[], numeric: readonly boolean[] = []): string {
  const align = header.map((_, i) => (numeric[i] ? '---:' : '---'));
  return [`| ${header.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

const paramText = (p: Readonly<Record<string, string | number>> | undefined): string =>
  p ? Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ') : '';

function header(r: Report): string {
  const e = r.environment;
  const lines = [
    `# poisonbench report (${r.created.slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    r.complete ? `Complete run: ${r.suites.length} suite(s) in ${(r.duration_ms / 1000).toFixed(1)} s.`
      : `**INCOMPLETE** run (${r.error ?? 'stopped early'}): the figures below are what finished.`,
    '',
    `Command: \`poisonbench bench ${r.command}\` — ${r.options.processes} process(es) per suite, ${r.options.time_ms} ms per task${r.options.smoke ? ', smoke' : ''}.`,
    'Figures are medians over processes and depend on the machine below.',
    '',
    table(['machine', ''], [
      ['CPU', `${e.cpu_model} (${e.cpus} logical CPUs, ${e.available_parallelism} available)`],
      ['OS', `${e.platform} ${e.arch} ${e.os_release}`],
      ['Node / V8', `${e.node} / ${e.v8}`],
      ['poisonbench', `${e.package_version}, commit ${e.git_commit ?? 'unknown'}${e.git_dirty ? ' (modified)' : ''}`],
      ['wasm', `${e.wasm_build} build; threads ${e.wasm_features.threads}, simd ${e.wasm_features.simd}, bulk memory ${e.wasm_features.bulk_memory}`],
    ]),
  ];
  const checks = allChecks(r);
  if (checks.length) {
    const missed = checks.filter((c) => !c.check.met).length;
    lines.push('', `## Targets (${checks.length - missed} met, ${missed} missed)`, '',
      table(['suite', 'check', 'value', 'target', ''], checks.map(({ suite, check }) => [suite, check.name, check.value, check.target, check.met ? 'met' : '**missed**']), [false, false, true]));
  }
  if (r.model.length) {
    lines.push('', '## Model parameters', '', 'Costs the simulator cannot measure; **assumed** ones have no public figure.', '',
      table(['parameter', 'value', 'unit', 'source', ''], r.model.map((m) => [m.name, m.value, m.unit, m.assumed ? '**assumed**' : 'sourced', m.help]), [false, true]));
  }
  return lines.join('\n');
}

function suiteSection(s: ReportSuite, withRows: boolean): string {
  const lines = [`## ${s.name}`, '', `${s.description}. Median of ${s.processes} process(es); ${(s.duration_ms / 1000).toFixed(1)} s.`];
  if (withRows) {
    lines.push('', table(['figure', 'value', 'unit', 'better', 'spread', 'measured + modelled', 'params'], s.rows.map((r) => [
      r.name, r.value, r.unit, r.direction, r.range ?? '',
      r.time_split ? `${fmtNum(r.time_split.measured)} + ${fmtNum(r.time_split.modelled)}` : '', paramText(r.params),
    ]), [false, true]));
  } else {
    lines.push('', `(${s.rows.length} rows left out to stay under the step summary limit: see report.json.)`);
  }
  if (s.jobs?.length) {
    const t = jobTable(s.jobs);
    lines.push('', `### ${s.name}: workload jobs`, '', table(t.header, t.rows, t.header.map((_, i) => i >= 5 && i !== 12)));
  }
  return lines.join('\n');
}

/** report.md for `report`, at most `maxBytes` bytes of UTF-8. */
export function renderMarkdown(report: Report, maxBytes = MARKDOWN_MAX_BYTES): string {
  const withRows = report.suites.map(() => true);
  const render = (): string => [header(report), ...report.suites.map((s, i) => suiteSection(s, withRows[i]!))].join('\n\n') + '\n';
  let text = render();
  // Drop row tables, largest suite first, until the text fits.
  const order = report.suites.map((s, i) => [s.rows.length, i] as const).sort((a, b) => b[0] - a[0]).map(([, i]) => i);
  for (const i of order) {
    if (Buffer.byteLength(text) <= maxBytes) break;
    withRows[i] = false;
    text = render();
  }
  if (Buffer.byteLength(text) > maxBytes) {
    const note = '\n\n(cut at the size limit: see report.json)\n';
    let cut = Buffer.from(text).subarray(0, maxBytes - Buffer.byteLength(note)).toString('utf8');
    cut = cut.replace(/\uFFFD$/, ''); // a split multi-byte character
    text = cut + note;
  }
  return text;
}

/**
 * Appends `markdown` to `$GITHUB_STEP_SUMMARY` when the variable is set (GitHub Actions).
 * @returns the file appended to, or undefined when not set.
 */
export function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env['GITHUB_STEP_SUMMARY'];
  if (!file) return undefined;
  appendFileSync(file, markdown);
  return file;
}
