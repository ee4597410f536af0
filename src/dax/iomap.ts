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
 * (chunked there). Cost on a clean chunk: one badblocks check, one copy.
 */
import type { Refused } from '../core/errno.js';
import { checkBytes, checkInteger, describe } from '../core/validate.js';
import {
  daxCopyFromIter, daxCopyToIter, daxDirectAccess, daxMem2blkErr, daxRecoveryWrite, DAX_ACCESS, DAX_RECOVERY_WRITE,
  type DaxDirectAccessResult,
} from './super.js';
import { iomapBegin, type FileRange, type Iomap } from './blocks.js';
import type { DaxFile, ReadPolicy } from './fs.js';
import { goodPagesBefore, recoveryReadPage } from './recovery-read.js';

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

/** One dax_iomap_rw call. */
interface Rw {
  readonly file: DaxFile;
  readonly write: boolean;
  readonly policy: ReadPolicy;
  /** Read: destination; write: source. buf[0] is file byte `start`. */
  readonly buf: Uint8Array;
  readonly start: number;
  readonly skipped: FileRange[];
}

interface Step { readonly done: number; readonly errno?: DaxRwErrno }

/** iomap_iter over [pos, end): the mappings in turn (see the header). */
function daxIomapRw(rw: Rw, pos: number, end: number): Step {
  let done = 0;
  while (pos < end) {
    const map = iomapBegin(rw.file, pos, end - pos, rw.write);
    if ('errno' in map) return { done, errno: map.errno };
    const step = daxIomapIter(rw, map, pos, Math.min(map.offset + map.length, end));
    pos += step.done;
    done += step.done;
    if (step.errno !== undefined) return { done, errno: step.errno };
    if (step.done === 0) break;
  }
  return { done };
}

/** dax_iomap_iter for file bytes [pos, end) of one mapping (see the header). */
function daxIomapIter(rw: Rw, map: Iomap, pos: number, end: number): Step {
  if (map.type === 'hole') {
    rw.buf.fill(0, pos - rw.start, end - rw.start);
    return { done: end - pos };
  }
  const { ns } = rw.file;
  const { recoveryWrite, daxAccessPoisonErrno } = ns.config.kernel;
  const devPage = (p: number): number => map.pgoff + (Math.floor(p / 4096) - map.offset / 4096);
  let length = end - pos;
  let done = 0;
  while (pos < end) {
    const offset = pos % 4096;
    const nr = Math.ceil((length + offset) / 4096);
    const pgoff = devPage(pos);
    let a: DaxDirectAccessResult = daxDirectAccess(ns, pgoff, nr, DAX_ACCESS);
    let recovery = false;
    if (!a.ok && rw.write && recoveryWrite && a.errno === daxAccessPoisonErrno) {
      a = daxDirectAccess(ns, pgoff, nr, DAX_RECOVERY_WRITE);
      recovery = a.ok;
    }
    if (!a.ok && !rw.write && rw.policy !== 'off' && a.errno === daxAccessPoisonErrno) {
      const good = goodPagesBefore(ns, pgoff, nr);
      if (good > 0) a = daxDirectAccess(ns, pgoff, good, DAX_ACCESS);
      else if (rw.policy === 'line') {
        const n = recoveryReadPage(ns, pgoff, pos, Math.min(end, (Math.floor(pos / 4096) + 1) * 4096), rw.buf, pos - rw.start, rw.skipped);
        pos += n;
        length -= n;
        done += n;
        continue;
      }
    }
    if (!a.ok) return { done, errno: daxMem2blkErr(a.errno) };
    const mapLen = Math.min(a.pages * 4096 - offset, end - pos);
    const at = pos - rw.start;
    let xfer: number;
    if (recovery) xfer = daxRecoveryWrite(ns, pgoff, offset, rw.buf.subarray(at, at + mapLen));
    else if (rw.write) xfer = daxCopyFromIter(ns, pgoff * 4096 + offset, rw.buf.subarray(at, at + mapLen));
    else xfer = daxCopyToIter(ns, pgoff * 4096 + offset, mapLen, rw.buf.subarray(at, at + mapLen)).copied;
    if (!rw.write && rw.policy === 'line' && xfer < mapLen) {
      // Go on past the poisoned line (or unmapped page) the copy stopped at.
      const p = pos + xfer;
      xfer += recoveryReadPage(ns, devPage(p), p, Math.min(end, (Math.floor(p / 4096) + 1) * 4096), rw.buf, p - rw.start, rw.skipped);
      pos += xfer;
      length -= xfer;
      done += xfer;
      continue;
    }
    pos += xfer;
    length -= xfer;
    done += xfer;
    if (xfer === 0) return { done, errno: 'EFAULT' };
    if (xfer < mapLen) return { done };
  }
  return { done };
}

/**
 * pread(2) of `bytes` at file byte `offset` (see the header). Kernel refusals are results.
 * @throws {TypeError|RangeError} naming `offset`, `bytes`, `options.policy` or `options.out`
 *   for bad input; {Error} for a stale file handle.
 */
export function daxPread(file: DaxFile, offset: number, bytes: number, options: PreadOptions = {}): PreadResult {
  checkInteger('offset', offset, 0, Number.MAX_SAFE_INTEGER - MAX_RW_COUNT, 'byte offset');
  checkInteger('bytes', bytes, 0, MAX_RW_COUNT, 'byte count');
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${describe(options)}`);
  const policy = file.effectiveReadPolicy(options.policy);
  const want = Math.max(0, Math.min(offset + bytes, file.sizeBytes) - offset);
  const buf = options.out === undefined ? new Uint8Array(want) : checkBytes('out', options.out);
  if (buf.length < want) throw new RangeError(`options.out must hold ${want} bytes, got ${buf.length}`);
  return file.lock.shared((): PreadResult => {
    file.assertLive();
    const rw: Rw = { file, write: false, policy, buf, start: offset, skipped: [] };
    const r = want === 0 ? { done: 0 } : daxIomapRw(rw, offset, offset + want);
    if (r.done === 0 && r.errno !== undefined) return { ok: false, errno: r.errno, data: buf.subarray(0, 0) };
    return { ok: true, bytes: r.done, data: buf.subarray(0, r.done), skipped: rw.skipped };
  });
}

/**
 * pwrite(2) of `data` at file byte `offset` (see the header). Files do not grow.
 * @throws {TypeError|RangeError} naming `offset` or `data` for bad input or a write past
 *   i_size; {Error} for a stale file handle.
 */
export function daxPwrite(file: DaxFile, offset: number, data: Uint8Array): PwriteResult {
  checkBytes('data', data);
  checkInteger('data.length', data.length, 0, MAX_RW_COUNT, 'bytes');
  checkInteger('offset', offset, 0, file.sizeBytes - data.length, 'byte offset',
    ` (offset + ${data.length} bytes must stay inside file ${JSON.stringify(file.name)}'s ${file.sizeBytes} bytes; files do not grow)`);
  return file.lock.exclusive((): PwriteResult => {
    file.assertLive();
    const rw: Rw = { file, write: true, policy: 'off', buf: data, start: offset, skipped: [] };
    const r = data.length === 0 ? { done: 0 } : daxIomapRw(rw, offset, offset + data.length);
    if (r.done === 0 && r.errno !== undefined) return { ok: false, errno: r.errno };
    return { ok: true, bytes: r.done };
  });
}
