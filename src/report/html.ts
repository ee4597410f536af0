/**
 * report.html: one self-contained page (no network, no library) with the summary, targets,
 * model parameters, environment, every suite's rows, the workload jobs and the charts:
 *
 *   chart-goodput            goodput vs poison density, per I/O path and mode (workload jobs)
 *   chart-latency            latency percentiles p50..p99.9 per job (workload jobs)
 *   chart-badblocks-<op>     ns per op vs N, per structure (badblocks suite)
 *   chart-memory-failure     µs per failure event vs range size, per stack and policy
 *   chart-copy               GB/s vs size per copy (copy suite, clean rows)
 *
 * Charts are drawn in the browser by the page's own script (src/report/chart.ts, embedded as
 * source) from JSON in the page; each figure records the outcome in `data-rendered`
 * ("true", "empty" with the reason shown, or "error"), which the browser test reads.
 */
import { renderChartSvg, type ChartSeries, type ChartSpec } from './chart.js';
import { errorText, goodputBytesPerSec, jobFacets, jobTable, percentile, SHOWN_PERCENTILES } from './jobs.js';
import { allChecks, type Report, type ReportRow } from './model.js';
import { fmtNum } from './table.js';
import type { JobResult } from '../workload/result.js';

/** A chart of the page, or why it has nothing to show in this run. */
export interface PageChart {
  readonly spec: ChartSpec;
  /** Set when the run has no data for it (e.g. no workload jobs): shown instead. */
  readonly empty?: string;
}

const esc = (s: string | number): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Groups points by series name, in first-seen order. */
function group(points: readonly { series: string; x: number; y: number }[]): ChartSeries[] {
  const map = new Map<string, [number, number][]>();
  for (const p of points) {
    let list = map.get(p.series);
    if (!list) map.set(p.series, list = []);
    list.push([p.x, p.y]);
  }
  return [...map].map(([name, pts]) => ({ name, points: pts }));
}

const rowsOf = (r: Report, suite: string): ReportRow[] => r.suites.filter((s) => s.name === suite).flatMap((s) => s.rows);
const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

/** The page's charts, in order; the first four are always present (the issue's charts). */
export function chartsOf(report: Report): PageChart[] {
  // The null path does no I/O (it prices the harness): its rate would flatten every I/O
  // series, so the charts leave it out; the job table still lists it.
  const jobs: JobResult[] = report.suites.flatMap((s) => s.jobs ?? []).filter((j) => jobFacets(j).path !== 'null');
  const noJobs = 'no workload jobs in this run (run the workload suite)';
  const charts: PageChart[] = [];

  // A matrix runs a few discrete densities, 0 among them: evenly spaced categories show
  // them all (a linear axis squeezes 1e-5..1e-4 onto 0, a log one has no place for 0).
  const densities = [...new Set(jobs.map((j) => jobFacets(j).density))].sort((a, b) => a - b);
  const categorical = densities.length <= 12;
  const positive = densities.filter((d) => d > 0);
  const logDensity = !categorical && positive.length === densities.length && positive.length > 0 && Math.max(...positive) / Math.min(...positive) >= 100;
  charts.push({
    spec: {
      id: 'chart-goodput', title: 'Goodput vs poison density, per path and mode',
      x: categorical ? { label: 'poison density (fraction of lines)', categories: densities.map((d) => (d === 0 ? '0' : d.toExponential(0))) }
        : { label: 'poison density (fraction of lines)', log: logDensity },
      y: { label: 'goodput, MB/s of good data' },
      series: group(jobs.map((j) => {
        const f = jobFacets(j);
        return { series: `${f.path} ${f.mode}, ${j.workers} worker${j.workers === 1 ? '' : 's'}`, x: categorical ? densities.indexOf(f.density) : f.density, y: goodputBytesPerSec(j) / 1e6 };
      })),
    },
    ...(jobs.length ? {} : { empty: noJobs }),
  });

  const categories = SHOWN_PERCENTILES.map((p) => `p${p}`);
  charts.push({
    spec: {
      id: 'chart-latency', title: 'Completion latency percentiles per job',
      x: { label: 'percentile', categories }, y: { label: 'latency, µs', log: true },
      series: jobs.flatMap((j) => (['read', 'write'] as const).filter((d) => j[d].clat_ns.N > 0).map((d) => ({
        name: `${j.name} ${d}`,
        points: SHOWN_PERCENTILES.map((p, i) => [i, percentile(j[d], p) / 1000] as [number, number]),
      }))),
    },
    ...(jobs.length ? {} : { empty: noJobs }),
  });

  const bb = rowsOf(report, 'badblocks').filter((r) => r.params && r.params['readers'] === undefined && typeof r.params['n'] === 'number');
  const ops = [...new Set(bb.map((r) => String(r.params!['op'])))];
  for (const op of ops.length ? ops : ['check-miss']) {
    charts.push({
      spec: {
        id: `chart-badblocks-${op}`, title: `badblocks ${op}: ns per call vs N, per structure`,
        x: { label: 'N (runs held)', log: true }, y: { label: 'ns per call', log: true },
        series: group(bb.filter((r) => r.params!['op'] === op).map((r) => ({ series: String(r.params!['kind']), x: num(r.params!['n']), y: r.value }))),
      },
      ...(bb.length ? {} : { empty: 'the badblocks suite did not run' }),
    });
  }

  const mf = rowsOf(report, 'memory-failure').filter((r) => r.params && r.params['op'] === undefined && typeof r.params['range_bytes'] === 'number');
  charts.push({
    spec: {
      id: 'chart-memory-failure', title: 'memory_failure cost vs failed range, per stack and policy',
      x: { label: 'failed range, bytes', log: true }, y: { label: 'µs per failure event', log: true },
      series: group(mf.map((r) => ({ series: `${r.params!['fs']} ${r.params!['policy']}`, x: num(r.params!['range_bytes']), y: r.value }))),
    },
    ...(mf.length ? {} : { empty: 'the memory-failure suite did not run' }),
  });

  const copy = rowsOf(report, 'copy').filter((r) => r.params && r.params['poisoned'] === 0);
  if (copy.length) {
    charts.push({
      spec: {
        id: 'chart-copy', title: 'Copy throughput vs size (clean; hot and cold buffers)',
        x: { label: 'bytes per call', log: true }, y: { label: 'GB/s' },
        series: group(copy.map((r) => ({ series: `${r.params!['op']}${r.params!['cold'] ? ' cold' : ''}`, x: num(r.params!['size']), y: r.value }))),
      },
    });
  }
  return charts;
}

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[], cls = ''): string {
  const td = (c: string | number): string => (typeof c === 'number' ? `<td class="n">${Number.isNaN(c) ? '-' : esc(fmtNum(c))}</td>` : `<td>${esc(c)}</td>`);
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map(td).join('')}</tr>`).join('')}</tbody></table>`;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1100px;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0;font-size:13px}th,td{border:1px solid #ddd;padding:2px 6px;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}.missed{color:#b00;font-weight:bold}
figure.chart{display:inline-block;margin:.5em;vertical-align:top;border:1px solid #eee;padding:.5em}
figcaption{font-weight:600;margin-bottom:.3em}.empty-note{color:#777;font-style:italic}.incomplete{background:#fee;padding:.5em}`;

/** The whole page. */
export function renderHtml(report: Report): string {
  const e = report.environment;
  const charts = chartsOf(report);
  const checks = allChecks(report);
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>poisonbench report ${esc(report.created)}</title><style>${STYLE}</style></head><body>`);
  parts.push(`<h1>poisonbench report</h1><p>${esc(report.created)}: <code>poisonbench bench ${esc(report.command)}</code>, ` +
    `${report.options.processes} process(es) per suite, ${(report.duration_ms / 1000).toFixed(1)} s. Figures are medians over processes.</p>`);
  if (!report.complete) parts.push(`<p class="incomplete">INCOMPLETE run: ${esc(report.error ?? 'stopped early')}. The figures are what finished.</p>`);
  parts.push('<h2>Machine</h2>' + table(['', ''], [
    ['CPU', `${e.cpu_model} (${e.cpus} logical CPUs, ${e.available_parallelism} available)`], ['OS', `${e.platform} ${e.arch} ${e.os_release}`],
    ['Node / V8', `${e.node} / ${e.v8}`], ['poisonbench', `${e.package_version}, commit ${e.git_commit ?? 'unknown'}${e.git_dirty ? ' (modified)' : ''}`],
    ['wasm', `${e.wasm_build} build; threads ${e.wasm_features.threads}, simd ${e.wasm_features.simd}, bulk memory ${e.wasm_features.bulk_memory}`],
  ]));
  if (checks.length) {
    parts.push('<h2>Targets</h2>' + table(['suite', 'check', 'value', 'target', ''], checks.map(({ suite, check }) => [suite, check.name, check.value, check.target, check.met ? 'met' : 'MISSED'])));
  }
  if (report.model.length) {
    parts.push('<h2>Model parameters</h2><p>Costs the simulator cannot measure; assumed ones have no public figure.</p>' +
      table(['parameter', 'value', 'unit', 'source', ''], report.model.map((m) => [m.name, m.value, m.unit, m.assumed ? 'ASSUMED' : 'sourced', m.help])));
  }
  parts.push(`<h2>Charts</h2><section id="charts" data-chart-count="${charts.length}">`);
  for (const c of charts) {
    parts.push(`<figure class="chart" id="${esc(c.spec.id)}" data-chart="${esc(c.spec.id)}" data-rendered="pending"${c.empty ? ` data-empty="${esc(c.empty)}"` : ''}>` +
      `<figcaption>${esc(c.spec.title)}</figcaption><div class="plot"></div>` +
      (c.empty ? `<p class="empty-note">${esc(c.empty)}</p>` : '') + '<noscript>charts need JavaScript</noscript></figure>');
  }
  parts.push('</section>');
  for (const s of report.suites) {
    parts.push(`<h2 id="suite-${esc(s.name)}">${esc(s.name)}</h2><p>${esc(s.description)}. Median of ${s.processes} process(es); ${(s.duration_ms / 1000).toFixed(1)} s.</p>`);
    if (s.jobs?.length) {
      const t = jobTable(s.jobs);
      parts.push('<h3>Workload jobs</h3>' + table(t.header, t.rows));
      parts.push('<details><summary>job configs and poison outcomes</summary>' + table(['job', 'config', 'poison', 'errors'], s.jobs.map((j) =>
        [j.name, JSON.stringify(j.config), Object.entries(j.poison).map(([k, v]) => `${k}=${v}`).join(' '), errorText(j)])) + '</details>');
    }
    parts.push(`<details${s.rows.length <= 40 ? ' open' : ''}><summary>${s.rows.length} figures</summary>` + table(['figure', 'value', 'unit', 'better', 'samples', 'measured + modelled', 'params'], s.rows.map((r) => [
      r.name, r.value, r.unit, r.direction, r.samples.map(fmtNum).join(', '),
      r.time_split ? `${fmtNum(r.time_split.measured)} + ${fmtNum(r.time_split.modelled)}` : '',
      r.params ? Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' ') : '',
    ])) + '</details>');
  }
  // The data and the renderer; `<` in the data and `</script` in the code are escaped so nothing closes the script element early.
  const data = JSON.stringify(charts.map((c) => c.spec)).replace(/</g, '\\u003c');
  const script = `"use strict";
var __name = function (f) { return f; }; // in case a bundler's keepNames helper is referenced
${renderChartSvg.toString()}
(function () {
  var specs = JSON.parse(document.getElementById('report-charts').textContent);
  var done = 0;
  specs.forEach(function (spec) {
    var fig = document.getElementById(spec.id);
    if (!fig) return;
    try {
      if (fig.hasAttribute('data-empty')) { fig.setAttribute('data-rendered', 'empty'); return; }
      fig.querySelector('.plot').innerHTML = renderChartSvg(spec);
      fig.setAttribute('data-rendered', 'true');
      done++;
    } catch (err) {
      fig.setAttribute('data-rendered', 'error');
      fig.setAttribute('data-error', String(err));
    }
  });
  document.body.setAttribute('data-charts-rendered', String(done));
})();`.replace(/<\/script/gi, '<\\/script');
  parts.push(`<script type="application/json" id="report-charts">${data}</script><script>${script}</script></body></html>\n`);
  return parts.join('\n');
}
