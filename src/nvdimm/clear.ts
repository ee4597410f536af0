/**
 * nvdimm_clear_poison(dev, phys, len) and its accounting (reference §2.2; N-3..N-6, N-8).
 *
 * 1. Legacy bus (no ndctl: e820/memmap=) -> returns `len`, touching nothing (N-6): callers
 *    believe the range is clean while the media is still poisoned.
 * 2. ARS_CAP gives `clear_err_unit` (the region's `clearUnit`); it must be a non-zero power
 *    of two, else ENXIO. The range must lie in one region (one SPA range), else ENXIO.
 * 3. `phys` or `len` not a multiple of the unit -> ENXIO, nothing attempted (N-4).
 * 4. CLEAR_ERROR: the firmware clears `cleared = min(len, fwClearMax rounded down to the
 *    unit)` bytes (a partial clear when fwClearMax < len: N-5, P-6, D-10), spending the
 *    modelled latency `model.clearLatencyNs` on the clock. On the hardware the poisoned
 *    lines in the cleared range become clean zeros (firmware.ts); the firmware error list
 *    forgets the range.
 * 5. nvdimm_account_cleared_poison: badrange_forget(phys, cleared); then, only if
 *    cleared >= 512, every region with `phys >= start && phys + cleared <= start + size - 1`
 *    gets badblocks_clear(region bb, floor((phys - start)/512), floor(cleared/512)). The
 *    `- 1` is the kernel's: a clear ending exactly at the region end is not applied (N-8).
 * 6. Returns `cleared` bytes. The namespace bb is not touched here: pmem does that (§3.2).
 *
 * Locking: the whole call runs under the device mutex, including the modelled firmware
 * latency — the firmware mailbox serves one command at a time, so concurrent clears queue
 * (in `real` time mode that wait is measured throughput).
 */
import type { Refused } from '../core/errno.js';
import { checkInteger } from '../core/validate.js';
import type { NvdimmBus } from './bus.js';
import { clearLines } from './firmware.js';

/** Result of nvdimm_clear_poison: bytes cleared (possibly fewer than asked), or ENXIO. */
export type ClearResult = { readonly ok: true; readonly cleared: number } | Refused<'ENXIO'>;

/**
 * nvdimm_clear_poison: clears poison in SPA range [phys, phys+len) (bytes).
 * @throws {TypeError|RangeError} naming `phys` or `len` when the range leaves the media.
 */
export function nvdimmClearPoison(bus: NvdimmBus, phys: number, len: number): ClearResult {
  const media = bus.ctx.layout.mediaBytes;
  checkInteger('phys', phys, 0, media, 'SPA byte offset', ` (the bus holds ${media} bytes)`);
  checkInteger('len', len, 0, media - phys, 'byte count', ` (phys ${phys} + len must not pass the ${media}-byte bus)`);
  return bus.state.lock(() => nvdimmClearPoisonLocked(bus, phys, len));
}

/** nvdimm_clear_poison with the device mutex held (arguments already checked). */
export function nvdimmClearPoisonLocked(bus: NvdimmBus, phys: number, len: number): ClearResult {
  const st = bus.state;
  st.assertHeld('nvdimm_clear_poison');
  st.count('clearCalls');
  const ns = bus.namespaceAt(phys);
  if (ns?.config.legacyBus) {
    st.count('clearLegacyPretend');
    return { ok: true, cleared: len };
  }
  const unit = ns?.config.clearUnit ?? 0;
  const inOneRegion = ns !== undefined && phys + len <= ns.regionStart + ns.spaBytes;
  if (!inOneRegion || unit === 0 || (unit & (unit - 1)) !== 0 || phys % unit !== 0 || len % unit !== 0) {
    st.count('clearEnxio');
    return { ok: false, errno: 'ENXIO' };
  }
  if (len === 0) return { ok: true, cleared: 0 };

  const fwMax = Math.floor(ns.config.fwClearMax / unit) * unit;
  const cleared = Math.min(len, fwMax);
  bus.clock.spend(bus.model.clearLatencyNs);
  st.count('clearModelledNs', bus.model.clearLatencyNs);
  if (cleared > 0) {
    clearLines(bus, phys, cleared);
    bus.firmware.forgetLocked(phys, cleared);
    accountClearedPoisonLocked(bus, phys, cleared);
  }
  st.count('clearedBytes', cleared);
  if (cleared < len) st.count('clearPartial');
  return { ok: true, cleared };
}

/** nvdimm_account_cleared_poison: forget the range, then clear fully containing region bbs. */
function accountClearedPoisonLocked(bus: NvdimmBus, phys: number, cleared: number): void {
  bus.badrange.forgetLocked(phys, cleared);
  if (cleared < 512) return;
  for (const ns of bus.namespaces) {
    const regionEnd = ns.regionStart + ns.spaBytes - 1; // ndr_end: inclusive
    if (phys < ns.regionStart || phys + cleared > regionEnd) continue;
    // Region sectors are logical (real) numbers: a sparse region's backing maps back piece by piece.
    for (const p of ns.regionPieces(phys, cleared)) ns.regionBb.clear(Math.floor(p.start / 512), Math.floor(p.bytes / 512));
  }
}

/**
 * ARS_CAP for SPA range [spa, spa+len): the region's clear unit and the range widened to it
 * (what ndctl's daxdev-errors and PMDK's devdax path do before CLEAR_ERROR, E-4).
 * @throws {RangeError} when the range is outside every region.
 */
export function arsCap(bus: NvdimmBus, spa: number, len: number): { clearErrUnit: number; start: number; length: number } {
  const ns = bus.namespaceAt(checkInteger('spa', spa, 0, bus.ctx.layout.mediaBytes - 1, 'SPA byte offset'));
  if (ns === undefined) throw new RangeError(`spa ${spa} is outside every region`);
  checkInteger('len', len, 0, ns.regionStart + ns.spaBytes - spa, 'byte count', ' (the range must stay in one region)');
  const unit = ns.config.clearUnit;
  const start = Math.floor(spa / unit) * unit;
  const end = Math.ceil((spa + len) / unit) * unit;
  return { clearErrUnit: unit, start, length: end - start };
}
