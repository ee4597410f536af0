/**
 * Sparse media: a namespace whose logical size (up to 2^42 bytes, a real machine's) exceeds
 * what one wasm32 memory can back, with bytes only in *windows* (issue 7).
 *
 *   logical region (real sizes, real sector numbers)
 *   0   2M            dataOffset ... ws                       bad range ± margin         size
 *   |###|.............|########|.............................|######|.....................|
 *     w0                  w1                                     w2
 *   backing SPA (media bytes, bump-allocated in the order windows are added)
 *   regionStart
 *   |w0|w1      |w2    |..... free .....|  regionStart + backingBytes (= spaBytes)
 *
 * Representation: a window maps logical region bytes [start, start+bytes) to backing region
 * bytes [backing, backing+bytes). Windows are whole WINDOW_ALIGN (2 MiB) chunks of the
 * logical region, so a backing address keeps the logical one's 2 MiB alignment (PMD faults)
 * and every page, line and sector of a window is backed as a whole. Windows never overlap and
 * are never removed or moved.
 *
 * Addresses: everything the kernel layers keep as an SPA or pfn (firmware list, badrange,
 * poison bitmap, persistence state, page flags, mm pfns) is a BACKING address — a media
 * offset, as for dense namespaces. Everything a user or the block layer numbers (offsets,
 * sectors, pgoffs, pmem->bb and region bb sectors, error maps) is LOGICAL, real sector
 * numbers (f64, exact to 2^53). The namespace's address helpers (namespace.ts) translate
 * logical → backing; populate and the MCE/clear accounting translate backing → logical.
 *
 * Outside the windows: no bytes exist. Every translation of a range that is not wholly inside
 * one window (or several windows contiguous in both spaces) throws SparseHoleError naming the
 * range and the nearest windows — never a read of someone else's bytes. Model decision: an
 * error rather than "reads as zeros", because zeros would hide that the working set was
 * chosen too small, and a write there would have nowhere to go.
 *
 * Shared state (DESIGN.md "The one rule"): each sparse namespace has a window table in the
 * REGION_KIND_SPARSE region:
 *
 *   +0   u32  count     windows published (Atomics; the publication word)
 *   +4   u32  capacity  maxWindows
 *   +8   f64  used      backing bytes handed out (changed with the device mutex held)
 *   +64  capacity x 32 B: f64 start, f64 bytes, f64 backing, f64 unused (logical, region-relative)
 *
 * Writers (seeding, adding windows) hold the device mutex, write the entry, then store the
 * count (seq-cst), so a reader that loads the count sees every entry below it. Readers take
 * no lock: each thread keeps a sorted copy and rebuilds it when the count changed (entries
 * never change once published). A worker attaching later reads the same table.
 *
 * Cost: dense namespaces never reach this file (namespace.ts tests `sparse === null` first).
 * A sparse translation is one Atomics.load and a binary search over the windows.
 */
import { checkInteger, describe } from '../core/validate.js';
import { parseSize } from '../core/units.js';

export const REGION_KIND_SPARSE = 0x53505253; // "SRPS"
/** Windows are whole chunks of this many logical bytes (a PMD, so huge pages stay aligned). */
export const WINDOW_ALIGN = 2 * 1024 * 1024;
export const DEFAULT_SPARSE_BACKING = 64 * 1024 * 1024;
export const DEFAULT_SPARSE_WORKING_SET = 2 * 1024 * 1024;
export const DEFAULT_SPARSE_MARGIN = 0;
export const DEFAULT_SPARSE_MAX_WINDOWS = 1024;
const TABLE_HEADER = 64;
const ENTRY_BYTES = 32;

/** What a user writes for a sparse namespace (NamespaceOptions.sparse). */
export interface SparseOptions {
  /** Media bytes reserved for the windows: whole 2 MiB chunks (default 64 MiB). */
  readonly backing?: number | string;
  /** Data bytes backed from the data start, the working set (default 2 MiB; 0 for none). */
  readonly workingSet?: number | string;
  /** Bytes backed on each side of every poisoned range an error map seeds (default 0). */
  readonly margin?: number | string;
  /** Further data ranges to back: bytes from the data start. */
  readonly windows?: readonly { readonly offset: number | string; readonly len: number | string }[];
  /** Most windows the table holds (default 1024). */
  readonly maxWindows?: number;
}

/** A validated SparseOptions: every length in bytes. */
export interface SparseConfig {
  readonly backingBytes: number;
  readonly workingSetBytes: number;
  readonly marginBytes: number;
  /** Logical region byte ranges backed at creation (info block chunk, working set, `windows`). */
  readonly initial: readonly LogicalRange[];
  readonly maxWindows: number;
}

/** Logical region bytes [start, start+bytes). */
export interface LogicalRange {
  readonly start: number;
  readonly bytes: number;
}

/** One window: logical region bytes [start, start+bytes) at backing region bytes [backing, ...). */
export interface SparseWindow extends LogicalRange {
  readonly backing: number;
}

/** An access to bytes a sparse namespace does not back. */
export class SparseHoleError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'SparseHoleError';
  }
}

/** Bytes of one namespace's window table. */
export function sparseTableBytes(maxWindows: number): number {
  return TABLE_HEADER + maxWindows * ENTRY_BYTES;
}

const alignDown = (n: number): number => Math.floor(n / WINDOW_ALIGN) * WINDOW_ALIGN;
const alignUp = (n: number): number => Math.ceil(n / WINDOW_ALIGN) * WINDOW_ALIGN;

/**
 * Validates sparse options for a namespace of `size` bytes whose data starts at `dataOffset`.
 * @throws {TypeError|RangeError} naming `${prefix}.field`, the value and what is allowed.
 */
export function resolveSparse(o: SparseOptions, size: number, dataOffset: number, prefix: string): SparseConfig {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw new TypeError(`${prefix} must be an object such as { backing: "64MiB", workingSet: "2MiB" }, got ${describe(o)}`);
  }
  const known = ['backing', 'workingSet', 'margin', 'windows', 'maxWindows'];
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new RangeError(`${prefix}.${k} is not a sparse option; options: ${known.join(', ')}`);
  const dataBytes = size - dataOffset;
  const backingBytes = parseSize(`${prefix}.backing`, o.backing ?? DEFAULT_SPARSE_BACKING);
  checkInteger(`${prefix}.backing`, backingBytes, WINDOW_ALIGN, Math.min(size, 2 ** 32), 'bytes', ' (whole 2 MiB chunks, at most the namespace size and 4 GiB)');
  if (backingBytes % WINDOW_ALIGN !== 0) throw new RangeError(`${prefix}.backing must be a multiple of 2 MiB, got ${backingBytes}`);
  const workingSetBytes = checkInteger(`${prefix}.workingSet`, parseSize(`${prefix}.workingSet`, o.workingSet ?? DEFAULT_SPARSE_WORKING_SET), 0, dataBytes, 'bytes', ` (from the data start; the namespace holds ${dataBytes} data bytes)`);
  const marginBytes = checkInteger(`${prefix}.margin`, parseSize(`${prefix}.margin`, o.margin ?? DEFAULT_SPARSE_MARGIN), 0, 2 ** 32, 'bytes');
  const maxWindows = checkInteger(`${prefix}.maxWindows`, o.maxWindows ?? DEFAULT_SPARSE_MAX_WINDOWS, 1, 1 << 20, 'windows');
  const wanted: LogicalRange[] = [{ start: 0, bytes: WINDOW_ALIGN }];
  if (workingSetBytes > 0) wanted.push({ start: dataOffset, bytes: workingSetBytes });
  const list = o.windows ?? [];
  if (!Array.isArray(list)) throw new TypeError(`${prefix}.windows must be an array of { offset, len } (bytes from the data start), got ${describe(list)}`);
  list.forEach((w, i) => {
    const f = `${prefix}.windows[${i}]`;
    if (typeof w !== 'object' || w === null) throw new TypeError(`${f} must be { offset, len } (bytes from the data start), got ${describe(w)}`);
    const offset = checkInteger(`${f}.offset`, parseSize(`${f}.offset`, w.offset), 0, dataBytes - 1, 'byte offset', ` (the namespace holds ${dataBytes} data bytes)`);
    const len = checkInteger(`${f}.len`, parseSize(`${f}.len`, w.len), 1, dataBytes - offset, 'bytes', ` (offset ${offset} + len must not pass ${dataBytes})`);
    wanted.push({ start: dataOffset + offset, bytes: len });
  });
  const initial = coalesce(wanted, 0, size);
  const need = initial.reduce((a, r) => a + r.bytes, 0);
  if (need > backingBytes) {
    throw new RangeError(`${prefix}.backing ${backingBytes} bytes is too small: the info-block chunk, the working set and the windows need ${need} bytes (whole 2 MiB chunks); give backing of at least ${need}`);
  }
  if (initial.length > maxWindows) throw new RangeError(`${prefix}.maxWindows ${maxWindows} is too small: the initial windows are ${initial.length}`);
  return { backingBytes, workingSetBytes, marginBytes, initial, maxWindows };
}

/**
 * Options that resolve to `c` again for a namespace whose data starts at `dataOffset`: the
 * initial windows as data ranges (the info-block chunk before the data start is implied).
 */
export function sparseOptionsOf(c: SparseConfig, dataOffset: number): SparseOptions {
  const windows = c.initial
    .filter((r) => r.start + r.bytes > dataOffset)
    .map((r) => ({ offset: Math.max(0, r.start - dataOffset), len: r.start + r.bytes - Math.max(r.start, dataOffset) }));
  return { backing: c.backingBytes, workingSet: c.workingSetBytes, margin: c.marginBytes, maxWindows: c.maxWindows, windows };
}

/**
 * Logical ranges widened by `margin` each side, rounded out to whole chunks, clipped to
 * [0, size), sorted and merged where they touch.
 */
export function coalesce(ranges: readonly LogicalRange[], margin: number, size: number): LogicalRange[] {
  const chunks = ranges
    .filter((r) => r.bytes > 0)
    .map((r) => ({ start: alignDown(Math.max(0, r.start - margin)), end: Math.min(size, alignUp(r.start + r.bytes + margin)) }))
    .sort((a, b) => a.start - b.start);
  const out: { start: number; end: number }[] = [];
  for (const c of chunks) {
    const last = out[out.length - 1];
    if (last !== undefined && c.start <= last.end) last.end = Math.max(last.end, c.end);
    else out.push({ ...c });
  }
  return out.map((c) => ({ start: c.start, bytes: c.end - c.start }));
}

/**
 * One thread's view of a namespace's window table (see the header). `name` and `dataOffset`
 * are for messages only.
 */
export class SparseWindows {
  readonly base: number;
  readonly capacity: number;
  readonly backingBytes: number;
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #name: string;
  #seen = -1;
  /** Sorted by start, windows contiguous in both spaces merged: parallel arrays for the search. */
  #start = new Float64Array(0);
  #end = new Float64Array(0);
  #backing = new Float64Array(0);

  constructor(buffer: ArrayBufferLike, base: number, capacity: number, backingBytes: number, name: string) {
    this.base = base;
    this.capacity = capacity;
    this.backingBytes = backingBytes;
    this.#name = name;
    this.#i32 = new Int32Array(buffer, base, TABLE_HEADER / 4);
    this.#f64 = new Float64Array(buffer, base, (TABLE_HEADER + capacity * ENTRY_BYTES) / 8);
  }

  /** Writes an empty table (creator only, before any other thread attaches). */
  static init(buffer: ArrayBufferLike, base: number, capacity: number): void {
    const i32 = new Int32Array(buffer, base, TABLE_HEADER / 4);
    Atomics.store(i32, 1, capacity);
    Atomics.store(i32, 0, 0);
  }

  /** Windows published. */
  get count(): number { return Atomics.load(this.#i32, 0); }
  /** Backing bytes handed out. */
  get usedBytes(): number { return this.#f64[1]!; }

  #refresh(): void {
    const n = Atomics.load(this.#i32, 0);
    if (n === this.#seen) return;
    const all: SparseWindow[] = [];
    for (let i = 0; i < n; i++) {
      const e = (TABLE_HEADER + i * ENTRY_BYTES) / 8;
      all.push({ start: this.#f64[e]!, bytes: this.#f64[e + 1]!, backing: this.#f64[e + 2]! });
    }
    all.sort((a, b) => a.start - b.start);
    const merged: { start: number; end: number; backing: number }[] = [];
    for (const w of all) {
      const last = merged[merged.length - 1];
      if (last !== undefined && last.end === w.start && last.backing + (last.end - last.start) === w.backing) last.end += w.bytes;
      else merged.push({ start: w.start, end: w.start + w.bytes, backing: w.backing });
    }
    this.#start = Float64Array.from(merged, (w) => w.start);
    this.#end = Float64Array.from(merged, (w) => w.end);
    this.#backing = Float64Array.from(merged, (w) => w.backing);
    this.#seen = n;
  }

  /** Index of the last window starting at or before `off`, or -1. */
  #find(off: number): number {
    let lo = 0;
    let hi = this.#start.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#start[mid]! <= off) { at = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return at;
  }

  /**
   * Backing region offset of logical region bytes [off, off+len) (len 0: the byte at `off`,
   * or the end of a window).
   * @throws {SparseHoleError} when the range is not wholly backed by one window.
   */
  translate(off: number, len: number, dataOffset: number): number {
    this.#refresh();
    const i = this.#find(off);
    if (i >= 0 && off + len <= this.#end[i]! && (len > 0 ? off < this.#end[i]! : true)) return this.#backing[i]! + (off - this.#start[i]!);
    throw new SparseHoleError(this.#holeMessage(off, len, dataOffset));
  }

  /** Logical bytes from `off` to the end of its window, or 0 when `off` is not backed. */
  backedFrom(off: number): number {
    this.#refresh();
    const i = this.#find(off);
    return i >= 0 && off < this.#end[i]! ? this.#end[i]! - off : 0;
  }

  /** Logical region offset of backing region offset `b`, or -1 past the used backing. */
  logicalOf(b: number): number {
    this.#refresh();
    for (let i = 0; i < this.#start.length; i++) {
      const s = this.#backing[i]!;
      if (b >= s && b < s + (this.#end[i]! - this.#start[i]!)) return this.#start[i]! + (b - s);
    }
    return -1;
  }

  /**
   * Backing region bytes [b, b+len) as logical pieces (a backing range may span windows that
   * are adjacent in backing but not logically), in backing order.
   */
  logicalPieces(b: number, len: number): LogicalRange[] {
    this.#refresh();
    const out: LogicalRange[] = [];
    for (let i = 0; i < this.#start.length; i++) {
      const s = this.#backing[i]!;
      const e = s + (this.#end[i]! - this.#start[i]!);
      const lo = Math.max(s, b);
      const hi = Math.min(e, b + len);
      if (lo < hi) out.push({ start: this.#start[i]! + (lo - s), bytes: hi - lo });
    }
    return out.sort((x, y) => x.start - y.start);
  }

  /** Every window (merged as the translation sees them), in logical order. */
  windows(): SparseWindow[] {
    this.#refresh();
    return Array.from(this.#start, (s, i) => ({ start: s, bytes: this.#end[i]! - s, backing: this.#backing[i]! }));
  }

  /** Which of `want` (already coalesced) are not backed yet, as whole-chunk pieces. */
  missing(want: readonly LogicalRange[]): LogicalRange[] {
    this.#refresh();
    const out: LogicalRange[] = [];
    for (const r of want) {
      for (let at = r.start; at < r.start + r.bytes;) {
        const backed = this.backedFrom(at);
        if (backed > 0) { at += backed; continue; }
        // Unbacked from `at` up to the next window's start or the end of r.
        const next = this.#find(at) + 1;
        const stop = Math.min(r.start + r.bytes, next < this.#start.length ? this.#start[next]! : Infinity);
        out.push({ start: at, bytes: stop - at });
        at = stop;
      }
    }
    return out;
  }

  /**
   * Publishes windows for `ranges` (unbacked, whole chunks, sorted), bump-allocating backing in
   * that order. Device mutex held; the caller checked room() first, so this cannot fail.
   */
  addLocked(ranges: readonly LogicalRange[]): void {
    let n = Atomics.load(this.#i32, 0);
    let used = this.#f64[1]!;
    for (const r of ranges) {
      const e = (TABLE_HEADER + n * ENTRY_BYTES) / 8;
      this.#f64[e] = r.start;
      this.#f64[e + 1] = r.bytes;
      this.#f64[e + 2] = used;
      used += r.bytes;
      this.#f64[1] = used;
      // Publication: the entry is complete before the count that makes it visible.
      Atomics.store(this.#i32, 0, ++n);
    }
  }

  /** Why `ranges` cannot be added, or null when the backing and the table have room. */
  room(ranges: readonly LogicalRange[]): string | null {
    const bytes = ranges.reduce((a, r) => a + r.bytes, 0);
    const free = this.backingBytes - this.usedBytes;
    if (bytes > free) {
      return `the sparse backing of ${this.#name} is too small: these windows need ${bytes} more bytes, ${free} of ${this.backingBytes} are free; give a larger sparse backing (at least ${this.usedBytes + bytes} bytes) or a smaller margin`;
    }
    if (this.count + ranges.length > this.capacity) {
      return `the window table of ${this.#name} is full: ${ranges.length} more windows, ${this.capacity - this.count} of ${this.capacity} free; give a larger sparse maxWindows`;
    }
    return null;
  }

  #holeMessage(off: number, len: number, dataOffset: number): string {
    const ws = this.windows();
    const d = (x: number): number => x - dataOffset;
    // Only the data part of each window: the info-block chunk before the data start is not addressable by offset.
    const near = ws
      .filter((w) => w.start + w.bytes > dataOffset)
      .map((w) => ({ w, dist: Math.max(0, w.start - (off + len), off - (w.start + w.bytes)) }))
      .sort((a, b) => a.dist - b.dist).slice(0, 3)
      .sort((a, b) => a.w.start - b.w.start)
      .map(({ w }) => `[${Math.max(0, d(w.start))}, ${d(w.start + w.bytes)})`);
    return `namespace ${this.#name} is sparse and bytes [${d(off)}, ${d(off + Math.max(len, 1))}) from the data start are not ` +
      `(wholly) backed by one window; nearest windows (data bytes): ${near.join(', ') || 'none'}. ` +
      'Back them with a larger working set, an explicit window, or an error map around them (README "Sparse media")';
  }
}
