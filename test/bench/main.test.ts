/**
 * The benchmark harness itself: option parsing (bad input named), row names exactly as the
 * issues fix them (dashboards key on them), medians across processes, target checks.
 */
import { describe, it, expect } from 'vitest';
import { parseBenchArgs, mergeResults } from '../../bench/main.js';
import { copyRowName, copyTargets } from '../../bench/suites/copy.js';
import { bbRowName, badblocksTargets, makeQueries, RUN_PERIOD, RUN_LEN, QUERY_LEN } from '../../bench/suites/badblocks.js';
import { median } from '../../bench/lib/rows.js';
import type { SuiteResult } from '../../bench/lib/rows.js';
import { medianJobs } from '../../bench/lib/jobs.js';
import { job } from '../report/fixtures.js';

describe('bench options', () => {
  it('defaults to every suite, 3 processes; --smoke to 1 process and short times', () => {
    expect(parseBenchArgs([])).toMatchObject({ suites: ['copy', 'badblocks', 'paths', 'memory-failure', 'workload'], processes: 3, timeMs: 20, smoke: false });
    expect(parseBenchArgs([]).out).toBeUndefined();
    expect(parseBenchArgs(['--smoke'])).toMatchObject({ processes: 1, timeMs: 10, smoke: true });
    expect(parseBenchArgs(['--suite', 'copy,paths', '--json', 'x.json', '--out', 'r'])).toMatchObject({ suites: ['copy', 'paths'], json: 'x.json', out: 'r' });
  });

  it('bad input names the option, the value and what is allowed', () => {
    expect(() => parseBenchArgs(['--suite', 'cpy'])).toThrow(/--suite must name one of copy, badblocks, paths, memory-failure, workload, got "cpy"/);
    expect(() => parseBenchArgs(['--processes', '0'])).toThrow(/--processes must be an integer in \[1, 9\], got "0"/);
    expect(() => parseBenchArgs(['--time', 'x'])).toThrow(/--time must be an integer in \[5, 10000\], got "x"/);
    expect(() => parseBenchArgs(['--json'])).toThrow(/--json needs a value/);
    expect(() => parseBenchArgs(['--out'])).toThrow(/--out needs a value/);
    expect(() => parseBenchArgs(['--fast'])).toThrow(/unknown option "--fast"/);
  });
});

describe('row names (github-action-benchmark keys)', () => {
  it('copy rows: "copy_mc 4KiB", poisoned and cold suffixes', () => {
    expect(copyRowName('copy_mc', 256, false, false)).toBe('copy_mc 256B');
    expect(copyRowName('memory.copy', 4096, false, false)).toBe('memory.copy 4KiB');
    expect(copyRowName('flushcache', 65536, true, false)).toBe('flushcache 64KiB poisoned');
    expect(copyRowName('copyWithin', 2 * 1024 * 1024, false, true)).toBe('copyWithin 2MiB cold');
  });

  it('badblocks rows: "badblocks <op> <kind> n=<N>"', () => {
    expect(bbRowName('check-miss', 'btree', 1_000_000)).toBe('badblocks check-miss btree n=1000000');
    expect(bbRowName('check-miss', 'flatten-js', 1_000_000)).toBe('badblocks check-miss flatten-js n=1000000');
  });
});

describe('benchmark inputs', () => {
  it('hits start inside a run, misses lie wholly in a gap, fresh runs sit in gaps', () => {
    const n = 1000;
    const q = makeQueries(n, 5);
    for (const s of q.hit) expect(s % RUN_PERIOD).toBeLessThan(RUN_LEN);
    for (const s of q.miss) {
      expect(s % RUN_PERIOD).toBeGreaterThanOrEqual(RUN_LEN);
      expect((s % RUN_PERIOD) + QUERY_LEN).toBeLessThanOrEqual(RUN_PERIOD);
    }
    expect(new Set(q.fresh).size).toBe(n);
    for (const s of q.fresh) expect(s % RUN_PERIOD).toBe(16);
    expect(makeQueries(n, 5).hit).toEqual(q.hit); // seeded: the same in every process
  });
});

describe('merging processes', () => {
  const result = (v: number, r: number): SuiteResult => ({
    suite: 'copy', rows: [{ name: 'copy_mc 4KiB', unit: 'GB/s', value: v }], checks: [],
    ratios: { 'copy_mc/memory.copy 4KiB': r },
  });

  it('takes the median of each row and ratio and rechecks targets on it', () => {
    const merged = mergeResults([result(10, 0.9), result(30, 0.97), result(20, 0.99)]);
    expect(merged.rows[0]!.value).toBe(20);
    expect(merged.rows[0]!.range).toBe('10.0..30.0 over 3 processes');
    expect(merged.ratios['copy_mc/memory.copy 4KiB']).toBe(0.97);
    expect(merged.checks).toEqual([{ name: 'copy_mc/memory.copy 4KiB', value: 0.97, target: '>= 0.95x memory.copy', met: true }]);
  });

  it('carries params, direction and per-process samples; medians a time split part by part', () => {
    const r = (v: number, measured: number, modelled: number): SuiteResult => ({
      suite: 'paths', checks: [], ratios: {},
      rows: [{ name: 'dax pwrite recovery 4KiB poisoned', unit: 'ns/op', value: v, params: { path: 'dax pwrite', size: 4096 }, direction: 'smaller', time_split: { measured, modelled } }],
    });
    const merged = mergeResults([r(11_000, 1000, 10_000), r(13_000, 3000, 10_000), r(12_000, 2000, 10_000)]);
    expect(merged.rows[0]).toMatchObject({
      value: 12_000, samples: [11_000, 13_000, 12_000], params: { path: 'dax pwrite', size: 4096 }, direction: 'smaller',
      time_split: { measured: 2000, modelled: 10_000 },
    });
  });

  it('jobs: per name, the process whose job had the median goodput (a job that ran, not a mix)', () => {
    const a = [job('j1', 'dax', 'failfast', 0, 100), job('j2', 'block', 'failfast', 0, 10)];
    const b = [job('j1', 'dax', 'failfast', 0, 300), job('j2', 'block', 'failfast', 0, 30)];
    const c = [job('j1', 'dax', 'failfast', 0, 200), job('j2', 'block', 'failfast', 0, 20)];
    expect(medianJobs([a, b, c])!.map((j) => j.read.bw_bytes / 1e6)).toEqual([200, 20]);
    expect(medianJobs([undefined, undefined])).toBeUndefined();
    const merged = mergeResults([a, b, c].map((jobs) => ({ ...result(1, 1), jobs })));
    expect(merged.jobs!.map((j) => j.name)).toEqual(['j1', 'j2']);
    expect(merged.rows[0]!.samples).toEqual([1, 1, 1]);
  });

  it('a row or ratio only the first process measured (flatten-js at 1,000,000) keeps its one value', () => {
    const full: SuiteResult = { suite: 'copy', checks: [], ratios: { a: 2, only: 5 }, rows: [{ name: 'x', unit: 'ns/op', value: 1, range: '± 1%' }, { name: 'y', unit: 'ns/op', value: 7, range: '± 2%' }] };
    const part: SuiteResult = { suite: 'copy', checks: [], ratios: { a: 4 }, rows: [{ name: 'x', unit: 'ns/op', value: 3 }] };
    const merged = mergeResults([full, part, part]);
    expect(merged.rows[1]).toMatchObject({ name: 'y', value: 7, samples: [7], range: '± 2%' });
    expect(merged.rows[0]).toMatchObject({ value: 3, samples: [1, 3, 3], range: '1.00..3.00 over 3 processes' });
    expect(merged.ratios).toEqual({ a: 4, only: 5 });
  });

  it('median of even and odd lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('targets from the issues', () => {
  it('copy: 0.95x at 4 KiB and above, 0.8x at 256 B; flushcache 0.75x at 4 KiB, 0.9x from 64 KiB', () => {
    const checks = copyTargets({
      'copy_mc/memory.copy 256B': 0.79, 'copy_mc/memory.copy 4KiB': 0.95,
      'flushcache/memory.copy 4KiB': 0.74, 'flushcache/memory.copy 64KiB cold': 0.9,
      'copy_mc/memory.copy 4KiB poisoned': 0.1,
    });
    expect(checks.map((c) => [c.name, c.met])).toEqual([
      ['copy_mc/memory.copy 256B', false], ['copy_mc/memory.copy 4KiB', true],
      ['flushcache/memory.copy 4KiB', false], ['flushcache/memory.copy 64KiB cold', true],
    ]);
  });

  it('badblocks: table <= 50 ns at 512, btree <= 250 ns and 10x flatten-js at 1M, scaling', () => {
    const rows = [
      { name: bbRowName('check-hit', 'table', 512), unit: 'ns/op', value: 51 },
      { name: bbRowName('check-miss', 'btree', 1_000_000), unit: 'ns/op', value: 200 },
    ];
    const checks = badblocksTargets({
      'flatten-js/btree check-miss n=1000000': 12,
      'checks/s btree readers=1': 100, 'checks/s btree readers=2': 185, 'checks/s btree readers=2 writer': 170,
    }, rows);
    const met = Object.fromEntries(checks.map((c) => [c.name, c.met]));
    expect(met).toEqual({
      'table check-hit n=512 ns': false,
      'btree check-miss n=1000000 ns': true,
      'btree vs flatten-js check-miss n=1000000': true,
      'btree 2 readers / 1 reader': true,
      "btree readers' loss with a 1000/s writer": true,
    });
  });
});
