/**
 * From worker results and the system's counters to one JobResult (result.ts), and the model
 * parameters a run reports. Measurement (worker.ts, engine.ts), statistics (here) and
 * display (format.ts) stay separate.
 *
 * Merging across workers: counts and bytes add; errors add per errno; latency histograms
 * merge sample by sample (hdr-histogram-js `add`, so percentiles are those of all samples,
 * not an average of per-worker percentiles); the run's wall time is the longest worker's op
 * loop (they start together), so bw and iops are totals over that time.
 *
 * Poison outcomes come from the shared counters, read before and after the run (deltas):
 * clears (nvdimm_clear_poison calls) and their modelled time, memory_failure calls (the
 * kernel consumer's, plus the mm's for mmap), completed scrubs. bytes_lost = bytes of reads
 * neither returned nor recovered + what the power failure took.
 */
import type { CounterName } from '../nvdimm/state.js';
import { mergeHistograms, latencySummary } from './latency.js';
import type { DirectionCounters, WorkerResult } from './protocol.js';
import type { DirectionStats, JobResult, ModelParameter } from './result.js';
import type { JobSpec } from './spec.js';
import { formatInterval, formatMs, formatRate } from './values.js';

export interface JobCounters {
  readonly before: Readonly<Record<CounterName, number>>;
  readonly after: Readonly<Record<CounterName, number>>;
  /** Lines poisoned by the main thread (initial density and wall-time arrivals). */
  readonly injectedMain: number;
  readonly powerLostBytes: number;
  /** memory_failure calls made by the mm (mmap path), during the run. */
  readonly memoryFailureCalls: number;
  /** Main-thread wall time from GO to the end (used when no worker reported). */
  readonly wallMs: number;
  readonly stoppedBy: string;
  /** Set-up before the start barrier opened, ms. */
  readonly startupMs?: number;
}

/** The job's options as resolved, in the job file's own names and units. */
export function jobConfig(job: JobSpec): Record<string, unknown> {
  const d = job.device;
  const p = job.poison;
  return {
    name: job.name, rw: job.rw, rwmixread: job.rwmixread, bs: job.bs, span: job.span, numjobs: job.numjobs,
    ...(job.ops === null ? { runtime: formatMs(job.runtimeMs) } : { ops: job.ops }),
    path: job.path, mode: job.mode, on_error: job.onError, sync: job.sync, fsync_interval: job.fsyncInterval,
    power_fail: job.powerFail === null ? null : formatInterval(job.powerFail), verify: job.verify, seed: job.seed, lat_sample: job.latSample,
    device: { size: d.size, badblocks: d.badblocks, kernel: d.kernel, clear_latency: formatMs(d.clearLatencyMs), ars_time: formatMs(d.arsMs), eadr: d.eadr },
    poison: {
      density: p.density, pattern: p.pattern, cluster_lines: p.clusterLines, arrival: p.arrival === null ? null : formatRate(p.arrival),
      latent: p.latent, scrub: p.scrub === null ? null : formatInterval(p.scrub),
    },
  };
}

function mergeErrors(list: readonly DirectionCounters[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of list) for (const [k, v] of Object.entries(d.errors)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function direction(list: readonly DirectionCounters[], hists: readonly string[], seconds: number): DirectionStats {
  const sum = (f: (d: DirectionCounters) => number): number => list.reduce((a, d) => a + f(d), 0);
  const good = sum((d) => d.goodBytes);
  const ios = sum((d) => d.ios);
  return {
    total_ios: ios, io_bytes: sum((d) => d.ioBytes), good_bytes: good,
    bw_bytes: seconds > 0 ? good / seconds : 0, iops: seconds > 0 ? ios / seconds : 0,
    errors: mergeErrors(list), clat_ns: latencySummary(mergeHistograms(hists)),
  };
}

/** One JobResult from the workers' results and the counters (see the header). */
export function mergeJob(job: JobSpec, results: readonly WorkerResult[], c: JobCounters, deterministic: boolean): JobResult {
  const rs = [...results].sort((a, b) => a.worker - b.worker);
  const loopMs = rs.length > 0 ? Math.max(...rs.map((r) => r.loopNs)) / 1e6 : c.wallMs;
  const seconds = loopMs / 1000;
  const sum = (f: (r: WorkerResult) => number): number => rs.reduce((a, r) => a + f(r), 0);
  const delta = (k: CounterName): number => c.after[k] - c.before[k];
  const modelledClear = delta('clearModelledNs');
  const busy = sum((r) => r.loopNs);
  return {
    name: job.name, config: jobConfig(job), deterministic, workers: job.numjobs, runtime_ms: loopMs,
    read: direction(rs.map((r) => r.read), rs.map((r) => r.readHist), seconds),
    write: direction(rs.map((r) => r.write), rs.map((r) => r.writeHist), seconds),
    poison: {
      signals: sum((r) => r.signals),
      memory_failures: delta('memoryFailure') + c.memoryFailureCalls,
      bytes_recovered: sum((r) => r.bytesRecovered),
      bytes_lost: sum((r) => r.bytesNotReturned) + c.powerLostBytes,
      clears: delta('clearCalls'),
      injected_lines: c.injectedMain + sum((r) => r.injectedLines),
      scrubs: delta('arsCompleted'),
      bytes_lost_power_fail: c.powerLostBytes,
    },
    time_split: { measured_ns: Math.max(0, busy - modelledClear), modelled_ns: modelledClear, modelled_clear_ns: modelledClear },
    cpu: rs.map((r) => ({ worker: r.worker, user_ms: r.cpu.user_ms, system_ms: r.cpu.system_ms })),
    stopped_by: c.stoppedBy,
    ...(c.startupMs !== undefined ? { startup_ms: c.startupMs } : {}),
  };
}

/** The model parameters in force for `jobs` (each distinct value once). */
export function modelParameters(jobs: readonly JobSpec[]): ModelParameter[] {
  const out: ModelParameter[] = [];
  const add = (m: ModelParameter): void => {
    if (!out.some((x) => x.name === m.name && x.value === m.value)) out.push(m);
  };
  for (const j of jobs) {
    add({
      name: 'clear_latency', value: Math.round(j.device.clearLatencyMs * 1e6), unit: 'ns', assumed: true,
      help: 'Firmware CLEAR_ERROR latency per clear, busy-waited under the device mutex (no public figure exists).',
    });
    add({
      name: 'ars_time', value: j.poison.scrub !== null && 'ops' in j.poison.scrub ? 0 : j.device.arsMs, unit: 'ms', assumed: true,
      help: 'Duration of one address range scrub (nfit_test: 1000 ms); scrubs in logical time complete at once.',
    });
  }
  return out;
}
