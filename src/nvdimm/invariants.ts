/**
 * Checkers of the poison stack's cross-structure invariants (reference §2.1, §2.3; E-6), used
 * by the property tests (test/nvdimm/properties.property.test.ts) and by the soak
 * (bench/soak.ts), which runs them while workers are busy:
 *
 * 1. firmware ⊆ hardware: every line a firmware record touches is poisoned. Injection
 *    poisons what it records, a long scrub records what is poisoned, and clears and
 *    uninjects forget what they clean, all under the device mutex — so the check, made under
 *    it, holds at any moment, not only at rest.
 * 2. badblocks ⊇ firmware after a completed long scrub: every sector (rounded outward) of
 *    every firmware record in a namespace's region is in the region bb, and those in its data
 *    range in pmem->bb — unless the structure refused ranges at the last populate (a full
 *    table, E-6), which populate counts: the gap is then expected and reported as `dropped`.
 *    Clears remove a sector from the badblocks only after its record left the firmware list,
 *    so it also holds after the scrub while I/O goes on; new records come only from scrubs
 *    and injections (machine checks add to the badrange list, not to the firmware's).
 *
 * Dense namespaces only (a sparse namespace's region bytes are not SPA bytes).
 */
import type { NvdimmBus } from './bus.js';
import type { ByteRange } from './badrange.js';
import type { Namespace } from './namespace.js';
import { NS_PBB_LAST_DROPPED, NS_RBB_LAST_DROPPED } from './state.js';

const LINE = 64;

/** Whether every 64-byte line touched by SPA bytes [start, start+len) is poisoned. */
function allLinesPoisoned(bus: NvdimmBus, start: number, len: number): boolean {
  const first = Math.floor(start / LINE);
  const end = Math.ceil((start + len) / LINE);
  return (bus.ctx.wasm.poison_find_clean_lines(first, end) >>> 0) >= end;
}

/** Invariant 1: the firmware records with a line that is not poisoned (empty when it holds). */
export function firmwareNotPoisoned(bus: NvdimmBus): ByteRange[] {
  return bus.state.lock(() => bus.firmware.entries().filter((r) => !allLinesPoisoned(bus, r.start, r.length)));
}

/** Every sector an entry list (`Badblocks.entries()`) holds. */
export function badblocksSectors(bb: { entries(): [number, number, boolean][] }): Set<number> {
  const s = new Set<number>();
  for (const [start, n] of bb.entries()) for (let i = 0; i < n; i++) s.add(start + i);
  return s;
}

export interface CoverageGap {
  /** `bb`: pmem->bb (sectors from the data start); `regionBb` (sectors from the region start). */
  readonly structure: 'bb' | 'regionBb';
  readonly sector: number;
  /** The firmware record the sector belongs to (SPA bytes). */
  readonly record: ByteRange;
}

export interface CoverageResult {
  /** Sectors of firmware records missing from a structure that dropped nothing (empty when it holds). */
  readonly gaps: CoverageGap[];
  /** Ranges each structure refused at its last populate (a full table): its gaps are not counted. */
  readonly dropped: { readonly bb: number; readonly regionBb: number };
}

/**
 * Invariant 2 for `ns`, to call after a completed long scrub (see the header). At most
 * `maxGaps` gaps are listed.
 */
export function firmwareNotInBadblocks(ns: Namespace, maxGaps = 16): CoverageResult {
  // Under the device mutex: records and their populate change together under it (a scrub's
  // completion), so a snapshot of both is consistent while other threads run.
  return ns.bus.state.lock(() => coverageLocked(ns, maxGaps));
}

function coverageLocked(ns: Namespace, maxGaps: number): CoverageResult {
  const st = ns.bus.state;
  const dropped = { bb: st.u32(ns.words + NS_PBB_LAST_DROPPED), regionBb: st.u32(ns.words + NS_RBB_LAST_DROPPED) };
  const gaps: CoverageGap[] = [];
  const nsSet = badblocksSectors(ns.bb);
  const regionSet = badblocksSectors(ns.regionBb);
  const dataFirst = ns.dataOffset / 512;
  const dataEnd = dataFirst + ns.dataBytes / 512;
  for (const record of ns.bus.firmware.entries()) {
    const from = Math.max(record.start, ns.regionStart) - ns.regionStart;
    const to = Math.min(record.start + record.length, ns.regionStart + ns.spaBytes) - ns.regionStart;
    if (to <= from) continue;
    for (let s = Math.floor(from / 512); s < Math.ceil(to / 512) && gaps.length < maxGaps; s++) {
      if (dropped.regionBb === 0 && !regionSet.has(s)) gaps.push({ structure: 'regionBb', sector: s, record });
      if (s >= dataFirst && s < dataEnd && dropped.bb === 0 && !nsSet.has(s - dataFirst)) gaps.push({ structure: 'bb', sector: s - dataFirst, record });
    }
  }
  return { gaps, dropped };
}
