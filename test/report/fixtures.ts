/**
 * Report fixtures built in tests (the workload suite's jobs have the shape of
 * src/workload/result.ts; figures are made up, shapes are real).
 */
import type { DirectionStats, JobResult } from '../../src/workload/result.js';
import { buildReport, simulatorModel, type SuiteInput } from '../../src/report/build.js';
import type { Environment } from '../../src/report/environment.js';
import type { Report } from '../../src/report/model.js';

export function direction(mbps: number, p99us: number, errors: Record<string, number> = {}): DirectionStats {
  const ns = p99us * 1000;
  return {
    total_ios: mbps > 0 ? 1000 : 0, io_bytes: 4096 * 1000, good_bytes: mbps * 1e6, bw_bytes: mbps * 1e6, iops: mbps * 1e6 / 4096, errors,
    clat_ns: { min: ns / 10, max: ns * 3, mean: ns / 3, stddev: ns / 5, N: mbps > 0 ? 1000 : 0,
      percentile: { '50.000000': ns / 4, '90.000000': ns / 2, '99.000000': ns, '99.900000': ns * 2 } },
  };
}

export function job(name: string, path: string, mode: string, density: number, mbps: number): JobResult {
  return {
    name,
    config: { name, rw: 'randread', bs: 4096, numjobs: 2, path, mode, poison: { density, pattern: 'uniform' } },
    deterministic: true, workers: 2, runtime_ms: 1000,
    read: direction(mbps, 20 + density * 1e5, density > 0 ? { EIO: 3 } : {}),
    write: direction(0, 0),
    poison: { signals: 1, memory_failures: 1, bytes_recovered: 4096, bytes_lost: 64, clears: 2, injected_lines: 5, scrubs: 1 },
    time_split: { measured_ns: 9e8, modelled_ns: 1e8, modelled_clear_ns: 2e7 },
    cpu: [{ worker: 0, user_ms: 900, system_ms: 10 }, { worker: 1, user_ms: 880, system_ms: 12 }],
  };
}

export const JOBS: JobResult[] = [0, 1e-5, 1e-4, 1e-3].flatMap((d, i) => [
  job(`dax-failfast-${i}`, 'dax', 'failfast', d, 900 - i * 200),
  job(`dax-line-${i}`, 'dax', 'recovery-read-line', d, 880 - i * 50),
  job(`block-failfast-${i}`, 'block', 'failfast', d, 700 - i * 150),
]);

export const ENV: Environment = {
  cpu_model: 'Test CPU', cpus: 2, available_parallelism: 2, arch: 'x64', platform: 'linux', os_release: '6.0',
  total_memory_bytes: 8e9, node: 'v20.0.0', v8: '11.0', package_version: '0.1.0', git_commit: 'abc', git_dirty: false,
  wasm_features: { threads: true, simd: true, bulk_memory: true }, wasm_build: 'release', ci: false,
};

const suite = (s: Omit<SuiteInput, 'description' | 'processes' | 'durationMs' | 'ratios' | 'checks'> & Partial<SuiteInput>): SuiteInput => ({
  description: `${s.suite} suite`, processes: 3, durationMs: 1000, ratios: {}, checks: [], ...s,
});

/** A report with rows of every suite shape and a workload suite with jobs. */
export function fixtureReport(extra: Partial<SuiteInput>[] = []): Report {
  const s3 = (v: number): number[] => [v * 0.98, v, v * 1.03];
  const suites: SuiteInput[] = [
    suite({
      suite: 'copy', rows: [256, 4096, 65536].flatMap((size) => ['copy_mc', 'memory.copy'].map((op) => ({
        name: `${op} ${size}B`, unit: 'GB/s', value: size / 1000, samples: s3(size / 1000), params: { op, size, poisoned: 0, cold: 0 },
      }))),
      checks: [{ name: 'copy_mc/memory.copy 4KiB', value: 0.97, target: '>= 0.95x memory.copy', met: true }],
    }),
    suite({
      suite: 'badblocks', rows: [16, 512, 10_000].flatMap((n) => ['table', 'btree'].flatMap((kind) => ['check-hit', 'check-miss', 'set', 'clear'].map((op) => ({
        name: `badblocks ${op} ${kind} n=${n}`, unit: 'ns/op', value: 10 + Math.log2(n) * (kind === 'btree' ? 3 : 1), samples: s3(10), params: { kind, n, op },
      })))),
      checks: [{ name: 'table check-hit n=512 ns', value: 60, target: '<= 50 ns', met: false }],
    }),
    suite({
      suite: 'paths', model: simulatorModel(), rows: [{
        name: 'dax pwrite recovery 4KiB poisoned', unit: 'ns/op', value: 11_000, samples: s3(11_000),
        params: { path: 'dax pwrite', mode: 'recovery', size: 4096, poisoned: 1 }, time_split: { measured: 1000, modelled: 10_000 },
      }],
    }),
    suite({
      suite: 'memory-failure', rows: [64, 4096, 2 ** 21].flatMap((range) => ['per-page', 'range'].map((policy) => ({
        name: `memory_failure ${range} xfs-rmap ${policy}`, unit: 'us', value: policy === 'range' ? 50 : range / 100, samples: s3(50),
        params: { fs: 'xfs-rmap', policy, range_bytes: range },
      }))),
    }),
    suite({
      suite: 'workload', jobs: JOBS, model: [{ name: 'clear_latency', value: 10_000, unit: 'ns', assumed: true, help: 'firmware clear' }],
      rows: JOBS.map((j) => ({ name: `workload ${j.name} goodput`, unit: 'MB/s', value: j.read.bw_bytes / 1e6, samples: s3(j.read.bw_bytes / 1e6) })),
    }),
    ...extra.map((e) => suite({ suite: 'extra', rows: [], ...e })),
  ];
  return buildReport({
    created: new Date('2026-11-22T08:00:00Z'), command: '--smoke', environment: ENV, durationMs: 12_345,
    options: { suites: suites.map((s) => s.suite), processes: 3, time_ms: 25, smoke: false },
  }, suites);
}
