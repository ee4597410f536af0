/**
 * badblocks API: the kernel's known-bad-sector list (reference §1) over shared memory.
 *
 * Four structures share one meaning — a sector is good, bad, or bad and acknowledged:
 * - `table`  the kernel's own sorted table, bit-exact with Linux 6.15+ (512-sector entries,
 *            `maxEntries` slots, every merge/split rule, partial sets on a full table);
 * - `itree`  an augmented red-black interval tree (one node per run);
 * - `btree`  a cache-conscious B+-tree of runs;
 * - `bitmap` two bits per sector over a fixed capacity.
 * For the run kinds an entry is a maximal run of same-ack sectors, of any length.
 *
 * A fifth, `table-legacy`, is the kernel's table as it was up to 6.6 (reference §1.9),
 * bit-exact with that code and its bugs: it does *not* keep the meaning above (it can lose
 * sectors, downgrade acknowledged ones, and hold entries unsorted or overlapping). Its
 * lengths are the old `int sectors` (2^31 wraps negative, 2^32 is 0), a zero-length set or
 * clear still runs, a disabled table's set succeeds, and with shift > 0 check reports
 * firstBad/badSectors in blocks, as the old code did. `entries()` lists it in table order.
 *
 * Any thread may call any method: checks are lock-free (seqlock, retried), updates take the
 * structure's mutex. `handle` + `attachBadblocks()` use the same structure from a worker.
 * Sector numbers and lengths are in 512-byte sectors.
 */
import { createShared, attachShared, type SharedHandle, type ThreadContext } from '../core/shared.js';
import { SLOT_SCRATCH } from '../core/layout.js';
import { checkBoolean, checkChoice, checkInteger, checkKeys, describe } from '../core/validate.js';
import { KernelError } from '../core/errors.js';
import type { WasmBuild } from '../core/wasm.js';
import {
  ALL_BADBLOCKS_KINDS, KIND_ID, isTableKind, regionBytes, TABLE_DEFAULT_ENTRIES, TABLE_MAX_ENTRIES,
  RUNS_DEFAULT_CAPACITY, RUNS_MAX_CAPACITY, BITMAP_DEFAULT_SECTORS, BITMAP_MAX_SECTORS,
  type BadblocksKind,
} from './kinds.js';
import { formatBadblocks, formatTableSlots, parseBadblocksStore } from './sysfs.js';

/** Offsets of the header words read directly (assembly/badblocks/header.ts). */
const BB_SHIFT = 16;
const BB_COUNT = 20;
const BB_CHANGED = 24;
const BB_UNACKED_EXIST = 28;
const BB_MUTEX = 8;
const BB_STOPPED = -2;

/** The largest sector + length the API accepts (offsets are exact doubles below 2^53). */
export const SECTOR_LIMIT = 2 ** 53;

export interface BadblocksOptions {
  readonly kind?: BadblocksKind;
  /** Sector -> block shift: -1 disables the structure, 0..9 (default 0, as pmem uses). */
  readonly shift?: number;
  /** table, table-legacy: slots (default 512; 8192 models 64 KiB-page kernels). itree/btree: arena capacity in runs (default 1,048,576). */
  readonly maxEntries?: number;
  /** bitmap: sectors covered (default 2^24 = 8 GiB). */
  readonly capacitySectors?: number;
  readonly build?: WasmBuild;
}

/** Result of `check()`, with the kernel's meaning (§1.3). */
export type CheckResult =
  | { readonly rc: 0 }
  | { readonly rc: -1 | 1; readonly firstBad: number; readonly badSectors: number };

/** One entry: `[start, len, acked]` in sectors. */
export type BadblocksEntry = [start: number, len: number, acked: boolean];

/** One slot of a table kind as the kernel holds it: `[offset, len, acked]` in blocks, offset exact. */
export type TableSlot = [offset: bigint, len: number, acked: boolean];

/** What another thread needs to attach: the shared pair and the structure's address. */
export interface BadblocksHandle extends SharedHandle {
  readonly base: number;
  readonly kind: BadblocksKind;
}

export class Badblocks {
  readonly #ctx: ThreadContext;
  readonly #base: number;
  readonly kind: BadblocksKind;
  readonly #scratch: Float64Array;
  readonly #view: Int32Array;

  /** @internal use createBadblocks()/attachBadblocks() */
  constructor(ctx: ThreadContext, base: number, kind: BadblocksKind) {
    this.#ctx = ctx;
    this.#base = base;
    this.kind = kind;
    const slot = ctx.wasm.thread_slot() >>> 0;
    this.#scratch = new Float64Array(ctx.u8.buffer, slot + SLOT_SCRATCH, 2);
    this.#view = new Int32Array(ctx.u8.buffer, base, 16);
  }

  get handle(): BadblocksHandle {
    return { ...this.#ctx.handle, base: this.#base, kind: this.kind };
  }
  /** Entries in use (table: table entries; run kinds: runs). */
  get count(): number { return Atomics.load(this.#view, BB_COUNT / 4) >>> 0; }
  /** Set by every successful change; cleared only by `clearChanged()`. */
  get changed(): boolean { return Atomics.load(this.#view, BB_CHANGED / 4) !== 0; }
  /** "There probably are unacknowledged bad blocks" (§1.1). */
  get unackedExist(): boolean { return Atomics.load(this.#view, BB_UNACKED_EXIST / 4) !== 0; }
  /** -1 when disabled, else the sector -> block shift. */
  get shift(): number { return Atomics.load(this.#view, BB_SHIFT / 4); }
  /** Thread id holding the writer mutex, or -1. */
  get mutexOwner(): number { return Atomics.load(this.#view, BB_MUTEX / 4) - 1; }
  /** @internal absolute address of the structure, for layers that call wasm directly. */
  get base(): number { return this.#base; }

  /**
   * badblocks_set: records [s, s+len) as bad (acknowledged when `acked`). Returns true when
   * the whole range is recorded; false when disabled, `len` is 0 or the structure is full
   * (a table keeps the pieces it already stored, as the kernel does). `table-legacy`:
   * false only when the table filled up (the old kernel's 1); disabled or zero-length sets
   * return true, as the old kernel's 0 said.
   * @throws {TypeError|RangeError} naming the argument for invalid input (nothing changes).
   */
  set(s: number, len: number, acked: boolean): boolean {
    const [start, n] = checkRange(s, len);
    checkBoolean('acked', acked);
    return stopped(this.#ctx.wasm.badblocks_set(this.#base, start, n, acked ? 1 : 0)) === 1;
  }

  /**
   * badblocks_clear: [s, s+len) becomes good. False when disabled, `len` is 0, or a needed
   * split finds no free slot. `table-legacy`: false only for the split on a full table.
   */
  clear(s: number, len: number): boolean {
    const [start, n] = checkRange(s, len);
    return stopped(this.#ctx.wasm.badblocks_clear(this.#base, start, n)) === 1;
  }

  /**
   * `set()` returning what the kernel function returned: `table-legacy` (<= 6.6 int) 0 on
   * success, 1 out of space; every other kind (6.15 bool) 1 = true, 0 = false.
   */
  setRaw(s: number, len: number, acked: boolean): number {
    const ok = this.set(s, len, acked);
    return this.kind === 'table-legacy' ? (ok ? 0 : 1) : (ok ? 1 : 0);
  }

  /**
   * `clear()` returning what the kernel function returned: `table-legacy` 0, or -28
   * (-ENOSPC) for a split on a full table; every other kind 1 = true, 0 = false.
   */
  clearRaw(s: number, len: number): number {
    const ok = this.clear(s, len);
    return this.kind === 'table-legacy' ? (ok ? 0 : LEGACY_ENOSPC) : (ok ? 1 : 0);
  }

  /**
   * badblocks_check: rc 0 when nothing in [s, s+len) is bad, 1 when every overlapping entry
   * is acknowledged, -1 when one is not; `firstBad`/`badSectors` describe the lowest
   * overlapping entry, whole (for the run kinds, its run). `table-legacy`: the overlapping
   * entry lowest in table order that the old backward walk reached, in blocks when shift > 0.
   */
  check(s: number, len: number): CheckResult {
    const [start, n] = checkRange(s, len);
    const rc = stopped(this.#ctx.wasm.badblocks_check(this.#base, start, n));
    if (rc === 0) return { rc: 0 };
    return { rc: rc as -1 | 1, firstBad: this.#scratch[0]!, badSectors: this.#scratch[1]! };
  }

  /** ack_all_badblocks: acknowledges everything, unless `changed` is set (§1.6). */
  ackAll(): void {
    stopped(this.#ctx.wasm.badblocks_ack_all(this.#base));
  }

  /** What md does after writing its metadata: `changed = 0`. */
  clearChanged(): void {
    this.#ctx.wasm.badblocks_clear_changed(this.#base);
  }

  /** Every entry `[start, len, acked]` in order (sectors); `table-legacy`: in table order. */
  entries(): BadblocksEntry[] {
    const { wasm, ioBuf, u8 } = this.#ctx;
    const max = Math.floor(this.#ctx.layout.ioBufferBytes / 24);
    const out: BadblocksEntry[] = [];
    const f64 = new Float64Array(u8.buffer, ioBuf, max * 3);
    let from = 0;
    for (;;) {
      const n = wasm.badblocks_entries(this.#base, from, ioBuf, max) >>> 0;
      for (let i = 0; i < n; i++) out.push([f64[i * 3]!, f64[i * 3 + 1]!, f64[i * 3 + 2] === 1]);
      if (n < max) return out;
      // The legacy table pages by index: it need not be sorted (badblocks.ts, wasm side).
      from = this.kind === 'table-legacy' ? from + n : f64[(n - 1) * 3]! + 1;
    }
  }

  /**
   * The slots of a table kind (`table`, `table-legacy`) exactly as the kernel holds them, in
   * table order, in blocks (sectors >> shift). Exact where `entries()` is not: the legacy
   * table can store offsets up to 2^54 - 1 (bug B2/B3 garbage), past what a double holds.
   * @throws {RangeError} for the run kinds, which have no slots.
   */
  tableSlots(): TableSlot[] {
    if (!isTableKind(this.kind)) throw new RangeError(`tableSlots() needs kind 'table' or 'table-legacy', this is '${this.kind}'`);
    const { wasm, ioBuf, u8 } = this.#ctx;
    const max = Math.floor(this.#ctx.layout.ioBufferBytes / 24);
    const u64 = new BigUint64Array(u8.buffer, ioBuf, max * 3);
    const out: TableSlot[] = [];
    for (let from = 0; ; from += max) {
      const n = wasm.badblocks_table_slots(this.#base, from, ioBuf, max) >>> 0;
      for (let i = 0; i < n; i++) out.push([u64[i * 3]!, Number(u64[i * 3 + 1]!), u64[i * 3 + 2] === 1n]);
      if (n < max) return out;
    }
  }

  /**
   * badblocks_show: the sysfs text, one `"<sector> <len>\n"` line per entry (§1.7).
   * `unackedOnly` lists only unacknowledged entries and, when there is none, clears
   * `unackedExist` as the kernel does. The whole table is printed: the kernel cuts the text
   * at one 4096-byte page (a long table with large offsets loses its tail there).
   */
  show(unackedOnly = false): string {
    checkBoolean('unackedOnly', unackedOnly);
    if (this.shift < 0) return '';
    // The legacy table's offsets may pass 2^53: print them from the exact slots.
    const text = this.kind === 'table-legacy'
      ? formatTableSlots(this.tableSlots(), this.shift, unackedOnly)
      : formatBadblocks(this.entries(), unackedOnly);
    if (unackedOnly && text === '') this.#ctx.wasm.badblocks_clear_unacked_exist(this.#base);
    return text;
  }

  /**
   * badblocks_store: parses `"<sector> <length>"` plus an optional newline, as the kernel's
   * sscanf does, and sets it (acknowledged unless `unacked`). Returns the bytes consumed
   * (the whole input). Kernel refusals throw a KernelError with `code` `'EINVAL'` (malformed
   * text, length <= 0) or `'ENOSPC'` (the set failed).
   */
  store(text: string, options: { unacked?: boolean } = {}): number {
    if (typeof text !== 'string') throw new TypeError(`text must be a string, got ${describe(text)}`);
    const unacked = checkBoolean('unacked', options.unacked ?? false);
    const { sector, length } = parseBadblocksStore(text);
    if (sector + length > SECTOR_LIMIT) {
      throw new KernelError('EINVAL', `sector ${sector} + length ${length} passes 2^53, which the simulator cannot represent`);
    }
    if (!this.set(sector, length, !unacked)) throw new KernelError('ENOSPC', `badblocks_set(${sector}, ${length}) failed`);
    return Buffer.byteLength(text);
  }

  /** Releases this thread's slot when the structure was created or attached on its own. */
  detach(): void {
    this.#ctx.detach();
  }
}

function checkRange(s: unknown, len: unknown): [number, number] {
  // 2^53 itself is exact as a double but not a "safe" integer, so the bounds are written out.
  const start = checkSectorNumber('s', s, SECTOR_LIMIT, 'sector');
  const n = checkSectorNumber('len', len, SECTOR_LIMIT - start, 'sector count', ' (s + len must not pass 2^53)');
  return [start, n];
}

function checkSectorNumber(name: string, value: unknown, max: number, unit: string, note = ''): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max) return value;
  return checkInteger(name, value, 0, max, unit, note); // throws the standard message
}

/** -ENOSPC: what the pre-6.7 badblocks_clear returned for a split on a full table. */
const LEGACY_ENOSPC = -28;

function stopped(rc: number): number {
  if (rc === BB_STOPPED) throw new Error('badblocks: the run was stopped while waiting for the structure');
  return rc;
}

/** Validated capacity of a structure: table entries, arena runs or bitmap sectors. */
export function badblocksCapacity(options: BadblocksOptions): { kind: BadblocksKind; shift: number; capacity: number } {
  const kind = checkChoice('kind', options.kind ?? 'table', ALL_BADBLOCKS_KINDS);
  const shift = options.shift ?? 0;
  if (shift !== -1) checkInteger('shift', shift, -1, 9, '', ' (-1 disables the structure)');
  let capacity: number;
  if (kind === 'bitmap') {
    capacity = checkInteger('capacitySectors', options.capacitySectors ?? BITMAP_DEFAULT_SECTORS, 1, BITMAP_MAX_SECTORS, 'sectors');
    if (options.maxEntries !== undefined) throw new RangeError(`maxEntries does not apply to kind 'bitmap' (use capacitySectors), got ${describe(options.maxEntries)}`);
  } else {
    if (options.capacitySectors !== undefined) throw new RangeError(`capacitySectors applies only to kind 'bitmap', got ${describe(options.capacitySectors)} for kind '${kind}'`);
    capacity = isTableKind(kind)
      ? checkInteger('maxEntries', options.maxEntries ?? TABLE_DEFAULT_ENTRIES, 1, TABLE_MAX_ENTRIES, 'entries')
      : checkInteger('maxEntries', options.maxEntries ?? RUNS_DEFAULT_CAPACITY, 1, RUNS_MAX_CAPACITY, 'runs');
  }
  return { kind, shift, capacity };
}

/** Region request for a structure in a larger layout (the nvdimm layer uses it). */
export function badblocksRegion(options: BadblocksOptions): { kind: number; bytes: number; param: number } {
  const { kind, shift, capacity } = badblocksCapacity(options);
  const units = kind === 'bitmap' ? Math.ceil(capacity / 2 ** Math.max(shift, 0)) : capacity;
  return { kind: KIND_ID[kind], bytes: regionBytes(kind, units), param: units };
}

/** Initialises a zeroed region as an empty structure and returns its facade. */
export function initBadblocks(ctx: ThreadContext, base: number, options: BadblocksOptions): Badblocks {
  const { kind, shift, capacity } = badblocksCapacity(options);
  const units = kind === 'bitmap' ? Math.ceil(capacity / 2 ** Math.max(shift, 0)) : capacity;
  ctx.wasm.badblocks_init(base, KIND_ID[kind], shift, kind === 'bitmap' ? 0 : capacity, kind === 'bitmap' ? units : 0);
  return new Badblocks(ctx, base, kind);
}

/**
 * Creates a badblocks structure in a new shared memory and attaches this thread.
 * @throws {TypeError|RangeError} naming the option for invalid input.
 */
export async function createBadblocks(options: BadblocksOptions = {}): Promise<Badblocks> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object such as { kind: 'table' }, got ${describe(options)}`);
  }
  checkKeys('options', options, ['kind', 'shift', 'maxEntries', 'capacitySectors', 'build']);
  const region = badblocksRegion(options);
  const ctx = createShared({ mediaBytes: 0, regions: [region], ioBufferBytes: 1 << 20 }, options.build);
  const base = ctx.layout.regions[0]!.base;
  return initBadblocks(ctx, base, options);
}

/** Uses a structure created elsewhere (e.g. on the main thread) from this thread. */
export async function attachBadblocks(handle: BadblocksHandle): Promise<Badblocks> {
  if (typeof handle !== 'object' || handle === null || !ALL_BADBLOCKS_KINDS.includes(handle.kind) || !Number.isInteger(handle.base)) {
    throw new TypeError(`handle must be a Badblocks.handle, got ${describe(handle)}`);
  }
  return new Badblocks(attachShared(handle), handle.base, handle.kind);
}
