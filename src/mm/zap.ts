/**
 * unmap_mapping_range for the simulated page tables: remove the page-table entries that map
 * pages of one target (an fs-dax file or a device-dax namespace) in every process, as the
 * kernel does through the address_space's i_mmap tree (reference §6.2).
 *
 * A huge entry (PMD, PUD) that the range touches is removed whole: the kernel splits a DAX
 * PMD by zapping it (__split_huge_pmd on a devmap entry), so the next access faults again,
 * possibly with smaller pages (§4.4). Mappings start on a 1 GiB boundary at file page 0, so a
 * unit aligned in the mapping is aligned in the file too.
 *
 * Kept apart from the rest of src/mm so that the filesystem (src/dax: punch hole, hole fill)
 * can call it without importing the fault and failure paths that import the filesystem.
 *
 * Locking: takes the mm mutex; callers hold at most the file's i_rwsem (lock order in
 * region.ts). Cost: O(mappings + pages in the range).
 */
import type { Region } from '../core/layout.js';
import type { ThreadContext } from '../core/shared.js';
import {
  M_KIND, M_PAGES, M_PTE, M_TARGET, MAP_KIND_FILE, MM_MAGIC_VALUE, MM_MAPS_LIVE, MmRegion, PTE_NONE, PTE_ZERO, REGION_KIND_MM, mappingWord,
} from './region.js';

/** This thread's view of the mm region among `regions`, or undefined when there is none or it is not formatted yet. */
export function findMmRegion(ctx: ThreadContext, regions: readonly Region[]): MmRegion | undefined {
  const r = regions.find((x) => x.kind === REGION_KIND_MM);
  if (r === undefined || Atomics.load(new Uint32Array(ctx.u8.buffer, r.base, 1), 0) !== MM_MAGIC_VALUE) return undefined;
  return new MmRegion(ctx, r);
}

/**
 * Removes the entries mapping target pages [first, first+pages) of (`kind`, `target`) in every
 * mapping (mm mutex held); returns the pages unmapped (a PMD counts 512).
 */
export function zapTargetLocked(mm: MmRegion, kind: number, target: number, first: number, pages: number): number {
  mm.assertHeld('unmap_mapping_range');
  let unmapped = 0;
  const maps = mm.word(MM_MAPS_LIVE);
  for (let m = 0; m < maps; m++) {
    const at = mm.map(m);
    if (mm.word(at + M_KIND) !== kind || mm.word(at + M_TARGET) !== target) continue;
    const len = mm.word(at + M_PAGES);
    const pte = mm.word(at + M_PTE);
    const end = Math.min(first + pages, len);
    for (let k = first; k < end; k++) {
      const b = mm.pte[pte + k]!;
      if (b === PTE_NONE) continue;
      if (b === PTE_ZERO || b === 12) {
        mm.pte[pte + k] = PTE_NONE;
        if (b === 12) unmapped++;
        continue;
      }
      // A huge entry: clear its whole naturally aligned unit.
      const unit = 2 ** (b - 12);
      const u0 = Math.floor(k / unit) * unit;
      mm.pte.fill(PTE_NONE, pte + u0, pte + Math.min(u0 + unit, len));
      unmapped += Math.min(u0 + unit, len) - u0;
      k = u0 + unit - 1;
    }
  }
  return unmapped;
}

/**
 * The filesystem changed the blocks behind file pages [first, first+pages): unmap them
 * everywhere and make the old blocks (`oldPfns`) forget the file (dax_disassociate_entry).
 */
export function zapFilePages(mm: MmRegion, fileIndex: number, first: number, pages: number, oldPfns: readonly number[]): void {
  mm.lock(() => {
    const n = zapTargetLocked(mm, MAP_KIND_FILE, fileIndex, first, pages);
    if (n > 0) mm.count('pagesUnmapped', n);
    const word = mappingWord(MAP_KIND_FILE, fileIndex);
    for (const pfn of oldPfns) if (pfn < mm.mediaPages && mm.pageMapping(pfn) === word) mm.setPage(pfn, 0, 0);
  });
}
