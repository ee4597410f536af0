/**
 * `poisonbench compare`: per-metric change, the noise threshold, Welch's t-test where
 * samples exist, direction awareness, exit statuses.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { compareMain, compareMetrics, CompareInputError, metricsOf, type Metric } from '../../src/report/compare.js';
import { incompleteBeta, studentTwoSidedP, welchTTest } from '../../src/report/stats.js';
import { gabEntries } from '../../src/report/gab.js';
import { main as cli } from '../../src/cli.js';
import { fixtureReport } from './fixtures.js';

const opts = { thresholdPct: 10, alpha: 0.05 };
const m = (name: string, unit: string, value: number, samples?: number[]): Metric =>
  ({ name, unit, value, direction: /\/s$/.test(unit) ? 'bigger' : 'smaller', ...(samples ? { samples } : {}) });

/** P(|T| > |t|) by Simpson's rule over the unnormalised t density, x = u / (1 - u) (independent of stats.ts). */
function tailByIntegration(t: number, df: number): number {
  const f = (x: number): number => (1 + (x * x) / df) ** (-(df + 1) / 2);
  const integral = (from: number): number => {
    const u0 = from / (1 + from);
    const n = 20_000;
    const h = (1 - u0) / n;
    const g = (u: number): number => (u >= 1 ? 0 : f(u / (1 - u)) / (1 - u) ** 2);
    let s = g(u0) + g(1);
    for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * g(u0 + i * h);
    return (s * h) / 3;
  };
  return integral(Math.abs(t)) / integral(0);
}

describe("Welch's t-test", () => {
  it('matches R: t.test(c(1,2,3), c(4,5,6)) gives t = -3.674, df = 4, p = 0.02131', () => {
    const r = welchTTest([1, 2, 3], [4, 5, 6]);
    expect(r.t).toBeCloseTo(-3.6742, 3);
    expect(r.df).toBeCloseTo(4, 6);
    expect(r.p).toBeCloseTo(0.02131, 4);
  });

  it('unequal variances: Welch-Satterthwaite df by hand, p against a numeric integral of the t density', () => {
    // a: mean 11.5, s^2/n = (5/3)/4; b: mean 22.333, s^2/n = (19/3)/3.
    const r = welchTTest([10, 12, 11, 13], [20, 25, 22]);
    const sa = 5 / 12;
    const sb = 19 / 9;
    expect(r.df).toBeCloseTo((sa + sb) ** 2 / (sa ** 2 / 3 + sb ** 2 / 2), 10);
    expect(r.t).toBeCloseTo((11.5 - 67 / 3) / Math.sqrt(sa + sb), 10);
    expect(r.p).toBeCloseTo(tailByIntegration(r.t, r.df), 6);
    expect(welchTTest([1, 2, 3], [4, 5, 6]).p).toBeCloseTo(tailByIntegration(-3.674235, 4), 6);
  });

  it('t distribution tails and the incomplete beta at known points', () => {
    expect(studentTwoSidedP(0, 5)).toBeCloseTo(1, 12);
    expect(studentTwoSidedP(2.776445, 4)).toBeCloseTo(0.05, 5); // qt(0.975, 4)
    expect(studentTwoSidedP(1.959964, 1e6)).toBeCloseTo(0.05, 4); // normal limit
    expect(incompleteBeta(0.5, 2, 2)).toBeCloseTo(0.5, 12);
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
  });

  it('equal constant samples are not different; distinct constants are', () => {
    expect(welchTTest([5, 5], [5, 5]).p).toBe(1);
    expect(welchTTest([5, 5], [6, 6]).p).toBe(0);
    expect(() => welchTTest([1], [1, 2])).toThrow(RangeError);
  });
});

describe('verdicts', () => {
  it('direction-aware: slower times and lower rates regress, beyond the threshold only', () => {
    const before = [m('a', 'ns/op', 100), m('b', 'GB/s', 10), m('c', 'ns/op', 100), m('d', 'GB/s', 10), m('gone', 'us', 1)];
    const after = [m('a', 'ns/op', 120), m('b', 'GB/s', 8), m('c', 'ns/op', 109), m('d', 'GB/s', 12), m('new', 'us', 1)];
    const v = Object.fromEntries(compareMetrics(before, after, opts).map((c) => [c.name, c.verdict]));
    expect(v).toEqual({ a: 'regression', b: 'regression', c: 'unchanged', d: 'improvement', new: 'added', gone: 'removed' });
  });

  it('with samples, a change beyond the threshold must also be significant', () => {
    const noisy = compareMetrics([m('x', 'ns/op', 100, [60, 100, 140])], [m('x', 'ns/op', 120, [80, 120, 160])], opts)[0]!;
    expect(noisy.verdict).toBe('noise');
    expect(noisy.p).toBeGreaterThan(0.05);
    const clear = compareMetrics([m('x', 'ns/op', 100, [99, 100, 101])], [m('x', 'ns/op', 120, [119, 120, 121])], opts)[0]!;
    expect(clear.verdict).toBe('regression');
    expect(clear.p).toBeLessThan(0.001);
  });

  it('matches by name and unit (copy_mc 4KiB is GB/s in one suite, ns/op in another)', () => {
    const c = compareMetrics([m('copy_mc 4KiB', 'GB/s', 10), m('copy_mc 4KiB', 'ns/op', 30)], [m('copy_mc 4KiB', 'ns/op', 30), m('copy_mc 4KiB', 'GB/s', 10)], opts);
    expect(c.map((x) => x.verdict)).toEqual(['unchanged', 'unchanged']);
  });
});

describe('inputs', () => {
  it('report.json rows keep their samples and direction; github-action-benchmark files take the direction from the name', () => {
    const report = JSON.parse(JSON.stringify(fixtureReport()));
    const fromReport = metricsOf(report, 'report.json');
    expect(fromReport.find((x) => x.name === 'copy_mc 4096B')).toMatchObject({ unit: 'GB/s', direction: 'bigger', samples: [4.01408, 4.096, 4.21888] });
    const gab = gabEntries(report, 'smaller');
    expect(metricsOf(gab, 'out/bench-smaller.json').every((x) => x.direction === 'smaller' && x.samples === undefined)).toBe(true);
    expect(metricsOf([{ name: 'r', unit: 'MB/s', value: 1 }], 'any.json')[0]!.direction).toBe('bigger');
  });

  it('unknown shapes are bad input, named', () => {
    expect(() => metricsOf({ hello: 1 }, 'x.json')).toThrow(new CompareInputError('x.json: neither a poisonbench report.json nor a github-action-benchmark array'));
    expect(() => metricsOf([{ name: 'a' }], 'x.json')).toThrow(/x.json: entry 0 is not a github-action-benchmark row/);
  });
});

describe('the command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-compare-'));
  const write = (name: string, data: unknown): string => { const p = join(dir, name); writeFileSync(p, JSON.stringify(data)); return p; };
  const base = fixtureReport();
  const oldFile = write('old.json', base);
  const slower = JSON.parse(JSON.stringify(base));
  for (const r of slower.suites[1].rows) { r.value *= 1.5; r.samples = r.samples.map((x: number) => x * 1.5); }
  const newFile = write('new.json', slower);

  it('exit 0 when nothing regressed, 1 on a regression, with the table', () => {
    let text = '';
    expect(compareMain([oldFile, oldFile], (s) => { text += s; })).toBe(0);
    expect(text).toMatch(/0 regression\(s\)/);
    text = '';
    expect(compareMain([oldFile, newFile, '--threshold', '20'], (s) => { text += s; })).toBe(1);
    expect(text).toMatch(/badblocks check-hit table n=16 +ns\/op +smaller +\d+\.\d+ +\d+\.\d+ +\+50\.0% +0\.0\d\d +REGRESSION/);
    expect(compareMain([oldFile, newFile, '--threshold', '60'], () => {})).toBe(0);
  });

  it('exit 2 on bad input through the CLI: missing file, not JSON, bad option, one file', async () => {
    const bad = write('bad.json', 'x');
    writeFileSync(bad, '{');
    expect(await cli(['compare', join(dir, 'none.json'), oldFile])).toBe(2);
    expect(await cli(['compare', bad, oldFile])).toBe(2);
    expect(await cli(['compare', oldFile, oldFile, '--threshold', 'x'])).toBe(2);
    expect(await cli(['compare', oldFile])).toBe(2);
    expect(await cli(['compare', write('a.json', [{ name: 'a', unit: 'x', value: 1 }]), oldFile])).toBe(2); // nothing in common
    expect(await cli(['compare', '--help'])).toBe(0);
  });
});
