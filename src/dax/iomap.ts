/**
 * read(2)/write(2) on an fs-dax file: `dax_iomap_rw` and `dax_iomap_iter` (`fs/dax.c`,
 * reference §4.3; F-1..F-5, F-8, F-9), plus the recovery-read policies of the design debate.
 *
 * dax_iomap_rw: reads take the inode lock shared, writes exclusive (§4.3 — what serialises
 * recovery writes). A read ends at i_size. Then iomap_iter: for each mapping from
 * iomapBegin (blocks.ts: a mapped extent, a hole, or for a write newly allocated and zeroed
 * blocks) dax_iomap_iter runs; a mapping that advanced continues with the next one even
 * after a short transfer, and stops on an error (6.15's iomap_iter: a short read of latent
 * poison therefore meets the poison again from the new position, now known, and ends there
 * with EIO). The result is the bytes done if > 0, else the error (classic short I/O).
 *
 * dax_iomap_iter over one mapping, while bytes remain:
 *   1. offset = pos % 4096; size = ALIGN(remaining + offset, 4096); pgoff from the extent;
 *      dax_direct_access(pgoff, size/4096, DAX_ACCESS).
 *   2. A write refused with the profile's poison errno — EHWPOISON (6.5+), EIO (5.19–6.4)
 *      — asks again with DAX_RECOVERY_WRITE; a positive answer sets `recovery`. Kernels
 *      without recovery (5.18) never ask: their writes fail with EIO.
 *   3. Still refused -> dax_mem2blk_err (EHWPOISON -> EIO), stop.
 *   4. map_len = pages*4096 - offset, clipped to what remains.
 *   5. read -> dax_copy_to_iter (copy_mc: short at a poisoned line, whose machine check
 *      records the poison); write -> recovery ? dax_recovery_write : dax_copy_from_iter
 *      (flushcache). A namespace without `.recovery_write` returns 0 there (F-8).
 *   6. Advance by xfer; xfer == 0 -> EFAULT; xfer < map_len -> stop (short transfer).
 * A hole (reads only: writes allocate) reads as zeros without touching the device.
 *
 * Recovery-read policies (a read's `policy` option, else the file's, else the filesystem's;
 * default `off`):
 *   off   the kernel: a known-bad sector anywhere in a chunk fails the whole chunk (F-1);
 *         latent poison gives a short read or EFAULT (F-5).
 *   page  a chunk refused for known poison delivers its whole pages before the page holding
 *         the first bad sector, then the read stops there (a short count; the error when no
 *         page was good). Latent poison behaves as `off` (the short copy already delivers
 *         everything before the poisoned line).
 *   line  the read goes on past poison: known-bad pages and the page of a short copy are
 *         read line by line, every good line delivered and every poisoned one skipped
 *         (recovery-read.ts); the result covers the whole request, with the skipped byte
 *         ranges zero-filled and listed in `skipped`. Only errors that are not poison (a
 *         dead device) fail it.
 *
 * Buffers: the caller's data crosses this thread's I/O buffer through the pmem copies
 * (chunked there); a caller buffer that is a view of the I/O buffer is copied into or out of
 * directly (one wasm copy, as copy_mc_to_user's destination is the user's memory).
 *
 * Cost on a clean chunk: one direct_access computation (no badblocks call while bb.count is
 * 0), one copy. The arguments are validated once, here at the entry points; the layers below
 * are called through their unchecked variants (daxDirectAccessPages, daxCopy*IterBytes,
 * iomapBeginInto), which return counts instead of result objects, and one Rw record per
 * thread carries the call's state, so a clean read allocates only its result.
 */
import type { Refused } from '../core/errno.js';
import { checkBytes, checkInteger, describe } from '../core/validate.js';
import { intIn } from '../pmem/args.js';
import { copyFromPmemFault, copyMcFromPmemClean, copyToPmemClean } from '../pmem/copy.js';
import {
  daxCopyFromIterBytes, daxCopyToIterBytes, daxDirectAccessPages, daxErrno, daxMem2blkErr, daxRecoveryWrite, DAX_ERR_POISONED,
} from './super.js';
import { iomapBeginInto, type FileRange, type IomapSlot } from './blocks.js';
import type { DaxFile, ReadPolicy } from './fs.js';
import { goodPagesBefore, recoveryReadPage } from './recovery-read.js';
import { newDevPage } from './fs-device.js';
import type { Namespace } from '../nvdimm/namespace.js';

/** MAX_RW_COUNT: the kernel clamps one read/write to INT_MAX rounded down to a page. */
export const MAX_RW_COUNT = 0x7ffff000;

/** What a DAX read or write of a file can fail with (errno names without sign). */
export type DaxRwErrno = 'EIO' | 'EFAULT' | 'ENXIO' | 'ENOSPC' | 'EINVAL' | 'ERANGE' | 'EOPNOTSUPP';

export interface PreadOptions {
  /** Recovery-read policy of this call (see the header); default the file's. */
  readonly policy?: ReadPolicy;
  /** Where the data goes (at least min(bytes, i_size - offset) long); default a new array. */
  readonly out?: Uint8Array;
}

export type PreadResult =
  | {
    readonly ok: true;
    /** Bytes read (fewer than asked on a short read, and at i_size). */
    readonly bytes: number;
    /** The `bytes` bytes read; under `skipped` ranges they are zeros, not data. */
    readonly data: Uint8Array;
    /** `line` policy: file byte ranges of poisoned lines that were skipped (sorted, merged). */
    readonly skipped: readonly FileRange[];
  }
  | (Refused<DaxRwErrno> & { readonly data: Uint8Array });

export type PwriteResult = { readonly ok: true; readonly bytes: number } | Refused<DaxRwErrno>;

/** The largest file offset a read may start at (offset + MAX_RW_COUNT stays an exact integer). */
const MAX_READ_OFFSET = Number.MAX_SAFE_INTEGER - MAX_RW_COUNT;

/** One dax_iomap_rw call: the request, and the state of its iteration. */
interface Rw {
  /** Null while the record is free (see beginRw). */
  file: DaxFile | null;
  write: boolean;
  policy: ReadPolicy;
  /** Read: destination; write: source. buf[0] is file byte `start`. */
  buf: Uint8Array;
  start: number;
  /** `line` policy: the skipped ranges (null for the other policies, which skip nothing). */
  skipped: FileRange[] | null;
  /** The mapping being iterated, refilled by iomapBeginInto for each one. */
  readonly map: IomapSlot;
  /** Why the iteration stopped, when an error stopped it. */
  errno: DaxRwErrno | undefined;
  /** The device offers no `.recovery_write` (a dm table under the all-or-nothing policy): recovery writes return 0. */
  noRecoveryWrite: boolean;
}

const NO_BYTES = new Uint8Array(0);

function freeRw(): Rw {
  return {
    file: null, write: false, policy: 'off', buf: NO_BYTES, start: 0, skipped: null,
    map: { type: 'hole', offset: 0, length: 0, pgoff: -1, new: false }, errno: undefined, noRecoveryWrite: false,
  };
}

/**
 * This thread's record of the call in progress (module state is per thread). Why reuse one:
 * a new record and mapping per call cost more than a 4 KiB copy here (allocation and cold
 * cache lines after a large copy). Calls do not nest (nothing below calls back into this
 * file); if one ever did, it would get a fresh record (beginRw sees this one in use).
 */
const scratch = freeRw();

function beginRw(file: DaxFile, write: boolean, policy: ReadPolicy, buf: Uint8Array, start: number): Rw {
  const rw = scratch.file === null ? scratch : freeRw();
  rw.file = file;
  rw.write = write;
  rw.policy = policy;
  rw.buf = buf;
  rw.start = start;
  rw.skipped = policy === 'line' && !write ? [] : null;
  rw.errno = undefined;
  const { dm } = file.dev;
  rw.noRecoveryWrite = dm !== null && write && !dm.hasRecoveryWrite(file.fs.dmRecoveryPolicy);
  return rw;
}

/** Frees the record, dropping its references to the caller's file and buffer. */
function endRw(rw: Rw): void {
  rw.file = null;
  rw.buf = NO_BYTES;
  rw.skipped = null;
}

/** iomap_iter over [pos, end): the mappings in turn (see the header). Returns the bytes done; an error is left in rw.errno. */
function daxIomapRw(rw: Rw, pos: number, end: number): number {
  let done = 0;
  while (pos < end) {
    const errno = iomapBeginInto(rw.file!, pos, end - pos, rw.write, rw.map);
    if (errno !== undefined) {
      rw.errno = errno;
      break;
    }
    const n = daxIomapIterMapping(rw, pos, Math.min(rw.map.offset + rw.map.length, end));
    pos += n;
    done += n;
    if (rw.errno !== undefined || n === 0) break;
  }
  return done;
}

const unit = newDevPage();

/**
 * dax_iomap_iter for file bytes [pos, end) of the mapping rw.map (see the header). Returns
 * the bytes done; an error is left in rw.errno.
 *
 * On a dm device, dm_dax_direct_access grants at most the pages left in the I/O unit (the
 * target end, or the chunk end of a stripe): the loop of dax_iomap_iter then asks again for
 * the next unit, which another member may hold. So the mapping is walked one unit at a
 * time, each on its member; a page of an error target fails with EIO.
 */
function daxIomapIterMapping(rw: Rw, pos: number, end: number): number {
  const { map, buf, start } = rw;
  if (map.type === 'hole') {
    buf.fill(0, pos - start, end - start);
    return end - pos;
  }
  // Device page of file byte p: floor(p / 4096) + pageShift (map.offset is page aligned).
  const pageShift = map.pgoff - map.offset / 4096;
  const { dev } = rw.file!;
  if (dev.ns !== null) return daxIomapIter(rw, dev.ns, pageShift, pos, end);
  let done = 0;
  while (pos < end) {
    const devPage = Math.floor(pos / 4096) + pageShift;
    const m = dev.resolve(devPage, unit);
    if (m === null) {
      rw.errno = 'EIO';
      return done;
    }
    const unitEnd = Math.min(end, (Math.floor(pos / 4096) + m.pagesLeft) * 4096);
    const n = daxIomapIter(rw, m.ns, pageShift + m.nsPgoff - devPage, pos, unitEnd);
    pos += n;
    done += n;
    if (rw.errno !== undefined || pos < unitEnd) return done;
  }
  return done;
}

/**
 * dax_iomap_iter for file bytes [pos, end) that lie on one namespace `ns`, whose page of file
 * byte p is floor(p / 4096) + pageShift.
 */
function daxIomapIter(rw: Rw, ns: Namespace, pageShift: number, pos: number, end: number): number {
  const { buf, start } = rw;
  let done = 0;
  while (pos < end) {
    const offset = pos % 4096;
    const pgoff = Math.floor(pos / 4096) + pageShift;
    const at = pos - start;
    // Clean fast path: a namespace alive with no known-bad sector grants direct_access every
    // page of the chunk (step 1 with no badblocks call, so no steps 2-3: map_len is all that
    // remains) and the copy is the whole step 5 — one call (src/pmem/copy.ts). -1: not clean.
    let mapLen = end - pos;
    let xfer = rw.write
      ? (copyToPmemClean(ns, pgoff * 4096 + offset, buf, at, mapLen) ? mapLen : -1)
      : copyMcFromPmemClean(ns, pgoff * 4096 + offset, mapLen, buf, at);
    if (!rw.write && xfer >= 0 && xfer < mapLen) copyFromPmemFault(ns, pgoff * 4096 + offset + xfer); // the machine check
    if (xfer < 0) {
      const { recoveryWrite } = ns.config.kernel;
      const nr = Math.ceil((end - pos + offset) / 4096);
      let pages = daxDirectAccessPages(ns, pgoff, nr, false);
      let recovery = false;
      if (pages === DAX_ERR_POISONED && rw.write && recoveryWrite) {
        pages = daxDirectAccessPages(ns, pgoff, nr, true);
        recovery = pages > 0;
      }
      if (pages === DAX_ERR_POISONED && !rw.write && rw.policy !== 'off') {
        const good = goodPagesBefore(ns, pgoff, nr);
        if (good > 0) pages = daxDirectAccessPages(ns, pgoff, good, false);
        else if (rw.policy === 'line') {
          const n = recoveryReadPage(ns, pgoff, pos, Math.min(end, (Math.floor(pos / 4096) + 1) * 4096), buf, at, rw.skipped!);
          pos += n;
          done += n;
          continue;
        }
      }
      if (pages < 0) {
        rw.errno = daxMem2blkErr(daxErrno(ns, pages));
        return done;
      }
      mapLen = Math.min(pages * 4096 - offset, end - pos);
      if (recovery) xfer = rw.noRecoveryWrite ? 0 : daxRecoveryWrite(ns, pgoff, offset, buf.subarray(at, at + mapLen));
      else if (rw.write) xfer = daxCopyFromIterBytes(ns, pgoff * 4096 + offset, buf, at, mapLen);
      else xfer = daxCopyToIterBytes(ns, pgoff * 4096 + offset, mapLen, buf, at);
    }
    if (!rw.write && rw.policy === 'line' && xfer < mapLen) {
      // Go on past the poisoned line (or unmapped page) the copy stopped at.
      const p = pos + xfer;
      xfer += recoveryReadPage(ns, Math.floor(p / 4096) + pageShift, p, Math.min(end, (Math.floor(p / 4096) + 1) * 4096), buf, p - start, rw.skipped!);
      pos += xfer;
      done += xfer;
      continue;
    }
    pos += xfer;
    done += xfer;
    if (xfer === 0) {
      rw.errno = 'EFAULT';
      return done;
    }
    if (xfer < mapLen) return done;
  }
  return done;
}

const NO_OPTIONS: PreadOptions = {};

/**
 * pread(2) of `bytes` at file byte `offset` (see the header). Kernel refusals are results.
 * @throws {TypeError|RangeError} naming `offset`, `bytes`, `options.policy` or `options.out`
 *   for bad input; {Error} for a stale file handle.
 */
export function daxPread(file: DaxFile, offset: number, bytes: number, options: PreadOptions = NO_OPTIONS): PreadResult {
  checkInteger('offset', offset, 0, MAX_READ_OFFSET, 'byte offset');
  checkInteger('bytes', bytes, 0, MAX_RW_COUNT, 'byte count');
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${describe(options)}`);
  const policy = file.effectiveReadPolicy(options.policy);
  const want = Math.max(0, Math.min(offset + bytes, file.sizeBytes) - offset);
  const buf = options.out === undefined ? new Uint8Array(want) : checkBytes('out', options.out);
  if (buf.length < want) throw new RangeError(`options.out must hold ${want} bytes, got ${buf.length}`);
  // lockShared/unlockShared around a try rather than lock.shared(closure): no closure per call.
  const { lock } = file;
  lock.lockShared();
  let rw: Rw | undefined;
  try {
    file.assertLive();
    file.markIncore();
    // xfs_file_read_iter: a shut-down filesystem fails every I/O (M-3).
    if (file.fs.isShutdown) return { ok: false, errno: 'EIO', data: buf.subarray(0, 0) };
    rw = beginRw(file, false, policy, buf, offset);
    const done = want === 0 ? 0 : daxIomapRw(rw, offset, offset + want);
    if (done === 0 && rw.errno !== undefined) return { ok: false, errno: rw.errno, data: buf.subarray(0, 0) };
    // `buf` itself when it holds exactly the bytes read: the same bytes as a subarray, one view less.
    return { ok: true, bytes: done, data: done === buf.length ? buf : buf.subarray(0, done), skipped: rw.skipped ?? [] };
  } finally {
    if (rw !== undefined) endRw(rw);
    lock.unlockShared();
  }
}

/**
 * pwrite(2) of `data` at file byte `offset` (see the header). Files do not grow.
 * @throws {TypeError|RangeError} naming `offset` or `data` for bad input or a write past
 *   i_size; {Error} for a stale file handle.
 */
export function daxPwrite(file: DaxFile, offset: number, data: Uint8Array): PwriteResult {
  checkBytes('data', data);
  const len = data.length;
  checkInteger('data.length', len, 0, MAX_RW_COUNT, 'bytes');
  const maxOffset = file.sizeBytes - len;
  if (!intIn(offset, 0, maxOffset)) {
    checkInteger('offset', offset, 0, maxOffset, 'byte offset',
      ` (offset + ${len} bytes must stay inside file ${JSON.stringify(file.name)}'s ${file.sizeBytes} bytes; files do not grow)`);
  }
  const { lock } = file;
  lock.lockExclusive();
  let rw: Rw | undefined;
  try {
    file.assertLive();
    file.markIncore();
    if (file.fs.isShutdown) return { ok: false, errno: 'EIO' };
    rw = beginRw(file, true, 'off', data, offset);
    const done = len === 0 ? 0 : daxIomapRw(rw, offset, offset + len);
    if (done === 0 && rw.errno !== undefined) return { ok: false, errno: rw.errno };
    return { ok: true, bytes: done };
  } finally {
    if (rw !== undefined) endRw(rw);
    lock.unlockExclusive();
  }
}
