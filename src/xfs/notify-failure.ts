/**
 * `xfs_dax_notify_failure` (reference §6.4; torvalds/linux fs/xfs/xfs_notify_failure.c as of
 * 6.7+, with MF_MEM_PRE_REMOVE) as a function that *returns* what to do: which file pages to
 * kill and invalidate, whether to shut the filesystem down, and the errno. The caller (the
 * memory_failure code, §6.1) performs the kills with mf_dax_kill_procs semantics (§6.2).
 *
 *   xfsDaxNotifyFailure(input)
 *     !mounted (SB_BORN clear)                        -> EIO
 *     device 'log' (external log device): range outside the device -> ENXIO;
 *                  preRemove -> 0; else SHUTDOWN_CORRUPT_ONDISK, EFSCORRUPTED
 *     !rmapbt                                         -> EOPNOTSUPP (generic path, M-4)
 *     range: wholeDevice (offset 0, len U64_MAX) -> every byte of the device; else a start
 *            past the device -> ENXIO, and the length is clipped to the device
 *     bytes -> 512-byte daddrs (BTOBB: length rounded up) -> pages [startPage, endPage)
 *     preRemove: freeze (kernel holder)
 *     per allocation group touched: ONE rmap query over the AG's part of the range
 *       per record (xfs_dax_failure_fn):
 *         non-inode owner (OWNER_*)  -> want_shutdown, ignored under preRemove (M-3, M-8)
 *         inode not cached           -> skipped: no process can map it (M-5)
 *         file data                  -> kill { file, pgoff, pgcnt } and, under preRemove,
 *                                       invalidate the same range (M-1, M-8)
 *     after the walk: preRemove -> SHUTDOWN_FORCE_UMOUNT, thaw, 0 (M-8);
 *                     want_shutdown -> SHUTDOWN_CORRUPT_ONDISK, EFSCORRUPTED (M-3); else 0
 *
 * The kills found before a want_shutdown stand: the kernel calls mf_dax_kill_procs during the
 * walk, so an EFSCORRUPTED result (which makes memory_failure fail, and the MCE code send the
 * consumer a plain SIGBUS, M-3) still carries the data records' kills.
 *
 * Units: the filesystem block is one 4096-byte page (fs-dax requires block size ==
 * PAGE_SIZE), so AG block numbers are device pages; `agPages` is the AG size (agf_length of
 * every AG but a shorter last one). pgoff/pgcnt are file pages (xfs_failure_pgoff/_pgcnt):
 *   pgoff = record fileOffset + (max(failStart, recStart) - recStart)
 *   pgcnt = min(failEnd, recEnd) - max(failStart, recStart)
 * where [failStart, failEnd) is the failed range clipped to the AG being walked.
 *
 * Kills and invalidations are merged per file: a file's ranges are sorted by pgoff and
 * touching or overlapping ones joined, files in the order the walk first met them. The
 * kernel makes one mf_dax_kill_procs call per record, but that call works page by page, so
 * merging changes no signal.
 *
 * Deviations, all documented choices:
 *   - Rounding: a failed byte range covers every page it touches (start rounded down, end
 *     up). The kernel rounds the start with BTOBB too, i.e. UP to a 512-byte daddr, which can
 *     drop the first page of a range starting in its last sector's tail (or add a page at
 *     the end); both agree whenever the offset is 512-byte aligned, which every caller
 *     (pfn-based memory_failure, kill_dax) passes.
 *   - `lenBytes: Infinity` with a non-zero offset means "to the end of the device" (the
 *     kernel's u64 arithmetic wraps there; no caller passes it).
 *   - The range end is the later, fixed one (end block = DADDR_TO_FSB(daddr + bblen - 1),
 *     inclusive): the first 6.0 code used daddr + bblen and also visited a record starting
 *     right after the range, with pgcnt 0 (no effect).
 *   - The newest kernels (realtime rmap, media-error hooks) translate the range before the
 *     rmapbt check, so an outside range is ENXIO even with rmapbt=0; this follows the
 *     reference's order (rmapbt first).
 *   - An mf_dax_kill_procs error (EBUSY on a locked DAX entry) would stop the kernel's walk;
 *     kills are returned here, so the caller sees them all. The realtime device, the media
 *     error hooks and the inode-lookup errors other than "not cached" are not modelled.
 *
 * Locking: one rmap query per AG, each under the rmap mutex (the kernel locks one AGF at a
 * time); `inodeCached` is called with no rmap lock held, so it may take the fs mutex, which
 * comes before the rmap mutex in the lock order (rmap-region.ts). The walk is therefore not
 * atomic across AGs, as in the kernel.
 *
 * Cost: O(AGs touched x log n + records visited) plus one sort per file hit.
 */
import { checkBoolean, checkInteger, describe } from '../core/validate.js';
import { isNonInodeOwner } from './rmap-region.js';
import { Rmap, type RmapRecord } from './rmap.js';

/** What xfs_dax_notify_failure returns (errno names without the sign, as src/core/errno.ts). */
export type XfsNotifyRet = 0 | 'EIO' | 'ENXIO' | 'EOPNOTSUPP' | 'EFSCORRUPTED';
/** xfs_force_shutdown reasons the walk can ask for. */
export type XfsShutdown = 'SHUTDOWN_CORRUPT_ONDISK' | 'SHUTDOWN_FORCE_UMOUNT';

/** File pages [pgoff, pgoff + pgcnt) of file-table entry `file`. */
export interface XfsFileRange {
  readonly file: number;
  readonly pgoff: number;
  readonly pgcnt: number;
}

export interface XfsNotifyFailureInput {
  /** The filesystem's reverse map. */
  readonly rmap: Rmap;
  /** The failed device: an index of the rmap's device table. */
  readonly dev: number;
  /** Size of the device in pages (bdev_nr_bytes / 4096); default the rmap's, at most that. */
  readonly devicePages?: number;
  /** SB_BORN: the filesystem is fully mounted. */
  readonly mounted: boolean;
  /** The filesystem has the reverse-map B-tree (mkfs -m rmapbt=1). */
  readonly rmapbt: boolean;
  /** Which device of the filesystem failed: its data device (default) or its external log device. */
  readonly device?: 'data' | 'log';
  /** First failed byte, from the device's data start. Not needed with `wholeDevice`. */
  readonly offsetBytes?: number;
  /** Failed bytes, >= 1; Infinity stands for U64_MAX. Not needed with `wholeDevice`. */
  readonly lenBytes?: number;
  /** The whole device (offset 0, len U64_MAX: kill_dax on unbind). */
  readonly wholeDevice?: boolean;
  /** MF_MEM_PRE_REMOVE: the device is about to be removed (6.7+). */
  readonly preRemove?: boolean;
  /** Whether file `owner`'s inode is in the inode cache (XFS_IGET_INCORE succeeds). */
  readonly inodeCached: (owner: number) => boolean;
  /** Pages per allocation group (the last AG may be shorter). */
  readonly agPages: number;
}

export interface XfsNotifyFailureResult {
  readonly ret: XfsNotifyRet;
  /** mf_dax_kill_procs calls to make, merged per file. */
  readonly kills: readonly XfsFileRange[];
  /** preRemove only: invalidate_inode_pages2_range calls, the same ranges as `kills`. */
  readonly invalidate: readonly XfsFileRange[];
  readonly shutdown: XfsShutdown | null;
  /** preRemove: the filesystem was frozen (kernel holder) for the walk and thawed after. */
  readonly freezeThaw: boolean;
  /** The device pages walked, after clipping and rounding; null when no walk happened. */
  readonly range: { readonly startPage: number; readonly pages: number } | null;
  /** rmap queries made: one per allocation group touched. */
  readonly rmapLookups: number;
  /** Records the queries visited (metadata, uncached and data alike). */
  readonly recordsVisited: number;
  /** Data records skipped because their inode was not cached (M-5). */
  readonly skippedUncached: number;
}

const PAGE_BYTES = 4096;
const BBSIZE = 512;
const BB_PER_PAGE = PAGE_BYTES / BBSIZE;

function refused(ret: XfsNotifyRet, shutdown: XfsShutdown | null = null): XfsNotifyFailureResult {
  return { ret, kills: [], invalidate: [], shutdown, freezeThaw: false, range: null, rmapLookups: 0, recordsVisited: 0, skippedUncached: 0 };
}

interface Checked {
  readonly rmap: Rmap;
  readonly dev: number;
  readonly devicePages: number;
  readonly whole: boolean;
  readonly offsetBytes: number;
  readonly lenBytes: number;
}

/** Validates every field before anything happens. */
function checkInput(input: XfsNotifyFailureInput): Checked {
  if (typeof input !== 'object' || input === null) throw new TypeError(`input must be an object { rmap, dev, mounted, rmapbt, offsetBytes, lenBytes, inodeCached, agPages, ... }, got ${describe(input)}`);
  const { rmap } = input;
  if (!(rmap instanceof Rmap)) throw new TypeError(`rmap must be an Rmap, got ${describe(rmap)}`);
  const dev = checkInteger('dev', input.dev, 0, rmap.devices - 1, 'device index', ` (the rmap's device table has ${rmap.devices} devices)`);
  const max = rmap.devicePages(dev);
  const devicePages = checkInteger('devicePages', input.devicePages ?? max, 1, max, 'pages', ` (the rmap's dev ${dev} has ${max} pages)`);
  checkBoolean('mounted', input.mounted);
  checkBoolean('rmapbt', input.rmapbt);
  checkBoolean('preRemove', input.preRemove ?? false);
  const device = input.device ?? 'data';
  if (device !== 'data' && device !== 'log') throw new RangeError(`device must be 'data' or 'log', got ${describe(device)}`);
  if (typeof input.inodeCached !== 'function') throw new TypeError(`inodeCached must be a function (owner) => boolean, got ${describe(input.inodeCached)}`);
  checkInteger('agPages', input.agPages, 1, 0xffffffff, 'pages');
  let whole = checkBoolean('wholeDevice', input.wholeDevice ?? false);
  let offsetBytes = 0;
  let lenBytes = Infinity;
  if (whole) {
    if ((input.offsetBytes ?? 0) !== 0 || (input.lenBytes ?? Infinity) !== Infinity) {
      throw new RangeError(`wholeDevice means offsetBytes 0 and lenBytes Infinity (U64_MAX); got offsetBytes ${describe(input.offsetBytes)}, lenBytes ${describe(input.lenBytes)}`);
    }
  } else {
    offsetBytes = checkInteger('offsetBytes', input.offsetBytes, 0, Number.MAX_SAFE_INTEGER, 'bytes');
    lenBytes = input.lenBytes === Infinity ? Infinity : checkInteger('lenBytes', input.lenBytes, 1, Number.MAX_SAFE_INTEGER, 'bytes', ' or Infinity (U64_MAX)');
    // The kernel's own test: offset 0 and len U64_MAX is the whole device.
    whole = offsetBytes === 0 && lenBytes === Infinity;
  }
  return { rmap, dev, devicePages, whole, offsetBytes, lenBytes };
}

/**
 * xfs_dax_translate_range: the failed byte range as device pages [startPage, endPage), or
 * null (ENXIO) when it starts past the device. See the header for the rounding.
 */
function translate(c: Checked): { startPage: number; endPage: number } | null {
  const deviceBytes = c.devicePages * PAGE_BYTES;
  const offset = c.whole ? 0 : c.offsetBytes;
  if (offset > deviceBytes - 1) return null;
  const len = Math.min(c.whole ? deviceBytes : c.lenBytes, deviceBytes - offset);
  const daddr = Math.floor(offset / BBSIZE);
  const daddrEnd = Math.ceil((offset + len) / BBSIZE); // exclusive: BTOBB rounds the length up
  return { startPage: Math.floor(daddr / BB_PER_PAGE), endPage: Math.ceil(daddrEnd / BB_PER_PAGE) };
}

/** Per file, in first-seen order: its ranges sorted by pgoff, touching or overlapping ones joined. */
function mergePerFile(hits: Map<number, [number, number][]>): XfsFileRange[] {
  const out: XfsFileRange[] = [];
  for (const [file, ranges] of hits) {
    ranges.sort((a, b) => a[0] - b[0]);
    let [s, e] = ranges[0]!;
    for (const [a, b] of ranges.slice(1)) {
      if (a <= e) e = Math.max(e, b);
      else {
        out.push({ file, pgoff: s, pgcnt: e - s });
        [s, e] = [a, b];
      }
    }
    out.push({ file, pgoff: s, pgcnt: e - s });
  }
  return out;
}

/**
 * What XFS does when told that bytes of one of its DAX devices failed (reference §6.4; cases
 * M-1, M-3, M-4, M-5, M-8 of §9.11). Pure apart from reading the rmap: the caller performs
 * the kills, invalidations, freeze/thaw and shutdown it returns.
 * @throws {TypeError|RangeError} naming the field, the value and the allowed range for bad
 *   input (an Rmap, a device of its table, integers, booleans, a function), before anything
 *   happens; {TypeError} naming `inodeCached` when it returns a non-boolean.
 */
export function xfsDaxNotifyFailure(input: XfsNotifyFailureInput): XfsNotifyFailureResult {
  const c = checkInput(input);
  const preRemove = input.preRemove ?? false;
  if (!input.mounted) return refused('EIO');
  if ((input.device ?? 'data') === 'log') {
    if (translate(c) === null) return refused('ENXIO');
    return preRemove ? refused(0) : refused('EFSCORRUPTED', 'SHUTDOWN_CORRUPT_ONDISK');
  }
  if (!input.rmapbt) return refused('EOPNOTSUPP');
  const range = translate(c);
  if (range === null) return refused('ENXIO');

  const { startPage, endPage } = range;
  const agPages = input.agPages;
  const hits = new Map<number, [number, number][]>();
  let wantShutdown = false;
  let rmapLookups = 0;
  let recordsVisited = 0;
  let skippedUncached = 0;
  const lastAg = Math.floor((endPage - 1) / agPages);
  for (let ag = Math.floor(startPage / agPages); ag <= lastAg; ag++) {
    // The failed range clipped to this AG: [failStart, failEnd).
    const failStart = Math.max(startPage, ag * agPages);
    const failEnd = Math.min(endPage, (ag + 1) * agPages);
    const recs: RmapRecord[] = [];
    rmapLookups++;
    recordsVisited += c.rmap.query(c.dev, failStart, failEnd - failStart, (r) => { recs.push(r); });
    for (const r of recs) {
      if (isNonInodeOwner(r.owner)) {
        if (!preRemove) wantShutdown = true; // "Continue the query because this isn't a failure."
        continue;
      }
      const cached: unknown = input.inodeCached(r.owner);
      if (typeof cached !== 'boolean') throw new TypeError(`inodeCached must return a boolean, got ${describe(cached)} for owner ${r.owner}`);
      if (!cached) {
        skippedUncached++;
        continue;
      }
      const from = Math.max(failStart, r.startPage);
      const to = Math.min(failEnd, r.startPage + r.pages);
      const pgoff = r.fileOffsetPages + (from - r.startPage);
      let list = hits.get(r.owner);
      if (list === undefined) hits.set(r.owner, list = []);
      list.push([pgoff, pgoff + (to - from)]);
    }
  }

  const kills = mergePerFile(hits);
  const walked = { startPage, pages: endPage - startPage };
  const stats = { range: walked, rmapLookups, recordsVisited, skippedUncached };
  if (preRemove) {
    return { ret: 0, kills, invalidate: kills, shutdown: 'SHUTDOWN_FORCE_UMOUNT', freezeThaw: true, ...stats };
  }
  if (wantShutdown) return { ret: 'EFSCORRUPTED', kills, invalidate: [], shutdown: 'SHUTDOWN_CORRUPT_ONDISK', freezeThaw: false, ...stats };
  return { ret: 0, kills, invalidate: [], shutdown: null, freezeThaw: false, ...stats };
}
