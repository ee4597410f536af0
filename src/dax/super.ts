/**
 * The DAX core's entry points (`drivers/dax/super.c`, reference §4.1, §4.2; D-5, D-6, D-11,
 * C-4): what fs-dax (src/dax/iomap.ts, fs.ts) and device-mapper call on a dax device. The
 * dax device here is a namespace (src/nvdimm/namespace.ts) driven by the pmem dax_operations
 * (src/pmem/dax.ts); `null` stands for "no dax device".
 *
 * | function                | behaviour                                                      |
 * |-------------------------|----------------------------------------------------------------|
 * | daxDirectAccess         | null -> EOPNOTSUPP; not alive -> ENXIO; nr < 0 -> EINVAL;      |
 * |                         | driver 0 -> ERANGE; driver error passed through (EHWPOISON,    |
 * |                         | EIO); positive -> min(result, nr) pages                        |
 * | daxRecoveryWrite        | no `.recovery_write` (kernel < 5.19, or a namespace declared   |
 * |                         | `noRecovery`) -> 0; else pmem_recovery_write                    |
 * | daxZeroPageRange        | not alive -> ENXIO; nr != 1 -> EIO; driver error through       |
 * |                         | dax_mem2blk_err                                                 |
 * | daxMem2blkErr           | EHWPOISON -> EIO, anything else unchanged (6.5+)                |
 * | daxCopyToIter           | not alive -> 0; _copy_mc_to_iter: bytes copied, short at the   |
 * |                         | first poisoned line (the machine check is handled) or unmapped |
 * |                         | page                                                            |
 * | daxCopyFromIter         | not alive -> 0; _copy_from_iter_flushcache: bytes copied        |
 *
 * Kernel refusals are values: `{ ok: false, errno }` or a 0 byte count, as the C functions
 * return them. The copies take a view of this thread's I/O buffer (`NvdimmBus.ioBuffer`) as
 * `out`/`data` without a staging copy — one wasm copy per call, like copy_mc_to_user. Offsets for the copies are bytes from the namespace data start (the `kaddr`
 * of a direct_access plus the offset inside it). Locking: none on a clean path.
 *
 * The fs-dax I/O path (iomap.ts) validates its request once and calls the `...Pages` /
 * `...Bytes` variants below: the same behaviour for arguments it knows to be valid, with no
 * argument checks and no result objects (a page or byte count, or a negative code), so that
 * a clean chunk costs one direct_access computation and one copy.
 */
import type { Errno, Refused } from '../core/errno.js';
import { checkBytes } from '../core/validate.js';
import { int } from '../pmem/args.js';
import type { Namespace } from '../nvdimm/namespace.js';
import { copyFromPmem, copyFromPmemBytes, copyToPmem, copyToPmemAt, type CopyFault } from '../pmem/copy.js';
import {
  DA_POISONED, pmemDaxZeroPageRange, pmemDirectAccess, pmemDirectAccessPages, pmemRecoveryWrite, type DaxAccessMode,
  type DirectAccessOk,
} from '../pmem/dax.js';

export { DAX_ACCESS, DAX_RECOVERY_WRITE, type DaxAccessMode, type DirectAccessOk } from '../pmem/dax.js';

export type DaxDirectAccessResult = DirectAccessOk | Refused<'EOPNOTSUPP' | 'ENXIO' | 'EINVAL' | 'ERANGE' | 'EHWPOISON' | 'EIO'>;

/**
 * dax_direct_access(dax_dev, pgoff, nr, mode): pages usable from `pgoff` (at most `nr`).
 * @throws {TypeError|RangeError} naming `pgoff`, `nr` or `mode` for arguments no kernel caller
 *   could pass (fractional numbers, a page outside the device).
 */
export function daxDirectAccess(ns: Namespace | null, pgoff: number, nr: number, mode: DaxAccessMode): DaxDirectAccessResult {
  int('nr', nr, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'pages');
  if (ns === null) return { ok: false, errno: 'EOPNOTSUPP' };
  if (!ns.alive) return { ok: false, errno: 'ENXIO' };
  if (nr < 0) return { ok: false, errno: 'EINVAL' };
  const avail = pmemDirectAccess(ns, pgoff, nr, mode);
  if (!avail.ok) return avail;
  if (avail.pages === 0) return { ok: false, errno: 'ERANGE' };
  return { ...avail, pages: Math.min(avail.pages, nr) };
}

/** daxDirectAccessPages' refusals (a positive result is a page count). */
export const DAX_ERR_POISONED = DA_POISONED; // the profile's poison errno (EHWPOISON or EIO)
export const DAX_ERR_ENXIO = -2;
export const DAX_ERR_ERANGE = -3;

/**
 * daxDirectAccess for a caller whose arguments are valid (0 <= pgoff < dataPages, nr >= 1
 * integers): min(pages, nr), or a DAX_ERR_* code. `recoveryWrite`: mode DAX_RECOVERY_WRITE.
 */
export function daxDirectAccessPages(ns: Namespace, pgoff: number, nr: number, recoveryWrite: boolean): number {
  if (!ns.alive) return DAX_ERR_ENXIO;
  const avail = pmemDirectAccessPages(ns, pgoff, nr, recoveryWrite);
  if (avail === DA_POISONED) return DAX_ERR_POISONED;
  if (avail === 0) return DAX_ERR_ERANGE;
  return Math.min(avail, nr);
}

/** The errno of a DAX_ERR_* code. */
export function daxErrno(ns: Namespace, code: number): 'ENXIO' | 'ERANGE' | 'EHWPOISON' | 'EIO' {
  if (code === DAX_ERR_ENXIO) return 'ENXIO';
  if (code === DAX_ERR_ERANGE) return 'ERANGE';
  return ns.config.kernel.daxAccessPoisonErrno;
}

/**
 * dax_recovery_write(dax_dev, pgoff, addr, bytes, iter): bytes written, 0 when the device has
 * no recovery_write or recovery is refused (src/pmem/dax.ts).
 * @throws {TypeError|RangeError} naming the argument for bad input.
 */
export function daxRecoveryWrite(ns: Namespace, pgoff: number, off: number, data: Uint8Array): number {
  if (!ns.config.kernel.recoveryWrite || ns.config.noRecovery) return 0;
  return pmemRecoveryWrite(ns, pgoff, off, data);
}

/**
 * dax_zero_page_range(dax_dev, pgoff, nr).
 * @throws {TypeError|RangeError} naming `pgoff`/`nr` for bad input.
 */
export function daxZeroPageRange(ns: Namespace, pgoff: number, nr: number): { readonly ok: true } | Refused<'ENXIO' | 'EIO'> {
  int('nr', nr, 0, Number.MAX_SAFE_INTEGER, 'pages');
  if (!ns.alive) return { ok: false, errno: 'ENXIO' };
  if (nr !== 1) return { ok: false, errno: 'EIO' };
  const r = pmemDaxZeroPageRange(ns, pgoff, nr);
  return r.ok ? r : { ok: false, errno: daxMem2blkErr(r.errno) as 'EIO' };
}

/** dax_mem2blk_err: EHWPOISON becomes EIO for block-style callers (6.5+). */
export function daxMem2blkErr<E extends Errno>(errno: E): Exclude<E, 'EHWPOISON'> | 'EIO' {
  return errno === 'EHWPOISON' ? 'EIO' : errno as Exclude<E, 'EHWPOISON'>;
}

export interface CopyToIterResult {
  /** Bytes copied into `data` (0 when the device is not alive). */
  readonly copied: number;
  /** The bytes delivered: `copied` bytes. */
  readonly data: Uint8Array;
  /** Why the copy stopped early, if it did. */
  readonly fault?: CopyFault;
}

function checkCopy(ns: Namespace, offset: unknown, bytes: unknown): [number, number] {
  const off = int('offset', offset, 0, ns.dataBytes, 'byte offset', () => ` (namespace ${ns.name} holds ${ns.dataBytes} data bytes)`);
  const n = int('bytes', bytes, 0, ns.dataBytes - off, 'byte count', () => ' (the copy must end inside the namespace data)');
  return [off, n];
}

/**
 * dax_copy_to_iter (DAXDEV_NOMC -> _copy_mc_to_iter): reads data bytes [offset, offset+bytes)
 * into `out` (default a new array).
 * @throws {TypeError|RangeError} naming the argument for bad input.
 */
export function daxCopyToIter(ns: Namespace, offset: number, bytes: number, out?: Uint8Array): CopyToIterResult {
  const [off, n] = checkCopy(ns, offset, bytes);
  const buf = out === undefined ? new Uint8Array(n) : checkBytes('out', out);
  if (buf.length < n) throw new RangeError(`out must hold ${n} bytes, got ${buf.length}`);
  if (!ns.alive) return { copied: 0, data: buf.subarray(0, 0) };
  const r = copyFromPmem(ns, off, n, buf, 0);
  return { copied: r.copied, data: buf.subarray(0, r.copied), ...(r.fault ? { fault: r.fault } : {}) };
}

/** daxCopyToIter for a caller that checked the range: copies into `out` at `at`, returns the bytes copied. */
export function daxCopyToIterBytes(ns: Namespace, offset: number, bytes: number, out: Uint8Array, at: number): number {
  if (!ns.alive) return 0;
  return copyFromPmemBytes(ns, offset, bytes, out, at);
}

/**
 * dax_copy_from_iter (DAXDEV_NOCACHE -> _copy_from_iter_flushcache): writes `data` at data
 * byte `offset`; returns the bytes copied (0 when the device is not alive).
 * @throws {TypeError|RangeError} naming the argument for bad input.
 */
export function daxCopyFromIter(ns: Namespace, offset: number, data: Uint8Array): number {
  checkBytes('data', data);
  const [off, n] = checkCopy(ns, offset, data.length);
  if (!ns.alive) return 0;
  copyToPmem(ns, off, data, n);
  return n;
}

/** daxCopyFromIter of `data[at, at+bytes)` for a caller that checked the range: returns the bytes copied. */
export function daxCopyFromIterBytes(ns: Namespace, offset: number, data: Uint8Array, at: number, bytes: number): number {
  if (!ns.alive) return 0;
  copyToPmemAt(ns, offset, data, at, bytes);
  return bytes;
}
