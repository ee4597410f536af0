/**
 * Merging worker results into one JobResult (metrics.ts), the latency recorder against an
 * HDR histogram fed the same samples, and the /proc stat parser. Synthetic inputs; expected
 * values from the definitions (sums, merged percentiles of all samples).
 */
import { describe, it, expect } from 'vitest';
import { mergeJob, modelParameters, type JobCounters } from '../../src/workload/metrics.js';
import { encodeHistogram, LatencyRecorder, latencySummary, mergeHistograms, newHistogram } from '../../src/workload/latency.js';
import { parseStat } from '../../src/workload/cpu.js';
import { resolveJobFile } from '../../src/workload/spec.js';
import type { WorkerResult } from '../../src/workload/protocol.js';
import { COUNTER_NAMES, type CounterName } from '../../src/nvdimm/state.js';

function hist(values: readonly number[]): string {
  const r = new LatencyRecorder();
  for (const v of values) r.record(v);
  return encodeHistogram(r.toHistogram());
}

function worker(w: number, o: Partial<WorkerResult>): WorkerResult {
  const empty = hist([]);
  return {
    worker: w, read: { ios: 0, ioBytes: 0, goodBytes: 0, errors: {} }, write: { ios: 0, ioBytes: 0, goodBytes: 0, errors: {} },
    readHist: empty, writeHist: empty, signals: 0, bytesRecovered: 0, bytesNotReturned: 0, injectedLines: 0, scrubs: 0, byDeadline: false,
    loopNs: 0, cpu: { user_ms: 0, system_ms: 0 }, ...o,
  };
}

const zero = (): Record<CounterName, number> => Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as Record<CounterName, number>;

describe('mergeJob', () => {
  const [job] = resolveJobFile({ global: { numjobs: 2, ops: 1000 }, jobs: [{ name: 'm' }] });
  const before = { ...zero(), clearCalls: 5, clearModelledNs: 50_000, memoryFailure: 1, arsCompleted: 2 };
  const after = { ...zero(), clearCalls: 8, clearModelledNs: 80_000, memoryFailure: 4, arsCompleted: 3 };
  const counters: JobCounters = { before, after, injectedMain: 10, powerLostBytes: 640, memoryFailureCalls: 2, wallMs: 1, stoppedBy: 'ops' };
  const a = worker(0, {
    read: { ios: 100, ioBytes: 409600, goodBytes: 405504, errors: { EIO: 1 } },
    readHist: hist(Array.from({ length: 1000 }, () => 100)), loopNs: 1e9, signals: 1, bytesRecovered: 0, bytesNotReturned: 4096,
    injectedLines: 3, cpu: { user_ms: 900, system_ms: 10 },
  });
  const b = worker(1, {
    read: { ios: 50, ioBytes: 204800, goodBytes: 204800, errors: { EIO: 2, partial: 1 } },
    write: { ios: 7, ioBytes: 28672, goodBytes: 28672, errors: {} },
    readHist: hist(Array.from({ length: 1000 }, () => 10_000)), loopNs: 0.5e9, bytesRecovered: 8192, injectedLines: 4,
    cpu: { user_ms: 450, system_ms: 20 },
  });
  const j = mergeJob(job!, [b, a], counters, true);

  it('adds counts, bytes and errors per errno; rates are totals over the longest worker loop', () => {
    expect(j.read).toMatchObject({ total_ios: 150, io_bytes: 614400, good_bytes: 610304, errors: { EIO: 3, partial: 1 } });
    expect(j.read.bw_bytes).toBe(610304 / 1);
    expect(j.read.iops).toBe(150);
    expect(j.write).toMatchObject({ total_ios: 7, io_bytes: 28672, good_bytes: 28672, errors: {} });
    expect(j.runtime_ms).toBe(1000);
  });

  it('merges latency sample by sample: percentiles of all 2000 samples, not an average of per-worker ones', () => {
    expect(j.read.clat_ns.N).toBe(2000);
    expect(j.read.clat_ns.percentile['50.000000']).toBe(100);
    expect(j.read.clat_ns.percentile['90.000000']).toBeGreaterThanOrEqual(10_000 - 10);
    expect(j.read.clat_ns.percentile['90.000000']).toBeLessThanOrEqual(10_000 + 10);
    expect(j.read.clat_ns.min).toBe(100);
    expect(j.read.clat_ns.mean).toBeCloseTo((100 + 10_000) / 2, -1);
    expect(j.write.clat_ns).toMatchObject({ N: 0, max: 0, percentile: { '99.000000': 0 } });
  });

  it('takes poison outcomes from the counter deltas and the workers', () => {
    expect(j.poison).toEqual({
      signals: 1, memory_failures: 3 + 2, bytes_recovered: 8192, bytes_lost: 4096 + 640, clears: 3,
      injected_lines: 10 + 3 + 4, scrubs: 1, bytes_lost_power_fail: 640,
    });
    expect(j.time_split).toEqual({ measured_ns: 1.5e9 - 30_000, modelled_ns: 30_000, modelled_clear_ns: 30_000 });
  });

  it('keeps each worker CPU time, in worker order, and the resolved config', () => {
    expect(j.cpu).toEqual([{ worker: 0, user_ms: 900, system_ms: 10 }, { worker: 1, user_ms: 450, system_ms: 20 }]);
    expect(j.config).toMatchObject({ name: 'm', ops: 1000, numjobs: 2, bs: 4096, path: 'dax', device: { size: 64 * 1024 * 1024, clear_latency: '10us' } });
    expect(j).toMatchObject({ workers: 2, deterministic: true, stopped_by: 'ops' });
  });

  it('reports the model parameters in force, each distinct value once, as assumptions', () => {
    const jobs = resolveJobFile({ jobs: [{ name: 'a' }, { name: 'b' }] });
    expect(modelParameters(jobs).map((m) => [m.name, m.value, m.unit, m.assumed])).toEqual([['clear_latency', 10_000, 'ns', true], ['ars_time', 100, 'ms', true]]);
  });
});

describe('LatencyRecorder', () => {
  it('gives the same percentiles as an HDR histogram fed the same samples', () => {
    let x = 12345;
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      values.push(1 + (x % 5_000_000) * (i % 7 === 0 ? 100 : 1));
    }
    const rec = new LatencyRecorder();
    const h = newHistogram();
    for (const v of values) {
      rec.record(v);
      h.recordValue(v);
    }
    const a = latencySummary(mergeHistograms([encodeHistogram(rec.toHistogram())]));
    const b = latencySummary(h);
    expect(a.N).toBe(b.N);
    for (const k of Object.keys(b.percentile)) {
      expect(Math.abs(a.percentile[k]! - b.percentile[k]!) / b.percentile[k]!, k).toBeLessThan(2e-3);
    }
  });

  it('clamps samples to [1 ns, 2^32 - 1 ns]', () => {
    const rec = new LatencyRecorder();
    rec.record(0.2);
    rec.record(1e12);
    const s = latencySummary(rec.toHistogram());
    expect(s.min).toBe(1);
    expect(s.max).toBeGreaterThan(4.29e9);
    expect(s.max).toBeLessThan(4.3e9);
  });
});

describe('parseStat', () => {
  it('reads utime and stime (fields 14, 15, clock ticks of 10 ms) after a command holding spaces and parentheses', () => {
    const line = '4242 (node (worker) 1) R 1 2 3 4 5 6 7 8 9 10 123 45 0 0 20 0 9 0 100 200 300';
    expect(parseStat(line)).toEqual({ user_ms: 1230, system_ms: 450 });
  });

  it('refuses a line that is not a stat line', () => {
    expect(() => parseStat('hello')).toThrow(RangeError);
  });
});
