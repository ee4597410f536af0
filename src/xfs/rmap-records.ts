/**
 * The reverse map's sorted record array: the algorithms, with no argument checks and no
 * locking (src/xfs/rmap.ts validates, takes the rmap mutex and calls these). Layout and
 * invariants: rmap-region.ts.
 *
 *   records (sorted by (dev, startPage), half-open, non-overlapping per dev, maximally merged)
 *   +-------+-----------+-------+-------+-----------------+
 *   |  dev  | startPage | pages | owner | fileOffsetPages |   x count, then free slots
 *   +-------+-----------+-------+-------+-----------------+
 *
 * Operations, with E an existing record and S the new or removed range (one device):
 *
 *   insert S (fails, changing nothing, when a new slot is needed and none is free; throws
 *   when S overlaps any E):
 *     1. no mergeable neighbour:   E1   S   E2     ->  E1 S E2        (one slot more)
 *     2. E1 continues into S:     [E1][S]          ->  [E1 + S]        (same slots)
 *     3. S continues into E2:        [S][E2]       ->  [S + E2]        (same slots)
 *     4. both:                   [E1][S][E2]       ->  [E1 + S + E2]   (one slot fewer)
 *   "continues" = same owner, touching on the device and, for a file, in the file too.
 *
 *   remove S (removes whatever overlaps; fails, changing nothing, only in case 3 when full):
 *     1. S covers E:               [ E ]           ->  (gone)
 *          S:                    [=======]
 *     2. S cuts E's head or tail: [  E  ]          ->  [E']   or   [E']
 *          S:                          [===]             (E' keeps its file offset when the
 *                                                         head goes: offset + cut pages)
 *     3. S inside E:              [    E    ]      ->  [E1]   [E2]     (one slot more)
 *          S:                        [=]
 *     4. S spans several:        [E1] [E2] [E3]    ->  [E1']     [E3']  (1 and 2 combined)
 *          S:                       [========]
 *
 *   query S: every E with E.start < S.end and S.start < E.end (half-open ranges intersect
 *   iff each starts before the other ends), in (dev, startPage) order.
 *
 * Cost, n = live records: insert, remove and clear O(log n) to find the place plus one
 * memmove of up to n x 20 B; query and records(dev) O(log n + k) for k records returned.
 * The memmove is wasm's memory.copy (through pmem_memcpy, which marks persistence state only
 * for a destination inside the media, never this region): Uint32Array.copyWithin on a shared
 * buffer moved 1.3 MB (65536 records) in ~1 ms against ~25 us for memory.copy, V8 copying
 * shared memory element by element. Through Rmap, with 65536 records: an insert (or
 * remove) at the front ~18 us, at the end ~0.4 us, a 4-page query ~0.3 us (measured 2026-11,
 * Node 20, mutex uncontended).
 *
 * Concurrency: the caller holds the rmap mutex, so plain loads and stores suffice (the
 * mutex's seq-cst cmpxchg/store order them); only RMAP_COUNT is stored atomically, for
 * Rmap.count's lock-free peek.
 */
import type { WasmExports } from '../core/wasm.js';
import {
  NON_INODE_OWNERS, RECORD_BYTES, OWNER_FILE_MAX, R_DEV, R_FILE_OFFSET, R_OWNER, R_PAGES, R_START, RECORD_WORDS, RMAP_CHANGES,
  RMAP_COUNT, RMAP_DEV_TABLE, RMAP_RECORDS, isNonInodeOwner,
} from './rmap-region.js';

/** One reverse-map record: device pages [startPage, startPage + pages) of `dev` belong to `owner`. */
export interface RmapRecord {
  /** Index in the fs device table. */
  readonly dev: number;
  /** First device page, from the device's data start. */
  readonly startPage: number;
  /** Length in pages, >= 1. */
  readonly pages: number;
  /** A file-table index (0..2^31-1) or an OWNER_* constant. */
  readonly owner: number;
  /** File page of `startPage` (an inode owner); 0 for the OWNER_* constants. */
  readonly fileOffsetPages: number;
}

/** A query visitor; returning `false` stops the walk (an xfs_rmap_query_range callback's -ECANCELED). */
export type RmapVisitor = (rec: RmapRecord) => boolean | void;

/**
 * Whether `b` continues `a` (invariant 3), given the same device: same owner, `b` starts on
 * the device where `a` ends and, for a file, in the file where `a` ends.
 */
export function continues(a: RmapRecord, b: RmapRecord): boolean {
  return a.owner === b.owner && a.startPage + a.pages === b.startPage &&
    (isNonInodeOwner(a.owner) || a.fileOffsetPages + a.pages === b.fileOffsetPages);
}

const REC0 = RMAP_RECORDS / 4;

/** The record array of one rmap region. Mutex held for every call. */
export class RecordArray {
  readonly #u32: Uint32Array;
  readonly #capacity: number;
  readonly #wasm: WasmExports;
  /** Absolute address of slot 0. */
  readonly #slots: number;

  /** `u32`: the region's words; `base`: its absolute address; `wasm`: this thread's instance (for memory.copy). */
  constructor(u32: Uint32Array, base: number, capacity: number, wasm: WasmExports) {
    this.#u32 = u32;
    this.#capacity = capacity;
    this.#wasm = wasm;
    this.#slots = base + RMAP_RECORDS;
  }

  count(): number { return this.#u32[RMAP_COUNT / 4]!; }
  /** Bumped by every change (wraps). */
  changes(): number { return this.#u32[RMAP_CHANGES / 4]!; }
  devicePages(dev: number): number { return this.#u32[RMAP_DEV_TABLE / 4 + dev]!; }

  #setCount(n: number): void {
    Atomics.store(this.#u32, RMAP_COUNT / 4, n);
    this.#u32[RMAP_CHANGES / 4] = (this.#u32[RMAP_CHANGES / 4]! + 1) >>> 0;
  }
  #word(i: number, field: number): number { return this.#u32[REC0 + i * RECORD_WORDS + field]!; }
  #setWord(i: number, field: number, v: number): void { this.#u32[REC0 + i * RECORD_WORDS + field] = v; }

  read(i: number): RmapRecord {
    const w = REC0 + i * RECORD_WORDS;
    const u = this.#u32;
    return { dev: u[w + R_DEV]!, startPage: u[w + R_START]!, pages: u[w + R_PAGES]!, owner: u[w + R_OWNER]!, fileOffsetPages: u[w + R_FILE_OFFSET]! };
  }

  #write(i: number, r: RmapRecord): void {
    const w = REC0 + i * RECORD_WORDS;
    const u = this.#u32;
    u[w + R_DEV] = r.dev;
    u[w + R_START] = r.startPage;
    u[w + R_PAGES] = r.pages;
    u[w + R_OWNER] = r.owner;
    u[w + R_FILE_OFFSET] = r.fileOffsetPages;
  }

  /** Moves records [from, from + n) to start at slot `to` (memmove: memory.copy allows overlap). */
  #move(from: number, to: number, n: number): void {
    if (n > 0 && from !== to) this.#wasm.pmem_memcpy(this.#slots + to * RECORD_BYTES, this.#slots + from * RECORD_BYTES, n * RECORD_BYTES);
  }

  /**
   * The first slot in [0, n) whose record comes after page `page` of `dev` or overlaps it:
   * its dev is greater, or its dev is `dev` and it ends after `page`. The predicate is
   * monotone because records are sorted by (dev, startPage) and, per dev, non-overlapping,
   * so their ends are sorted too (invariant 2).
   */
  #lowerBound(dev: number, page: number, n: number): number {
    const u = this.#u32;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const w = REC0 + mid * RECORD_WORDS;
      const d = u[w + R_DEV]!;
      if (d < dev || (d === dev && u[w + R_START]! + u[w + R_PAGES]! <= page)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Insert cases 1-4. @returns false when full (case 1). @throws {RangeError} naming the record `r` overlaps. */
  insert(r: RmapRecord): boolean {
    const n = this.count();
    const end = r.startPage + r.pages;
    const i = this.#lowerBound(r.dev, r.startPage, n);
    // Slot i is the first record ending after r starts: r overlaps it iff it starts before r ends.
    if (i < n && this.#word(i, R_DEV) === r.dev && this.#word(i, R_START) < end) {
      throw new RangeError(`rec: pages [${r.startPage}, ${end}) of dev ${r.dev} overlap the record ${JSON.stringify(this.read(i))}; remove it first`);
    }
    const left = i > 0 && this.#word(i - 1, R_DEV) === r.dev && continues(this.read(i - 1), r);
    const right = i < n && this.#word(i, R_DEV) === r.dev && continues(r, this.read(i));
    if (left && right) { // case 4
      this.#setWord(i - 1, R_PAGES, this.#word(i - 1, R_PAGES) + r.pages + this.#word(i, R_PAGES));
      this.#move(i + 1, i, n - i - 1);
      this.#setCount(n - 1);
    } else if (left) { // case 2
      this.#setWord(i - 1, R_PAGES, this.#word(i - 1, R_PAGES) + r.pages);
      this.#setCount(n);
    } else if (right) { // case 3: S's start and file offset, both lengths
      this.#write(i, { ...r, pages: r.pages + this.#word(i, R_PAGES) });
      this.#setCount(n);
    } else { // case 1
      if (n >= this.#capacity) return false;
      this.#move(i, i + 1, n - i);
      this.#write(i, r);
      this.#setCount(n + 1);
    }
    return true;
  }

  /** Remove cases 1-4. @returns false when full (case 3). */
  remove(dev: number, start: number, pages: number): boolean {
    const n = this.count();
    const end = start + pages;
    const i = this.#lowerBound(dev, start, n);
    let j = i;
    while (j < n && this.#word(j, R_DEV) === dev && this.#word(j, R_START) < end) j++;
    if (i === j) return true;
    // Records [i, j) overlap S. What survives: the head of the first, the tail of the last.
    const first = this.read(i);
    const last = this.read(j - 1);
    const lastEnd = last.startPage + last.pages;
    const kept: RmapRecord[] = [];
    if (first.startPage < start) kept.push({ ...first, pages: start - first.startPage });
    if (lastEnd > end) {
      const cut = end - last.startPage;
      kept.push({ ...last, startPage: end, pages: lastEnd - end, fileOffsetPages: isNonInodeOwner(last.owner) ? 0 : last.fileOffsetPages + cut });
    }
    const count = n - (j - i) + kept.length;
    if (count > this.#capacity) return false; // case 3 on a full map
    this.#move(j, i + kept.length, n - j);
    kept.forEach((r, k) => this.#write(i + k, r));
    this.#setCount(count);
    return true;
  }

  /** Visits the records overlapping S in order. @throws {Error} when `visit` changed the map. */
  query(dev: number, start: number, pages: number, visit: RmapVisitor): number {
    const end = start + pages;
    const changes = this.changes();
    let visited = 0;
    for (let i = this.#lowerBound(dev, start, this.count()); i < this.count(); i++) {
      if (this.#word(i, R_DEV) !== dev || this.#word(i, R_START) >= end) break;
      visited++;
      const stop = visit(this.read(i)) === false;
      if (this.changes() !== changes) throw new Error('xfs: an rmap query visitor changed the map under its own walk; collect the records and change the map after the query');
      if (stop) break;
    }
    return visited;
  }

  records(dev: number): RmapRecord[] {
    const out: RmapRecord[] = [];
    const n = this.count();
    for (let i = this.#lowerBound(dev, 0, n); i < n && this.#word(i, R_DEV) === dev; i++) out.push(this.read(i));
    return out;
  }

  /** Removes every record of `dev`; returns how many. */
  clear(dev: number): number {
    const n = this.count();
    const i = this.#lowerBound(dev, 0, n);
    let j = i;
    while (j < n && this.#word(j, R_DEV) === dev) j++;
    if (i === j) return 0;
    this.#move(j, i, n - j);
    this.#setCount(n - (j - i));
    return j - i;
  }

  /** What breaks the invariants of rmap-region.ts, for `devices` devices; empty when none. */
  problems(devices: number): string[] {
    const problems: string[] = [];
    const n = this.count();
    if (n > this.#capacity) return [`count ${n} exceeds the capacity ${this.#capacity}`];
    let prev: RmapRecord | undefined;
    for (let i = 0; i < n; i++) {
      const r = this.read(i);
      const at = `record ${i} ${JSON.stringify(r)}`;
      if (r.dev >= devices) problems.push(`${at}: dev is not in the ${devices}-device table`);
      else if (r.pages < 1 || r.startPage + r.pages > this.devicePages(r.dev)) problems.push(`${at}: not a non-empty range inside the device's ${this.devicePages(r.dev)} pages`);
      if (r.owner > OWNER_FILE_MAX && !NON_INODE_OWNERS.includes(r.owner)) problems.push(`${at}: owner is neither a file index nor an OWNER_* constant`);
      if (isNonInodeOwner(r.owner) ? r.fileOffsetPages !== 0 : r.fileOffsetPages + r.pages > 0xffffffff) problems.push(`${at}: bad file offset for its owner`);
      if (prev !== undefined && prev.dev === r.dev) {
        if (prev.startPage + prev.pages > r.startPage) problems.push(`${at}: overlaps or is out of order after ${JSON.stringify(prev)}`);
        else if (continues(prev, r)) problems.push(`${at}: should be merged with ${JSON.stringify(prev)}`);
      } else if (prev !== undefined && prev.dev > r.dev) problems.push(`${at}: out of device order after ${JSON.stringify(prev)}`);
      prev = r;
    }
    return problems;
  }
}
