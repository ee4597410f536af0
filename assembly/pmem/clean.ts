/*
 * The clean-chunk fast path of the pmem block and DAX I/O paths (src/pmem/copy.ts) in one
 * call. While a namespace is alive and its badblocks structure is empty, is_bad_pmem is false
 * and dax_direct_access grants every page without a lookup (reference §3.1, §3.4): a clean
 * chunk is the copy alone. In JS the two checks are Atomics.load calls, a builtin call of
 * 5-10 ns each on Node 20, more than this whole call costs, so they are made here together
 * with the copy.
 *
 * Anything else — the namespace disabled, a badblocks entry anywhere, a write that would land
 * in a page out of the kernel direct map (counted by the JS path) — returns -1 having done
 * nothing, and the caller takes its general path. The namespace's alive and data-offset words
 * and the badblocks count are read with seq-cst atomic loads, as the JS paths read them; the
 * caller passes their addresses (the layouts stay in src/nvdimm/state.ts and badblocks/).
 * A media address is given as `region` + offset from the data start: the data offset is
 * added here, from its word.
 */
import { gMediaBase } from "../env";
import { bbCount } from "../badblocks/header";
import { copy_mc_inline, memcpy_flushcache } from "../media/copy";
import { kernel_np_find } from "../media/pageflags";

// @ts-ignore: decorator
@inline function clean(alive: usize, bb: usize): bool {
  return atomic.load<u32>(alive) != 0 && bbCount(bb) == 0;
}

/**
 * copy_mc(dst, src, len), src = `region` + *dataOffset, when the namespace whose alive word is
 * at `alive` is alive and the badblocks structure at `bb` is empty: the bytes NOT copied
 * (copy_mc's result); else -1.
 */
export function pmem_copy_mc_clean(alive: usize, dataOffset: usize, bb: usize, dst: usize, region: usize, len: usize): i32 {
  if (!clean(alive, bb)) return -1;
  return <i32>copy_mc_inline(dst, region + <usize>atomic.load<u32>(dataOffset), len);
}

/**
 * memcpy_flushcache(dst, src, len), dst = `region` + *dataOffset, into the media when the
 * namespace is alive, its badblocks structure empty and every page of [dst, dst+len) in the
 * kernel direct map: 0; else -1.
 */
export function pmem_flushcache_clean(alive: usize, dataOffset: usize, bb: usize, region: usize, src: usize, len: usize): i32 {
  if (!clean(alive, bb)) return -1;
  const dst = region + <usize>atomic.load<u32>(dataOffset);
  const off = dst - gMediaBase;
  if (len != 0 && kernel_np_find(off, len) < off + len) return -1;
  memcpy_flushcache(dst, src, len);
  return 0;
}
