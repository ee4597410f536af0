/**
 * Namespace and region lifecycle: disable, enable, reconfigure (reference §2.1, §2.4; E-2, E-5).
 *
 * - enable (namespace probe): pmem->bb is re-created empty and populated from the bus
 *   badrange list over the data range — entries removed by clears stay removed, because the
 *   clear also forgot them from the badrange list (ndctl clear.sh). For fsdax/devdax the probe
 *   then runs nd_pfn_clear_memmap_errors: every badblock of the raw namespace in the memmap
 *   reservation [8 KiB, dataOffset) is zeroed through nsio_rw_bytes, which clears the poison
 *   page by page (E-5). A clear that falls short fails the probe with EIO and the namespace
 *   stays disabled.
 * - enable region: the region bb is re-created and populated over the whole region, then the
 *   namespace is enabled.
 * - reconfigure(mode, dataOffset): disable, set the mode and data offset (default: the info
 *   block and memmap of the new mode, config.ts), enable. Entries of pmem->bb move by the
 *   change of data offset: sector_new = sector_old - (offset_new - offset_old)/512 (E-2).
 *
 * The raw namespace's own badblocks (nsio->bb, used by nsio_rw_bytes) are the region bb here:
 * each namespace fills its region from the region start, so both count the same sectors.
 *
 * Concurrency: call with the namespace's I/O quiescent, as the kernel requires a namespace to
 * be disabled before it is reconfigured. `alive` is cleared first, so a path that checks it
 * (dax_direct_access, block I/O) fails with ENXIO instead of reading a structure being
 * re-created. Shared words change under the device mutex.
 */
import { initBadblocks } from '../badblocks/badblocks.js';
import type { Refused } from '../core/errno.js';
import { checkInteger, describe } from '../core/validate.js';
import { defaultDataOffset, NAMESPACE_MODES, PFN_INFO_BYTES, type NamespaceMode } from './config.js';
import type { Namespace, BadblocksSlot } from './namespace.js';
import { populateNamespaceLocked, populateRegionLocked } from './populate.js';
import { nvdimmClearPoison } from './clear.js';
import { MODE_CODE, NS_ALIVE, NS_ENABLES, NS_MODE } from './state.js';

export type EnableResult = { readonly ok: true } | Refused<'EIO'>;

function recreate(ns: Namespace, slot: BadblocksSlot): void {
  const { ctx } = ns.bus;
  ctx.u8.fill(0, slot.base, slot.base + slot.bytes);
  initBadblocks(ctx, slot.base, slot.options);
}

/** Unbinds the namespace: `alive` becomes false (I/O and DAX access fail with ENXIO). */
export function disableNamespace(ns: Namespace): void {
  ns.bus.state.lock(() => ns.bus.state.setU32(ns.words + NS_ALIVE, 0));
}

/** Probes the namespace (see the header). */
export function enableNamespace(ns: Namespace): EnableResult {
  const st = ns.bus.state;
  st.lock(() => {
    st.setU32(ns.words + NS_ALIVE, 0);
    recreate(ns, ns.bbSlot);
    populateNamespaceLocked(ns);
  });
  if (ns.mode !== 'raw' && !clearMemmapErrors(ns)) return { ok: false, errno: 'EIO' };
  st.lock(() => {
    st.setU32(ns.words + NS_ALIVE, 1);
    st.setU32(ns.words + NS_ENABLES, st.u32(ns.words + NS_ENABLES) + 1);
  });
  return { ok: true };
}

/** Disables the region (and its namespace). */
export function disableRegion(ns: Namespace): void {
  disableNamespace(ns);
}

/** Re-creates and populates the region bb, then enables the namespace. */
export function enableRegion(ns: Namespace): EnableResult {
  ns.bus.state.lock(() => {
    recreate(ns, ns.regionBbSlot);
    populateRegionLocked(ns);
  });
  return enableNamespace(ns);
}

/**
 * Changes the namespace's mode (and data offset), re-enabling it.
 * @throws {TypeError|RangeError} naming `mode` or `dataOffset` for bad input (nothing changes).
 */
export function reconfigureNamespace(ns: Namespace, options: { readonly mode: NamespaceMode; readonly dataOffset?: number }): EnableResult {
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object such as { mode: 'fsdax' }, got ${describe(options)}`);
  const mode = options.mode;
  if (!NAMESPACE_MODES.includes(mode)) throw new RangeError(`mode must be one of ${NAMESPACE_MODES.join(', ')}, got ${describe(mode)}`);
  const dataOffset = checkInteger('dataOffset', options.dataOffset ?? defaultDataOffset(mode, ns.size), 0, ns.size - 4096,
    'byte count', ' (the data must keep at least one page)');
  if (dataOffset % 4096 !== 0) throw new RangeError(`dataOffset must be a multiple of 4096 bytes, got ${dataOffset}`);
  disableNamespace(ns);
  ns.bus.state.lock(() => {
    ns.bus.state.setU32(ns.words + NS_MODE, MODE_CODE[mode]);
    ns.bus.state.setDataOffset(ns.words, dataOffset);
  });
  return enableNamespace(ns);
}

/**
 * nd_pfn_clear_memmap_errors: zero every bad block of the memmap reservation page by page
 * through nsio_rw_bytes. False when a clear fell short (the probe fails with EIO).
 */
function clearMemmapErrors(ns: Namespace): boolean {
  const metaStart = PFN_INFO_BYTES / 512;
  const metaNum = ns.dataOffset / 512 - metaStart;
  if (metaNum <= 0) return true;
  // Each pass clears at least the first bad page or fails; the bound only guards a bug.
  for (let pass = 0; pass <= metaNum; pass++) {
    const c = ns.regionBb.check(metaStart, metaNum);
    if (c.rc === 0) return true;
    let nsoff = Math.floor(c.firstBad * 512 / 4096) * 4096;
    let zeroLen = Math.ceil(c.badSectors * 512 / 4096) * 4096;
    while (zeroLen > 0) {
      if (!nsioWriteZeroPage(ns, nsoff)) return false;
      zeroLen -= 4096;
      nsoff += 4096;
    }
  }
  return false;
}

/**
 * nsio_rw_bytes writing one zero page at namespace byte `nsoff`: when the page is bad in the
 * raw namespace's badblocks, clear the poison first (its bb sectors too); the zeros are
 * written and flushed in every case. False when the clear fell short (-EIO).
 */
function nsioWriteZeroPage(ns: Namespace, nsoff: number): boolean {
  const { ctx } = ns.bus;
  const sector = nsoff / 512;
  let ok = true;
  const c = ns.regionBb.count === 0 ? { rc: 0 } : ns.regionBb.check(sector, 8);
  if (c.rc !== 0) {
    const r = nvdimmClearPoison(ns.bus, ns.regionSpa(nsoff, 4096), 4096);
    const cleared = r.ok ? r.cleared : -1;
    if (cleared < 4096) ok = false;
    if (cleared >= 512) ns.regionBb.clear(sector, Math.floor(cleared / 512));
  }
  ctx.u8.fill(0, ctx.ioBuf, ctx.ioBuf + 4096);
  ctx.wasm.memcpy_flushcache(ns.bus.mediaBase + ns.regionSpa(nsoff, 4096), ctx.ioBuf, 4096);
  ctx.wasm.pmem_wmb();
  return ok;
}
