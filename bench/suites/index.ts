/** The benchmark suites `npm run bench` knows, by name. */
import type { BenchRow, SuiteResult, TargetCheck } from '../lib/rows.js';
import { runCopySuite, copyTargets, formatCopyTable } from './copy.js';
import { runBadblocksSuite, badblocksTargets, formatBadblocksTable } from './badblocks.js';
import { runPathsSuite, pathsTargets, formatPathsTable } from './paths.js';
import { runMemoryFailureSuite, memoryFailureTargets, formatMemoryFailureTable } from './memory-failure.js';
import { runWorkloadSuite, workloadTargets, formatWorkloadTable, WORKLOAD_CELL_MS, WORKLOAD_SMOKE_CELL_MS } from './workload.js';

export interface SuiteRunOptions {
  /** Measuring time per task and round, ms. */
  readonly timeMs: number;
  /** Reduced sizes for a quick CI run. */
  readonly smoke: boolean;
  /** Wall time of one workload-matrix cell, ms (default 1500; 300 with smoke). */
  readonly cellMs?: number;
  /** Which of the suite's child processes this is (0-based), for work done in one only. */
  readonly process?: number;
}

export interface Suite {
  readonly description: string;
  run(options: SuiteRunOptions): Promise<SuiteResult>;
  /** Target checks recomputed on merged (median) ratios. */
  targets(ratios: Record<string, number>, rows: readonly BenchRow[]): TargetCheck[];
  format(result: SuiteResult): string;
  /** Child processes when --processes is not given (default: the run's, 3). */
  readonly defaultProcesses?: number;
}

export type SuiteName = 'copy' | 'badblocks' | 'paths' | 'memory-failure' | 'workload';

export const SUITES: Record<SuiteName, Suite> = {
  copy: {
    description: 'copy_mc, memcpy_flushcache, memory.copy and copyWithin, 256 B to 2 MiB, hot/cold, clean/poisoned',
    // Two interleaved rounds per process (the figure is then the median of 3 processes):
    // sized for the 3-minute full run.
    run: (o: SuiteRunOptions) => runCopySuite({ timeMs: o.timeMs, rounds: o.smoke ? 1 : 2, ...(o.smoke ? { sizes: [256, 4096, 65536] } : {}) }),
    targets: (ratios: Record<string, number>) => copyTargets(ratios),
    format: formatCopyTable,
  },
  badblocks: {
    description: 'check/set/clear of table, table-legacy, itree, btree, bitmap and flatten-js at 16..1,000,000 runs; reader scaling',
    run: (o: SuiteRunOptions) => runBadblocksSuite({
      timeMs: o.timeMs, rounds: 1,
      // Reader scaling: 150 ms per configuration (16 of them) is millions of checks, enough
      // for a stable rate, and keeps the full run within its 3-minute budget.
      ...(o.smoke ? { sizes: [16, 512, 10_000], scalingMs: 100 } : { scalingMs: 150 }),
      // flatten-js at 1,000,000 runs only in the first process: its tree alone takes ~15 s
      // to build (most of it in the garbage collector), too long to repeat within the
      // budget; those rows and the btree-vs-flatten-js ratio come from that one process.
      ...(o.process !== undefined && o.process > 0 ? { flattenMaxN: 100_000 } : {}),
    }),
    targets: badblocksTargets,
    format: formatBadblocksTable,
  },
  paths: {
    description: 'failfast vs recovery per path (block, DAX pread/pwrite, recovery-read policies), 4 KiB and 64 KiB, clean and poisoned',
    run: (o: SuiteRunOptions) => runPathsSuite({ timeMs: o.timeMs, rounds: o.smoke ? 1 : 2, ...(o.smoke ? { sizes: [4096] } : {}) }),
    targets: (ratios: Record<string, number>) => pathsTargets(ratios),
    format: formatPathsTable,
  },
  'memory-failure': {
    description: 'one failure event as the range grows (64 B .. 1 GiB), per-page vs range, under xfs-rmap, ext4 and a 2-member dm; dm failfast vs recovery with mixed members (µs)',
    run: (o: SuiteRunOptions) => runMemoryFailureSuite({ smoke: o.smoke }),
    targets: () => memoryFailureTargets(),
    format: formatMemoryFailureTable,
  },
  workload: {
    description: 'concurrent matrix: poison density x failfast/recovery x block/dax x 1/2 workers (4 KiB random reads, worker threads on one shared system); null-path harness cost',
    // One process: the matrix is its own repetition (24 cells, each a median-free rate over
    // ~1.5 s of ops), and three would take 2.5 of the full run's 3 minutes.
    defaultProcesses: 1,
    run: (o: SuiteRunOptions) => runWorkloadSuite({ cellMs: o.cellMs ?? (o.smoke ? WORKLOAD_SMOKE_CELL_MS : WORKLOAD_CELL_MS), smoke: o.smoke }),
    targets: (ratios: Record<string, number>) => workloadTargets(ratios),
    format: formatWorkloadTable,
  },
};
