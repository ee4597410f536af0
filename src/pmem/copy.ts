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
 * range. No lock is taken on the clean path.
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
  const { wasm, u8, ioBuf, layout } = ns.bus.ctx;
  const src = ns.addr(offset);
  const direct = inIoBuffer(ns, out);
  let copied = 0;
  while (copied < len) {
    const n = direct ? len : Math.min(layout.ioBufferBytes, len - copied);
    const dst = direct ? out.byteOffset + at : ioBuf;
    const short = wasm.copy_mc(dst, src + copied, n) >>> 0;
    if (!direct) out.set(u8.subarray(ioBuf, ioBuf + n - short), at + copied);
    copied += n - short;
    if (short !== 0) {
      const f = copyMcFault(ns.bus, ns.dataStart + offset + copied);
      return { copied, fault: f === 'unmapped' ? { cause: 'unmapped' } : { cause: 'mce', mce: f } };
    }
  }
  return { copied };
}

/** True when `a` lies inside this thread's I/O buffer (so wasm can address it directly). */
export function inIoBuffer(ns: Namespace, a: Uint8Array): boolean {
  const { u8, ioBuf, layout } = ns.bus.ctx;
  return a.buffer === u8.buffer && a.byteOffset >= ioBuf && a.byteOffset + a.length <= ioBuf + layout.ioBufferBytes;
}

/**
 * Writes `src` (or `len` zero bytes when `src` is null) to data byte `offset` with
 * flushcache. A `src` inside this thread's I/O buffer is written without a staging copy.
 */
export function copyToPmem(ns: Namespace, offset: number, src: Uint8Array | null, len: number): void {
  const { wasm, u8, ioBuf, layout } = ns.bus.ctx;
  const spa = ns.dataStart + offset;
  if (len > 0 && (wasm.kernel_np_find(spa, len) >>> 0) < spa + len) {
    ns.bus.state.lock(() => ns.bus.state.count('unmappedWrites'));
  }
  const dst = ns.addr(offset);
  if (src !== null && inIoBuffer(ns, src)) {
    wasm.memcpy_flushcache(dst, src.byteOffset, len);
    return;
  }
  const max = layout.ioBufferBytes;
  if (src === null) u8.fill(0, ioBuf, ioBuf + Math.min(max, len));
  for (let done = 0; done < len;) {
    const n = Math.min(max, len - done);
    if (src !== null) u8.set(src.subarray(done, done + n), ioBuf);
    wasm.memcpy_flushcache(dst + done, ioBuf, n);
    done += n;
  }
}
