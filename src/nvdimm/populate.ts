/**
 * nvdimm_badblocks_populate and poison revalidation (reference §2.1): how the bus badrange
 * list becomes region and namespace badblocks entries.
 *
 * For each badrange entry intersecting the target range, in list order: clip it to the
 * range, convert bytes to sectors relative to the range start with the start rounded
 * **down** and the end rounded **up** (`__add_badblock_range`: bytes [1000, 1064) -> sector 1,
 * length 2), and `badblocks_set(bb, s, n, ack=1)`. Populate only adds. A refused set (a full
 * table, E-6) is only logged once by the kernel — the range stays untracked, behaving like
 * latent poison; here each refusal is counted (PopulateStats in namespace.ts).
 *
 * Revalidation (`nvdimm_region_notify(NVDIMM_REVALIDATE_POISON)`, after an ARS completes or
 * a machine check adds a range) re-populates the region bb over the whole region and the
 * namespace bb (`pmem_revalidate_poison`) over the data range when the namespace is enabled.
 *
 * Locking: the device mutex must be held (the badrange list is read); badblocks_set takes
 * the structure's own mutex inside (lock order in state.ts).
 * Cost: O(badrange entries) badblocks_set calls per structure.
 */
import type { Badblocks } from '../badblocks/badblocks.js';
import type { NvdimmBus } from './bus.js';
import type { Namespace } from './namespace.js';
import {
  NS_PBB_LAST_RANGES, NS_PBB_LAST_DROPPED, NS_PBB_DROPPED_TOTAL, NS_RBB_LAST_RANGES,
  NS_RBB_LAST_DROPPED, NS_RBB_DROPPED_TOTAL,
} from './state.js';

/** The kernel feeds pieces longer than INT_MAX sectors in chunks. */
const INT_MAX = 2 ** 31 - 1;

export interface PopulateResult {
  /** badblocks_set calls made. */
  readonly ranges: number;
  /** Calls the structure refused (range left untracked). */
  readonly dropped: number;
}

/** bytes [start, start+len) relative to the range start -> sectors, rounded outward, set acked. */
function addBadblockRange(bb: Badblocks, nsOffset: number, len: number, out: { ranges: number; dropped: number }): void {
  const startSector = Math.floor(nsOffset / 512);
  const endSector = Math.ceil((nsOffset + len) / 512);
  for (let s = startSector; s < endSector; s += INT_MAX) {
    const n = Math.min(INT_MAX, endSector - s);
    out.ranges++;
    if (!bb.set(s, n, true)) out.dropped++;
  }
}

/**
 * nvdimm_badblocks_populate(bb, [rangeStart, rangeStart+rangeLen)): adds every badrange entry
 * that intersects the SPA range, relative to its start. Device mutex held.
 */
export function nvdimmBadblocksPopulateLocked(bus: NvdimmBus, bb: Badblocks, rangeStart: number, rangeLen: number): PopulateResult {
  bus.state.assertHeld('nvdimm_badblocks_populate');
  const out = { ranges: 0, dropped: 0 };
  const rangeEnd = rangeStart + rangeLen - 1; // inclusive, as struct range
  for (const e of bus.badrange.entries()) {
    const eEnd = e.start + e.length - 1;
    if (e.length <= 0 || eEnd < rangeStart || e.start > rangeEnd) continue;
    if (e.start >= rangeStart) {
      const len = eEnd <= rangeEnd ? e.length : rangeStart + rangeLen - e.start;
      addBadblockRange(bb, e.start - rangeStart, len, out);
    } else {
      const len = eEnd < rangeEnd ? e.start + e.length - rangeStart : rangeLen;
      addBadblockRange(bb, 0, len, out);
    }
  }
  return out;
}

/**
 * nvdimm_badblocks_populate for a sparse namespace (sparse.ts): the badrange entries in the
 * region's backing are mapped back to logical region bytes piece by piece, clipped to
 * logical [rangeStart, rangeStart+rangeLen) (region-relative) and added relative to its start,
 * so the sectors are the real ones. Same rounding and order as the dense walk. Device mutex held.
 */
function populateSparseLocked(ns: Namespace, bb: Badblocks, rangeStart: number, rangeLen: number): PopulateResult {
  ns.bus.state.assertHeld('nvdimm_badblocks_populate');
  const out = { ranges: 0, dropped: 0 };
  const lo = ns.regionStart;
  const hi = ns.regionStart + ns.spaBytes;
  for (const e of ns.bus.badrange.entries()) {
    const s = Math.max(e.start, lo);
    const t = Math.min(e.start + e.length, hi);
    if (e.length <= 0 || t <= s) continue;
    for (const p of ns.regionPieces(s, t - s)) {
      const a = Math.max(p.start, rangeStart);
      const b = Math.min(p.start + p.bytes, rangeStart + rangeLen);
      if (a < b) addBadblockRange(bb, a - rangeStart, b - a, out);
    }
  }
  return out;
}

/** Populates the region bb over the whole region and records the statistics. Device mutex held. */
export function populateRegionLocked(ns: Namespace): PopulateResult {
  const r = ns.sparse !== null
    ? populateSparseLocked(ns, ns.regionBb, 0, ns.size)
    : nvdimmBadblocksPopulateLocked(ns.bus, ns.regionBb, ns.regionStart, ns.size);
  record(ns, r, NS_RBB_LAST_RANGES, NS_RBB_LAST_DROPPED, NS_RBB_DROPPED_TOTAL);
  return r;
}

/** pmem_revalidate_poison: populates pmem->bb over the data range. Device mutex held. */
export function populateNamespaceLocked(ns: Namespace): PopulateResult {
  const r = ns.sparse !== null
    ? populateSparseLocked(ns, ns.bb, ns.dataOffset, ns.dataBytes)
    : nvdimmBadblocksPopulateLocked(ns.bus, ns.bb, ns.dataStart, ns.dataBytes);
  record(ns, r, NS_PBB_LAST_RANGES, NS_PBB_LAST_DROPPED, NS_PBB_DROPPED_TOTAL);
  return r;
}

function record(ns: Namespace, r: PopulateResult, lastRanges: number, lastDropped: number, total: number): void {
  const s = ns.bus.state;
  s.setU32(ns.words + lastRanges, r.ranges);
  s.setU32(ns.words + lastDropped, r.dropped);
  s.setF64(ns.words + total, s.f64(ns.words + total) + r.dropped);
}

/**
 * NVDIMM_REVALIDATE_POISON for every region intersecting SPA range [start, start+len) (all
 * regions when omitted): region bb, then the namespace bb if the namespace is enabled.
 * Device mutex held.
 */
export function revalidatePoisonLocked(bus: NvdimmBus, start = 0, len = Infinity): void {
  for (const ns of bus.namespaces) {
    if (ns.regionStart >= start + len || ns.regionStart + ns.spaBytes <= start) continue;
    populateRegionLocked(ns);
    if (ns.alive) populateNamespaceLocked(ns);
  }
}

/** Revalidates every region (takes the device mutex). */
export function revalidatePoison(bus: NvdimmBus): void {
  bus.state.lock(() => revalidatePoisonLocked(bus));
}
