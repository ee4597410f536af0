/**
 * memory_failure() for DAX memory (reference §6.1; M-1, M-2, M-4, M-5, M-7, M-9):
 *
 *   memoryFailure(ns, pgoff, n, flags)          n = 1 under `per-page` (Linux)
 *     no struct pages (raw namespace)        -> ENXIO ("memory outside kernel control")
 *     fsdax: pgmap->memory_failure = pmem_pagemap_memory_failure
 *            -> dax_holder_notify_failure (notify.ts)
 *            anything but EOPNOTSUPP is final
 *     otherwise, or EOPNOTSUPP: mf_generic_kill_procs
 *
 *   mf_generic_kill_procs: SetPageHWPoison on every page; then through page->mapping and
 *     page->index (the struct-page words the fault path set: dax_associate_entry) collect,
 *     unmap and kill (kill.ts). A page no process ever faulted has no mapping: poisoned,
 *     nobody signalled.
 *   mf_dax_kill_procs(file, pgoff, count): what a filesystem holder calls per owner it found
 *     (notify.ts); holes are skipped; HWPoison except under PRE_REMOVE.
 *
 * Both DAX paths add MF_ACTION_REQUIRED | MF_MUST_KILL, so the current task (if it maps the
 * page) always gets BUS_MCEERR_AR and other collected tasks BUS_MCEERR_AO. An injected event
 * has no current task (a CMCI/UCNA handler runs in a kworker): only early-kill mappers hear.
 *
 * Under `range`, n > 1: the holder gets the whole range in one notification and the generic
 * path coalesces (kill.ts); "per-page handling remains only for pages no owner claimed"
 * is what the holder leaves to the generic path.
 *
 * Locking: called with no lock held. The mm mutex is taken per collect/unmap/kill step; the
 * filesystem's page maps are read without the i_rwsem (a punch racing a failure unmaps its
 * pages under the mm mutex before freeing them, so a failure sees either the old block still
 * mapped or no mapping).
 */
import type { Namespace } from '../nvdimm/namespace.js';
import { MAP_HOLE } from '../dax/fs-region.js';
import type { DaxFile } from '../dax/fs.js';
import { killTargetLocked, setHwpoisonLocked, type MfFlags, type TargetPage } from './kill.js';
import type { Mm } from './mm.js';
import { daxHolderNotifyFailure } from './notify.js';
import { MAP_KIND_FILE } from './region.js';

export type MfResult = 0 | 'ENXIO' | 'EOPNOTSUPP' | 'EFSCORRUPTED' | 'EIO';

/** memory_failure for data pages [pgoff, pgoff+n) of `ns` (see the header). */
export function memoryFailure(mm: Mm, ns: Namespace, pgoff: number, n: number, flags: MfFlags): MfResult {
  mm.region.lock(() => mm.region.count('memoryFailureCalls'));
  if (!ns.hasStructPages) return 'ENXIO';
  if (ns.mode === 'fsdax') {
    const r = daxHolderNotifyFailure(mm, ns, pgoff * 4096, n * 4096, flags);
    if (r !== 'EOPNOTSUPP') return r;
  }
  mfGenericKillProcs(mm, ns, pgoff, n, flags);
  return 0;
}

/** mf_generic_kill_procs over pages [pgoff, pgoff+n) of `ns` (see the header). */
export function mfGenericKillProcs(mm: Mm, ns: Namespace, pgoff: number, n: number, flags: MfFlags): void {
  const r = mm.region;
  const coalesce = n > 1;
  r.lock(() => {
    r.count('genericPages', n);
    // Runs of pages with the same page->mapping, in order: one kill step per run (range) or per page.
    let run: TargetPage[] = [];
    let runWord = 0;
    const flush = (): void => {
      if (runWord !== 0 && run.length > 0) {
        killTargetLocked(mm, runWord >>> 28, (runWord & 0x0fffffff) - 1, run, flags, false, coalesce);
      }
      run = [];
    };
    for (let k = 0; k < n; k++) {
      const pfn = ns.pfn(pgoff + k);
      setHwpoisonLocked(mm, pfn);
      const word = r.pageMapping(pfn);
      const index = r.pageIndex(pfn);
      const prev = run[run.length - 1];
      if (word !== runWord || (prev !== undefined && index !== prev.index + 1)) {
        flush();
        runWord = word;
      }
      if (word !== 0) run.push({ index, pfn });
    }
    flush();
  });
}

/** mf_dax_kill_procs(file, pgoff, count, flags): a holder's owner (see the header). */
export function mfDaxKillProcs(mm: Mm, file: DaxFile, pgoff: number, count: number, flags: MfFlags, coalesce: boolean): void {
  const pages: TargetPage[] = [];
  const end = Math.min(pgoff + count, file.pages);
  for (let k = pgoff; k < end; k++) {
    const e = file.mapEntry(k);
    const pfn = (e & MAP_HOLE) !== 0 ? -1 : file.dev.pfn(e);
    if (pfn >= 0) pages.push({ index: k, pfn });
  }
  mm.region.lock(() => killTargetLocked(mm, MAP_KIND_FILE, file.index, pages, flags, !flags.preRemove, coalesce));
}

