/**
 * Collect, unmap and kill: the end of every DAX memory_failure path (reference §6.1, §6.2;
 * mm/memory-failure.c collect_procs_fsdax / collect_procs_file, unmap_and_kill, kill_proc).
 *
 * For a target (an fs-dax file or a device-dax namespace) and some of its pages:
 *  1. PageHWPoison on each page's pfn (not under MF_MEM_PRE_REMOVE; the generic path has set
 *     it already).
 *  2. Collect (task, vaddr, shift): every mapping of the target whose process is the current
 *     task (the consumer, always collected: force_early) or asked for early kill (prctl or the
 *     sysctl), or every mapping under PRE_REMOVE; shift = the size the page is mapped with
 *     now (dev_pagemap_mapping_shift); 0 = not mapped, the entry is dropped.
 *  3. Unmap: if anything was collected, the naturally aligned unit of the largest shift around
 *     the page, in every mapping of the target ("for everyone": unmap_mapping_range on the
 *     address_space). Nothing collected -> nothing unmapped (late-kill mappers keep their
 *     entries and meet the poison on their next load).
 *  4. Kill: MF_ACTION_REQUIRED | MF_MUST_KILL are always set on DAX paths, so each collected
 *     task gets SIGBUS: BUS_MCEERR_AR when it is the current task, else BUS_MCEERR_AO;
 *     si_addr = the page's address in the mapping, lsb = shift.
 *
 * `coalesce` is the `range` policy: the pages are one failed range, collected once; each
 * collected mapping is signalled once, for the first page of the range it maps; the unmap
 * covers every page of the range. Without it (Linux), this runs once per page.
 *
 * Locking: mm mutex held; the page flags are atomics (wasm page_set_flags).
 */
import { mappingWords, wantsEarlyKill } from './process.js';
import type { Mm } from './mm.js';
import { MM_MAPS_LIVE } from './region.js';
import { sendSignalLocked } from './signals.js';
import { zapTargetLocked } from './zap.js';

const PG_HWPOISON = 1;

/** memory_failure flags that matter here (include/linux/mm.h MF_*). */
export interface MfFlags {
  /** The task that consumed the poison or called madvise, or -1 (a kworker: no current process). */
  readonly current: number;
  /** MF_MEM_PRE_REMOVE: the device is going away (6.7+ unbind). */
  readonly preRemove: boolean;
}

/** One page of the target: its index in the target (file page or devdax page) and its pfn. */
export interface TargetPage {
  readonly index: number;
  readonly pfn: number;
}

interface ToKill { proc: number; addr: number; shift: number }

/** SetPageHWPoison on `pfn`; counts it when newly set (mm mutex held). */
export function setHwpoisonLocked(mm: Mm, pfn: number): void {
  const w = mm.system.context.wasm;
  if ((w.page_flags(pfn) & PG_HWPOISON) === 0) {
    w.page_set_flags(pfn, PG_HWPOISON);
    mm.region.count('hwpoisonPages');
  }
}

/**
 * Steps 1-4 for `pages` (in index order) of target (`kind`, `target`) (mm mutex held).
 * @param setPoison step 1 (false for PRE_REMOVE and for the generic path, which did it)
 */
export function killTargetLocked(mm: Mm, kind: number, target: number, pages: readonly TargetPage[], flags: MfFlags, setPoison: boolean, coalesce: boolean): void {
  const r = mm.region;
  r.assertHeld('unmap_and_kill');
  if (pages.length === 0) return;
  if (!coalesce && pages.length > 1) {
    for (const p of pages) killTargetLocked(mm, kind, target, [p], flags, setPoison, false);
    return;
  }
  if (setPoison) for (const p of pages) setHwpoisonLocked(mm, p.pfn);
  const tks: ToKill[] = [];
  const maps = r.word(MM_MAPS_LIVE);
  for (let m = 0; m < maps; m++) {
    const w = mappingWords(mm, m);
    if (w.kind !== kind || w.target !== target) continue;
    if (!flags.preRemove && w.process !== flags.current && !wantsEarlyKill(mm, w.process)) continue;
    for (const p of pages) {
      if (p.index >= w.pages) continue;
      const b = r.pte[w.pte + p.index]!;
      if (b < 12) continue; // not mapped (or the zero page): dev_pagemap_mapping_shift() == 0
      tks.push({ proc: w.process, addr: w.vaddr + p.index * 4096, shift: b });
      break;
    }
  }
  if (tks.length === 0) return;
  const unit = 2 ** (Math.max(...tks.map((t) => t.shift)) - 12);
  const first = Math.floor(pages[0]!.index / unit) * unit;
  const last = Math.floor(pages[pages.length - 1]!.index / unit) * unit + unit;
  const unmapped = zapTargetLocked(r, kind, target, first, last - first);
  if (unmapped > 0) r.count('pagesUnmapped', unmapped);
  for (const tk of tks) {
    // Both DAX paths force MF_ACTION_REQUIRED: the current task gets AR, every other one AO.
    const ar = tk.proc === flags.current;
    sendSignalLocked(r, tk.proc, { signal: 'SIGBUS', code: ar ? 'BUS_MCEERR_AR' : 'BUS_MCEERR_AO', lsb: tk.shift, addr: tk.addr });
  }
}
