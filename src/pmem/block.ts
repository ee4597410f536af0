/**
 * The pmem block path: pmem_submit_bio, pmem_do_read, pmem_do_write (reference §3.3; P-1..P-10).
 *
 * A bio is a list of segments processed **in order, stopping at the first failure**; earlier
 * segments stay read/written. REQ_PREFLUSH runs nvdimm_flush before the data, REQ_FUA after
 * it (even after a failure); nvdimm_flush is the calling thread's fence (x86 sfence orders
 * only its own CPU's write-backs, DESIGN.md).
 *
 * - read segment: is_bad_pmem -> EIO with no data copied (P-1). Else copy_mc; a short copy is
 *   an EIO — after a poisoned line, a machine check that records the poison (P-8); after a
 *   kernel-unmapped page, nothing (P-10).
 * - write segment: is_bad_pmem -> pmem_clear_poison first; when that fails or falls short,
 *   EIO without writing (P-5, P-6). Then memcpy_flushcache. Poison the badblocks do not know
 *   is not cleared — the write succeeds over it (P-8).
 *
 * `pmemRead`/`pmemWrite` are what O_DIRECT pread/pwrite on /dev/pmemX do: EINVAL unless the
 * length is a multiple of 512 (logical block size); the range is split into page-sized
 * segments from its start (a page-aligned user buffer). `pmemWriteZeroes` is
 * blkdev_issue_zeroout: zeros through the same write path, so it clears known poison.
 *
 * Results: `bytes` on success; on failure the errno userspace sees and `bytesDone`, the bytes
 * of the segments completed before the failing one; reads also return those bytes as `data`
 * (so callers can checksum exactly what was delivered). `cause` says why a segment failed
 * (for reports; userspace only sees EIO). Sectors are 512 B from the data start.
 *
 * Locking: none on a clean path (lock-free badblocks read, wasm copies); clears and machine
 * checks take the device mutex inside.
 *
 * Fast path of pmemRead/pmemWrite/pmemWriteZeroes: while the namespace has no known-bad
 * sector (bb.count == 0, so is_bad_pmem is false for every segment without a lookup) their
 * page segments, contiguous on the device and in the buffer, move with one copy: a read's
 * copy_mc stops where the segment copies would, and the failing segment is the one holding
 * the stop; a write is taken this way only when no page of the range is out of the kernel
 * direct map (each segment that lands in one is counted, so those go segment by segment).
 * The results, the data and the persistence log are the same; only the per-call cost drops.
 * A caller buffer that is a view of the shared memory outside the I/O buffer (say, of the
 * media itself) takes the segment loop: it may overlap the range being copied, and then the
 * page-by-page order defines the bytes.
 */
import type { Refused } from '../core/errno.js';
import { checkBoolean, checkBytes, describe } from '../core/validate.js';
import { int, intIn } from './args.js';
import type { Namespace } from '../nvdimm/namespace.js';
import { isBadPmem } from './badpmem.js';
import { pmemClearPoison } from './clear.js';
import { copyFromPmemFault, copyMcFromPmem, copyMcFromPmemClean, copyToPmem, copyToPmemClean } from './copy.js';

/** Why a segment failed: known bad, a machine check, an unmapped page, a clear that fell short. */
export type BioFailure = 'badblocks' | 'mce' | 'unmapped' | 'clear';

export interface ReadSegment { readonly sector: number; readonly bytes: number }
export interface WriteSegment { readonly sector: number; readonly data: Uint8Array }
export interface BioFlags { readonly preflush?: boolean; readonly fua?: boolean }
export interface ReadBio extends BioFlags { readonly op: 'read'; readonly segments: readonly ReadSegment[] }
export interface WriteBio extends BioFlags { readonly op: 'write'; readonly segments: readonly WriteSegment[] }

interface BioFailed<E extends 'EIO' | 'ENXIO' | 'EINVAL'> extends Refused<E> {
  /** Bytes of the segments completed before the failure. */
  readonly bytesDone: number;
  /** Index of the failing segment (absent for a refusal before any segment). */
  readonly segment?: number;
  readonly cause?: BioFailure;
}

export type ReadResult =
  | { readonly ok: true; readonly bytes: number; readonly data: Uint8Array }
  | (BioFailed<'EIO' | 'ENXIO' | 'EINVAL'> & { readonly data: Uint8Array });

export type WriteResult =
  | { readonly ok: true; readonly bytes: number }
  | BioFailed<'EIO' | 'ENXIO' | 'EINVAL'>;

export interface ReadOptions {
  /**
   * Where the data goes (length >= the bio's bytes); default a new Uint8Array. A view of this
   * thread's I/O buffer (`NvdimmBus.ioBuffer`) receives the data with no staging copy.
   */
  readonly out?: Uint8Array;
}

type Flags = { preflush: boolean; fua: boolean };

function flags(bio: BioFlags): Flags {
  const { preflush = false, fua = false } = bio;
  if (typeof preflush !== 'boolean') checkBoolean('preflush', preflush);
  if (typeof fua !== 'boolean') checkBoolean('fua', fua);
  return { preflush, fua };
}

/** Checks segment `i` of `bytes` bytes at `sector` (512-byte sectors from the data start). */
function checkSegment(ns: Namespace, i: number, sector: unknown, bytes: unknown): void {
  const max = ns.bus.ctx.layout.ioBufferBytes;
  const n = int(`segments[${i}].bytes`, bytes, 0, max, 'bytes', () => ` (one segment must fit this thread's ${max}-byte I/O buffer)`);
  int(`segments[${i}].sector`, sector, 0, Math.floor((ns.dataBytes - n) / 512), 'sector',
    () => ` (the ${n}-byte segment must end inside namespace ${ns.name}'s ${ns.dataBytes} data bytes)`);
}

function outFor(total: number, out: unknown): Uint8Array {
  if (out === undefined) return new Uint8Array(total);
  checkBytes('out', out);
  if ((out as Uint8Array).length < total) throw new RangeError(`out must hold the bio's ${total} bytes, got ${(out as Uint8Array).length}`);
  return out as Uint8Array;
}

/** pmem_submit_bio for a read. @throws {TypeError|RangeError} naming the field for bad input. */
export function pmemSubmitBio(ns: Namespace, bio: ReadBio, options?: ReadOptions): ReadResult;
/** pmem_submit_bio for a write. @throws {TypeError|RangeError} naming the field for bad input. */
export function pmemSubmitBio(ns: Namespace, bio: WriteBio): WriteResult;
export function pmemSubmitBio(ns: Namespace, bio: ReadBio | WriteBio, options: ReadOptions = {}): ReadResult | WriteResult {
  if (typeof bio !== 'object' || bio === null || !Array.isArray(bio.segments)) {
    throw new TypeError(`bio must be { op: 'read' | 'write', segments: [...] }, got ${describe(bio)}`);
  }
  const f = flags(bio);
  if (bio.op === 'read') {
    bio.segments.forEach((s, i) => checkSegment(ns, i, s?.sector, s?.bytes));
    const out = outFor(bio.segments.reduce((a, s) => a + s.bytes, 0), options.out);
    return readSegments(ns, bio.segments.length, (i) => bio.segments[i]!.sector, (i) => bio.segments[i]!.bytes, f, out);
  }
  if (bio.op === 'write') {
    bio.segments.forEach((s, i) => {
      checkBytes(`segments[${i}].data`, s?.data);
      checkSegment(ns, i, s.sector, s.data.length);
    });
    return writeSegments(ns, bio.segments.length, (i) => bio.segments[i]!.sector, (i) => bio.segments[i]!.data, (i) => bio.segments[i]!.data.length, f);
  }
  throw new RangeError(`bio.op must be 'read' or 'write', got ${describe((bio as { op: unknown }).op)}`);
}

/** The read loop: segments in order, stop at the first failure; FUA flushes even then. */
function readSegments(ns: Namespace, count: number, sector: (i: number) => number, bytes: (i: number) => number, f: Flags, out: Uint8Array): ReadResult {
  if (!ns.alive) return { ok: false, errno: 'ENXIO', bytesDone: 0, data: out.subarray(0, 0) };
  const { wasm } = ns.bus.ctx;
  if (f.preflush) wasm.pmem_wmb();
  let done = 0;
  for (let i = 0; i < count; i++) {
    const n = bytes(i);
    const cause = pmemDoRead(ns, sector(i), n, out, done);
    if (cause !== undefined) {
      if (f.fua) wasm.pmem_wmb();
      return { ok: false, errno: 'EIO', bytesDone: done, data: out.subarray(0, done), segment: i, cause };
    }
    done += n;
  }
  if (f.fua) wasm.pmem_wmb();
  return { ok: true, bytes: done, data: prefix(out, done) };
}

/** pmem_do_read of one segment: undefined on success, else why it failed. */
export function pmemDoRead(ns: Namespace, sector: number, bytes: number, out: Uint8Array, at: number): BioFailure | undefined {
  if (isBadPmem(ns.bus.ctx, ns.bb, sector, bytes)) return 'badblocks';
  const copied = copyMcFromPmem(ns, sector * 512, bytes, out, at);
  if (copied === bytes) return undefined;
  return copyFromPmemFault(ns, sector * 512 + copied) === 'unmapped' ? 'unmapped' : 'mce';
}

/**
 * readSegments of the page segments of [s*512, +n) into `out` by the header's fast path (one
 * copy_mc), or undefined, nothing done, unless the namespace is alive with no known-bad sector.
 */
function readPagesClean(ns: Namespace, s: number, n: number, out: Uint8Array): ReadResult | undefined {
  if (!onePass(ns, out)) return undefined;
  const copied = copyMcFromPmemClean(ns, s * 512, n, out, 0);
  if (copied < 0) return undefined;
  if (copied === n) return { ok: true, bytes: n, data: prefix(out, n) };
  const cause: BioFailure = copyFromPmemFault(ns, s * 512 + copied) === 'unmapped' ? 'unmapped' : 'mce';
  const segment = Math.floor(copied / 4096);
  const done = segment * 4096;
  return { ok: false, errno: 'EIO', bytesDone: done, data: out.subarray(0, done), segment, cause };
}

/** Whether a fast path may copy `buf` in one pass (see the header): not a view of the shared memory outside the I/O buffer. */
function onePass(ns: Namespace, buf: Uint8Array): boolean {
  return ns.bus.ioAddress(buf) >= 0 || !ns.bus.inMemory(buf);
}

/** out[0, n) (`out` itself when that is all of it: a view costs more than the copy of 4 KiB). */
function prefix(out: Uint8Array, n: number): Uint8Array {
  return n === out.length ? out : out.subarray(0, n);
}

/** The write loop: segments in order, stop at the first failure; FUA flushes even then. */
function writeSegments(ns: Namespace, count: number, sector: (i: number) => number, data: (i: number) => Uint8Array | null, bytes: (i: number) => number, f: Flags): WriteResult {
  if (!ns.alive) return { ok: false, errno: 'ENXIO', bytesDone: 0 };
  const { wasm } = ns.bus.ctx;
  if (f.preflush) wasm.pmem_wmb();
  let done = 0;
  for (let i = 0; i < count; i++) {
    const n = bytes(i);
    if (!pmemDoWrite(ns, sector(i), data(i), n)) {
      if (f.fua) wasm.pmem_wmb();
      return { ok: false, errno: 'EIO', bytesDone: done, segment: i, cause: 'clear' };
    }
    done += n;
  }
  if (f.fua) wasm.pmem_wmb();
  return { ok: true, bytes: done };
}

/** pmem_do_write of one segment (`data` null = zeros): false when the poison clear failed. */
export function pmemDoWrite(ns: Namespace, sector: number, data: Uint8Array | null, bytes: number): boolean {
  if (isBadPmem(ns.bus.ctx, ns.bb, sector, bytes)) {
    if (pmemClearPoison(ns, sector * 512 + ns.dataOffset, bytes) !== 'ok') return false;
  }
  copyToPmem(ns, sector * 512, data, bytes);
  return true;
}

/** Checks an O_DIRECT range: `bytes` at `sector` inside the namespace data. */
function checkDirect(ns: Namespace, sector: unknown, bytes: unknown): void {
  const limit = ns.dataBytes;
  if (intIn(bytes, 0, limit) && intIn(sector, 0, Math.floor((limit - bytes) / 512))) return;
  const n = int('bytes', bytes, 0, limit, 'byte count', () => ` (namespace ${ns.name} holds ${limit} data bytes)`);
  int('sector', sector, 0, Math.floor((limit - n) / 512), 'sector',
    () => ` (sector*512 + ${n} bytes must stay inside namespace ${ns.name}'s ${limit} data bytes)`);
}

/** Page-sized segments from the start of [sector*512, +n): segment i, its sector and bytes. */
const segCount = (n: number): number => Math.ceil(n / 4096);
const segBytes = (n: number, i: number): number => Math.min(4096, n - i * 4096);

/**
 * O_DIRECT pread of `bytes` at `sector` on /dev/<ns>: EINVAL unless bytes % 512 == 0.
 * @throws {TypeError|RangeError} naming `sector`/`bytes` when the range leaves the device.
 */
export function pmemRead(ns: Namespace, sector: number, bytes: number, options: ReadOptions = NO_READ_OPTIONS): ReadResult {
  checkDirect(ns, sector, bytes);
  const s = sector;
  const n = bytes;
  const out = outFor(n, options.out);
  if (n % 512 !== 0) return { ok: false, errno: 'EINVAL', bytesDone: 0, data: out.subarray(0, 0) };
  return readPagesClean(ns, s, n, out) ?? readSegments(ns, segCount(n), (i) => s + i * 8, (i) => segBytes(n, i), NO_FLAGS, out);
}

/**
 * O_DIRECT pwrite of `data` at `sector` on /dev/<ns> (`fua`/`preflush`: O_DSYNC-style flags).
 * @throws {TypeError|RangeError} naming `sector`/`data` when the range leaves the device.
 */
export function pmemWrite(ns: Namespace, sector: number, data: Uint8Array, options: BioFlags = NO_FLAGS): WriteResult {
  checkBytes('data', data);
  const n = data.length;
  checkDirect(ns, sector, n);
  const s = sector;
  const f = options === NO_FLAGS ? NO_FLAGS : flags(options);
  if (n % 512 !== 0) return { ok: false, errno: 'EINVAL', bytesDone: 0 };
  if (writePagesClean(ns, s, data, n, f)) return { ok: true, bytes: n };
  return writeSegments(ns, segCount(n), (i) => s + i * 8, (i) => data.subarray(i * 4096, i * 4096 + segBytes(n, i)), (i) => segBytes(n, i), f);
}

/**
 * writeSegments of the page segments of [s*512, +n) from `data` (null: zeros) by the
 * header's fast path, when it applies: alive namespace, no known-bad sector, every page in
 * the kernel direct map. Returns false, having done nothing, when it does not.
 */
function writePagesClean(ns: Namespace, s: number, data: Uint8Array | null, n: number, f: Flags): boolean {
  if (n === 0 || f.preflush || (data !== null && !onePass(ns, data))) {
    // Nothing to copy (the segment loop ends at once), a flush first, or a buffer that may
    // overlap the media: the general path.
    return false;
  }
  if (!copyToPmemClean(ns, s * 512, data, 0, n)) return false;
  if (f.fua) ns.bus.ctx.wasm.pmem_wmb();
  return true;
}

/**
 * blkdev_issue_zeroout(sector, bytes): zeros through pmem_do_write, page by page — clears
 * known poison as any write does (the fs block-allocation zeroing of F-9).
 * @throws {TypeError|RangeError} naming `sector`/`bytes` when the range leaves the device.
 */
export function pmemWriteZeroes(ns: Namespace, sector: number, bytes: number): WriteResult {
  checkDirect(ns, sector, bytes);
  const s = sector;
  const n = bytes;
  if (n % 512 !== 0) return { ok: false, errno: 'EINVAL', bytesDone: 0 };
  if (writePagesClean(ns, s, null, n, NO_FLAGS)) return { ok: true, bytes: n };
  return writeSegments(ns, segCount(n), (i) => s + i * 8, () => null, (i) => segBytes(n, i), NO_FLAGS);
}

const NO_FLAGS: Flags = { preflush: false, fua: false };
const NO_READ_OPTIONS: ReadOptions = {};

/** nvdimm_flush (fsync of /dev/<ns>, an empty REQ_PREFLUSH bio): this thread's fence; returns bytes made durable. */
export function pmemFlush(ns: Namespace): number {
  return (ns.bus.ctx.wasm.pmem_wmb() >>> 0) * 64;
}
