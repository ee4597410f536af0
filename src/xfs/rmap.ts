/**
 * The XFS-like reverse map: for every used page of every device of the filesystem, who owns
 * it (a file and the file page, or a kind of metadata). It is what lets
 * `xfsDaxNotifyFailure()` (notify-failure.ts) turn a failed device range into the files and
 * file pages to kill (reference §6.4: `xfs_rmap_query_range` under `xfs_dax_failure_fn`).
 *
 * This file is the public face: argument checks (every one before any lock or change) and
 * locking. The representation, its invariants and the lock order are in rmap-region.ts; the
 * record-array algorithms, with the numbered insert/remove cases and their costs, in
 * rmap-records.ts:
 *
 *   Rmap.insert / remove / query / records / clear      check the arguments, take the mutex
 *     -> RecordArray.insert / remove / ...                 O(log n) search + one memmove
 *
 * Locking: every public method takes the rmap mutex (lock order, rmap-region.ts:
 * i_rwsem -> fs mutex -> rmap mutex -> device mutex); the `...Locked` variants expect it
 * held (inside `lock(fn)`) and throw when it is not, like BusState.assertHeld. The mutex is
 * not recursive: `lock()` on a thread that holds it throws instead of deadlocking. A query
 * visitor runs with the mutex held, so it must not take the fs mutex or an i_rwsem, nor
 * change the map (checked).
 *
 * Cost: one mutex round trip (one cmpxchg uncontended) per call, on top of rmap-records.ts's.
 */
import { MutexGuarded, SharedMutex } from '../core/mutex.js';
import type { Region } from '../core/layout.js';
import type { ThreadContext } from '../core/shared.js';
import { checkInteger, describe } from '../core/validate.js';
import {
  NON_INODE_OWNERS, OWNER_FILE_MAX, OWNER_META, RMAP_CAPACITY, RMAP_COUNT, RMAP_DEVICES, RMAP_MAGIC, RMAP_MAGIC_VALUE,
  RMAP_MUTEX, isNonInodeOwner, rmapCapacity, rmapRegionBytes,
} from './rmap-region.js';
import { RecordArray, type RmapRecord, type RmapVisitor } from './rmap-records.js';

export type { RmapRecord, RmapVisitor };

/** This thread's view of a reverse map formatted by `formatRmap()`. */
export class Rmap extends MutexGuarded {
  readonly ctx: ThreadContext;
  /** Absolute address of the region. */
  readonly base: number;
  /** Record slots. */
  readonly capacity: number;
  /** Entries of the device table: valid `dev` values are 0..devices-1. */
  readonly devices: number;
  readonly #u32: Uint32Array;
  readonly #records: RecordArray;

  /**
   * Attaches to the rmap in `region` (any thread, after the creator's formatRmap()).
   * @throws {TypeError|RangeError} when `region` is not an rmap region; {Error} when it is not formatted.
   */
  constructor(ctx: ThreadContext, region: Region) {
    const cap = rmapCapacity(region);
    super(new SharedMutex(ctx, region.base + RMAP_MUTEX, {
      layer: 'xfs', name: 'rmap mutex', order: 'call it inside Rmap.lock(); lock order in src/xfs/rmap-region.ts',
      reentry: { hint: 'Rmap.lock() called with the rmap mutex already held by this thread (it is not recursive): use the ...Locked methods inside lock()' },
    }));
    this.ctx = ctx;
    this.base = region.base;
    this.#u32 = new Uint32Array(ctx.u8.buffer, region.base, rmapRegionBytes(cap) / 4);
    if (Atomics.load(this.#u32, RMAP_MAGIC / 4) !== RMAP_MAGIC_VALUE) {
      throw new Error('xfs: the rmap region holds no reverse map; call formatRmap() on the creating thread first');
    }
    this.capacity = this.#u32[RMAP_CAPACITY / 4]!;
    this.devices = this.#u32[RMAP_DEVICES / 4]!;
    this.#records = new RecordArray(this.#u32, region.base, this.capacity, ctx.wasm);
  }

  /** Live records (a lock-free peek: exact only with the mutex held). */
  get count(): number { return Atomics.load(this.#u32, RMAP_COUNT / 4); }

  /**
   * Pages of device `dev`.
   * @throws {TypeError|RangeError} naming `dev` when it is not a device of the table.
   */
  devicePages(dev: number): number {
    return this.#records.devicePages(this.#checkDev('dev', dev));
  }




  /**
   * Adds `rec`, merging it with a neighbour it continues (same owner, touching on the device
   * and, for a file, in the file). Takes the rmap mutex.
   * @returns false, changing nothing, when it needs a new slot and all `capacity` are used.
   * @throws {TypeError|RangeError} naming the field for bad input (device, range, owner,
   *   file offset), or naming the existing record `rec` overlaps; nothing changes then.
   */
  insert(rec: RmapRecord): boolean {
    const r = this.#checkRecord(rec);
    return this.lock(() => this.#records.insert(r));
  }

  /** `insert()` with the rmap mutex held. @throws as insert(), and {Error} without the mutex. */
  insertLocked(rec: RmapRecord): boolean {
    const r = this.#checkRecord(rec);
    this.assertHeld('Rmap.insertLocked');
    return this.#records.insert(r);
  }

  /**
   * Removes device pages [startPage, startPage + pages) of `dev` from whatever records
   * overlap them, splitting records at the edges. Takes the rmap mutex.
   * @returns false, changing nothing, when splitting one record in two needs a slot and all
   *   `capacity` are used; true otherwise (also when nothing overlapped).
   * @throws {TypeError|RangeError} naming `dev`, `startPage` or `pages` for bad input.
   */
  remove(dev: number, startPage: number, pages: number): boolean {
    this.#checkRange(dev, startPage, pages);
    return this.lock(() => this.#records.remove(dev, startPage, pages));
  }

  /** `remove()` with the rmap mutex held. @throws as remove(), and {Error} without the mutex. */
  removeLocked(dev: number, startPage: number, pages: number): boolean {
    this.#checkRange(dev, startPage, pages);
    this.assertHeld('Rmap.removeLocked');
    return this.#records.remove(dev, startPage, pages);
  }

  /**
   * Calls `visit` with every record overlapping device pages [startPage, startPage + pages)
   * of `dev`, in device order, with the rmap mutex held (see the header: the visitor must not
   * take the fs mutex or an i_rwsem nor change the map). Records are copies.
   * @returns how many records were visited (the one that returned false included).
   * @throws {TypeError|RangeError} naming the argument for bad input; {Error} when the
   *   visitor changed the map.
   */
  query(dev: number, startPage: number, pages: number, visit: RmapVisitor): number {
    this.#checkRange(dev, startPage, pages);
    if (typeof visit !== 'function') throw new TypeError(`visit must be a function (record) => boolean | void, got ${describe(visit)}`);
    return this.lock(() => this.#records.query(dev, startPage, pages, visit));
  }

  /** `query()` with the rmap mutex held. @throws as query(), and {Error} without the mutex. */
  queryLocked(dev: number, startPage: number, pages: number, visit: RmapVisitor): number {
    this.#checkRange(dev, startPage, pages);
    if (typeof visit !== 'function') throw new TypeError(`visit must be a function (record) => boolean | void, got ${describe(visit)}`);
    this.assertHeld('Rmap.queryLocked');
    return this.#records.query(dev, startPage, pages, visit);
  }

  /**
   * Every record of device `dev`, in order (for tests and fsck). Takes the rmap mutex.
   * @throws {TypeError|RangeError} naming `dev` when it is not a device of the table.
   */
  records(dev: number): RmapRecord[] {
    this.#checkDev('dev', dev);
    return this.lock(() => this.#records.records(dev));
  }

  /** `records()` with the rmap mutex held. @throws as records(), and {Error} without the mutex. */
  recordsLocked(dev: number): RmapRecord[] {
    this.#checkDev('dev', dev);
    this.assertHeld('Rmap.recordsLocked');
    return this.#records.records(dev);
  }

  /**
   * Removes every record of device `dev` (its filesystem is gone). Takes the rmap mutex.
   * @returns the records removed.
   * @throws {TypeError|RangeError} naming `dev` when it is not a device of the table.
   */
  clear(dev: number): number {
    this.#checkDev('dev', dev);
    return this.lock(() => this.#records.clear(dev));
  }

  /** `clear()` with the rmap mutex held. @throws as clear(), and {Error} without the mutex. */
  clearLocked(dev: number): number {
    this.#checkDev('dev', dev);
    this.assertHeld('Rmap.clearLocked');
    return this.#records.clear(dev);
  }

  /** Checks the invariants of rmap-region.ts; returns what is wrong (empty when consistent). Takes the rmap mutex. */
  check(): string[] {
    return this.lock(() => this.#records.problems(this.devices));
  }

  // ---- argument checks (before any lock is taken: the device table never changes) --------

  #checkDev(name: string, dev: unknown): number {
    return checkInteger(name, dev, 0, this.devices - 1, 'device index', ` (the rmap's device table has ${this.devices} devices)`);
  }

  #checkRange(dev: unknown, startPage: unknown, pages: unknown, prefix = ''): void {
    const d = this.#checkDev(`${prefix}dev`, dev);
    const size = this.#records.devicePages(d);
    const s = checkInteger(`${prefix}startPage`, startPage, 0, size - 1, 'device page', ` (dev ${d} has ${size} pages)`);
    checkInteger(`${prefix}pages`, pages, 1, size - s, 'page count', ` (${prefix}startPage ${s} + ${prefix}pages must stay inside dev ${d}'s ${size} pages)`);
  }

  #checkRecord(rec: unknown): RmapRecord {
    if (typeof rec !== 'object' || rec === null) {
      throw new TypeError(`rec must be { dev, startPage, pages, owner, fileOffsetPages }, got ${describe(rec)}`);
    }
    const r = rec as Record<string, unknown>;
    this.#checkRange(r['dev'], r['startPage'], r['pages'], 'rec.');
    const owner = checkInteger('rec.owner', r['owner'], 0, 0xffffffff, 'owner', ' (a file index 0..2^31-1 or an OWNER_* constant)');
    if (owner > OWNER_FILE_MAX && !NON_INODE_OWNERS.includes(owner)) {
      throw new RangeError(`rec.owner must be a file index in [0, ${OWNER_FILE_MAX}] or one of the OWNER_* constants (${NON_INODE_OWNERS.map((o) => '0x' + o.toString(16)).join(', ')}), got ${owner}`);
    }
    const pages = r['pages'] as number;
    const fileOffsetPages = isNonInodeOwner(owner)
      ? checkInteger('rec.fileOffsetPages', r['fileOffsetPages'], 0, 0, 'file page', ' (a non-inode owner has no file offset)')
      : checkInteger('rec.fileOffsetPages', r['fileOffsetPages'], 0, 0xffffffff - pages, 'file page', ` (the file range must end below 2^32 pages)`);
    return { dev: r['dev'] as number, startPage: r['startPage'] as number, pages, owner, fileOffsetPages };
  }
}

/**
 * Reserves the first `metaPages` pages of device `dev` for filesystem metadata (superblock,
 * AG headers, log): one OWNER_META record, so a failure there shuts the filesystem down
 * (M-3). Takes the rmap mutex.
 * @param metaPages pages from the device's data start; 0 reserves nothing
 * @returns false, changing nothing, when the rmap has no free slot.
 * @throws {TypeError|RangeError} naming `dev` or `metaPages` for bad input, or when the
 *   pages already belong to a record.
 */
export function reserveMetadata(rmap: Rmap, dev: number, metaPages: number): boolean {
  if (!(rmap instanceof Rmap)) throw new TypeError(`rmap must be an Rmap, got ${describe(rmap)}`);
  const size = rmap.devicePages(dev);
  const pages = checkInteger('metaPages', metaPages, 0, size, 'pages', ` (dev ${dev} has ${size} pages)`);
  if (pages === 0) return true;
  return rmap.insert({ dev, startPage: 0, pages, owner: OWNER_META, fileOffsetPages: 0 });
}
