/**
 * pmem's poison-clearing helpers (reference §3.2; P-3..P-6, P-10, D-8..D-10).
 *
 * - `pmemClearPoisonRaw` = __pmem_clear_poison(offset, len): nvdimm_clear_poison on the
 *   namespace's physical range; when something was cleared, pmem_mkpage_present and
 *   arch_invalidate_pmem. Returns the bytes cleared or ENXIO.
 * - `pmemMkpagePresent`: not for raw namespaces (no struct pages). For
 *   pfn = floor(phys/4096) .. + floor(len/4096) - 1: TestClearPageHWPoison, and if it was set,
 *   clear_mce_nospec (map the page again). A clear shorter than 4096 bytes never restores a
 *   page (P-10).
 * - `pmemClearBb(sector, blks)`: badblocks_clear on pmem->bb unless blks is 0; the result is
 *   ignored, as the kernel does.
 * - `pmemClearPoison` (block path): clear, then pmem_clear_bb of `cleared >> 9` sectors at
 *   the range's data sector — sub-sector remainders stay in bb (conservative) — and fail with
 *   EIO when the clear failed or fell short.
 *
 * arch_invalidate_pmem (clflush of the range) has nothing to do here: the persistence model
 * keeps no stale cached copy of a line apart from its state byte, and clflush writes back.
 *
 * Offsets: `offset` is bytes from the namespace (region) start, i.e. data sector*512 +
 * dataOffset, the kernel's `pmem_off`. Locking: nvdimm_clear_poison takes the device mutex;
 * page flags are atomic byte RMWs; the counter update takes the mutex briefly.
 */
import type { Namespace } from '../nvdimm/namespace.js';
import { nvdimmClearPoison, type ClearResult } from '../nvdimm/clear.js';

const PG_HWPOISON = 1;
const PAGE = 4096;

/** __pmem_clear_poison: nvdimm_clear_poison of the namespace range, then re-map whole pages. */
export function pmemClearPoisonRaw(ns: Namespace, offset: number, len: number): ClearResult {
  const r = nvdimmClearPoison(ns.bus, ns.regionSpa(offset, len), len);
  if (r.ok && r.cleared > 0) pmemMkpagePresent(ns, offset, r.cleared);
  return r;
}

/** pmem_mkpage_present: clear HWPoison and re-map every whole page of the cleared length. */
export function pmemMkpagePresent(ns: Namespace, offset: number, len: number): void {
  if (!ns.hasStructPages) return;
  const { wasm } = ns.bus.ctx;
  const pfnStart = Math.floor(ns.regionSpa(offset, len) / PAGE);
  const pfnEnd = pfnStart + Math.floor(len / PAGE);
  let restored = 0;
  for (let pfn = pfnStart; pfn < pfnEnd; pfn++) {
    if ((wasm.page_clear_flags(pfn, PG_HWPOISON) & PG_HWPOISON) !== 0) {
      wasm.clear_mce_nospec(pfn);
      restored++;
    }
  }
  if (restored > 0) ns.bus.state.lock(() => ns.bus.state.count('pagesRestored', restored));
}

/** pmem_clear_bb: badblocks_clear(pmem->bb, sector, blks) unless blks is 0. */
export function pmemClearBb(ns: Namespace, sector: number, blks: number): void {
  if (blks > 0) ns.bb.clear(sector, blks);
}

/**
 * pmem_clear_poison (block path): 'ok' when all `len` bytes were cleared, else 'EIO' (after
 * clearing from bb whatever whole sectors the firmware did clear).
 */
export function pmemClearPoison(ns: Namespace, offset: number, len: number): 'ok' | 'EIO' {
  const r = pmemClearPoisonRaw(ns, offset, len);
  if (!r.ok) return 'EIO';
  pmemClearBb(ns, (offset - ns.dataOffset) / 512, Math.floor(r.cleared / 512));
  return r.cleared < len ? 'EIO' : 'ok';
}
