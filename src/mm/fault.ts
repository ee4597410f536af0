/**
 * Page faults on DAX mappings (reference §4.4; F-6, F-7, M-7).
 *
 * fs-dax file (dax_iomap_fault):
 *   - filesystem shut down or device dead                 -> VM_FAULT_SIGBUS: SIGBUS BUS_ADRERR
 *   - PMD (a mapping that may use 2 MiB): the 512 file pages of the aligned unit must lie in
 *     the file, map to one physically 2 MiB-aligned run of device pages, and DAX_ACCESS must
 *     grant all 512 (no known-bad page); else VM_FAULT_FALLBACK and a PTE fault (F-7).
 *     fs-dax has no PUD faults: a `pud` mapping falls back to PMD (counted as a fallback).
 *   - PTE: a hole maps the zero page for a read, and is allocated (zeroed) for a write;
 *     DAX_ACCESS refusing the page -> dax_fault_return -> VM_FAULT_HWPOISON for EHWPOISON
 *     (SIGBUS BUS_MCEERR_AR, lsb 12: 6.5+), VM_FAULT_SIGBUS for EIO (BUS_ADRERR: before 6.5)
 *     (F-6).
 * device dax (dev_dax_huge_fault): maps the mapping's alignment unit with no poison check:
 *   poison is met by the load that follows (M-7). Dead device -> BUS_ADRERR.
 *
 * A successful fault sets each page's struct page (mapping, index): dax_associate_entry, which
 * is how the generic memory_failure path finds the mappers later.
 *
 * Locking: i_rwsem (shared; exclusive for a write into a hole) -> mm mutex.
 */
import { iomapBegin } from '../dax/blocks.js';
import { MAP_HOLE } from '../dax/fs-region.js';
import { daxDirectAccess, daxDirectAccessPages } from '../dax/super.js';
import { DAX_ACCESS } from '../pmem/dax.js';
import type { Mm } from './mm.js';
import type { Mapping } from './process.js';
import { newDevPage } from '../dax/fs-device.js';
import { MAP_KIND_DEVDAX, MAP_KIND_FILE, PTE_ZERO, mappingWord } from './region.js';
import type { SigInfo } from './signals.js';

/** What a fault did: mapped (nothing to send), or the SIGBUS the faulting task gets. */
export type FaultResult = { readonly ok: true } | { readonly ok: false; readonly sig: SigInfo };

const OK: FaultResult = { ok: true };
const PMD_PAGES = 512;

function adrerr(addr: number): FaultResult {
  return { ok: false, sig: { signal: 'SIGBUS', code: 'BUS_ADRERR', addr } };
}

/** Handles a fault on page `page` of `map` at virtual address `addr` (see the header). */
export function handleFault(mm: Mm, map: Mapping, page: number, addr: number, write: boolean): FaultResult {
  mm.region.lock(() => mm.region.count('faults'));
  if (map.kind === 'devdax') return devdaxFault(mm, map, page, addr);
  const file = map.file!;
  // A write into a hole allocates, which needs the i_rwsem exclusive: only then is the fault
  // run again that way.
  const r = file.lock.shared(() => fileFault(mm, map, page, addr, write, false));
  return r !== NEEDS_ALLOCATION ? r : file.lock.exclusive(() => fileFault(mm, map, page, addr, write, true));
}

/** fileFault's answer when a write met a hole under the shared i_rwsem. */
const NEEDS_ALLOCATION: FaultResult = { ok: false, sig: { signal: 'SIGBUS', code: 'BUS_ADRERR' } };

function fileFault(mm: Mm, map: Mapping, page: number, addr: number, write: boolean, exclusive: boolean): FaultResult {
  const file = map.file!;
  file.assertLive();
  if (write && !exclusive && (file.mapEntry(page) & MAP_HOLE) !== 0) return NEEDS_ALLOCATION;
  const { dev } = file;
  if (file.fs.isShutdown || !dev.alive) return adrerr(addr);
  const r = mm.region;
  if (map.maxShift === 30) r.lock(() => r.count('faultFallbacks'));
  if (map.maxShift >= 21) {
    const u0 = Math.floor(page / PMD_PAGES) * PMD_PAGES;
    const pfn0 = pmdPfn(map, u0);
    if (pfn0 >= 0) {
      install(mm, map, u0, PMD_PAGES, 21, (k) => pfn0 + k);
      return OK;
    }
    r.lock(() => r.count('faultFallbacks'));
  }
  let e = file.mapEntry(page);
  if ((e & MAP_HOLE) !== 0) {
    if (!write) {
      r.lock(() => { r.pte[map.pte + page] = PTE_ZERO; });
      return OK;
    }
    const got = iomapBegin(file, page * 4096, 4096, true);
    if ('errno' in got) return adrerr(addr);
    e = file.mapEntry(page);
  }
  const m = dev.resolve(e, newDevPage());
  if (m === null) return adrerr(addr); // io_err_dax_direct_access: EIO -> VM_FAULT_SIGBUS
  const a = daxDirectAccess(m.ns, m.nsPgoff, 1, DAX_ACCESS);
  if (!a.ok) {
    if (a.errno === 'EHWPOISON') return { ok: false, sig: { signal: 'SIGBUS', code: 'BUS_MCEERR_AR', lsb: 12, addr } };
    return adrerr(addr);
  }
  const pfn = m.ns.pfn(m.nsPgoff);
  install(mm, map, page, 1, 12, () => pfn);
  return OK;
}

/**
 * The PMD conditions of the header for the unit starting at file page `u0`: its first pfn,
 * or -1. On a dm device direct_access must grant all 512 pages from one member, so the unit
 * must also lie inside one I/O unit (a stripe chunk of 2 MiB or more, or a linear target).
 */
function pmdPfn(map: Mapping, u0: number): number {
  const file = map.file!;
  if (u0 + PMD_PAGES > file.pages) return -1;
  const e0 = file.mapEntry(u0);
  if ((e0 & MAP_HOLE) !== 0) return -1;
  const m = file.dev.resolve(e0, newDevPage());
  if (m === null || m.pagesLeft < PMD_PAGES) return -1;
  const pfn0 = m.ns.pfn(m.nsPgoff);
  if (pfn0 % PMD_PAGES !== 0) return -1;
  for (let k = 1; k < PMD_PAGES; k++) if (file.mapEntry(u0 + k) !== e0 + k) return -1;
  return daxDirectAccessPages(m.ns, m.nsPgoff, PMD_PAGES, false) === PMD_PAGES ? pfn0 : -1;
}

function devdaxFault(mm: Mm, map: Mapping, page: number, addr: number): FaultResult {
  const ns = map.ns!;
  if (!ns.alive || ns.mode !== 'devdax') return adrerr(addr);
  const unit = 2 ** (map.maxShift - 12);
  const u0 = Math.floor(page / unit) * unit;
  install(mm, map, u0, Math.min(unit, map.pages - u0), map.maxShift, (k) => ns.pfn(u0 + k));
  return OK;
}

/** Sets `pages` page-table bytes from `first` to `shift` and associates each page (mm mutex taken). */
function install(mm: Mm, map: Mapping, first: number, pages: number, shift: number, pfnOf: (k: number) => number): void {
  const r = mm.region;
  const word = mappingWord(map.kind === 'file' ? MAP_KIND_FILE : MAP_KIND_DEVDAX, map.target);
  r.lock(() => {
    r.pte.fill(shift, map.pte + first, map.pte + first + pages);
    for (let k = 0; k < pages; k++) r.setPage(pfnOf(k), word, first + k);
  });
}
