/**
 * Block mapping of an fs-dax file: what `ext4_iomap_begin` and `ext4_punch_hole` do for DAX
 * (reference §4.3, §3.3, §7.5, §9.9 F-9).
 *
 * iomapBegin(file, pos, length, write) — one extent from file byte `pos`:
 *   - mapped: the run of file pages from pos's page whose device pages are contiguous
 *     (ext4 merges adjacent extents, so after a hole is filled with its old block the
 *     extent is whole again), at most to the request's last page;
 *   - hole, read: the run of holes (the DAX read returns zeros, §4.3 IOMAP_HOLE);
 *   - hole, write: blocks are allocated for the run (EXT4_GET_BLOCKS_CREATE_ZERO) and zeroed
 *     with blkdev_issue_zeroout **before** they join the file — a write through the pmem
 *     block path, which clears the known poison of each zeroed page (§3.3: "punch hole, then
 *     re-write" recovers a file; Darrick Wong, Sep 2021). A zeroout that fails (a clear that
 *     falls short, P-6) gives the blocks back and fails with its errno: the hole stays.
 *
 * The allocator (fs option `allocator`):
 *   same  (default, ext4's goal) the block the page had before the hole, if it is free;
 *         else the lowest free block. Zeroing then clears that block's poison (F-9).
 *   other the lowest free block that is not the page's old one: the old, still-poisoned
 *         block goes back to the pool, cleared only when some later allocation picks and
 *         zeroes it — the "fragmentation" complaint that motivated the 5.19 recovery write.
 *   An extent grows page by page while the next page's choice is the previous block + 1;
 *   the rest of the hole is allocated by the next iomap_begin. No free block -> ENOSPC.
 *
 * punchHole(file, offset, bytes) — FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, clipped to
 * i_size: first the partial pages at the edges are zeroed (ext4_zero_partial_blocks: head,
 * then tail) through DAX — dax_memzero: DAX_ACCESS of the page, then the zeros stored and
 * written back (modelled with flushcache: the same pending lines) — so a known-bad partial
 * page fails the punch with EIO (dax_mem2blk_err) before anything is freed, and zeroing does
 * **not** clear poison (only the pmem write path does). Then the whole pages become holes and
 * their blocks return to the pool, poison and all. Holes are skipped.
 *
 * Locking: both run with the file's i_rwsem held exclusive (iomapBegin for a read: shared);
 * the bitmap changes under the fs mutex, which is released before zeroing so a modelled
 * firmware clear never runs under it (order: i_rwsem -> fs mutex -> device mutex).
 * Cost: O(pages of the extent) map reads; an allocation adds one bitmap scan per extent.
 */
import type { Refused } from '../core/errno.js';
import { checkInteger } from '../core/validate.js';
import { pmemWriteZeroes } from '../pmem/block.js';
import { copyToPmem } from '../pmem/copy.js';
import { daxDirectAccess, daxMem2blkErr, DAX_ACCESS } from './super.js';
import { MAP_HOLE, MAP_PAGE_MASK } from './fs-region.js';
import type { DaxFile } from './fs.js';
import { newDevPage } from './fs-device.js';

/** One mapping handed to dax_iomap_iter: file bytes [offset, offset+length). */
export interface Iomap {
  readonly type: 'mapped' | 'hole';
  /** File byte of the first page (page aligned). */
  readonly offset: number;
  readonly length: number;
  /** Device page (from the data start) of `offset`; -1 for a hole. */
  readonly pgoff: number;
  /** IOMAP_F_NEW: the blocks were allocated (and zeroed) by this call. */
  readonly new: boolean;
}

/** A byte range of a file: [offset, offset+length). */
export interface FileRange {
  readonly offset: number;
  readonly length: number;
}

export type PunchResult =
  | { readonly ok: true }
  /** `zeroed`: partial ranges zeroed before the failure (the head, when the tail failed). */
  | (Refused<'EIO' | 'ENXIO' | 'EOPNOTSUPP' | 'EINVAL' | 'ERANGE'> & { readonly zeroed: readonly FileRange[] });

/** ext4_iomap_begin for [pos, pos+length) (length > 0, pos < i_size); i_rwsem held. */
export function iomapBegin(file: DaxFile, pos: number, length: number, write: boolean): Iomap | Refused<IomapErrno> {
  const map: IomapSlot = { type: 'hole', offset: 0, length: 0, pgoff: -1, new: false };
  const errno = iomapBeginInto(file, pos, length, write, map);
  return errno === undefined ? map : { ok: false, errno };
}

type IomapErrno = 'ENOSPC' | 'EIO' | 'ENXIO' | 'EINVAL';

/** An Iomap that the I/O path refills for each mapping (iomapBeginInto). */
export interface IomapSlot {
  type: 'mapped' | 'hole';
  offset: number;
  length: number;
  pgoff: number;
  new: boolean;
}

/**
 * iomapBegin writing the mapping into `map` (the I/O path keeps one per call, so walking a
 * file's extents allocates nothing): undefined on success, else the errno.
 */
export function iomapBeginInto(file: DaxFile, pos: number, length: number, write: boolean, map: IomapSlot): IomapErrno | undefined {
  const first = Math.floor(pos / 4096);
  const last = Math.min(file.pages, Math.ceil((pos + length) / 4096));
  const words = file.mapWords;
  const base = file.mapBase + first;
  const e = words[base]!;
  let n = 1;
  if ((e & MAP_HOLE) === 0) {
    while (first + n < last && words[base + n] === e + n) n++;
    return setMap(map, 'mapped', first, n, e, false);
  }
  while (first + n < last && (words[base + n]! & MAP_HOLE) !== 0) n++;
  if (!write) return setMap(map, 'hole', first, n, -1, false);
  return allocate(file, first, n, map);
}

function setMap(map: IomapSlot, type: IomapSlot['type'], first: number, pages: number, pgoff: number, isNew: boolean): undefined {
  map.type = type;
  map.offset = first * 4096;
  map.length = pages * 4096;
  map.pgoff = pgoff;
  map.new = isNew;
  return undefined;
}

/** Allocates and zeroes blocks for hole pages [first, first+n) (see the header). */
function allocate(file: DaxFile, first: number, n: number, map: IomapSlot): IomapErrno | undefined {
  const r = file.fs.region;
  const { dev } = file;
  const other = file.fs.allocator === 'other';
  const blocks = r.lock((): number[] => {
    const got: number[] = [];
    const size = dev.allocPages(r);
    for (let k = first; k < first + n; k++) {
      const old = file.mapEntry(k) & MAP_PAGE_MASK;
      let b: number;
      if (got.length === 0) {
        const meta = file.fs.metaPages;
        b = !other && old >= meta && old < size && !dev.blockUsed(r, old) ? old : dev.findFreeBlock(r, meta, other ? old : -1);
        if (b < 0) return got;
      } else {
        b = got[got.length - 1]! + 1;
        const fits = b < size && !dev.blockUsed(r, b) && (other ? b !== old : b === old);
        if (!fits) break;
      }
      dev.setBlockUsed(r, b, true);
      got.push(b);
    }
    return got;
  });
  if (blocks.length === 0) return 'ENOSPC';
  const b0 = blocks[0]!;
  const errno = writeZeroes(file, b0, blocks.length);
  if (errno !== undefined) {
    r.lock(() => blocks.forEach((b) => dev.setBlockUsed(r, b, false)));
    return errno;
  }
  blocks.forEach((b, i) => file.setMapEntry(first + i, b));
  r.lock(() => file.fs.rmapMapped(file, first, b0, blocks.length));
  // IOMAP_F_NEW: mappings of the hole (the zero page) must fault again to see the new blocks.
  file.fs.invalidate(file, first, blocks.length, []);
  return setMap(map, 'mapped', first, blocks.length, b0, true);
}

/**
 * blkdev_issue_zeroout of device pages [pgoff, pgoff+pages): on a dm device the bio is split
 * per I/O unit and each piece is its member's pmem write (an error target fails it with EIO).
 */
function writeZeroes(file: DaxFile, pgoff: number, pages: number): IomapErrno | undefined {
  let errno: IomapErrno | undefined;
  const all = file.dev.pieces(pgoff, pages, (ns, nsPgoff, n) => {
    if (errno !== undefined) return;
    const z = pmemWriteZeroes(ns, nsPgoff * 8, n * 4096);
    if (!z.ok) errno = z.errno;
  });
  return errno ?? (all ? undefined : 'EIO');
}

/**
 * dax_memzero of file bytes [from, to) inside one page (i_rwsem held exclusive): DAX_ACCESS,
 * then zeros. A hole needs nothing. Returns the errno, or undefined on success.
 */
function zeroPartial(file: DaxFile, from: number, to: number): 'EIO' | 'ENXIO' | 'EOPNOTSUPP' | 'EINVAL' | 'ERANGE' | undefined {
  const k = Math.floor(from / 4096);
  const e = file.mapEntry(k);
  if ((e & MAP_HOLE) !== 0) return undefined;
  const m = file.dev.resolve(e, newDevPage());
  if (m === null) return 'EIO'; // io_err_dax_direct_access
  const a = daxDirectAccess(m.ns, m.nsPgoff, 1, DAX_ACCESS);
  if (!a.ok) return daxMem2blkErr(a.errno);
  copyToPmem(m.ns, m.nsPgoff * 4096 + (from - k * 4096), null, to - from);
  return undefined;
}

/** See the header. @throws {TypeError|RangeError} naming `offset`/`bytes` for bad input. */
export function punchHole(file: DaxFile, offset: number, bytes: number): PunchResult {
  checkInteger('offset', offset, 0, Number.MAX_SAFE_INTEGER, 'byte offset');
  checkInteger('bytes', bytes, 1, Number.MAX_SAFE_INTEGER - offset, 'byte count');
  return file.lock.exclusive((): PunchResult => {
    file.assertLive();
    file.markIncore();
    if (file.fs.isShutdown) return { ok: false, errno: 'EIO', zeroed: [] };
    const end = Math.min(offset + bytes, file.sizeBytes);
    if (offset >= end) return { ok: true };
    const firstWhole = Math.ceil(offset / 4096);
    const lastWhole = Math.floor(end / 4096);
    const partial: FileRange[] = [];
    if (firstWhole > lastWhole) partial.push({ offset, length: end - offset });
    else {
      if (offset % 4096 !== 0) partial.push({ offset, length: firstWhole * 4096 - offset });
      if (end % 4096 !== 0) partial.push({ offset: lastWhole * 4096, length: end - lastWhole * 4096 });
    }
    const zeroed: FileRange[] = [];
    for (const p of partial) {
      const errno = zeroPartial(file, p.offset, p.offset + p.length);
      if (errno !== undefined) return { ok: false, errno, zeroed };
      zeroed.push(p);
    }
    const r = file.fs.region;
    const freed: number[] = [];
    for (let k = firstWhole; k < lastWhole; k++) {
      const e = file.mapEntry(k);
      const pfn = (e & MAP_HOLE) === 0 ? file.dev.pfn(e) : -1;
      if (pfn >= 0) freed.push(pfn);
    }
    // truncate_pagecache_range: page tables let go of the blocks before the blocks are freed.
    if (lastWhole > firstWhole) file.fs.invalidate(file, firstWhole, lastWhole - firstWhole, freed);
    r.lock(() => {
      // Freed blocks leave the reverse map one device run at a time.
      let runStart = -1;
      let runLen = 0;
      for (let k = firstWhole; k < lastWhole; k++) {
        const e = file.mapEntry(k);
        if ((e & MAP_HOLE) !== 0) continue;
        file.dev.setBlockUsed(r, e, false);
        file.setMapEntry(k, (e | MAP_HOLE) >>> 0);
        if (e === runStart + runLen) runLen++;
        else {
          if (runLen > 0) file.fs.rmapUnmapped(file, runStart, runLen);
          runStart = e;
          runLen = 1;
        }
      }
      if (runLen > 0) file.fs.rmapUnmapped(file, runStart, runLen);
    });
    return { ok: true };
  });
}
