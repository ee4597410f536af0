/**
 * Every job option, defined once (fio's `options.c` habit). One row says everything a
 * consumer needs, and every consumer reads the rows instead of knowing options by name:
 *
 *   row ──┬─ spec.ts     validation of a job file: types, ranges, defaults, did-you-mean
 *         ├─ cli.ts      `poisonbench run` flags (--name VALUE overrides the file)
 *         ├─ help.ts     `poisonbench run --help`, docs/job-options.md, the README reference
 *         └─ schema.ts   the JSON Schema (docs/job.schema.json, `poisonbench run --schema`)
 *
 * A job file has four sections: `global` (job options applying to every job, fio's
 * [global]), `device` and `poison` (one simulated system per job, built from them), and
 * `jobs` (a list of job option sets). Job options may appear in `global` or in a job; a job's
 * own value wins, and a command-line flag wins over both.
 */
import { BADBLOCKS_KINDS } from '../badblocks/kinds.js';
import { KERNEL_VERSIONS, DEFAULT_KERNEL } from '../kernel/profiles.js';

export type OptionSection = 'job' | 'device' | 'poison';

/**
 * Value types. `size`: bytes (4096, "4k", "4KiB"); `duration`: ms ("2s", "500ms");
 * `interval`: a duration or "Nops"; `rate`: "20/s" or "1/1000ops" (values.ts); `number`: a
 * real; `int`: a whole number; `enum`: one of `values`; `bool`; `string`.
 */
export type OptionType = 'size' | 'int' | 'number' | 'duration' | 'interval' | 'rate' | 'enum' | 'bool' | 'string';

export interface OptionRow {
  /** The key in the job file (snake_case, as fio spells options). */
  readonly name: string;
  readonly section: OptionSection;
  readonly type: OptionType;
  /** What a number counts, for help and errors: "bytes", "ms", "ops", "per 64-byte line"... */
  readonly unit: string;
  /** The default as a user would write it; absent when `defaultText` explains a computed one. */
  readonly default?: string | number | boolean;
  readonly defaultText?: string;
  /** Allowed values of an enum. */
  readonly values?: readonly string[];
  /** Bounds in the resolved unit (bytes, ms, ops, count); inclusive. */
  readonly min?: number;
  readonly max?: number;
  /** Sizes: a multiple of this many bytes. */
  readonly multipleOf?: number;
  /** One paragraph: what the option does. */
  readonly help: string;
}

export const RW_MODES = ['read', 'write', 'randread', 'randwrite', 'randrw'] as const;
export type RwMode = typeof RW_MODES[number];
export const PATHS = ['block', 'dax', 'mmap', 'dm', 'null'] as const;
export type IoPath = typeof PATHS[number];
export const MODES = ['failfast', 'recovery', 'recovery-read-page', 'recovery-read-line'] as const;
export type HandlingMode = typeof MODES[number];
export const ON_ERROR = ['give-up', 'recovery-write', 'punch-hole'] as const;
export type OnError = typeof ON_ERROR[number];
export const SYNC_MODES = ['none', 'fsync', 'o_sync'] as const;
export type SyncMode = typeof SYNC_MODES[number];
export const PATTERNS = ['uniform', 'clustered'] as const;
export type PoisonPattern = typeof PATTERNS[number];

const MIB = 1024 * 1024;
/** Largest device: one wasm32 memory holds the media with its metadata (and room for files). */
export const MAX_DEVICE_BYTES = 1024 * MIB;
/** Most workers a job may start (thread slots, mm process table, and a 2-core machine's sense). */
export const MAX_NUMJOBS = 8;
/**
 * Most wall-time poison arrivals per second: the injector runs on the main thread every 5 ms
 * tick, and a million a second would keep it busy poisoning instead of stopping the run.
 * Logical-time arrivals are at most one event per op.
 */
export const MAX_ARRIVALS_PER_S = 10_000;

export const OPTIONS: readonly OptionRow[] = [
  // ---- job options (global or per job) ----
  { name: 'name', section: 'job', type: 'string', unit: '', defaultText: 'job<N>', help: 'Name of the job in reports (letters, digits, _ . -).' },
  { name: 'rw', section: 'job', type: 'enum', unit: '', values: RW_MODES, default: 'randread', help: 'I/O pattern: sequential or random reads, writes, or a random mix (see rwmixread).' },
  { name: 'rwmixread', section: 'job', type: 'int', unit: 'percent', min: 0, max: 100, default: 50, help: 'randrw only: percentage of operations that are reads.' },
  { name: 'bs', section: 'job', type: 'size', unit: 'bytes', min: 512, max: MIB, multipleOf: 512, default: '4k', help: 'Bytes per operation, a multiple of 512 (the pmem logical block size).' },
  { name: 'span', section: 'job', type: 'size', unit: 'bytes', min: 4096, max: MAX_DEVICE_BYTES, multipleOf: 4096, defaultText: 'the target less 1MiB', help: 'Bytes of the target (the namespace\'s data; the dm device) the workers do I/O in, from offset 0, split evenly between them: worker w owns slice w (fio\'s offset_increment). Poison lands only in the span; the last 1MiB of the target is kept clean for the untimed warm-up.' },
  { name: 'numjobs', section: 'job', type: 'int', unit: 'workers', min: 1, max: MAX_NUMJOBS, default: 1, help: 'Worker threads (a piscina pool of this size), each running the op loop on the one shared system.' },
  { name: 'runtime', section: 'job', type: 'duration', unit: 'ms', min: 1, max: 3_600_000, default: '1s', help: 'How long the workers run, wall time; not with ops in the same object (a job\'s ops overrides a global runtime). A time-bounded job is not deterministic.' },
  { name: 'ops', section: 'job', type: 'int', unit: 'ops per worker', min: 1, max: 1e12, defaultText: 'unset (time-bounded)', help: 'Operations per worker instead of a runtime (fio\'s number_ios). With poison and scrubs scheduled in ops, the outcome is deterministic for a seed.' },
  { name: 'path', section: 'job', type: 'enum', unit: '', values: PATHS, default: 'dax', help: 'I/O path: block (O_DIRECT on /dev/pmem0), dax (pread/pwrite of an fs-dax file; as with fio\'s numjobs, each worker has its own file, its slice), mmap (64-byte loads and stores through a DAX mapping of that file), dm (O_DIRECT on a dm-stripe over two namespaces, 64 KiB chunks), null (no I/O: the harness\'s own cost).' },
  { name: 'mode', section: 'job', type: 'enum', unit: '', values: MODES, default: 'failfast', help: 'Read-side poison handling: failfast (the kernel: a read over known poison fails), recovery (fail, then repair with on_error and retry), recovery-read-page / recovery-read-line (dax: deliver the good pages / lines, then repair the rest with on_error). Writes behave as the kernel profile does.' },
  { name: 'on_error', section: 'job', type: 'enum', unit: '', values: ON_ERROR, defaultText: 'give-up for failfast, else recovery-write', help: 'Remedy after a failed or short read: give-up (count the bytes as lost), recovery-write (rewrite the bad pages: DAX_RECOVERY_WRITE or a block write, which clear the poison), punch-hole (dax/mmap: punch the pages out and rewrite them, the pre-5.19 remedy).' },
  { name: 'sync', section: 'job', type: 'enum', unit: '', values: SYNC_MODES, default: 'none', help: 'Durability of writes: none (lines stay pending until the end of the run), fsync (fsync every fsync_interval writes), o_sync (every write made durable before it returns).' },
  { name: 'fsync_interval', section: 'job', type: 'int', unit: 'writes', min: 1, max: 1e9, default: 32, help: 'sync=fsync: writes between two fsyncs.' },
  { name: 'power_fail', section: 'job', type: 'interval', unit: 'ms or ops', min: 0, defaultText: 'never', help: 'Simulated power failure ending the run at a time ("1s") or at a worker op index ("5000ops"): every line not yet durable is lost and counted in bytes_lost.' },
  { name: 'verify', section: 'job', type: 'bool', unit: '', defaultText: 'true with power_fail (except on path null), else false', help: 'Keep a checksum of every block\'s last write and of its last write acknowledged durable (in the shared memory; writes store recognisable content), check every read against them, and verify every block at the end: after a power failure and a reboot, acknowledged blocks must be intact and unacknowledged ones lose only their pending lines; otherwise every block must hold its last write. A mismatch is an integrity violation and fails the job.' },
  { name: 'seed', section: 'job', type: 'int', unit: '', min: 0, max: 2 ** 32 - 1, default: 1, help: 'Seed of every random choice (offsets, read/write mix, poison placement); each worker draws from its own stream of it.' },
  { name: 'lat_sample', section: 'job', type: 'int', unit: 'ops', min: 0, max: 1e9, default: 64, help: 'Record the latency of one op in this many (0: latency recording off). A sampled op reads the clock twice, 40-60 ns each here (more than a 4 KiB copy): 1 in 64 keeps the harness under 10% of a 4 KiB DAX read and still gives tens of thousands of samples a second.' },
  // ---- device ----
  { name: 'size', section: 'device', type: 'size', unit: 'bytes', min: 8 * MIB, max: MAX_DEVICE_BYTES, multipleOf: 2 * MIB, default: '64MiB', help: 'Namespace size (fsdax mode; path dm uses two namespaces of half this size each, striped).' },
  { name: 'badblocks', section: 'device', type: 'enum', unit: '', values: BADBLOCKS_KINDS, default: 'table', help: 'badblocks structure of the namespace (table: the kernel\'s 512-entry table).' },
  { name: 'kernel', section: 'device', type: 'enum', unit: '', values: KERNEL_VERSIONS, default: DEFAULT_KERNEL, help: 'Kernel profile (5.18: no recovery write; DAX writes over known poison fail).' },
  { name: 'clear_latency', section: 'device', type: 'duration', unit: 'ms', min: 0, max: 1000, default: '10us', help: 'Modelled firmware CLEAR_ERROR latency per clear, spent busy-waiting under the device mutex. An assumption: no public figure exists.' },
  { name: 'ars_time', section: 'device', type: 'duration', unit: 'ms', min: 0, max: 60_000, default: '100ms', help: 'Modelled duration of one address range scrub (ARS) run by the scrubber (nfit_test: 1s).' },
  { name: 'eadr', section: 'device', type: 'bool', unit: '', default: false, help: 'Caches in the persistence domain: every store is durable at once (nothing lost at power failure).' },
  // ---- poison ----
  { name: 'density', section: 'poison', type: 'number', unit: 'per 64-byte line', min: 0, max: 0.01, default: 0, help: 'Fraction of the span\'s 64-byte lines poisoned before the run starts.' },
  { name: 'pattern', section: 'poison', type: 'enum', unit: '', values: PATTERNS, default: 'uniform', help: 'Placement: uniform (single lines anywhere in the span) or clustered (runs of cluster_lines consecutive lines).' },
  { name: 'cluster_lines', section: 'poison', type: 'int', unit: 'lines', min: 1, max: 4096, default: 8, help: 'pattern=clustered: lines per cluster.' },
  { name: 'arrival', section: 'poison', type: 'rate', unit: 'events', defaultText: 'none', help: 'New poison during the run: "20/s" (wall time, by the injector on the main thread; at most 10000/s) or "1/1000ops" (logical time: each worker poisons its own slice at its op index; at most 1/1ops). An event poisons one line, or one cluster.' },
  { name: 'latent', section: 'poison', type: 'bool', unit: '', default: false, help: 'Poison stays latent (hardware only) until consumed or scrubbed; false: known at once (badblocks), as after an MCE notification.' },
  { name: 'scrub', section: 'poison', type: 'interval', unit: 'ms or ops', defaultText: 'off', help: 'Start an ARS every this long ("500ms", by the main thread; each takes ars_time) or every N ops ("2000ops": each worker scrubs its own slice, instantly; on path dm the whole bus, so a dm job with several workers and latent poison is not deterministic).' },
];

/** The rows of one section, in table order. */
export function optionsOf(section: OptionSection): readonly OptionRow[] {
  return OPTIONS.filter((o) => o.section === section);
}

/** The row named `name` in `section`. */
export function optionRow(section: OptionSection, name: string): OptionRow | undefined {
  return OPTIONS.find((o) => o.section === section && o.name === name);
}
