/**
 * device-mapper's dax_operations: dm_dax_direct_access, dm_dax_zero_page_range,
 * dm_dax_recovery_write (reference §6.5, §4.2, §4.3; D-1..D-11 through a target, F-8;
 * `torvalds/linux drivers/md/dm.c`, `dm-linear.c`, `dm-stripe.c`, `dm-target.c`).
 *
 * Each entry point is the DAX core's outer function (src/dax/super.ts) on the dm dax device
 * wrapped around dm's op, which finds the live target for `pgoff*8` and forwards to the
 * target, which translates the page (device.ts) and calls the DAX core on its member:
 *
 *   dmDaxDirectAccess(pgoff, nr, mode)
 *     outer dax_direct_access: no dax device (table not DAX-capable) -> EOPNOTSUPP;
 *       nr < 0 -> EINVAL
 *     dm_dax_direct_access: error target -> EIO (io_err_dax_direct_access);
 *       nr = min(nr, pages left in the I/O unit: target end, or chunk end for stripe);
 *       linear/stripe -> dax_direct_access(member, member pgoff, nr, mode): member errors
 *       pass through (EHWPOISON/EIO on poison per the member's profile, ENXIO when the
 *       member is disabled, ERANGE)
 *     outer: result 0 -> ERANGE; positive -> min(result, nr)
 *   dmDaxZeroPageRange(pgoff, nr)
 *     outer: no dax device -> EOPNOTSUPP; nr != 1 -> EIO; dm: error target (no
 *     dax_zero_page_range: the kernel WARNs) -> EIO; else dax_zero_page_range on the member
 *     (ENXIO, EIO through dax_mem2blk_err)
 *   dmDaxRecoveryWrite(pgoff, off, data, dmRecovery)
 *     outer dax_recovery_write: the dm device has no .recovery_write -> 0; dm: error
 *     target (no op) -> 0; else dax_recovery_write on the member, which returns 0 when the
 *     member has none (a namespace declared `noRecovery`, or a kernel profile with
 *     `recoveryWrite: false`), and otherwise pmem_recovery_write's result (§3.5).
 *
 * The recovery policy `dmRecovery` (passed in by the caller):
 *   'per-target' (default) — what Linux merged in 5.19 (§6.5 "Each also implements
 *     dax_zero_page_range and dax_recovery_write by the same translation"): dm always
 *     offers .recovery_write and each target forwards to its member, so a table with
 *     mixed members recovers poisoned pages on some members and returns 0 (-> EFAULT or a
 *     short write in dax_iomap_iter, §4.3, F-8) on others — the outcome of a pwrite over a
 *     bad page depends on which member the page lands on.
 *   'all-or-nothing' — the alternative design: the dm device offers .recovery_write only
 *     when every member supports it; otherwise recovery_write returns 0 on every page, a
 *     consistent failfast (F-8 on the whole device). direct_access still answers
 *     DAX_RECOVERY_WRITE per member (dax_iomap_iter asks before it knows whether the
 *     write can be done), as with any device without the op.
 *
 * `dmDaxDirectAccessPages` is the fs-dax hot path's variant (like daxDirectAccessPages):
 * valid arguments, no checks, a page count or a negative code, no allocation.
 * Locking: none here; the member paths lock what they change.
 */
import type { Refused } from '../core/errno.js';
import { checkBytes, checkInteger, describe } from '../core/validate.js';
import { SECTOR_BYTES, SECTORS_PER_PAGE, type Namespace } from '../nvdimm/namespace.js';
import {
  DAX_ACCESS, DAX_RECOVERY_WRITE, daxDirectAccess, daxDirectAccessPages, daxErrno, daxRecoveryWrite, daxZeroPageRange,
  type DaxAccessMode, type DirectAccessOk,
} from '../dax/super.js';
import { DEFAULT_DM_RECOVERY, checkDmRecovery, newDmPageMapping, type DmDevice, type DmPageMapping, type DmRecoveryPolicy } from './device.js';

/** A successful dm direct_access, with where the pages live. */
export interface DmDirectAccessOk extends DirectAccessOk {
  /** Index of the target holding `pgoff`. */
  readonly target: number;
  /** The member namespace; `spa`/`pfn` are its media address of the page. */
  readonly ns: Namespace;
  /** The member page. */
  readonly nsPgoff: number;
}

export type DmDirectAccessResult = DmDirectAccessOk | Refused<'EOPNOTSUPP' | 'ENXIO' | 'EINVAL' | 'ERANGE' | 'EHWPOISON' | 'EIO'>;

/** dmDaxDirectAccessPages' codes besides the DAX_ERR_* of src/dax/super.ts (-1..-3). */
export const DM_ERR_EIO = -4;
export const DM_ERR_EOPNOTSUPP = -5;

function checkPgoff(dm: DmDevice, pgoff: unknown): number {
  return checkInteger('pgoff', pgoff, 0, dm.dataPages - 1, 'page', ` (dm device ${dm.name} has ${dm.dataPages} pages)`);
}

function checkMode(mode: unknown): DaxAccessMode {
  if (mode !== DAX_ACCESS && mode !== DAX_RECOVERY_WRITE) {
    throw new RangeError(`mode must be '${DAX_ACCESS}' or '${DAX_RECOVERY_WRITE}', got ${describe(mode)}`);
  }
  return mode;
}

/**
 * dax_direct_access on the dm device: pages usable from dm page `pgoff` (at most `nr`, and
 * never past the I/O unit of `pgoff`), with the member and its address.
 * @throws {TypeError|RangeError} naming `pgoff`, `nr` or `mode` for arguments no kernel
 *   caller could pass (fractional numbers, a page outside the device, an unknown mode).
 */
export function dmDaxDirectAccess(dm: DmDevice, pgoff: number, nr: number, mode: DaxAccessMode): DmDirectAccessResult {
  const p = checkPgoff(dm, pgoff);
  checkInteger('nr', nr, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'pages');
  const m = checkMode(mode);
  if (!dm.dax) return { ok: false, errno: 'EOPNOTSUPP' };
  if (nr < 0) return { ok: false, errno: 'EINVAL' };
  const page = dm.resolvePageUnchecked(p, newDmPageMapping());
  if (!page.ok) return page;
  const r = daxDirectAccess(page.ns, page.nsPgoff, Math.min(nr, page.pagesLeftInIoUnit), m);
  if (!r.ok) return r;
  if (r.pages === 0) return { ok: false, errno: 'ERANGE' };
  return { ok: true, pages: Math.min(r.pages, nr), spa: r.spa, pfn: r.pfn, target: page.target, ns: page.ns, nsPgoff: page.nsPgoff };
}

const hot: DmPageMapping = newDmPageMapping();

/**
 * dmDaxDirectAccess for a caller whose arguments are valid (0 <= pgoff < dataPages, nr >= 1
 * integers): the pages usable, or DM_ERR_EOPNOTSUPP, DM_ERR_EIO (error target) or a member's
 * DAX_ERR_* code (src/dax/super.ts; dmDaxErrno names it). `recoveryWrite`: mode
 * DAX_RECOVERY_WRITE. Allocates nothing. To copy, resolvePage() gives the member page.
 */
export function dmDaxDirectAccessPages(dm: DmDevice, pgoff: number, nr: number, recoveryWrite: boolean): number {
  if (!dm.dax) return DM_ERR_EOPNOTSUPP;
  const page = dm.resolvePageUnchecked(pgoff, hot);
  if (!page.ok) return DM_ERR_EIO;
  const r = daxDirectAccessPages(page.ns, page.nsPgoff, Math.min(nr, page.pagesLeftInIoUnit), recoveryWrite);
  return r < 0 ? r : Math.min(r, nr);
}

/** The errno of a dmDaxDirectAccessPages code for dm page `pgoff` (valid, unchecked). */
export function dmDaxErrno(dm: DmDevice, pgoff: number, code: number): 'EOPNOTSUPP' | 'EIO' | 'ENXIO' | 'ERANGE' | 'EHWPOISON' {
  if (code === DM_ERR_EOPNOTSUPP) return 'EOPNOTSUPP';
  const page = dm.resolvePageUnchecked(pgoff, hot);
  if (code === DM_ERR_EIO || !page.ok) return 'EIO';
  return daxErrno(page.ns, code);
}

/**
 * dax_zero_page_range on the dm device: zeroes dm page `pgoff` through its member's pmem
 * write path, which clears the page's known poison (P-9).
 * @throws {TypeError|RangeError} naming `pgoff`/`nr` for bad input.
 */
export function dmDaxZeroPageRange(dm: DmDevice, pgoff: number, nr: number): { readonly ok: true } | Refused<'EOPNOTSUPP' | 'ENXIO' | 'EIO'> {
  const p = checkPgoff(dm, pgoff);
  checkInteger('nr', nr, 0, Number.MAX_SAFE_INTEGER, 'pages');
  if (!dm.dax) return { ok: false, errno: 'EOPNOTSUPP' };
  if (nr !== 1) return { ok: false, errno: 'EIO' };
  const page = dm.resolvePageUnchecked(p, newDmPageMapping());
  if (!page.ok) return page;
  return daxZeroPageRange(page.ns, page.nsPgoff, 1);
}

/**
 * dax_recovery_write on the dm device: writes `data` at byte `off` of dm page `pgoff`;
 * returns the bytes written, 0 when recovery is not offered (policy, error target, member
 * without recovery_write) or refused by pmem_recovery_write.
 * @throws {TypeError|RangeError} naming `pgoff`, `off`, `data` or `dmRecovery` for bad
 *   input; `data` must end inside the I/O unit of `pgoff` (dax_iomap_iter never hands a
 *   recovery write more than direct_access granted, and dm does not split it).
 */
export function dmDaxRecoveryWrite(dm: DmDevice, pgoff: number, off: number, data: Uint8Array, dmRecovery: DmRecoveryPolicy = DEFAULT_DM_RECOVERY): number {
  const p = checkPgoff(dm, pgoff);
  const o = checkInteger('off', off, 0, 4095, 'byte offset inside the page');
  checkBytes('data', data);
  const policy = checkDmRecovery(dmRecovery);
  const m = dm.mapSectorUnchecked(p * SECTORS_PER_PAGE, { target: 0, ns: null, nsSector: 0, sectorsLeftInIoUnit: 0 });
  const room = m.sectorsLeftInIoUnit * SECTOR_BYTES - o;
  checkInteger('data.length', data.length, 0, room, 'bytes', ` (the write must end inside the I/O unit of pgoff ${p}: ${room} bytes from off)`);
  if (!dm.hasRecoveryWrite(policy) || m.ns === null) return 0;
  return daxRecoveryWrite(m.ns, m.nsSector / SECTORS_PER_PAGE, o, data);
}
