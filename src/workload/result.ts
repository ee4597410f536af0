/**
 * What a workload job produces: the one stats model every output format renders (fio's
 * `stat.c` habit). Field names follow fio's JSON output where fio has the concept
 * (`read`/`write` sections, `clat_ns.percentile`, `io_bytes`, `iops`, `bw_bytes`), so fio users
 * find their way; poison-specific fields are additions beside them.
 *
 * Units are in the names: `_ns`, `_ms`, `_bytes`, `_per_s`. Latencies are nanoseconds.
 */

/** fio's percentile key: `99.900000`. */
export const percentileKey = (p: number): string => p.toFixed(6);

/** Latency summary of one direction, merged from per-worker HDR histograms. */
export interface LatencyNs {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly stddev: number;
  /** Number of sampled operations the histogram holds. */
  readonly N: number;
  /** fio-style keys: "50.000000", "90.000000", "99.000000", "99.900000". */
  readonly percentile: Readonly<Record<string, number>>;
}

/** One direction (read or write) of a job, as fio reports it, plus poison outcomes. */
export interface DirectionStats {
  /** Operations completed (successful or not). */
  readonly total_ios: number;
  /** Bytes requested by completed operations. */
  readonly io_bytes: number;
  /** Bytes actually transferred as good data (goodput numerator). */
  readonly good_bytes: number;
  /** good_bytes per second of wall time. */
  readonly bw_bytes: number;
  readonly iops: number;
  /** Failed operations by errno name, e.g. { EIO: 12, EHWPOISON: 3 }. */
  readonly errors: Readonly<Record<string, number>>;
  readonly clat_ns: LatencyNs;
}

/** Per-worker CPU time, read from /proc/thread-self/stat (process.cpuUsage is process-wide). */
export interface WorkerCpu {
  readonly worker: number;
  readonly user_ms: number;
  readonly system_ms: number;
}

/** A cost the simulator cannot measure, with the value used and whether it is an assumption. */
export interface ModelParameter {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** true when no public figure exists and the default is the project's assumption. */
  readonly assumed: boolean;
  readonly help: string;
}

/** Result of one job (all its `numjobs` workers merged). */
export interface JobResult {
  readonly name: string;
  /** The job's resolved options (defaults filled in), exactly as run. */
  readonly config: Readonly<Record<string, unknown>>;
  /** true when bounded by `ops` with poison scheduled in logical time: same seed, same outcome. */
  readonly deterministic: boolean;
  readonly workers: number;
  readonly runtime_ms: number;
  readonly read: DirectionStats;
  readonly write: DirectionStats;
  /** Poison outcomes, whole job. */
  readonly poison: {
    readonly signals: number;
    readonly memory_failures: number;
    readonly bytes_recovered: number;
    readonly bytes_lost: number;
    readonly clears: number;
    readonly injected_lines: number;
    readonly scrubs: number;
    /** Of bytes_lost: the lines not yet durable when the simulated power failed (0 without power_fail). */
    readonly bytes_lost_power_fail?: number;
  };
  /** Where the wall time went: measured (real work) vs modelled (busy-waited model costs). */
  readonly time_split: { readonly measured_ns: number; readonly modelled_ns: number; readonly modelled_clear_ns: number };
  readonly cpu: readonly WorkerCpu[];
  /** What ended the run: runtime, ops, power_fail, error or abort. */
  readonly stopped_by?: string;
  /** Untimed set-up before the start barrier: system, initial poison, pool, attach, warm-up (ms). */
  readonly startup_ms?: number;
  /**
   * verify: the content verification (src/workload/verify.ts): blocks checked after the power
   * failure and reboot, or at the end of the run. violations > 0 fails the job.
   */
  readonly integrity?: IntegrityStats;
}

/** The integrity section of a job result (src/workload/verify.ts computes it). */
export interface IntegrityStats {
  /** Whether the blocks were verified after a power failure (and a reboot) or at the end of the run. */
  readonly after: 'power_fail' | 'run';
  readonly blocks_verified: number;
  /** Blocks holding exactly what they should: the acknowledged content after a power failure, the last write otherwise. */
  readonly blocks_durable_ok: number;
  /** Unacknowledged blocks that lost lines to the power failure, and the bytes of those lines. */
  readonly blocks_lost: number;
  readonly bytes_lost: number;
  /** Blocks with a hardware-poisoned line (not compared). */
  readonly poisoned_blocks: number;
  /** Blocks whose last write fell short (content unknown; only checked for lost lines). */
  readonly torn_blocks: number;
  /** Reads the workers compared with the last write, and those that did not match. */
  readonly reads_checked: number;
  readonly read_mismatches: number;
  /** Integrity violations: acknowledged blocks not intact, mismatching reads, disagreeing loss counts. */
  readonly violations: number;
  /** The first violations, in words. */
  readonly evidence: readonly string[];
}

/** Result of one job file: its jobs, in order, and the model parameters in force. */
export interface RunResult {
  readonly jobs: readonly JobResult[];
  readonly model: readonly ModelParameter[];
  /** false when the run was stopped early (Ctrl-C, a failed worker): figures are partial. */
  readonly complete: boolean;
  readonly error?: string;
}
