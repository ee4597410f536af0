/**
 * The executor: what runs a validated scenario script against a simulated system.
 *
 * One method per command word, named after it (`clear-poison` → `clearPoison`), taking the
 * typed arguments the command table declares (ArgsOf<W>: camel-cased, defaults filled,
 * names resolved, every range already inside the device) and returning what the kernel
 * call returned. The runner (run.ts) turns that into the output line; the executor never
 * formats output and never validates script syntax.
 *
 *   script ─ validate.ts ─► ValidatedScript ─ run.ts ─► DISPATCH[word](executor, args)
 *                               │                              │
 *                               └─ SimPlatform ─► ExecutorFactory (once, before line 1)
 *
 * The factory gets every namespace the script declares, so the shared memory is laid out
 * once before anything runs (DESIGN.md "Memory layout"); each `device` line then enables
 * its namespace. Kernel refusals are results, not exceptions: return `{ ret: 'EIO' }`, or
 * throw a KernelError (core/errors.ts) and the runner reports its code the same way. Any
 * other exception is a simulator failure and stops the run (SimRuntimeError).
 *
 * The real executor over src/nvdimm, src/pmem and src/dax implements this interface (the
 * final integration step); tests drive the language with a fake one (test/sim/).
 */
import type { NamespaceConfig } from '../nvdimm/config.js';
import type { ErrorMap } from '../nvdimm/error-map.js';
import type { ArgsOf, CommandWord } from './commands.js';

/** A JSON value an executor may put in an output field. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * What a call returned: a count (bytes, pages, lost bytes; 0 for setup commands), a text
 * (sysfs), a list of records (inject-status), or an errno name without sign (`'EIO'`).
 */
export type SimRet = number | string | readonly { readonly [key: string]: JsonValue }[];

export interface SimOutcome {
  readonly ret: SimRet;
  /** The bytes a read returned (read, pread); the runner adds their crc32. */
  readonly data?: Uint8Array;
  /** Further facts for the output line (issue 5: signal, code, lsb, addr, work counters). */
  readonly fields?: Readonly<Record<string, JsonValue>>;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * What the script declares, for laying out the simulated system once. A namespace whose
 * device line comes late in the script is in the layout from the start (regions are placed
 * one after another either way) but is enabled, and usable, only from its line on.
 */
export interface SimPlatform {
  /** Every namespace, in device-line order, as declared (before any reconfigure). */
  readonly namespaces: readonly NamespaceConfig[];
  /** Caches in the persistence domain (the `eadr` flag; platform-wide). */
  readonly eadr: boolean;
}

export type ExecutorFactory = (platform: SimPlatform) => Promise<SimExecutor>;

/** The arguments of `word` as the executor receives them; device lines add their resolved namespace. */
export type ExecArgs<W extends CommandWord> = ArgsOf<W>
  & (W extends 'device' | 'reconfigure' ? { readonly namespace: NamespaceConfig } : unknown)
  & (W extends 'fs' ? { readonly format: { readonly type: 'xfs' | 'ext4'; readonly rmapbt: boolean; readonly metaPages: number } } : unknown)
  & (W extends 'dm' ? { readonly pieces: readonly { readonly dev: string; readonly start?: number; readonly len?: number }[] } : unknown)
  & (W extends 'error-map' ? { readonly map: ErrorMap } : unknown);

/**
 * One method per command word. Addresses are relative to the namespace data start, as in
 * the script; `dev` is always a declared device name, `file` a declared file name.
 */
export interface SimExecutor {
  /** Enable (probe) the namespace `namespace` describes: populate its badblocks from the firmware list; fsdax/devdax clear errors in the memmap reservation (§2.4, E-5). */
  device(a: ExecArgs<'device'>): MaybePromise<SimOutcome>;
  /** Disable the namespace, rewrite its info block for `namespace.mode` / `namespace.dataOffset`, enable it again; its files are gone (E-2, E-5). */
  reconfigure(a: ExecArgs<'reconfigure'>): MaybePromise<SimOutcome>;
  /** ndctl inject-error: per block a record of min(512, clearUnit) bytes (512 with saturate) in hardware poison and the firmware list; notify → the MCE path (badrange + revalidate) (§7.1). */
  injectError(a: ExecArgs<'inject-error'>): MaybePromise<SimOutcome>;
  /** ARS_INJECT_CLEAR over the blocks' records. */
  uninject(a: ExecArgs<'uninject'>): MaybePromise<SimOutcome>;
  /** ARS_INJECT_GET, converted back to `{block, count}` from the data start, adjacent records merged. */
  injectStatus(a: ExecArgs<'inject-status'>): MaybePromise<SimOutcome>;
  /** Latent hardware poison only (Media.poison on the namespace's bytes). */
  poison(a: ExecArgs<'poison'>): MaybePromise<SimOutcome>;
  /** Seed `map` (parsed at validation) into `dev`: sparse windows, hardware poison + firmware records, short ARS (nvdimm/seed.ts). */
  errorMap(a: ExecArgs<'error-map'>): MaybePromise<SimOutcome>;
  /** ARS (long or short) over the region; wait for completion on the virtual clock; add records to badrange; revalidate poison (populate). */
  scrub(a: ExecArgs<'scrub'>): MaybePromise<SimOutcome>;
  /** /sys/block/pmemX/badblocks show. */
  badblocks(a: ExecArgs<'badblocks'>): MaybePromise<SimOutcome>;
  /** /sys/bus/nd/devices/regionX/badblocks show. */
  regionBadblocks(a: ExecArgs<'region-badblocks'>): MaybePromise<SimOutcome>;
  /** /sys/block/pmemX/badblocks store (badblocks_store, acknowledged). */
  badblocksStore(a: ExecArgs<'badblocks-store'>): MaybePromise<SimOutcome>;
  /** pmem_submit_bio READ of [sector*512, +bytes): is_bad_pmem → EIO, else copy_mc; returns `data`. */
  read(a: ExecArgs<'read'>): MaybePromise<SimOutcome>;
  /** pmem_submit_bio WRITE: is_bad_pmem → pmem_clear_poison first (EIO if short, nothing written), then memcpy_flushcache of `pattern`. */
  write(a: ExecArgs<'write'>): MaybePromise<SimOutcome>;
  /** `file` undefined: REQ_PREFLUSH → nvdimm_flush (fence) on `dev`; else fsync(2) of the file (`dev` is its device). */
  fsync(a: ExecArgs<'fsync'>): MaybePromise<SimOutcome>;
  /** nvdimm_clear_poison(region SPA of the data start + offset, len) and its accounting (§2.2). */
  clearPoison(a: ExecArgs<'clear-poison'>): MaybePromise<SimOutcome>;
  /** dax_zero_page_range(pgoff, pages) → pmem_dax_zero_page_range (§3.3, §4.2). */
  zeroPage(a: ExecArgs<'zero-page'>): MaybePromise<SimOutcome>;
  /** dax_direct_access(pgoff, pages, DAX_ACCESS | DAX_RECOVERY_WRITE) (§3.4, §4.2). */
  daxAccess(a: ExecArgs<'dax-access'>): MaybePromise<SimOutcome>;
  /** dax_recovery_write → pmem_recovery_write(pgoff, page address + offset, bytes of `pattern`) (§3.5). */
  recoveryWrite(a: ExecArgs<'recovery-write'>): MaybePromise<SimOutcome>;
  /** Create a file on the device's holder-less fs-dax filesystem: file page k → device page pgoff+k. */
  file(a: ExecArgs<'file'>): MaybePromise<SimOutcome>;
  /** dax_iomap_rw READ (§4.3); returns `data`. */
  pread(a: ExecArgs<'pread'>): MaybePromise<SimOutcome>;
  /** dax_iomap_rw WRITE with recovery (§4.3). */
  pwrite(a: ExecArgs<'pwrite'>): MaybePromise<SimOutcome>;
  /** fallocate(PUNCH_HOLE|KEEP_SIZE) on the file (§3.3, F-9). */
  punchHole(a: ExecArgs<'punch-hole'>): MaybePromise<SimOutcome>;
  /** Advance the virtual clock by `ms`. */
  advance(a: ExecArgs<'advance'>): MaybePromise<SimOutcome>;
  /** Media.powerFail over the whole platform; ret = bytes lost. */
  powerFail(a: ExecArgs<'power-fail'>): MaybePromise<SimOutcome>;
  /** mkfs the filesystem's flavour (xfs holder + rmap, or ext4) before any file. */
  fs(a: ExecArgs<'fs'>): MaybePromise<SimOutcome>;
  /** A new process (prctl PR_MCE_KILL_EARLY with early-kill). */
  process(a: ExecArgs<'process'>): MaybePromise<SimOutcome>;
  /** sysctl vm.memory_failure_early_kill. */
  sysctl(a: ExecArgs<'sysctl'>): MaybePromise<SimOutcome>;
  /** mmap of a whole file or devdax namespace; fields: addr. */
  mmap(a: ExecArgs<'mmap'>): MaybePromise<SimOutcome>;
  /** A load through the mapping; a signal to the process is on the line. */
  load(a: ExecArgs<'load'>): MaybePromise<SimOutcome>;
  /** A store through the mapping. */
  store(a: ExecArgs<'store'>): MaybePromise<SimOutcome>;
  /** madvise(MADV_HWPOISON). */
  madviseHwpoison(a: ExecArgs<'madvise-hwpoison'>): MaybePromise<SimOutcome>;
  /** madvise(MADV_SOFT_OFFLINE). */
  madviseSoftOffline(a: ExecArgs<'madvise-soft-offline'>): MaybePromise<SimOutcome>;
  /** The process's signal log. */
  signals(a: ExecArgs<'signals'>): MaybePromise<SimOutcome>;
  /** An injected memory_failure over a range of the device (namespace or dm). */
  memoryFailure(a: ExecArgs<'memory-failure'>): MaybePromise<SimOutcome>;
  /** kill_dax on the namespace. */
  unbind(a: ExecArgs<'unbind'>): MaybePromise<SimOutcome>;
  /** Build a dm table over namespaces. */
  dm(a: ExecArgs<'dm'>): MaybePromise<SimOutcome>;
  /** Set the debated policies. */
  policy(a: ExecArgs<'policy'>): MaybePromise<SimOutcome>;
  /** Release the simulated system (workers, memory). Called once after the last line, also after a failure. */
  close?(): MaybePromise<void>;
}

type Dispatch = { readonly [W in CommandWord]: (e: SimExecutor, a: ExecArgs<W>) => MaybePromise<SimOutcome> };

/** Command word → executor method. The mapped type makes a new table row without a method a compile error. */
export const DISPATCH: Dispatch = {
  'device': (e, a) => e.device(a),
  'reconfigure': (e, a) => e.reconfigure(a),
  'inject-error': (e, a) => e.injectError(a),
  'uninject': (e, a) => e.uninject(a),
  'inject-status': (e, a) => e.injectStatus(a),
  'error-map': (e, a) => e.errorMap(a),
  'poison': (e, a) => e.poison(a),
  'scrub': (e, a) => e.scrub(a),
  'badblocks': (e, a) => e.badblocks(a),
  'region-badblocks': (e, a) => e.regionBadblocks(a),
  'badblocks-store': (e, a) => e.badblocksStore(a),
  'read': (e, a) => e.read(a),
  'write': (e, a) => e.write(a),
  'fsync': (e, a) => e.fsync(a),
  'clear-poison': (e, a) => e.clearPoison(a),
  'zero-page': (e, a) => e.zeroPage(a),
  'dax-access': (e, a) => e.daxAccess(a),
  'recovery-write': (e, a) => e.recoveryWrite(a),
  'file': (e, a) => e.file(a),
  'pread': (e, a) => e.pread(a),
  'pwrite': (e, a) => e.pwrite(a),
  'punch-hole': (e, a) => e.punchHole(a),
  'advance': (e, a) => e.advance(a),
  'power-fail': (e, a) => e.powerFail(a),
  'fs': (e, a) => e.fs(a),
  'process': (e, a) => e.process(a),
  'sysctl': (e, a) => e.sysctl(a),
  'mmap': (e, a) => e.mmap(a),
  'load': (e, a) => e.load(a),
  'store': (e, a) => e.store(a),
  'madvise-hwpoison': (e, a) => e.madviseHwpoison(a),
  'madvise-soft-offline': (e, a) => e.madviseSoftOffline(a),
  'signals': (e, a) => e.signals(a),
  'memory-failure': (e, a) => e.memoryFailure(a),
  'unbind': (e, a) => e.unbind(a),
  'dm': (e, a) => e.dm(a),
  'policy': (e, a) => e.policy(a),
};
