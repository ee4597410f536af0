/**
 * The nvdimm bus state in shared memory: the device mutex, the virtual clock, the ARS state
 * machine, counters, each namespace's live settings, and the two byte-range lists (the
 * firmware's error list and the kernel's bus `badrange` list, reference §2.1).
 *
 * One region of the layout (kind REGION_KIND_BUS), so any thread finds it from the header:
 *
 *   +0     BUS_MUTEX      i32  device mutex: 0 free, owner tid+1 (assembly/sync/mutex.ts);
 *   +4                    i32  its waiter count
 *   +8     BUS_CLOCK_NS   i64  virtual clock, ns (Atomics on a BigInt64Array)
 *   +16    BUS_EPOCH_MS   f64  real-time origin, ms since the Unix epoch (`real` time mode)
 *   +64    ARS line       u32 state (0 idle, 1 running), u32 short, f64 start ns, f64 end ns,
 *                         u32 records delivered by the last completion, f64 range start,
 *                         f64 range length (SPA bytes)
 *   +128   COUNTERS       f64 x 32, names in COUNTER_NAMES
 *   +512   NAMESPACES     MAX_NAMESPACES x 64 B: mode, alive, data offset (lo, hi), populate stats
 *   +1024  firmware list  RangeList (badrange.ts): 64 B header + capacity x 16 B
 *   ...    badrange list  RangeList, same shape
 *
 * Invariants: the firmware list, the badrange list, the ARS words, the counters and every
 * namespace word except NS_ALIVE change only with the device mutex held. NS_ALIVE is read
 * lock-free by the I/O paths (Atomics.load) and written under the mutex.
 *
 * Lock order (the one place it is written down, DESIGN.md "Locks"):
 *
 *   layers above (fs inode/extent locks, mm tables)  ->  device mutex  ->  a badblocks mutex
 *
 * The device mutex is a leaf for everything except the badblocks structures' own writer
 * mutexes, which wasm takes and releases inside badblocks_set/clear; no JS code runs while a
 * badblocks mutex is held, so the order cannot be inverted. I/O paths take no lock to read:
 * badblocks are seqlock-read, poison and page flags are atomics. The mutex is not reentrant:
 * functions named `...Locked` expect it held, the others take it.
 *
 * Cost: one cmpxchg per lock round trip uncontended; contended waits are timed and watch the
 * stop flag (a stopped run throws from `lock()` instead of parking forever).
 */
import type { ThreadContext } from '../core/shared.js';
import { MutexGuarded, SharedMutex } from '../core/mutex.js';
import { MAX_NAMESPACES, type NamespaceMode } from './config.js';

export const REGION_KIND_BUS = 0x4e564255; // "UBVN": nvdimm bus state

export const BUS_MUTEX = 0;
export const BUS_CLOCK_NS = 8;
export const BUS_EPOCH_MS = 16;

export const ARS_STATE = 64;
export const ARS_SHORT = 68;
export const ARS_START_NS = 72;
export const ARS_END_NS = 80;
export const ARS_LAST_RECORDS = 88;
export const ARS_RANGE_START = 96;
export const ARS_RANGE_LEN = 104;
export const ARS_IDLE = 0;
export const ARS_RUNNING = 1;

export const COUNTERS = 128;
/** Every counter the bus keeps (f64, changed under the device mutex). */
export const COUNTER_NAMES = [
  /** nvdimm_clear_poison calls, bytes reported cleared, and how they ended. */
  'clearCalls', 'clearedBytes', 'clearPartial', 'clearEnxio', 'clearLegacyPretend',
  /** Modelled firmware time spent in CLEAR_ERROR, ns (DESIGN.md "Time"). */
  'clearModelledNs',
  /** Machine checks handled (kernel consumption or injected notify) and memory_failure results. */
  'mce', 'memoryFailure', 'memoryFailureEnxio', 'nospecNotPresent', 'nospecUncached',
  /** clear_mce_nospec by pmem_mkpage_present after a whole-page clear. */
  'pagesRestored',
  /** ARS: scrubs started, completed, refused busy; modelled scrub time, ns. */
  'arsStarted', 'arsCompleted', 'arsBusy', 'arsModelledNs',
  /** ndctl inject-error records set and cleared. */
  'injected', 'uninjected',
  /**
   * Block/DAX writes that landed in a page not present in the kernel direct map (P-10): the
   * kernel's memcpy_flushcache has no fault fixup there, what it does is unknown (§3.3).
   */
  'unmappedWrites',
  /** Block reads cut short by a kernel-unmapped page (a #PF fixup, not a machine check). */
  'unmappedReads',
] as const;
export type CounterName = typeof COUNTER_NAMES[number];

export const NS_BASE = 512;
export const NS_BYTES = 64;
export const NS_MODE = 0;
export const NS_ALIVE = 4;
export const NS_DATA_OFFSET = 8;
/** High 32 bits of the data offset: non-zero only for sparse namespaces larger than 4 GiB. */
export const NS_DATA_OFFSET_HI = 12;
export const NS_ENABLES = 16;
/** Populate statistics of the namespace bb (PBB) and region bb (RBB); see populate.ts. */
export const NS_PBB_LAST_RANGES = 20;
export const NS_PBB_LAST_DROPPED = 24;
export const NS_PBB_DROPPED_TOTAL = 32;
export const NS_RBB_LAST_RANGES = 40;
export const NS_RBB_LAST_DROPPED = 44;
export const NS_RBB_DROPPED_TOTAL = 48;
/**
 * Always 0: a sparse namespace's `aliveAddress`, so the wasm clean fast paths (which compute
 * the dense address region + data offset themselves) decline it without a test in JS.
 */
export const NS_ZERO = 60;

export const LISTS_BASE = 1024;
export const LIST_HEADER_BYTES = 64;
export const LIST_ENTRY_BYTES = 16;
/** Default entries of each list: the kernel's list is unbounded; 16384 covers any scenario. */
export const DEFAULT_ERROR_LIST_CAPACITY = 16384;

export const MODE_CODE: Readonly<Record<NamespaceMode, number>> = { raw: 0, fsdax: 1, devdax: 2 };
export const MODE_NAME: readonly NamespaceMode[] = ['raw', 'fsdax', 'devdax'];

/** Bytes of the bus region for lists of `capacity` entries each. */
export function busRegionBytes(capacity: number): number {
  return LISTS_BASE + 2 * (LIST_HEADER_BYTES + capacity * LIST_ENTRY_BYTES);
}

/** Absolute address of list `which` (0 firmware, 1 badrange) in a bus region at `base`. */
export function listBase(base: number, capacity: number, which: 0 | 1): number {
  return base + LISTS_BASE + which * (LIST_HEADER_BYTES + capacity * LIST_ENTRY_BYTES);
}

/** This thread's view of the bus region: typed views, the device mutex, counters. */
export class BusState extends MutexGuarded {
  readonly ctx: ThreadContext;
  readonly base: number;
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;

  constructor(ctx: ThreadContext, base: number) {
    super(new SharedMutex(ctx, base + BUS_MUTEX, { layer: 'nvdimm', name: 'device mutex', order: 'src/nvdimm/state.ts lock order' }));
    this.ctx = ctx;
    this.base = base;
    this.#i32 = new Int32Array(ctx.u8.buffer, base, LISTS_BASE / 4);
    this.#f64 = new Float64Array(ctx.u8.buffer, base, LISTS_BASE / 8);
  }




  u32(off: number): number { return Atomics.load(this.#i32, off / 4) >>> 0; }
  setU32(off: number, v: number): void { Atomics.store(this.#i32, off / 4, v | 0); }
  f64(off: number): number { return this.#f64[off / 8]!; }
  setF64(off: number, v: number): void { this.#f64[off / 8] = v; }

  /** Adds `by` to a counter; the device mutex must be held. */
  count(name: CounterName, by = 1): void {
    const i = COUNTERS / 8 + COUNTER_NAMES.indexOf(name);
    this.#f64[i] = this.#f64[i]! + by;
  }

  /** One counter's value (exact when the device mutex is held). */
  counter(name: CounterName): number {
    return this.#f64[COUNTERS / 8 + COUNTER_NAMES.indexOf(name)]!;
  }

  /** A snapshot of every counter (read under the device mutex, so it is consistent). */
  counters(): Record<CounterName, number> {
    return this.lock(() => {
      const out = {} as Record<CounterName, number>;
      COUNTER_NAMES.forEach((n, i) => { out[n] = this.#f64[COUNTERS / 8 + i]!; });
      return out;
    });
  }

  /** Sets namespace words `w`'s data offset (both words; may exceed 2^32 for sparse namespaces). */
  setDataOffset(w: number, dataOffset: number): void {
    this.setU32(w + NS_DATA_OFFSET_HI, Math.floor(dataOffset / 2 ** 32));
    this.setU32(w + NS_DATA_OFFSET, dataOffset % 2 ** 32);
  }

  /** Address of namespace `index`'s words. */
  ns(index: number): number {
    if (index < 0 || index >= MAX_NAMESPACES) throw new RangeError(`namespace index must be in [0, ${MAX_NAMESPACES - 1}], got ${index}`);
    return NS_BASE + index * NS_BYTES;
  }
}
