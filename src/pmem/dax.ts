/**
 * pmem's dax_operations: direct_access, recovery_write, zero_page_range (reference §3.4,
 * §3.5, §3.3; D-1..D-5, D-7..D-11, P-9). Pages are 4096 B (8 sectors) from the data start.
 *
 * __pmem_direct_access(pgoff, nr_pages, mode): `sector = pgoff*8`, `num = nr_pages*8` as a
 * 32-bit unsigned int.
 *   1. bb.count && badblocks_check(sector, num) hits:
 *        DAX_ACCESS         -> the profile's errno: EHWPOISON (6.5+) or EIO (D-1, D-11)
 *        DAX_RECOVERY_WRITE -> PHYS_PFN(PAGE_ALIGN((first_bad - sector) << 9)), or 1 if that
 *                              is 0 (D-2, D-3). The subtraction is u64: an entry starting
 *                              d sectors *before* `sector` wraps — 1 <= d <= 7 gives 0 -> 1
 *                              page; d >= 8 gives about 2^52 pages, clamped by the DAX core
 *                              to nr (D-7).
 *   2. bb.count && no hit -> nr_pages exactly (D-4).
 *   3. bb.count == 0      -> every page to the end of the device (D-5).
 *   Kernels without recovery (the 5.18 profile) have no mode: DAX_RECOVERY_WRITE behaves as
 *   DAX_ACCESS there.
 *
 * pmem_recovery_write(pgoff, off, data), `len = roundup(off + bytes, 4096)`:
 *   range not bad -> plain flushcache copy, returns bytes;
 *   bad and (off != 0 or bytes % 4096 != 0) -> 0 (D-9);
 *   __pmem_clear_poison(pgoff*4096 + data_offset, len): failed or 0 < cleared < len -> 0,
 *   nothing written, bb untouched (the media and badrange *were* partly cleared: stale but
 *   conservative, D-10); otherwise the data is copied and only **then** pmem_clear_bb(pgoff*8,
 *   cleared >> 9), so concurrent readers keep failing until the data is in place (D-8).
 *   cleared == 0 writes with no bb change.
 *
 * pmem_dax_zero_page_range(pgoff, nr) = pmem_do_write(zeros, nr*4096): zeroing clears the
 * known poison of the zeroed pages only (P-9).
 */
import type { Refused } from '../core/errno.js';
import { checkBytes } from '../core/validate.js';
import { int } from './args.js';
import type { Namespace } from '../nvdimm/namespace.js';
import { badblocksFirstBad, isBadPmem } from './badpmem.js';
import { pmemClearBb, pmemClearPoisonRaw } from './clear.js';
import { copyToPmem } from './copy.js';
import { pmemDoWrite } from './block.js';

/** enum dax_access_mode, spelled as scenario scripts write it. */
export const DAX_ACCESS = 'access';
export const DAX_RECOVERY_WRITE = 'recovery-write';
export type DaxAccessMode = typeof DAX_ACCESS | typeof DAX_RECOVERY_WRITE;

/** Pages usable from `pgoff`, with the kernel address as SPA and pfn of `pgoff`. */
export interface DirectAccessOk {
  readonly ok: true;
  readonly pages: number;
  /** SPA (media byte offset) of page `pgoff`: the `kaddr` the caller copies to/from. */
  readonly spa: number;
  /** Media page frame number of page `pgoff`. */
  readonly pfn: number;
}
export type PmemDirectAccessResult = DirectAccessOk | Refused<'EHWPOISON' | 'EIO'>;

const U64 = 1n << 64n;

/** PHYS_PFN(PAGE_ALIGN((firstBad - sector) << 9)) in u64 arithmetic (see the header). */
export function recoveryPagesBeforeBad(firstBad: number, sector: number): number {
  const diff = ((BigInt(firstBad) - BigInt(sector)) % U64 + U64) % U64;
  const bytes = (diff << 9n) % U64;
  const aligned = ((bytes + 4095n) % U64) & ~4095n;
  return Number(aligned >> 12n);
}

function checkPgoff(ns: Namespace, pgoff: unknown): number {
  return int('pgoff', pgoff, 0, ns.dataPages - 1, 'page', () => ` (namespace ${ns.name} has ${ns.dataPages} data pages)`);
}

function checkMode(mode: unknown): DaxAccessMode {
  if (mode !== DAX_ACCESS && mode !== DAX_RECOVERY_WRITE) {
    throw new RangeError(`mode must be '${DAX_ACCESS}' or '${DAX_RECOVERY_WRITE}', got ${JSON.stringify(mode)}`);
  }
  return mode;
}

/**
 * __pmem_direct_access(pgoff, nrPages, mode).
 * @throws {TypeError|RangeError} naming `pgoff`, `nrPages` or `mode` for bad input.
 */
export function pmemDirectAccess(ns: Namespace, pgoff: number, nrPages: number, mode: DaxAccessMode): PmemDirectAccessResult {
  const p = checkPgoff(ns, pgoff);
  const nr = int('nrPages', nrPages, 0, Number.MAX_SAFE_INTEGER, 'pages');
  const pages = pmemDirectAccessPages(ns, p, nr, checkMode(mode) === DAX_RECOVERY_WRITE);
  if (pages === DA_POISONED) return { ok: false, errno: ns.config.kernel.daxAccessPoisonErrno };
  const spa = ns.spaOf(p * 4096, 4096);
  return { ok: true, pages, spa, pfn: spa / 4096 };
}

/** pmemDirectAccessPages' answer for a known-bad range: the profile's errno (EHWPOISON or EIO). */
export const DA_POISONED = -1;

/**
 * __pmem_direct_access for the I/O paths, which validated their arguments already
 * (0 <= pgoff < dataPages, nrPages >= 0 integers): the pages usable (steps 1-3 of the
 * header), or DA_POISONED. `recoveryWrite`: the caller asked DAX_RECOVERY_WRITE (ignored
 * by kernels without recovery). A number instead of a result object, so that a clean
 * direct_access allocates nothing; no badblocks call while bb.count == 0.
 */
export function pmemDirectAccessPages(ns: Namespace, pgoff: number, nrPages: number, recoveryWrite: boolean): number {
  if (ns.sparse !== null) {
    // Sparse: the kernel address is contiguous only to the end of pgoff's window, so the
    // pages handed out stop there; a pgoff in a hole throws SparseHoleError (no address).
    ns.spaOf(pgoff * 4096, 4096);
    const pages = directAccessPages(ns, pgoff, nrPages, recoveryWrite);
    return pages === DA_POISONED ? pages : Math.min(pages, ns.backedPages(pgoff));
  }
  return directAccessPages(ns, pgoff, nrPages, recoveryWrite);
}

function directAccessPages(ns: Namespace, pgoff: number, nrPages: number, recoveryWrite: boolean): number {
  if (ns.bb.count === 0) return ns.dataPages - pgoff;
  const sector = pgoff * 8;
  const firstBad = badblocksFirstBad(ns.bus.ctx, ns.bb, sector, (nrPages * 8) % 2 ** 32); // unsigned int num
  if (firstBad < 0) return nrPages;
  if (!recoveryWrite || !ns.config.kernel.recoveryWrite) return DA_POISONED;
  return recoveryPagesBeforeBad(firstBad, sector) || 1;
}

/**
 * pmem_recovery_write: writes `data` at byte `off` of page `pgoff`. Returns the bytes
 * written, 0 when recovery is refused (see the header).
 * @throws {TypeError|RangeError} naming `pgoff`, `off` or `data` for bad input.
 */
export function pmemRecoveryWrite(ns: Namespace, pgoff: number, off: number, data: Uint8Array): number {
  const p = checkPgoff(ns, pgoff);
  const o = int('off', off, 0, 4095, 'byte offset inside the page');
  checkBytes('data', data);
  const bytes = int('data.length', data.length, 0, ns.dataBytes - p * 4096 - o, 'bytes', () => ' (the write must end inside the namespace data)');
  const len = Math.ceil((o + bytes) / 4096) * 4096;
  const sector = p * 8;
  if (!isBadPmem(ns.bus.ctx, ns.bb, sector, len)) {
    copyToPmem(ns, p * 4096 + o, data, bytes);
    return bytes;
  }
  if (o !== 0 || bytes % 4096 !== 0) return 0;
  const r = pmemClearPoisonRaw(ns, p * 4096 + ns.dataOffset, len);
  if (!r.ok || (r.cleared > 0 && r.cleared < len)) return 0;
  copyToPmem(ns, p * 4096, data, bytes);
  pmemClearBb(ns, sector, Math.floor(r.cleared / 512));
  return bytes;
}

/**
 * pmem_dax_zero_page_range: zeros pages [pgoff, pgoff+nr) through the block write path.
 * @throws {TypeError|RangeError} naming `pgoff`/`nr` for bad input.
 */
export function pmemDaxZeroPageRange(ns: Namespace, pgoff: number, nr: number): { readonly ok: true } | Refused<'EIO'> {
  const p = checkPgoff(ns, pgoff);
  const n = int('nr', nr, 0, ns.dataPages - p, 'pages', () => ' (the range must end inside the namespace data)');
  return pmemDoWrite(ns, p * 8, null, n * 4096) ? { ok: true } : { ok: false, errno: 'EIO' };
}
