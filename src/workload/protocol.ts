/**
 * What the main side (engine.ts) and the worker side (worker.ts) share: the task and result
 * messages and the control words in the shared memory (piscina's habit: the two sides share
 * only message types and named constants).
 *
 * Control region (one region of the system's shared memory, kind REGION_KIND_WORKLOAD), Int32
 * words, each on its own 64-byte line (a shared counter costs 4x under contention here):
 *
 *   +0    CTL_READY   workers attached, warmed and waiting at the start barrier
 *   +64   CTL_GO      0 until the main side starts the run; then 1 (notified)
 *   +128  CTL_STOP    1: stop now (runtime over, power failure, a worker failed, Ctrl-C)
 *   +192  CTL_DONE    workers that left their op loop
 *
 * Protocol: each worker increments READY, notifies, then waits on GO (timed waits, checking
 * STOP, so a failed start never parks a worker forever). The main side waits for READY ==
 * numjobs, stores GO and notifies: everybody starts together. A worker polls STOP every
 * STOP_CHECK_OPS ops (an Atomics.load per op would cost more than the null path's op), and
 * stops by itself at its op bound.
 */
import type { SystemHandle } from '../nvdimm/system.js';
import type { JobSpec } from './spec.js';

export const REGION_KIND_WORKLOAD = 0x444c4b57; // "WKLD"
export const CONTROL_BYTES = 256;
export const CTL_READY = 0;
export const CTL_GO = 16;
export const CTL_STOP = 32;
export const CTL_DONE = 48;
/** Ops between two reads of the stop flag: a power of two (the loop masks the op index). */
export const STOP_CHECK_OPS = 64;
/** Longest a worker waits at the start barrier before it gives up (the main side died). */
export const BARRIER_TIMEOUT_MS = 60_000;

/** The one task a worker runs per job. */
export interface WorkerTask {
  readonly handle: SystemHandle;
  readonly job: JobSpec;
  /** 0..numjobs-1: the slice of the span this worker owns, and its seed offset. */
  readonly worker: number;
  /** Ops bound for this worker: job.ops, or the power_fail op index when earlier; null when time-bounded. */
  readonly opsLimit: number | null;
  /**
   * Ms after its start when the worker stops by itself (the runtime, or a power failure in
   * wall time); null: none. Each worker times its own run, so a main thread starved of CPU
   * cannot stretch it; the main side's stop flag is the backstop.
   */
  readonly deadlineMs: number | null;
  /** Scrubs (ARS) every this many ops, on the worker's own slice; 0: none. */
  readonly scrubEveryOps: number;
  /** Poison events every this many ops, in the worker's slice; 0: none. */
  readonly arrivalEveryOps: number;
  /** Test hook: throw at this op index (a failed worker must end the run, not hang it). */
  readonly failAtOp?: number;
  /** How the test hook fails: throw, or end the thread at once (a crashed worker). */
  readonly failHow?: 'throw' | 'exit';
}

/** Counters of one direction in one worker. */
export interface DirectionCounters {
  ios: number;
  ioBytes: number;
  goodBytes: number;
  errors: Record<string, number>;
}

export interface WorkerResult {
  readonly worker: number;
  readonly read: DirectionCounters;
  readonly write: DirectionCounters;
  /** HDR histograms of the sampled latencies (ns), compressed base64 (hdr-histogram-js encoding). */
  readonly readHist: string;
  readonly writeHist: string;
  readonly signals: number;
  readonly bytesRecovered: number;
  /** Bytes of reads not returned and not recovered. */
  readonly bytesNotReturned: number;
  readonly injectedLines: number;
  readonly scrubs: number;
  /** The loop ended at the deadline (not at its op bound or a stop request). */
  readonly byDeadline: boolean;
  /** verify: the worker's read checks against the block ledger (ledger.ts). */
  readonly reads?: { readonly checked: number; readonly mismatches: number; readonly unknown: number; readonly evidence: readonly string[] };
  /** Wall time of the op loop (from GO to the loop's end), ns. */
  readonly loopNs: number;
  readonly cpu: { readonly user_ms: number; readonly system_ms: number };
}
