/**
 * Where the simulated mm keeps its state: one region of the shared memory (DESIGN.md "The
 * one rule of shared state"), so a worker attached to the system can fault, load, store,
 * run memory_failure and deliver signals without asking the main thread. This file is the
 * representation only; the other files of src/mm give it meaning.
 *
 *   region base
 *   +0     MM_MAGIC         u32  written last by format: a thread that sees it sees the rest
 *   +4     MM_MUTEX         i32  mm mutex (assembly/sync/mutex.ts): 0 free, owner tid+1;
 *   +8                      i32  its waiter count
 *   +12    MM_MAX_PROCS     u32  entries of the process table
 *   +16    MM_MAX_MAPS      u32  entries of the mapping table
 *   +20    MM_PTE_CAP       u32  bytes of the page-table arena
 *   +24    MM_PTE_USED      u32  bytes of it handed out (mappings are never freed)
 *   +28    MM_MEDIA_PAGES   u32  entries of the struct-page array
 *   +32    MM_POLICY_MF     u32  memory-failure delivery: 0 per-page (merged), 1 range
 *   +36    MM_POLICY_DM     u32  dm recovery: 0 per-target (merged), 1 all-or-nothing
 *   +40    MM_EARLY_KILL    u32  sysctl vm.memory_failure_early_kill
 *   +44    MM_PROCS_LIVE    u32  processes created
 *   +48    MM_MAPS_LIVE     u32  mappings created
 *   +128   counters         f64 x 32, names in MM_COUNTER_NAMES (mm mutex)
 *   +512   process table    maxProcs x 64 B:
 *            +0  state      u32  0 free, 1 running, 2 killed (SIGKILL)
 *            +4  mce kill   u32  prctl(PR_MCE_KILL): 0 default (the sysctl), 1 early, 2 late
 *            +8  signals    u32  signals delivered in all (the log keeps the last SIG_LOG)
 *            +12 name len   u32
 *            +16 name       48 B UTF-8
 *   procsEnd       signal logs  maxProcs x SIG_LOG x 16 B, a ring per process:
 *            +0  signo u8, code u8 (SIG_CODES), lsb u8, pad; +4 seq u32; +8 addr f64
 *   logsEnd        mapping table maxMaps x 32 B:
 *            +0  process    u32
 *            +4  kind       u32  1 fs-dax file (target = file-table index), 2 device dax
 *                                (target = namespace index)
 *            +8  target     u32
 *            +12 pages      u32  length of the mapping in 4 KiB pages
 *            +16 pte base   u32  offset of its page-table bytes in the arena
 *            +20 max shift  u32  12, 21 or 30: the largest page size the mapping may use
 *            +24 vaddr      f64  first virtual address
 *   mapsEnd        page-table arena  one byte per mapped page: PTE_NONE, PTE_ZERO (the zero
 *                  page over a hole, read only), or the shift it is mapped with (12, 21, 30)
 *   pteEnd         struct pages  per media page: u32 mapping (0 none; kind << 28 | target+1)
 *                  and u32 index (file page, or device-dax page): dax_associate_entry
 *
 * Invariants: a mapping's pte bytes lie inside the arena and overlap no other mapping's; a
 * run of PMD (PUD) bytes covers exactly one naturally aligned 512 (262144) page unit.
 *
 * Locking: everything here changes only with the mm mutex held. Loads and stores through a
 * mapping read their pte byte lock-free (Atomics) and take the mutex only to fault or to
 * handle a machine check. Order: i_rwsem -> mm mutex -> fs mutex -> rmap mutex -> device
 * mutex -> badblocks mutex (src/nvdimm/state.ts has the rest of the chain).
 *
 * Cost: 64 B + SIG_LOG x 16 B per process, 32 B per mapping, 1 B per mapped page, 8 B per
 * media page.
 */
import type { Region, RegionRequest } from '../core/layout.js';
import type { ThreadContext } from '../core/shared.js';
import { checkInteger } from '../core/validate.js';
import { MutexGuarded, SharedMutex } from '../core/mutex.js';

export const REGION_KIND_MM = 0x4d4d4d53; // "SMMM": simulated mm state
export const MM_MAGIC_VALUE = 0x4d4d5342;

export const MM_MAGIC = 0;
export const MM_MUTEX = 4;
export const MM_MAX_PROCS = 12;
export const MM_MAX_MAPS = 16;
export const MM_PTE_CAP = 20;
export const MM_PTE_USED = 24;
export const MM_MEDIA_PAGES = 28;
export const MM_POLICY_MF = 32;
export const MM_POLICY_DM = 36;
export const MM_EARLY_KILL = 40;
export const MM_PROCS_LIVE = 44;
export const MM_MAPS_LIVE = 48;
export const MM_COUNTERS = 128;
export const PROCS_BASE = 512;
export const PROC_BYTES = 64;
export const SIG_LOG = 64;
export const SIG_BYTES = 16;
export const MAP_BYTES = 32;

export const P_STATE = 0;
export const P_MCE_KILL = 4;
export const P_SIGNALS = 8;
export const P_NAME_LEN = 12;
export const P_NAME = 16;
export const PROC_NAME_MAX = 48;
export const PROC_FREE = 0;
export const PROC_RUNNING = 1;
export const PROC_KILLED = 2;

export const M_PROCESS = 0;
export const M_KIND = 4;
export const M_TARGET = 8;
export const M_PAGES = 12;
export const M_PTE = 16;
export const M_SHIFT = 20;
export const M_VADDR = 24;
export const MAP_KIND_FILE = 1;
export const MAP_KIND_DEVDAX = 2;

export const PTE_NONE = 0;
export const PTE_ZERO = 1;

export const DEFAULT_MAX_PROCS = 64;
export const DEFAULT_MAX_MAPS = 256;

/** Every counter the mm keeps (f64, changed under the mm mutex). */
export const MM_COUNTER_NAMES = [
  /** Failure events (one machine check, one injected range, one madvise page, one unbind). */
  'events',
  /** memory_failure() calls: one per page under `per-page`, one per range under `range`. */
  'memoryFailureCalls',
  /** notify_failure calls, counted at every layer they pass (pmem, dm, holder). */
  'notifications',
  /** Reverse-map queries (one per allocation group per notification). */
  'rmapLookups',
  /** Pages whose page-table entry was removed (a PMD counts 512). */
  'pagesUnmapped',
  /** Signals sent, and of them SIGBUS BUS_MCEERR_AR / AO, BUS_ADRERR, SI_KERNEL, SIGKILL. */
  'signals', 'signalsAR', 'signalsAO', 'signalsADRERR', 'signalsKernel', 'sigkill',
  /** Pages that got PageHWPoison. */
  'hwpoisonPages',
  /** Pages handled by the generic (page->mapping) path. */
  'genericPages',
  /** Page faults, and PMD/PUD faults that fell back to a smaller size. */
  'faults', 'faultFallbacks',
  /** User-mode machine checks (a load consumed poison). */
  'mceUser',
  /** Filesystem shutdowns caused by a failure. */
  'shutdowns',
] as const;
export type MmCounterName = typeof MM_COUNTER_NAMES[number];

export interface MmRegionOptions {
  /** Processes the table holds (default 64). */
  readonly maxProcesses?: number;
  /** Mappings the table holds (default 256). */
  readonly maxMappings?: number;
  /** Bytes of the page-table arena: pages all mappings together may span (default 4 x media pages, at least 1 Mi). */
  readonly ptePages?: number;
}

function plan(mediaBytes: number, o: MmRegionOptions) {
  const mediaPages = Math.ceil(mediaBytes / 4096);
  const maxProcs = checkInteger('mm.maxProcesses', o.maxProcesses ?? DEFAULT_MAX_PROCS, 1, 1024, 'processes');
  const maxMaps = checkInteger('mm.maxMappings', o.maxMappings ?? DEFAULT_MAX_MAPS, 1, 1 << 16, 'mappings');
  const pteCap = checkInteger('mm.ptePages', o.ptePages ?? Math.max(4 * mediaPages, 1 << 20), 1, 2 ** 31, 'pages');
  const logs = PROCS_BASE + maxProcs * PROC_BYTES;
  const maps = logs + maxProcs * SIG_LOG * SIG_BYTES;
  const pte = maps + maxMaps * MAP_BYTES;
  const pages = Math.ceil((pte + pteCap) / 8) * 8;
  return { mediaPages, maxProcs, maxMaps, pteCap, logs, maps, pte, pages, bytes: pages + mediaPages * 8 };
}

/**
 * The region the mm needs for `mediaBytes` of media: pass it in SystemOptions.extraRegions,
 * then call MmRegion.format() once the system exists.
 * @throws {RangeError} naming the option for bad input.
 */
export function mmRegion(mediaBytes: number, options: MmRegionOptions = {}): RegionRequest {
  checkInteger('mediaBytes', mediaBytes, 1, 2 ** 42, 'bytes');
  return { kind: REGION_KIND_MM, bytes: plan(mediaBytes, options).bytes, param: 0 };
}

/** This thread's view of the mm region. */
export class MmRegion extends MutexGuarded {
  readonly ctx: ThreadContext;
  readonly base: number;
  readonly maxProcs: number;
  readonly maxMaps: number;
  readonly pteCap: number;
  readonly mediaPages: number;
  readonly #u32: Uint32Array;
  readonly #f64: Float64Array;
  /** Offsets (from the base) of the signal logs, the mapping table, the arena, the struct pages. */
  readonly logsAt: number;
  readonly mapsAt: number;
  readonly pteAt: number;
  readonly pagesAt: number;
  /** The page-table arena as bytes (Atomics on a Uint8Array view for the lock-free reads). */
  readonly pte: Uint8Array;

  constructor(ctx: ThreadContext, region: Region) {
    super(new SharedMutex(ctx, region.base + MM_MUTEX, { layer: 'mm', name: 'mm mutex', order: 'src/mm/region.ts lock order' }));
    this.ctx = ctx;
    this.base = region.base;
    this.#u32 = new Uint32Array(ctx.u8.buffer, region.base, region.bytes / 4);
    this.#f64 = new Float64Array(ctx.u8.buffer, region.base, region.bytes / 8);
    if (Atomics.load(this.#u32, MM_MAGIC / 4) !== MM_MAGIC_VALUE) {
      throw new Error('mm: the mm region is not formatted; create the system with createMmSystem() or call MmRegion.format() on the creating thread');
    }
    this.maxProcs = this.#u32[MM_MAX_PROCS / 4]!;
    this.maxMaps = this.#u32[MM_MAX_MAPS / 4]!;
    this.pteCap = this.#u32[MM_PTE_CAP / 4]!;
    this.mediaPages = this.#u32[MM_MEDIA_PAGES / 4]!;
    this.logsAt = PROCS_BASE + this.maxProcs * PROC_BYTES;
    this.mapsAt = this.logsAt + this.maxProcs * SIG_LOG * SIG_BYTES;
    this.pteAt = this.mapsAt + this.maxMaps * MAP_BYTES;
    this.pagesAt = Math.ceil((this.pteAt + this.pteCap) / 8) * 8;
    this.pte = new Uint8Array(ctx.u8.buffer, region.base + this.pteAt, this.pteCap);
  }

  /**
   * Lays the region out (creator only, region zeroed, before other threads use it).
   * @throws {RangeError} when the region is smaller than the plan (options differ from mmRegion's).
   */
  static format(ctx: ThreadContext, region: Region, mediaBytes: number, o: MmRegionOptions = {}): void {
    const p = plan(mediaBytes, o);
    if (p.bytes > region.bytes) throw new RangeError(`the mm region has ${region.bytes} bytes, the mm needs ${p.bytes}: pass the same options to mmRegion() and format()`);
    const u32 = new Uint32Array(ctx.u8.buffer, region.base, region.bytes / 4);
    u32[MM_MAX_PROCS / 4] = p.maxProcs;
    u32[MM_MAX_MAPS / 4] = p.maxMaps;
    u32[MM_PTE_CAP / 4] = p.pteCap;
    u32[MM_MEDIA_PAGES / 4] = p.mediaPages;
    Atomics.store(u32, MM_MAGIC / 4, MM_MAGIC_VALUE);
  }




  word(off: number): number { return Atomics.load(this.#u32, off / 4) >>> 0; }
  setWord(off: number, v: number): void { Atomics.store(this.#u32, off / 4, v >>> 0); }
  f64(off: number): number { return this.#f64[off / 8]!; }
  setF64(off: number, v: number): void { this.#f64[off / 8] = v; }

  /** Adds `by` to a counter (mm mutex held). */
  count(name: MmCounterName, by = 1): void {
    const i = MM_COUNTERS / 8 + MM_COUNTER_NAMES.indexOf(name);
    this.#f64[i] = this.#f64[i]! + by;
  }

  /** A consistent snapshot of every counter (taken under the mm mutex). */
  counters(): Record<MmCounterName, number> {
    return this.lock(() => {
      const out = {} as Record<MmCounterName, number>;
      MM_COUNTER_NAMES.forEach((n, i) => { out[n] = this.#f64[MM_COUNTERS / 8 + i]!; });
      return out;
    });
  }

  proc(i: number): number { return PROCS_BASE + i * PROC_BYTES; }
  map(i: number): number { return this.mapsAt + i * MAP_BYTES; }
  sigEntry(proc: number, slot: number): number { return this.logsAt + (proc * SIG_LOG + slot) * SIG_BYTES; }

  procName(i: number): string {
    const at = this.base + this.proc(i) + P_NAME;
    return new TextDecoder().decode(this.ctx.u8.slice(at, at + this.word(this.proc(i) + P_NAME_LEN)));
  }

  setProcName(i: number, bytes: Uint8Array): void {
    this.ctx.u8.set(bytes, this.base + this.proc(i) + P_NAME);
    this.setWord(this.proc(i) + P_NAME_LEN, bytes.length);
  }

  /** u8 field of a signal-log entry. */
  byte(off: number): number { return this.ctx.u8[this.base + off]!; }
  setByte(off: number, v: number): void { this.ctx.u8[this.base + off] = v; }

  /** struct page of media page `pfn`: its mapping word and index. */
  pageMapping(pfn: number): number { return this.#u32[(this.pagesAt >>> 2) + 2 * pfn]! >>> 0; }
  pageIndex(pfn: number): number { return this.#u32[(this.pagesAt >>> 2) + 2 * pfn + 1]! >>> 0; }
  setPage(pfn: number, mapping: number, index: number): void {
    this.#u32[(this.pagesAt >>> 2) + 2 * pfn] = mapping >>> 0;
    this.#u32[(this.pagesAt >>> 2) + 2 * pfn + 1] = index >>> 0;
  }
}

/** The struct-page mapping word of a target: kind in the top 4 bits, target + 1 below. */
export function mappingWord(kind: number, target: number): number {
  return ((kind << 28) | (target + 1)) >>> 0;
}
