/**
 * What a reboot after a power failure keeps and what it rebuilds (reference §2.1, §2.3, §5.3),
 * for a job's system with its workers quiescent:
 *
 *   kept       the media bytes and their hardware poison (the power failure already made
 *              every line durable, a lost one as "LOSTLINE"); the platform firmware's error
 *              list (the NFIT's ARS cache survives in the platform); the filesystem (its
 *              metadata is modelled as committed synchronously, src/dax/fs.ts)
 *   rebuilt    the kernel's volatile state, as a fresh boot builds it:
 *     1. the bus badrange list is emptied (kernel memory);
 *     2. every page loses its flags: HWPoison, and not-present in the direct map
 *        (set_mce_nospec) — the new kernel maps all of the memory;
 *     3. every mapping of every process is dropped (the processes are gone);
 *     4. each region and namespace is re-probed (lifecycle.ts disableRegion/enableRegion):
 *        the region bb and pmem->bb are re-created empty and populated from the (empty)
 *        badrange list;
 *     5. the boot's scrub: acpi_nfit_init asks for a short ARS first (the firmware's cached
 *        list -> badrange -> badblocks, ars.ts), so the known errors are known again at once.
 *        Latent poison the firmware never recorded stays latent until a long scrub or a
 *        consumer finds it, as on a real machine.
 *
 * Returns what the boot scrub found.
 */
import { scrub } from '../nvdimm/ars.js';
import { disableRegion, enableRegion } from '../nvdimm/lifecycle.js';
import type { System } from '../nvdimm/system.js';
import { PG_HWPOISON, PG_KERNEL_NP } from '../core/layout.js';
import { zapTargetLocked } from '../mm/zap.js';
import { mappingWords } from '../mm/process.js';
import type { Mm } from '../mm/mm.js';
import { MM_MAPS_LIVE } from '../mm/region.js';

export interface RebootResult {
  /** Firmware records the boot's short scrub delivered to the badrange list. */
  readonly records: number;
  /** Pages that had flags (HWPoison or not-present) before the reboot. */
  readonly pagesFlagged: number;
  /** Mappings whose entries were dropped. */
  readonly mappingsDropped: number;
}

/** Reboots `system` (see the header). Call with every other thread quiescent. */
export function rebootSystem(system: System, mm?: Mm): RebootResult {
  const bus = system.bus;
  const { wasm, layout } = system.context;
  // 1. The kernel's badrange list.
  bus.state.lock(() => bus.badrange.forgetLocked(0, layout.mediaBytes));
  // 2. Page flags.
  let pagesFlagged = 0;
  for (let pfn = 0; pfn < layout.mediaBytes / 4096; pfn++) {
    if (wasm.page_flags(pfn) === 0) continue;
    pagesFlagged++;
    wasm.page_clear_flags(pfn, PG_HWPOISON | PG_KERNEL_NP);
  }
  // 3. Mappings.
  let mappingsDropped = 0;
  if (mm !== undefined) {
    const region = mm.region;
    region.lock(() => {
      const maps = region.word(MM_MAPS_LIVE);
      for (let m = 0; m < maps; m++) {
        const w = mappingWords(mm, m);
        if (zapTargetLocked(region, w.kind, w.target, 0, w.pages) > 0) mappingsDropped++;
      }
    });
  }
  // 4. Re-probe every region and namespace.
  for (const ns of system.namespaces) {
    disableRegion(ns);
    const r = enableRegion(ns);
    if (!r.ok) throw new Error(`reboot: namespace ${ns.name} failed to probe (${r.errno})`);
  }
  // 5. The boot's short ARS.
  const records = scrub(bus, { short: true }).records.length;
  return { records, pagesFlagged, mappingsDropped };
}
