/**
 * The two copies every pmem and DAX path uses, over a namespace's data range (reference §5):
 *
 * - `copyFromPmem` = copy_mc_to_kernel / _copy_mc_to_iter: machine-check-safe read into the
 *   caller's buffer through this thread's I/O buffer. It stops at the first poisoned 64-byte
 *   line or kernel-unmapped page; a stop on a poisoned line is a machine check, handled
 *   synchronously (nvdimm/mce.ts: badrange, badblocks, memory_failure, set_mce_nospec); a stop
 *   on an unmapped page is a #PF fixup and records nothing.
 * - `copyToPmem` = memcpy_flushcache / _copy_from_iter_flushcache: the written lines become
 *   pending for this thread until its next fence (nvdimm_flush). A store into a page that is
 *   not in the kernel direct map has no fault fixup in the kernel (§3.3, P-10, outcome
 *   unknown): the data lands here and the event is counted as `unmappedWrites`.
 *
 * Both stage through this thread's I/O buffer, at most its size per wasm call (chunking never
 * changes a result: copy_mc stops at the same byte either way) — unless the caller's buffer
 * already is a view of the I/O buffer (`NvdimmBus.ioBuffer`): then the data moves with one
 * wasm copy and no JS copy. Offsets are bytes from the data start; callers have checked the
 * range. No lock is taken on the clean path. A sparse namespace's range must lie in one
 * window (Namespace.spaOf throws SparseHoleError otherwise); the wasm clean calls, which add
 * the data offset to the region address themselves, always decline it (its `aliveAddress` is
 * a word that stays 0, namespace.ts), so only translated addresses reach the media.
 *
 * For the I/O paths: `...Bytes`/`copyMcFromPmem` return counts instead of result objects, and
 * the `...Clean` variants are the clean-chunk fast path (namespace alive, no known-bad sector:
 * no badblocks lookup is needed), which with a buffer in the I/O buffer is one wasm call that
 * checks and copies (assembly/pmem/clean.ts).
 */
import type { Namespace } from '../nvdimm/namespace.js';
import { copyMcFault, type MceResult } from '../nvdimm/mce.js';

/** Why a copy from pmem stopped early. */
export type CopyFault = { readonly cause: 'mce'; readonly mce: MceResult } | { readonly cause: 'unmapped' };

export interface CopyFromResult {
  /** Bytes copied into `out` (all of them unless `fault`). */
  readonly copied: number;
  readonly fault?: CopyFault;
}

/**
 * Copies data bytes [offset, offset+len) into `out` at `at`, machine-check safe. When `out`
 * is a view of this thread's I/O buffer (`NvdimmBus.ioBuffer`) the copy lands there directly
 * (one copy, as copy_mc_to_user does); otherwise it goes through the I/O buffer.
 */
export function copyFromPmem(ns: Namespace, offset: number, len: number, out: Uint8Array, at: number): CopyFromResult {
  const copied = copyMcFromPmem(ns, offset, len, out, at);
  if (copied === len) return { copied };
  const f = copyFromPmemFault(ns, offset + copied);
  return { copied, fault: f === 'unmapped' ? { cause: 'unmapped' } : { cause: 'mce', mce: f } };
}

/**
 * copyFromPmem for the I/O paths, which only need the count: returns the bytes copied; a
 * short copy's fault is handled (the machine check recorded) before it returns. No result
 * object, so the clean path allocates nothing.
 */
export function copyFromPmemBytes(ns: Namespace, offset: number, len: number, out: Uint8Array, at: number): number {
  const copied = copyMcFromPmem(ns, offset, len, out, at);
  if (copied !== len) copyFromPmemFault(ns, offset + copied);
  return copied;
}

/**
 * The copy of copyFromPmem alone: returns the bytes copied, short at the first poisoned line
 * or kernel-unmapped page. The consumption is not handled yet: a caller that gets a short
 * count must call copyFromPmemFault() at the stop (the machine check happens there).
 */
export function copyMcFromPmem(ns: Namespace, offset: number, len: number, out: Uint8Array, at: number): number {
  const { bus } = ns;
  const { wasm } = bus.ctx;
  const src = bus.mediaBase + ns.spaOf(offset, len);
  const direct = bus.ioAddress(out);
  if (direct >= 0) return len === 0 ? 0 : len - (wasm.copy_mc(direct + at, src, len) >>> 0);
  const { u8, ioBuf, layout } = bus.ctx;
  let copied = 0;
  while (copied < len) {
    const n = Math.min(layout.ioBufferBytes, len - copied);
    const short = wasm.copy_mc(ioBuf, src + copied, n) >>> 0;
    out.set(u8.subarray(ioBuf, ioBuf + n - short), at + copied);
    copied += n - short;
    if (short !== 0) break;
  }
  return copied;
}

/**
 * The clean-chunk fast path: while the namespace is alive and its badblocks structure empty
 * (is_bad_pmem false, direct_access granting every page, without a lookup), copyMcFromPmem;
 * else -1, nothing done, and the caller takes its general path. With `out` in the I/O buffer
 * the checks and the copy are one wasm call (assembly/pmem/clean.ts: JS Atomics reads cost
 * more than that call here). Returns the bytes copied; a short count still needs
 * copyFromPmemFault().
 */
export function copyMcFromPmemClean(ns: Namespace, offset: number, len: number, out: Uint8Array, at: number): number {
  const { bus } = ns;
  const direct = bus.ioAddress(out);
  if (direct >= 0) {
    const short = bus.ctx.wasm.pmem_copy_mc_clean(ns.aliveAddress, ns.dataOffsetAddress, ns.bbBase, direct + at, ns.regionAddress + offset, len);
    return short < 0 ? -1 : len - short;
  }
  if (!ns.alive || ns.bb.count !== 0) return -1;
  return copyMcFromPmem(ns, offset, len, out, at);
}

/**
 * What stopped a copy from pmem at data byte `offset`: a poisoned line (the machine check,
 * handled now: nvdimm/mce.ts) or a kernel-unmapped page ('unmapped').
 */
export function copyFromPmemFault(ns: Namespace, offset: number): MceResult | 'unmapped' {
  return copyMcFault(ns.bus, ns.spaOf(offset, 1));
}

/**
 * Writes `src` (or `len` zero bytes when `src` is null) to data byte `offset` with
 * flushcache. A `src` inside this thread's I/O buffer is written without a staging copy.
 */
export function copyToPmem(ns: Namespace, offset: number, src: Uint8Array | null, len: number): void {
  copyToPmemAt(ns, offset, src, 0, len);
}

/**
 * copyToPmemAt by the clean-chunk fast path (see copyMcFromPmemClean): done (true) only while
 * the namespace is alive, its badblocks structure empty and every page of the range in the
 * kernel direct map; else false, nothing done (a write into an unmapped page is counted by
 * the general path).
 */
export function copyToPmemClean(ns: Namespace, offset: number, src: Uint8Array | null, at: number, len: number): boolean {
  const { bus } = ns;
  const direct = src === null ? -1 : bus.ioAddress(src);
  if (direct >= 0) {
    return bus.ctx.wasm.pmem_flushcache_clean(ns.aliveAddress, ns.dataOffsetAddress, ns.bbBase, ns.regionAddress + offset, direct + at, len) === 0;
  }
  if (!ns.alive || ns.bb.count !== 0) return false;
  const spa = ns.spaOf(offset, len);
  if (len > 0 && (bus.ctx.wasm.kernel_np_find(spa, len) >>> 0) < spa + len) return false;
  copyToPmemAt(ns, offset, src, at, len);
  return true;
}

/** copyToPmem of `src[at, at+len)`: the I/O paths write part of a caller's buffer without a subarray. */
export function copyToPmemAt(ns: Namespace, offset: number, src: Uint8Array | null, at: number, len: number): void {
  const { bus } = ns;
  const { wasm, u8, ioBuf, layout } = bus.ctx;
  const spa = ns.spaOf(offset, len);
  if (len > 0 && (wasm.kernel_np_find(spa, len) >>> 0) < spa + len) {
    bus.state.lock(() => bus.state.count('unmappedWrites'));
  }
  const dst = bus.mediaBase + spa;
  const direct = src === null ? -1 : bus.ioAddress(src);
  if (direct >= 0) {
    wasm.memcpy_flushcache(dst, direct + at, len);
    return;
  }
  if (src === null) {
    // Zeros need no staging: the I/O buffer may hold the data of the write that allocated
    // these blocks (a caller's view of it), which zeroing must not overwrite.
    wasm.memset_flushcache(dst, 0, len);
    return;
  }
  const max = layout.ioBufferBytes;
  for (let done = 0; done < len;) {
    const n = Math.min(max, len - done);
    u8.set(src.subarray(at + done, at + done + n), ioBuf);
    wasm.memcpy_flushcache(dst + done, ioBuf, n);
    done += n;
  }
}
