/**
 * The workload suite's matrix, row names and target checks (bench/suites/workload.ts), on
 * synthetic ratios: the suite itself runs for minutes and is exercised by `npm run bench`.
 */
import { describe, it, expect } from 'vitest';
import { cellName, formatWorkloadTable, workloadMatrix, workloadTargets } from '../../bench/suites/workload.js';
import { SUITES } from '../../bench/suites/index.js';

describe('workload suite', () => {
  it('runs the issue\'s matrix: density {0, 1e-6, 1e-4} x mode x path {block, dax} x workers {1, 2}; a reduced one with --smoke', () => {
    const full = workloadMatrix(false);
    expect(full).toHaveLength(3 * 2 * 2 * 2);
    expect(new Set(full.map(cellName)).size).toBe(24);
    expect(cellName({ path: 'dax', mode: 'recovery', density: 1e-4, workers: 2 })).toBe('workload dax recovery density=1e-4 workers=2');
    expect(workloadMatrix(true)).toHaveLength(8);
    expect('workload' in SUITES).toBe(true);
  });

  it('checks the targets on ratios', () => {
    const clean = (w: number): string => cellName({ path: 'dax', mode: 'failfast', density: 0, workers: w });
    const ratios = {
      [`per-op ${clean(1)}`]: 200, 'workload null lat_sample=64 per-op': 18,
      [`cpu per-op ${clean(1)}`]: 180, 'cpu workload null lat_sample=64 per-op': 9,
      [`goodput ${clean(1)}`]: 10_000, [`goodput ${clean(2)}`]: 17_000,
      [`ops per cpu-s ${clean(1)}`]: 4e6, [`ops per cpu-s ${clean(2)}`]: 3.8e6,
      [`modelled clear per clear ${cellName({ path: 'dax', mode: 'recovery', density: 1e-4, workers: 1 })}`]: 10_000,
    };
    expect(workloadTargets(ratios).map((c) => [c.name, c.value, c.met])).toEqual([
      ['null path (lat_sample 64) per op / clean 4KiB dax read per op', 0.09, true],
      ['null path (lat_sample 64) / clean 4KiB dax read, CPU time per op', 0.05, true],
      ['clean dax reads: goodput 2 workers / 1 worker', 1.7, false],
      ['clean dax reads: 2 workers / 1 worker on CPU time (2 x ops per worker CPU-second)', 1.9, true],
      ['workload dax recovery density=1e-4 workers=1: modelled clear time per clear (ns)', 10_000, true],
    ]);
  });

  it('formats a table from rows and ratios alone (what a merge of processes keeps)', () => {
    const name = cellName({ path: 'block', mode: 'recovery', density: 1e-6, workers: 2 });
    const text = formatWorkloadTable({
      suite: 'workload', checks: [], ratios: { [`modelled clear share ${name}`]: 0.0005, [`ops per cpu-s ${name}`]: 4.5e6 },
      rows: [{ name: `${name} goodput`, unit: 'MB/s', value: 5000 }, { name: `${name} p99`, unit: 'ns', value: 700 }],
    });
    expect(text).toContain('block recovery density=1e-6 workers=2');
    expect(text).toContain('0.050%');
    expect(text).toMatch(/block recovery density=1e-6 workers=2 +5000 +4\.500 +700\.0 +0\.050%/);
  });
});
