/*
 * The copies the kernel uses on persistent memory (reference §5.1, §5.3).
 *
 * All addresses are absolute byte addresses in the shared memory; a source or destination
 * inside the media is recognised by address, so the same copy serves media -> buffer,
 * buffer -> media and buffer -> buffer, as the kernel's functions do.
 *
 * copy_mc: machine-check-safe read. The canonical model is copy_mc_fragile (§5.1): copying
 * stops at the start of the first poisoned 64-byte source line, or at the start of the first
 * source page that is not in the kernel direct map (set_mce_nospec: the copy's #PF fixup);
 * the return value is the number of bytes NOT copied. A source that starts inside a poisoned
 * line copies nothing (C-3). Everything before the stop point is copied with one
 * memory.copy, so a clean copy costs one bitmap scan more than a bare memory.copy.
 *
 * memcpy_flushcache: the data lands with non-temporal stores and clwb (§5.3): every line it
 * touches is *pending* for the calling thread until its next pmem_wmb(). Writing a poisoned
 * line does not clear the poison (only a firmware clear does, §2.2).
 *
 * pmem_memcpy: a plain cached store into the media: lines become *dirty*.
 */
import { gMediaBase, gMediaBytes, gPoisonBase } from "../env";
import { LINE_SHIFT, HEADER_BASE, HDR_NP_PAGES } from "../layout";
import { poison_find_lines } from "./poison";
import { kernel_np_find } from "./pageflags";
import { persist_mark_dirty, persist_mark_pending } from "./persist";

// @ts-ignore: decorator
@inline function inMedia(addr: usize): bool {
  return addr - gMediaBase < gMediaBytes;
}

/**
 * Bytes of [srcOff, srcOff+len) (media offsets) that a machine-check-safe copy can read
 * before it faults: up to the first poisoned line or kernel-unmapped page.
 */
export function copy_mc_safe_len(srcOff: usize, len: usize): usize {
  if (len == 0) return 0;
  let end = srcOff + len;
  if (end > gMediaBytes) end = gMediaBytes;
  if (end <= srcOff) return len;
  const firstLine = <u32>(srcOff >> LINE_SHIFT);
  const endLine = <u32>((end - 1) >> LINE_SHIFT) + 1;
  const bad = poison_find_lines(firstLine, endLine);
  let stop = end;
  if (bad < endLine) {
    const badOff = <usize>bad << LINE_SHIFT;
    stop = badOff > srcOff ? badOff : srcOff;
  }
  const np = kernel_np_find(srcOff, stop - srcOff);
  if (np < stop) stop = np;
  // Bytes past the media end are not media: nothing to fault on there.
  return stop < end ? stop - srcOff : len;
}

/**
 * copy_mc_to_kernel(dst, src, len): returns the number of bytes NOT copied.
 *
 * Fast path (most copies, up to 4 KiB): when the source lines fit one word of the poison
 * map, that word is the whole check — one load and a mask — and no page is unmapped. The
 * unmapped-page count is read with a plain load: like a poison that arrives during a copy,
 * a page unmapped concurrently may or may not be seen, as on hardware.
 */
// @ts-ignore: decorator
@inline export function copy_mc_inline(dst: usize, src: usize, len: usize): usize {
  const off = src - gMediaBase;
  if (off < gMediaBytes && len != 0) {
    const first = off >> LINE_SHIFT;
    const shift = first & 63;
    const n = ((off + len - 1) >> LINE_SHIFT) - first + 1;
    if (shift + n <= 64 && load<u32>(HEADER_BASE + HDR_NP_PAGES) == 0) {
      // Lines [first, first+n) are bits [shift, shift+n) of one word: shift them to the top.
      const w = load<u64>(gPoisonBase + ((first >> 6) << 3));
      if (((w >> <u64>shift) << <u64>(64 - n)) == 0) {
        memory.copy(dst, src, len);
        return 0;
      }
    }
    const safe = copy_mc_safe_len(off, len);
    memory.copy(dst, src, safe);
    return len - safe;
  }
  memory.copy(dst, src, len);
  return 0;
}

export function copy_mc(dst: usize, src: usize, len: usize): usize {
  return copy_mc_inline(dst, src, len);
}

/** memcpy_flushcache(dst, src, len): lines of dst in the media become pending(me). */
export function memcpy_flushcache(dst: usize, src: usize, len: usize): void {
  memory.copy(dst, src, len);
  if (inMedia(dst)) persist_mark_pending(dst - gMediaBase, clipToMedia(dst, len));
}

/**
 * memset with non-temporal stores: as memcpy_flushcache, the lines become pending for this
 * thread. Zeroing writes through it with no source buffer, so it never stages zeros in the
 * thread's I/O buffer (which may hold the caller's data for the write that follows).
 */
export function memset_flushcache(dst: usize, value: u8, len: usize): void {
  memory.fill(dst, value, len);
  if (inMedia(dst)) persist_mark_pending(dst - gMediaBase, clipToMedia(dst, len));
}

/** A plain cached store into the media: lines of dst become dirty. */
export function pmem_memcpy(dst: usize, src: usize, len: usize): void {
  memory.copy(dst, src, len);
  if (inMedia(dst)) persist_mark_dirty(dst - gMediaBase, clipToMedia(dst, len));
}

/** memset into the media with plain stores (used by zeroing and tests). */
export function pmem_memset(dst: usize, value: u8, len: usize): void {
  memory.fill(dst, value, len);
  if (inMedia(dst)) persist_mark_dirty(dst - gMediaBase, clipToMedia(dst, len));
}

// @ts-ignore: decorator
@inline function clipToMedia(dst: usize, len: usize): usize {
  const room = gMediaBytes - (dst - gMediaBase);
  return len < room ? len : room;
}
