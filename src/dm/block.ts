/**
 * Block I/O on a dm device: O_DIRECT pread/pwrite of /dev/mapper/<name>, split per target
 * and I/O unit and forwarded to the members' pmem block path (reference §6.5, §3.3;
 * `torvalds/linux drivers/md/dm.c` dm_split_and_process_bio / max_io_len, `dm-linear.c`
 * linear_map, `dm-stripe.c` stripe_map, `dm-target.c` io_err_map).
 *
 * A request of `bytes` at dm sector `sector` is cut at every I/O-unit boundary (a target
 * end; a chunk end inside a striped target — device.ts), and each piece, in dm order, goes
 * to its member:
 *   linear/stripe -> pmemRead/pmemWrite on the member at the translated sector (P-1..P-10
 *                    apply there: known-bad reads fail with no data, writes clear first);
 *   error         -> EIO (io_err_map: DM_MAPIO_KILL).
 * The bio's segments are the pages of a page-aligned user buffer, counted from the
 * request's start (as pmemRead assumes); a piece that begins inside such a page keeps
 * those segments (bio_split does not re-cut the bio_vecs), so it goes through
 * pmemSubmitBio with them; every other piece is a plain pmemRead/pmemWrite.
 *
 * Results have pmemRead/pmemWrite's shape: `{ ok: true, bytes }` (reads add `data`), or
 * `{ ok: false, errno, bytesDone }` where bytesDone counts the bytes of the pieces and
 * segments completed before the failing one, plus `target` (the failing piece's target)
 * and `cause`. EINVAL unless bytes % 512 == 0 (the dm logical block size is its members',
 * 512). A disabled member fails its piece with ENXIO.
 *
 * Deviation, as specified for this module: processing stops at the first failed piece.
 * The kernel submits the remainder of a split bio whatever became of the first piece, so
 * there the later pieces of a failed write are still written (and of a read still read);
 * userspace sees EIO either way.
 *
 * Cost: one target lookup and one member call per piece; no copy of its own (each piece
 * reads into / writes from a view of the caller's buffer).
 */
import { checkBytes, checkInteger } from '../core/validate.js';
import { pmemRead, pmemSubmitBio, pmemWrite, type BioFailure, type ReadResult, type WriteResult } from '../pmem/block.js';
import type { DmDevice, DmSectorMapping } from './device.js';

const PAGE = 4096;

/** Why a piece failed: the member's reason, or the error target. */
export type DmBioFailure = BioFailure | 'error-target';

interface DmFailed {
  readonly ok: false;
  readonly errno: 'EIO' | 'ENXIO' | 'EINVAL';
  /** Bytes completed before the failure. */
  readonly bytesDone: number;
  /** Index of the target of the failing piece (absent for EINVAL). */
  readonly target?: number;
  readonly cause?: DmBioFailure;
}

export type DmReadResult =
  | { readonly ok: true; readonly bytes: number; readonly data: Uint8Array }
  | (DmFailed & { readonly data: Uint8Array });

export type DmWriteResult = { readonly ok: true; readonly bytes: number } | DmFailed;

/** Checks an O_DIRECT range: `bytes` at `sector` inside the dm device. */
function checkRange(dm: DmDevice, sector: unknown, bytes: unknown): void {
  const n = checkInteger('bytes', bytes, 0, dm.dataBytes, 'byte count', ` (dm device ${dm.name} holds ${dm.dataBytes} bytes)`);
  checkInteger('sector', sector, 0, Math.floor((dm.dataBytes - n) / 512), 'sector',
    ` (sector*512 + ${n} bytes must stay inside dm device ${dm.name}'s ${dm.dataBytes} bytes)`);
}

/**
 * The bio's page segments (pages counted from the request start) of the piece of `len`
 * bytes at request byte `rel`: member sector, bytes, and request byte `at`.
 */
function segmentsOf(nsSector: number, rel: number, len: number): { sector: number; bytes: number; at: number }[] {
  const segs: { sector: number; bytes: number; at: number }[] = [];
  for (let at = rel; at < rel + len;) {
    const n = Math.min(rel + len, (Math.floor(at / PAGE) + 1) * PAGE) - at;
    segs.push({ sector: nsSector + (at - rel) / 512, bytes: n, at });
    at += n;
  }
  return segs;
}

/**
 * O_DIRECT pread of `bytes` at dm sector `sector` into `out` (default a new array).
 * @throws {TypeError|RangeError} naming `sector`, `bytes` or `out` when the range leaves
 *   the device or `out` is too small.
 */
export function dmRead(dm: DmDevice, sector: number, bytes: number, out?: Uint8Array): DmReadResult {
  checkRange(dm, sector, bytes);
  const buf = out === undefined ? new Uint8Array(bytes) : checkBytes('out', out);
  if (buf.length < bytes) throw new RangeError(`out must hold the ${bytes} bytes read, got ${buf.length}`);
  if (bytes % 512 !== 0) return { ok: false, errno: 'EINVAL', bytesDone: 0, data: buf.subarray(0, 0) };
  const m = newMapping();
  for (let rel = 0; rel < bytes;) {
    const len = nextPiece(dm, sector, rel, bytes, m);
    if (m.ns === null) return { ok: false, errno: 'EIO', bytesDone: rel, data: buf.subarray(0, rel), target: m.target, cause: 'error-target' };
    const view = buf.subarray(rel, rel + len);
    const r: ReadResult = rel % PAGE === 0
      ? pmemRead(m.ns, m.nsSector, len, { out: view })
      : pmemSubmitBio(m.ns, { op: 'read', segments: segmentsOf(m.nsSector, rel, len) }, { out: view });
    if (!r.ok) {
      const done = rel + r.bytesDone;
      return { ok: false, errno: r.errno, bytesDone: done, data: buf.subarray(0, done), target: m.target, ...(r.cause ? { cause: r.cause } : {}) };
    }
    rel += len;
  }
  return { ok: true, bytes, data: bytes === buf.length ? buf : buf.subarray(0, bytes) };
}

/**
 * O_DIRECT pwrite of `data` at dm sector `sector`.
 * @throws {TypeError|RangeError} naming `sector` or `data` when the range leaves the device.
 */
export function dmWrite(dm: DmDevice, sector: number, data: Uint8Array): DmWriteResult {
  checkBytes('data', data);
  const bytes = data.length;
  checkRange(dm, sector, bytes);
  if (bytes % 512 !== 0) return { ok: false, errno: 'EINVAL', bytesDone: 0 };
  const m = newMapping();
  for (let rel = 0; rel < bytes;) {
    const len = nextPiece(dm, sector, rel, bytes, m);
    if (m.ns === null) return { ok: false, errno: 'EIO', bytesDone: rel, target: m.target, cause: 'error-target' };
    const ns = m.ns;
    const r: WriteResult = rel % PAGE === 0
      ? pmemWrite(ns, m.nsSector, data.subarray(rel, rel + len))
      : pmemSubmitBio(ns, {
        op: 'write',
        segments: segmentsOf(m.nsSector, rel, len).map((s) => ({ sector: s.sector, data: data.subarray(s.at, s.at + s.bytes) })),
      });
    if (!r.ok) return { ok: false, errno: r.errno, bytesDone: rel + r.bytesDone, target: m.target, ...(r.cause ? { cause: r.cause } : {}) };
    rel += len;
  }
  return { ok: true, bytes };
}

const newMapping = (): DmSectorMapping => ({ target: 0, ns: null, nsSector: 0, sectorsLeftInIoUnit: 0 });

/** Maps the piece starting at request byte `rel` into `m`; returns its length in bytes. */
function nextPiece(dm: DmDevice, sector: number, rel: number, bytes: number, m: DmSectorMapping): number {
  dm.mapSectorUnchecked(sector + rel / 512, m);
  return Math.min(bytes - rel, m.sectorsLeftInIoUnit * 512);
}
