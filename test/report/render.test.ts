/**
 * The renderers of one report model: Markdown (size limit, step summary), HTML (self-contained,
 * one figure per chart with its data), charts as SVG, github-action-benchmark split, the
 * terminal job table, the write step (atomic, unwritable directory) and the progress line.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { appendStepSummary, renderMarkdown } from '../../src/report/markdown.js';
import { chartsOf, renderHtml } from '../../src/report/html.js';
import { renderChartSvg } from '../../src/report/chart.js';
import { gabEntries } from '../../src/report/gab.js';
import { formatJobsTable } from '../../src/report/jobs.js';
import { checkReportDir } from '../../src/report/check.js';
import { checkOutDir, defaultOutDir, REPORT_FILES, ReportWriteError, writeReportFiles } from '../../src/report/write.js';
import { Progress } from '../../src/report/progress.js';
import { unitDirection } from '../../src/report/model.js';
import { fixtureReport, job, JOBS } from './fixtures.js';

const report = fixtureReport();

describe('report.md', () => {
  it('has the machine, targets, model parameters (assumed marked), every suite and the job table', () => {
    const md = renderMarkdown(report);
    expect(md).toMatch(/^# poisonbench report \(2026-11-22 08:00 UTC\)/);
    expect(md).toMatch(/\| CPU \| Test CPU \(2 logical CPUs, 2 available\) \|/);
    expect(md).toMatch(/## Targets \(1 met, 1 missed\)/);
    expect(md).toMatch(/\| clear_latency \| 10000 \| ns \| \*\*assumed\*\* \|/);
    for (const s of ['copy', 'badblocks', 'paths', 'memory-failure', 'workload']) expect(md).toContain(`## ${s}\n`);
    expect(md).toMatch(/\| dax pwrite recovery 4KiB poisoned \| 11000 \| ns\/op \| smaller \| {2}\| 1000 \+ 10000 \|/);
    expect(md).toContain('### workload: workload jobs');
    expect(md).toMatch(/\| dax-line-3 \| dax \| recovery-read-line \| randread \| 1\.0e-3 \|/);
  });

  it('stays under the limit: row tables go first (largest suite first), then a cut', () => {
    const big = fixtureReport([{ rows: Array.from({ length: 5000 }, (_, i) => ({ name: `row ${i} ${'x'.repeat(100)}`, unit: 'ns/op', value: i })) }]);
    const full = renderMarkdown(big, 10 * 1024 * 1024);
    expect(Buffer.byteLength(full)).toBeGreaterThan(500_000);
    const md = renderMarkdown(big, 200_000);
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(200_000);
    expect(md).toContain('(5000 rows left out to stay under the step summary limit: see report.json.)');
    expect(md).toContain('| badblocks check-hit table n=16 |'); // smaller suites keep theirs
    const cut = renderMarkdown(big, 3000);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(3000);
    expect(cut).toMatch(/\(cut at the size limit: see report.json\)\n$/);
  });

  it('is appended to $GITHUB_STEP_SUMMARY when set, and only then', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pb-summary-')), 'summary.md');
    writeFileSync(file, 'before\n');
    expect(appendStepSummary('# hello\n', { GITHUB_STEP_SUMMARY: file })).toBe(file);
    expect(readFileSync(file, 'utf8')).toBe('before\n# hello\n');
    expect(appendStepSummary('# hello\n', {})).toBeUndefined();
  });
});

describe('report.html and its charts', () => {
  it('one chart per issue figure: goodput vs density per path and mode, latency percentiles, badblocks vs N, memory-failure vs range', () => {
    const charts = chartsOf(report);
    expect(charts.map((c) => c.spec.id)).toEqual(['chart-goodput', 'chart-latency', 'chart-badblocks-check-hit', 'chart-badblocks-check-miss',
      'chart-badblocks-set', 'chart-badblocks-clear', 'chart-memory-failure', 'chart-copy']);
    expect(charts.every((c) => c.empty === undefined)).toBe(true);
    const goodput = charts[0]!.spec;
    // One series per path, mode and worker count: 1- and 2-worker cells are different lines.
    expect(goodput.series.map((s) => s.name)).toEqual(['dax failfast, 2 workers', 'dax recovery-read-line, 2 workers', 'block failfast, 2 workers']);
    expect(goodput.series[0]!.points).toEqual([[0, 900], [1, 700], [2, 500], [3, 300]]);
    expect(goodput.x.categories).toEqual(['0', '1e-5', '1e-4', '1e-3']); // discrete densities, 0 among them
    expect(charts[1]!.spec.series).toHaveLength(JOBS.length); // read only: the writes did nothing
    // The null path (harness cost, no I/O) is in no chart.
    const withNull = chartsOf({ ...report, suites: report.suites.map((x) => (x.jobs ? { ...x, jobs: [...x.jobs, job('null_64', 'null', 'failfast', 0, 99_999)] } : x)) });
    expect(withNull[0]!.spec.series.flatMap((x) => x.points.map((p) => p[1]))).not.toContain(99_999);
    expect(withNull[1]!.spec.series).toHaveLength(JOBS.length);
    expect(charts[1]!.spec.series[0]!.points).toEqual([[0, 5], [1, 10], [2, 20], [3, 40]]);
    expect(charts[3]!.spec.series.map((s) => s.name)).toEqual(['table', 'btree']);
    expect(charts[6]!.spec.series.map((s) => s.name)).toEqual(['xfs-rmap per-page', 'xfs-rmap range']);
  });

  it('says which charts have no data in a run without jobs', () => {
    const noJobs = { ...report, suites: report.suites.filter((s) => s.name !== 'workload') };
    const charts = chartsOf(noJobs);
    expect(charts.filter((c) => c.empty).map((c) => c.spec.id)).toEqual(['chart-goodput', 'chart-latency']);
    expect(renderHtml(noJobs)).toMatch(/<figure class="chart" id="chart-goodput"[^>]* data-empty="no workload jobs in this run/);
  });

  it('is one self-contained file: data and renderer inline, nothing fetched, no early </script>', () => {
    const html = renderHtml(report);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/\s(src|href)=["']?(https?:)?\/\//);
    expect(html).toContain('function renderChartSvg(spec)');
    expect(html.match(/<figure class="chart"/g)).toHaveLength(8);
    const scripts = html.split('<script').length - 1;
    expect(html.split('</script>').length - 1).toBe(scripts);
    const tricky = fixtureReport([{ suite: 'x</script><b>', rows: [] }]);
    expect(renderHtml(tricky)).not.toContain('x</script><b>');
  });

  it('renderChartSvg: a path per series through every point, log ticks, tooltips, escaped names', () => {
    const svg = renderChartSvg({
      id: 'c', title: 't', x: { label: 'N', log: true }, y: { label: 'ns', log: true },
      series: [{ name: 'a<b', points: [[10, 1], [1000, 100], [100, 10]] }, { name: 'skipped', points: [[0, 1]] }],
    });
    const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]!);
    expect(paths).toHaveLength(1); // the series with only x=0 has nothing on a log axis
    expect(paths[0]!.split(/[ML]/).filter(Boolean)).toHaveLength(3);
    expect(svg).toContain('data-series="a&lt;b"');
    expect(svg).toContain('<title>a&lt;b: 1k → 100</title>');
    for (const tick of ['>10<', '>100<', '>1k<']) expect(svg).toContain(tick);
    expect(renderChartSvg({ id: 'e', title: 'e', x: { label: 'x' }, y: { label: 'y' }, series: [] })).toContain('no data');
  });

  it('the embedded renderer runs on its own (no outside names), as in a browser', () => {
    const html = renderHtml(report);
    const source = /(function renderChartSvg\(spec\)[\s\S]*?\n})\n\(function/.exec(html)![1]!;
    const fn = new Function(`var __name = function (f) { return f; }; ${source}; return renderChartSvg;`)() as typeof renderChartSvg;
    for (const c of chartsOf(report)) expect(fn(c.spec)).toBe(renderChartSvg(c.spec));
  });
});

describe('github-action-benchmark files and units', () => {
  it('split every row by direction, keeping name, unit, value, range and extra only', () => {
    const bigger = gabEntries(report, 'bigger');
    const smaller = gabEntries(report, 'smaller');
    expect(bigger.length + smaller.length).toBe(report.suites.reduce((n, s) => n + s.rows.length, 0));
    expect(bigger.every((e) => ['GB/s', 'MB/s'].includes(e.unit))).toBe(true);
    expect(smaller.every((e) => ['ns/op', 'us'].includes(e.unit))).toBe(true);
    expect(Object.keys(smaller.find((e) => e.name.startsWith('dax pwrite'))!)).toEqual(['name', 'unit', 'value']);
  });

  it('units: rates and ratios bigger, times smaller', () => {
    expect(['GB/s', 'checks/s', 'MB/s', 'x', 'IOPS'].map(unitDirection)).toEqual(['bigger', 'bigger', 'bigger', 'bigger', 'bigger']);
    expect(['ns/op', 'us', 'ms', 'bytes'].map(unitDirection)).toEqual(['smaller', 'smaller', 'smaller', 'smaller']);
  });
});

describe('terminal job table', () => {
  it('fio-like columns: goodput MB/s, IOPS, latency percentiles in µs, errors, lost bytes, time split', () => {
    const t = formatJobsTable(JOBS.slice(0, 4));
    const lines = t.split('\n');
    expect(lines[0]).toMatch(/^job +path +mode +rw +density +read MB\/s +read IOPS +read p50 µs +read p99 µs +read p99.9 µs +write MB\/s +write p99 µs +errors +lost B +measured ms +modelled ms$/);
    expect(lines[2]).toMatch(/^dax-failfast-0 +dax +failfast +randread +0\.0e\+0 +900\.0 +219727 +5\.000 +20\.00 +40\.00 +0\.000 +- +none +64 +900\.0 +100\.0$/);
    expect(lines[5]).toMatch(/^dax-failfast-1 +dax +failfast +randread +1\.0e-5 +700\.0 .* +- +EIO=3 +64 /);
    expect(lines[3]).toMatch(/^dax-line-0 {8}dax {4}recovery-read-line {2}randread/); // words left-aligned
  });
});

describe('writing a report directory', () => {
  it('writes every file atomically (no temp file left) and the result passes the CI check', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pb-write-')), 'deep', 'out');
    const files = writeReportFiles(dir, report);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([...REPORT_FILES]);
    expect(readdirSync(dir).sort()).toEqual([...REPORT_FILES].sort());
    expect(checkReportDir(dir)).toEqual({ files, problems: [] });
  });

  it('the CI check names a missing file and a schema violation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-check-'));
    writeReportFiles(dir, report);
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    json.suites[0].rows[0].value = 'fast';
    writeFileSync(join(dir, 'report.json'), JSON.stringify(json));
    expect(checkReportDir(dir).problems).toEqual(['report.json/suites/0/rows/0/value: expected number, got string']);
    writeFileSync(join(dir, 'bench-bigger.json'), '[]');
    expect(checkReportDir(dir).problems).toContain('report.json/suites/0/rows/0/value: expected number, got string');
  });

  it('an unwritable directory is one clear line, and nothing is written', () => {
    const root = mkdtempSync(join(tmpdir(), 'pb-unwritable-'));
    writeFileSync(join(root, 'file'), 'x');
    const dir = join(root, 'file', 'out');
    expect(() => checkOutDir(dir)).toThrow(ReportWriteError);
    expect(() => writeReportFiles(dir, report)).toThrow(new ReportWriteError(`cannot write reports to ${dir}: ENOTDIR (a path component is a file)`));
    expect(readdirSync(root)).toEqual(['file']);
  });

  it('default directory: bench-results/<UTC timestamp>, file-name safe', () => {
    expect(defaultOutDir(new Date('2026-11-22T08:01:02.345Z'))).toBe(join('bench-results', '2026-11-22T08-01-02Z'));
  });
});

describe('progress line', () => {
  const sink = (isTTY: boolean): { isTTY: boolean; text: string; write(s: string): void } => ({ isTTY, text: '', write(s) { this.text += s; } });

  it('on a terminal: rewritten in place with the step and the elapsed time', () => {
    const s = sink(true);
    const p = new Progress(6, s, {});
    p.update(0, 'copy: process 1 of 3');
    p.update(5, 'paths: process 3 of 3');
    p.done();
    const erase = '\r\x1b[K';
    expect(s.text).toBe(`${erase}[1/6] copy: process 1 of 3 (0:00 elapsed)${erase}[6/6] paths: process 3 of 3 (0:00 elapsed)${erase}`);
  });

  it('quiet when not a terminal or under CI', () => {
    for (const [tty, env] of [[false, {}], [true, { CI: 'true' }], [true, { CI: '1' }]] as const) {
      const s = sink(tty);
      const p = new Progress(2, s, env);
      p.update(0, 'x');
      p.done();
      expect(s.text).toBe('');
    }
    expect(new Progress(1, sink(true), { CI: 'false' }).enabled).toBe(true);
  });
});

it('fixture sanity: the temp dirs above exist', () => {
  expect(existsSync(tmpdir())).toBe(true);
});
