/**
 * Where the XFS-like reverse map (rmap) lives: one region of the shared memory (DESIGN.md
 * "The one rule of shared state"), requested with `rmapRegion()` before the system exists,
 * laid out once by the creating thread with `formatRmap()`, and found again by its kind, so
 * any thread attached to the memory can ask "who owns device page P?" from the memory alone
 * (reference §6.3-§6.4: XFS answers a memory failure through its rmap B-tree). This file is
 * the representation only; src/xfs/rmap.ts gives it meaning.
 *
 *   region base
 *   +0     RMAP_MAGIC      u32  written last by formatRmap: a thread that sees it sees the rest
 *   +4     RMAP_MUTEX      i32  rmap mutex (assembly/sync/mutex.ts): 0 free, owner tid+1;
 *   +8                     i32  its waiter count
 *   +12    RMAP_CAPACITY   u32  record slots
 *   +16    RMAP_COUNT      u32  records in use: slots [0, count) are live, the rest garbage
 *   +20    RMAP_DEVICES    u32  entries of the device table
 *   +24    RMAP_CHANGES    u32  bumped by every change (wraps): catches a query visitor that
 *                               changes the map under its own walk
 *   +256   device table    RMAP_MAX_DEVICES x u32: pages of device `dev` (from its data start)
 *   +512   records         capacity x 20 B, sorted by (dev, startPage):
 *            +0   dev              u32  index in the fs device table (namespaces and dm
 *                                       devices share one index space; the caller decides)
 *            +4   startPage        u32  first device page, from the device's data start
 *            +8   pages            u32  length, >= 1: the record is [startPage, startPage+pages)
 *            +12  owner            u32  a file-table index (< 2^31), or an OWNER_* constant
 *                                       (bit 31 set: not an inode, XFS_RMAP_NON_INODE_OWNER)
 *            +16  fileOffsetPages  u32  file page of startPage; 0 for non-inode owners
 *
 * Invariants (Rmap.check() verifies all of them):
 *   1. 0 <= count <= capacity; every live record has pages >= 1, dev < devices and
 *      startPage + pages <= the device's pages.
 *   2. Sorted by (dev, startPage) and, per dev, non-overlapping: so per dev the record ends
 *      are sorted too, which is what lets a binary search find the first record that
 *      overlaps a range (rmap-records.ts `lowerBound`).
 *   3. Maximally merged: two neighbours with the same dev and owner, touching on the device
 *      (a.startPage + a.pages == b.startPage) and, for an inode owner, continuing in the file
 *      (a.fileOffsetPages + a.pages == b.fileOffsetPages) are one record. Non-inode owners
 *      have no file offset (XFS records rm_offset 0 for them), so touching is enough.
 *   4. A non-inode owner's fileOffsetPages is 0; an inode owner's file range ends below 2^32.
 *
 * Why a flat sorted array and not a B+-tree: the map changes only where a file's page map
 * changes (create, punch, hole fill: each already O(pages) in the fs) and is read only on a
 * memory failure; a flat array makes every invariant a linear scan, keeps readers trivially
 * safe under the mutex, and its O(n) insert/remove is one wasm memory.copy of at most
 * capacity x 20 B (~25 us for 65536 records, rmap-records.ts). XFS itself keeps one rmap B-tree per allocation group for on-disk
 * reasons (block-sized nodes) the simulator does not have.
 *
 * Locking: every read and every change of the header words (except the lock-free peek at
 * RMAP_COUNT, which is advisory) and of the records holds the rmap mutex. Lock order, the
 * one place it is written down for this module:
 *
 *   i_rwsem  ->  fs mutex  ->  rmap mutex  ->  device mutex (src/nvdimm/state.ts)
 *
 * so a caller changing a file's page map under its i_rwsem and the fs mutex may update the
 * rmap, and nothing run under the rmap mutex may take the fs mutex or an i_rwsem.
 *
 * Cost: 20 B per record; 512 B of header.
 */
import type { Region, RegionRequest } from '../core/layout.js';
import type { ThreadContext } from '../core/shared.js';
import { checkInteger, describe } from '../core/validate.js';

export const REGION_KIND_RMAP = 0x50414d52; // "RMAP": XFS-like reverse map
export const RMAP_MAGIC_VALUE = 0x504d4158; // "XAMP"

export const RMAP_MAGIC = 0;
export const RMAP_MUTEX = 4;
export const RMAP_CAPACITY = 12;
export const RMAP_COUNT = 16;
export const RMAP_DEVICES = 20;
export const RMAP_CHANGES = 24;
export const RMAP_DEV_TABLE = 256;
export const RMAP_RECORDS = 512;

/** Devices the table holds (namespaces plus dm devices). */
export const RMAP_MAX_DEVICES = 64;
/** Bytes of one record, and its u32 words. */
export const RECORD_BYTES = 20;
export const RECORD_WORDS = 5;
export const R_DEV = 0;
export const R_START = 1;
export const R_PAGES = 2;
export const R_OWNER = 3;
export const R_FILE_OFFSET = 4;

/** Most record slots a region may hold (320 MiB of records). */
export const RMAP_MAX_CAPACITY = 1 << 24;
/** Largest device size in pages: page numbers are u32. */
export const RMAP_MAX_DEVICE_PAGES = 0xffffffff;

/** Largest file-table index an inode owner may have: bit 31 marks the non-inode owners. */
export const OWNER_FILE_MAX = 0x7fffffff;
/**
 * Non-inode owners, after XFS's XFS_RMAP_OWN_* (negative u64s in the kernel; here the same
 * small negatives as u32, so bit 31 is set). The notify_failure walk treats them all alike:
 * a poisoned block of any of them wants a shutdown (§6.4, M-3).
 */
/** Static fs metadata: superblock, AG headers (XFS_RMAP_OWN_FS). `reserveMetadata()` uses it. */
export const OWNER_META = 0xfffffffd;
/** The internal log (XFS_RMAP_OWN_LOG). */
export const OWNER_LOG = 0xfffffffc;
/** Free-space B-trees and the AGFL (XFS_RMAP_OWN_AG). */
export const OWNER_AG = 0xfffffffb;
/** Inode B-trees (XFS_RMAP_OWN_INOBT). */
export const OWNER_INOBT = 0xfffffffa;
/** Inode chunks (XFS_RMAP_OWN_INODES). */
export const OWNER_INODES = 0xfffffff9;
/** Refcount B-tree (XFS_RMAP_OWN_REFC). */
export const OWNER_REFC = 0xfffffff8;
/**
 * An inode's extent-map (bmbt) or attribute-fork block. XFS keeps the inode number with an
 * XFS_RMAP_BMBT_BLOCK / XFS_RMAP_ATTR_FORK flag; the walk treats them as metadata
 * (want_shutdown) without looking at the inode, so one owner value stands for both.
 */
export const OWNER_BMBT = 0xfffffff0;

/** Every non-inode owner, for validation and messages. */
export const NON_INODE_OWNERS: readonly number[] = [OWNER_META, OWNER_LOG, OWNER_AG, OWNER_INOBT, OWNER_INODES, OWNER_REFC, OWNER_BMBT];

/** XFS_RMAP_NON_INODE_OWNER: true for the OWNER_* constants, false for a file index. */
export const isNonInodeOwner = (owner: number): boolean => owner > OWNER_FILE_MAX;

/** Bytes of a region with `capacityRecords` record slots. */
export const rmapRegionBytes = (capacityRecords: number): number => RMAP_RECORDS + capacityRecords * RECORD_BYTES;

/**
 * The region a reverse map of `capacityRecords` records needs: pass it in
 * `SystemOptions.extraRegions` (or `LayoutConfig.regions`), then call `formatRmap()` on the
 * creating thread once the memory exists.
 * @param capacityRecords record slots, 1..2^24 (20 B each)
 * @throws {TypeError|RangeError} naming `capacityRecords` for bad input.
 */
export function rmapRegion(capacityRecords: number): RegionRequest {
  const cap = checkInteger('capacityRecords', capacityRecords, 1, RMAP_MAX_CAPACITY, 'records');
  return { kind: REGION_KIND_RMAP, bytes: rmapRegionBytes(cap), param: cap };
}

/** Options of `formatRmap()`. */
export interface RmapFormatOptions {
  /** Size of each device of the fs device table, in pages from its data start; index = dev. */
  readonly devicePages: readonly number[];
}

/**
 * Checks that `region` is an rmap region and returns its capacity in records.
 * @throws {TypeError} when it is not a Region; {RangeError} when its kind or size is wrong.
 */
export function rmapCapacity(region: Region): number {
  if (typeof region !== 'object' || region === null || typeof region.base !== 'number') {
    throw new TypeError(`region must be a Region of kind REGION_KIND_RMAP from the layout, got ${describe(region)}`);
  }
  if (region.kind !== REGION_KIND_RMAP) {
    throw new RangeError(`region.kind must be REGION_KIND_RMAP (0x${REGION_KIND_RMAP.toString(16)}), got 0x${(region.kind >>> 0).toString(16)}: request the region with rmapRegion()`);
  }
  const cap = region.param;
  if (cap < 1 || rmapRegionBytes(cap) > region.bytes) {
    throw new RangeError(`region has ${region.bytes} bytes for ${cap} records; rmapRegion(${cap}) needs ${rmapRegionBytes(cap)}`);
  }
  return cap;
}

/**
 * Lays out an empty reverse map in `region` (the creating thread, before any other thread
 * constructs an `Rmap` on it; formatting again empties it, with no other thread using it).
 * @param options.devicePages pages of each device (1..64 devices, each 1..2^32-1 pages)
 * @throws {TypeError|RangeError} naming `region` or `devicePages[i]` for bad input; nothing
 *   is written then.
 */
export function formatRmap(ctx: ThreadContext, region: Region, options: RmapFormatOptions): void {
  const cap = rmapCapacity(region);
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be { devicePages: number[] }, got ${describe(options)}`);
  const pages = options.devicePages;
  if (!Array.isArray(pages) || pages.length < 1 || pages.length > RMAP_MAX_DEVICES) {
    throw new RangeError(`devicePages must list 1..${RMAP_MAX_DEVICES} device sizes in pages, got ${describe(pages)}`);
  }
  pages.forEach((p, i) => checkInteger(`devicePages[${i}]`, p, 1, RMAP_MAX_DEVICE_PAGES, 'pages'));
  const u32 = new Uint32Array(ctx.u8.buffer, region.base, RMAP_RECORDS / 4);
  Atomics.store(u32, RMAP_MAGIC / 4, 0);
  u32[RMAP_CAPACITY / 4] = cap;
  u32[RMAP_COUNT / 4] = 0;
  u32[RMAP_DEVICES / 4] = pages.length;
  pages.forEach((p, i) => { u32[RMAP_DEV_TABLE / 4 + i] = p; });
  // Published last: a thread that sees the magic sees a complete header.
  Atomics.store(u32, RMAP_MAGIC / 4, RMAP_MAGIC_VALUE);
}

/**
 * The rmap region among `regions` (a ThreadContext's `layout.regions` or a System's
 * `extraRegions`).
 * @throws {Error} when there is none.
 */
export function findRmapRegion(regions: readonly Region[]): Region {
  const r = regions.find((x) => x.kind === REGION_KIND_RMAP);
  if (r === undefined) throw new Error('xfs: the memory has no rmap region; request one with rmapRegion(capacityRecords)');
  return r;
}
