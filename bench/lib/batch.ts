/**
 * Timing calls that are shorter than a timer read (DESIGN.md "Measuring": ~40 ns per read
 * here, more than a 4 KiB copy): each tinybench sample runs `fn(k)`, which must make k calls
 * of the operation, and the per-call time is the sample divided by k. k is calibrated so a
 * sample lasts about `sampleNs`, well above the timer's cost and resolution.
 */
import { Bench } from 'tinybench';

export interface BatchedTask {
  readonly name: string;
  /** Makes exactly `k` calls of the measured operation. */
  readonly fn: (k: number) => unknown;
  /** Untimed work before each sample of `k` calls (e.g. preparing what the calls consume). */
  readonly beforeEach?: (k: number) => void;
  /** Untimed work after each sample of `k` calls (e.g. undoing what the sample changed). */
  readonly afterEach?: (k: number) => void;
  /** Largest batch the task allows (e.g. the free positions a set can use). */
  readonly maxBatch?: number;
}

export interface BatchedResult {
  readonly name: string;
  /** Median nanoseconds per call. */
  readonly nsPerCall: number;
  /** Relative margin of error of the samples, percent. */
  readonly rme: number;
  readonly samples: number;
  readonly batch: number;
}

export interface BatchOptions {
  /** Measuring time per task and round, ms. */
  readonly timeMs: number;
  /** Target duration of one sample, ns. */
  readonly sampleNs?: number;
  /** Interleaved rounds; each task's figure is the median over rounds (noise control). */
  readonly rounds?: number;
}

/**
 * Calls per sample so that one sample takes about `sampleNs`. The first calls of a task are
 * slow (JIT tiers, cold caches), so it is warmed first and each size is timed three times,
 * keeping the fastest: a cold first sample would otherwise make the batch far too small.
 */
export function calibrate(task: BatchedTask, sampleNs: number): number {
  const maxBatch = task.maxBatch ?? 1 << 24;
  const timed = (k: number): number => {
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      task.beforeEach?.(k);
      const t0 = process.hrtime.bigint();
      task.fn(k);
      best = Math.min(best, Number(process.hrtime.bigint() - t0));
      task.afterEach?.(k);
    }
    return best;
  };
  timed(Math.min(64, maxBatch));
  let k = 1;
  for (;;) {
    const ns = timed(k);
    if (ns >= sampleNs / 4 || k >= maxBatch) return Math.max(1, Math.round((k * sampleNs) / Math.max(ns, 1)));
    k = Math.min(k * 4, maxBatch);
  }
}

/** Measures every task in `rounds` interleaved rounds and reports per-call medians. */
export async function measureBatched(tasks: readonly BatchedTask[], options: BatchOptions): Promise<BatchedResult[]> {
  const sampleNs = options.sampleNs ?? 50_000;
  const rounds = options.rounds ?? 3;
  const batches = tasks.map((t) => Math.min(calibrate(t, sampleNs), t.maxBatch ?? Infinity));
  const perRound: number[][] = tasks.map(() => []);
  const rmes: number[][] = tasks.map(() => []);
  const counts: number[] = tasks.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    const bench = new Bench({ time: options.timeMs, warmupTime: Math.max(5, options.timeMs / 5), throws: true });
    tasks.forEach((t, i) => {
      const k = batches[i]!;
      const before = t.beforeEach;
      const after = t.afterEach;
      bench.add(t.name, () => { t.fn(k); }, {
        ...(before ? { beforeEach: () => before(k) } : {}),
        ...(after ? { afterEach: () => after(k) } : {}),
      });
    });
    await bench.run();
    bench.tasks.forEach((task, i) => {
      const res = task.result;
      if (res.state !== 'completed') throw new Error(`benchmark task ${task.name} ended ${res.state}`);
      perRound[i]!.push((res.latency.p50 * 1e6) / batches[i]!);
      rmes[i]!.push(res.latency.rme);
      counts[i]! += res.latency.samplesCount;
    });
  }
  return tasks.map((t, i) => ({
    name: t.name,
    nsPerCall: medianOf(perRound[i]!),
    rme: medianOf(rmes[i]!),
    samples: counts[i]!,
    batch: batches[i]!,
  }));
}

function medianOf(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
