/**
 * report.html in a real browser: headless Chromium (Debian's `chromium`, which .ci/run
 * installs) loads the page, runs its script, and prints the DOM; every chart's figure must
 * then say `data-rendered="true"` and hold an SVG with a drawn path per series. Skipped,
 * with a message saying so, where no browser is installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it, expect } from 'vitest';
import { chartsOf } from '../../src/report/html.js';
import { writeReportFiles } from '../../src/report/write.js';
import { fixtureReport } from './fixtures.js';

// POISONBENCH_CHROMIUM: a browser binary to use, or "none" to skip (as on a machine without one).
const chosen = process.env['POISONBENCH_CHROMIUM'];
const CANDIDATES = [chosen, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const browser = chosen === 'none' ? undefined : CANDIDATES.find((p): p is string => !!p && existsSync(p));
// One wasm-independent run is enough: only on the release project.
const project = process.env['POISONBENCH_WASM'] ?? 'release';
if (!browser && project === 'release') {
  console.warn('SKIPPED test/report/html.browser.test.ts: no headless browser (install Debian\'s chromium, or set POISONBENCH_CHROMIUM)');
}

/** The page's DOM after its scripts ran. */
function dumpDom(htmlFile: string): string {
  const profile = mkdtempSync(join(tmpdir(), 'pb-chromium-'));
  try {
    const r = spawnSync(browser!, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', `--user-data-dir=${profile}`,
      '--dump-dom', pathToFileURL(htmlFile).href], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`chromium exited ${r.status ?? r.signal}: ${r.stderr.slice(-500)}`);
    return r.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Each figure element's opening tag and contents, by id. */
function figures(dom: string): Map<string, { tag: string; body: string }> {
  const out = new Map<string, { tag: string; body: string }>();
  for (const m of dom.matchAll(/(<figure class="chart"[^>]*>)([\s\S]*?)<\/figure>/g)) {
    out.set(/id="([^"]+)"/.exec(m[1]!)![1]!, { tag: m[1]!, body: m[2]! });
  }
  return out;
}

describe.runIf(browser !== undefined && project === 'release')('report.html in headless Chromium', () => {
  it('every chart renders: an SVG with one non-empty path per series', () => {
    const report = fixtureReport();
    const dir = mkdtempSync(join(tmpdir(), 'pb-browser-'));
    writeReportFiles(dir, report);
    const dom = dumpDom(join(dir, 'report.html'));
    const charts = chartsOf(report);
    const figs = figures(dom);
    expect([...figs.keys()]).toEqual(charts.map((c) => c.spec.id));
    for (const c of charts) {
      const f = figs.get(c.spec.id)!;
      expect(f.tag, c.spec.id).toContain('data-rendered="true"');
      expect(f.body, c.spec.id).toMatch(/<svg [^>]*class="chart-svg"/);
      const paths = [...f.body.matchAll(/<path d="(M[^"]+)"/g)];
      expect(paths.length, c.spec.id).toBe(c.spec.series.length);
    }
    expect(dom).toContain(`data-charts-rendered="${charts.length}"`);
  });

  it('charts without data say so instead of drawing', () => {
    const report = fixtureReport();
    const noJobs = { ...report, suites: report.suites.filter((s) => s.name !== 'workload') };
    const dir = mkdtempSync(join(tmpdir(), 'pb-browser-'));
    writeReportFiles(dir, noJobs);
    const figs = figures(dumpDom(join(dir, 'report.html')));
    expect(figs.get('chart-goodput')!.tag).toContain('data-rendered="empty"');
    expect(figs.get('chart-goodput')!.body).toContain('no workload jobs in this run');
    expect(figs.get('chart-memory-failure')!.tag).toContain('data-rendered="true"');
  });
});
