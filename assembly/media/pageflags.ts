/*
 * Per-page flags of the media's struct pages: one byte per 4 KiB page at gPageFlagsBase.
 *
 *   PG_HWPOISON   PageHWPoison: memory_failure() has handled this page
 *   PG_KERNEL_NP  not present in the kernel direct map: set_mce_nospec() (reference §5.4);
 *                 kernel copies (copy_mc) fault at the page start until clear_mce_nospec()
 *
 * HDR_NP_PAGES counts pages with PG_KERNEL_NP so that copy_mc skips the page-flag scan while
 * no page is unmapped (the common case). Flags change with atomic byte RMWs (or/and on the
 * containing aligned u32), so setters on neighbouring pages never lose each other's bits,
 * and the counter moves only on a real 0->1 or 1->0 transition of the bit.
 */
import { gPageFlagsBase } from "../env";
import { HEADER_BASE, HDR_NP_PAGES, PG_KERNEL_NP, PAGE_SHIFT } from "../layout";

// @ts-ignore: decorator
@inline function wordOf(pfn: u32): usize {
  return gPageFlagsBase + (<usize>(pfn & ~3));
}

// @ts-ignore: decorator
@inline function shiftOf(pfn: u32): u32 {
  return (pfn & 3) << 3;
}

/** Sets `bits` on page `pfn`; returns the flags before. */
export function page_set_flags(pfn: u32, bits: u8): u8 {
  const old = atomic.or<u32>(wordOf(pfn), <u32>bits << shiftOf(pfn));
  const before = <u8>(old >> shiftOf(pfn));
  if ((bits & PG_KERNEL_NP) != 0 && (before & PG_KERNEL_NP) == 0) {
    atomic.add<u32>(HEADER_BASE + HDR_NP_PAGES, 1);
  }
  return before;
}

/** Clears `bits` on page `pfn`; returns the flags before. */
export function page_clear_flags(pfn: u32, bits: u8): u8 {
  const old = atomic.and<u32>(wordOf(pfn), ~(<u32>bits << shiftOf(pfn)));
  const before = <u8>(old >> shiftOf(pfn));
  if ((bits & PG_KERNEL_NP) != 0 && (before & PG_KERNEL_NP) != 0) {
    atomic.sub<u32>(HEADER_BASE + HDR_NP_PAGES, 1);
  }
  return before;
}

export function page_flags(pfn: u32): u8 {
  return load<u8>(gPageFlagsBase + <usize>pfn);
}

/** set_mce_nospec(pfn): remove the page from the kernel direct map (5.19+: not-present). */
export function set_mce_nospec(pfn: u32): void {
  page_set_flags(pfn, PG_KERNEL_NP);
}

/** clear_mce_nospec(pfn): map the page again (pmem calls it after a whole-page clear). */
export function clear_mce_nospec(pfn: u32): void {
  page_clear_flags(pfn, PG_KERNEL_NP);
}

/**
 * First byte offset in [off, off+len) (media offsets) whose page is not in the kernel
 * direct map, or off+len if every page is mapped. O(1) while no page is unmapped.
 */
export function kernel_np_find(off: usize, len: usize): usize {
  const end = off + len;
  if (len == 0 || atomic.load<u32>(HEADER_BASE + HDR_NP_PAGES) == 0) return end;
  const lastPfn = <u32>((end - 1) >> PAGE_SHIFT);
  for (let pfn = <u32>(off >> PAGE_SHIFT); pfn <= lastPfn; pfn++) {
    if ((load<u8>(gPageFlagsBase + <usize>pfn) & PG_KERNEL_NP) != 0) {
      const pageStart = <usize>pfn << PAGE_SHIFT;
      return pageStart > off ? pageStart : off;
    }
  }
  return end;
}
