/**
 * The machine check a kernel `copy_mc` consumer raises, handled synchronously (reference
 * §2.3, §5.1, §5.4, §6.1; N-2, M-9).
 *
 * 1. nfit_handle_mce: `g = 1 << mce-lsb` when the profile uses the MCE blast radius (5.19+),
 *    else one 64-byte line; badrange_add([ALIGN_DOWN(addr, g), g)); then revalidate the
 *    region and namespace badblocks (populate.ts). An injected error with NOTIFY (§7.2) fakes
 *    exactly this step and nothing else.
 * 2. memory_failure(pfn, 0) for the kernel consumer (kill_me_never): memory without struct
 *    pages (a raw namespace) or inside the namespace's metadata area -> ENXIO ("outside kernel
 *    control" / "device metadata space is not recoverable"), no page flag, no signal (M-9).
 *    Otherwise SetPageHWPoison -> 0. (No user mapping exists in this layer: signals,
 *    notify_failure and the holder paths belong to src/mm.)
 * 3. On success, set_mce_nospec(pfn): profile 'np' -> the page leaves the kernel direct map;
 *    'uc' (before 5.19) -> not-present only when the blast radius is a whole page
 *    (mce-lsb >= 12), else uncached, which leaves kernel copies of its other lines working.
 *
 * A short `copy_mc` has two causes: a poisoned line (a machine check: the steps above) or a
 * page already out of the direct map (a #PF fixup: nothing is recorded). `copyMcFault`
 * tells them apart by the hardware poison map.
 *
 * Locking: takes the device mutex for the whole handling (badrange, revalidate, page flags,
 * counters). Cost: one populate per structure of the region (O(badrange entries)).
 */
import { checkInteger } from '../core/validate.js';
import type { NvdimmBus } from './bus.js';
import type { ByteRange } from './badrange.js';
import { revalidatePoisonLocked } from './populate.js';

const PG_HWPOISON = 1;
const PAGE = 4096;

/** What one machine check did. */
export interface MceResult {
  /** The range the MCE notifier added to the bus badrange list (SPA bytes). */
  readonly recorded: ByteRange;
  /** Media page frame number of the consumed address. */
  readonly pfn: number;
  /** memory_failure's return: 0, or ENXIO (no struct pages / metadata area). */
  readonly memoryFailure: 0 | 'ENXIO';
  /** set_mce_nospec's effect on the page in the kernel direct map. */
  readonly nospec: 'not-present' | 'uncached' | 'none';
}

/** nfit_handle_mce: badrange add of the blast radius around `spa`, then revalidate. Device mutex held. */
export function nfitHandleMceLocked(bus: NvdimmBus, spa: number): ByteRange {
  bus.state.assertHeld('nfit_handle_mce');
  const ns = bus.namespaceAt(spa);
  if (ns === undefined) throw new RangeError(`spa ${spa} is outside every region`);
  const g = ns.config.kernel.mceBlastRadius ? 2 ** ns.config.mceLsb : 64;
  const recorded = { start: Math.floor(spa / g) * g, length: g };
  bus.badrange.addLocked(recorded.start, recorded.length);
  revalidatePoisonLocked(bus, ns.regionStart, ns.spaBytes);
  return recorded;
}

/** memory_failure(pfn, 0) for a kernel consumer (see the header). Device mutex held. */
export function memoryFailureKernelLocked(bus: NvdimmBus, pfn: number): 0 | 'ENXIO' {
  const st = bus.state;
  st.assertHeld('memory_failure');
  const spa = pfn * PAGE;
  const ns = bus.namespaceAt(spa);
  if (ns === undefined || !ns.hasStructPages || ns.regionOffsetOf(spa) < ns.dataOffset) {
    st.count('memoryFailureEnxio');
    return 'ENXIO';
  }
  bus.ctx.wasm.page_set_flags(pfn, PG_HWPOISON);
  st.count('memoryFailure');
  return 0;
}

/**
 * set_mce_nospec(pfn) after memory_failure returned 0 (step 3 of the header). Device mutex held.
 * @returns what happened to the page in the kernel direct map.
 */
export function setMceNospecLocked(bus: NvdimmBus, pfn: number): MceResult['nospec'] {
  bus.state.assertHeld('set_mce_nospec');
  const ns = bus.namespaceAt(pfn * PAGE);
  if (ns === undefined) return 'none';
  if (ns.config.kernel.setMceNospec === 'np' || ns.config.mceLsb >= 12) {
    bus.ctx.wasm.set_mce_nospec(pfn);
    bus.state.count('nospecNotPresent');
    return 'not-present';
  }
  bus.state.count('nospecUncached');
  return 'uncached';
}

/**
 * A machine check on consuming SPA byte `spa` from kernel context: steps 1-3 above.
 * @throws {RangeError} when `spa` is outside every region.
 */
export function machineCheck(bus: NvdimmBus, spa: number): MceResult {
  checkInteger('spa', spa, 0, bus.ctx.layout.mediaBytes - 1, 'SPA byte offset', ` (the bus holds ${bus.ctx.layout.mediaBytes} bytes)`);
  return bus.state.lock(() => {
    const recorded = nfitHandleMceLocked(bus, spa);
    bus.state.count('mce');
    const pfn = Math.floor(spa / PAGE);
    const memoryFailure = memoryFailureKernelLocked(bus, pfn);
    const nospec = memoryFailure === 0 ? setMceNospecLocked(bus, pfn) : 'none';
    return { recorded, pfn, memoryFailure, nospec };
  });
}

/**
 * A kernel `copy_mc` from SPA `spa` came back short: a machine check when the line is
 * poisoned (handled here, returns its MceResult), else the page was out of the direct map
 * (counted as `unmappedReads`, returns 'unmapped').
 */
export function copyMcFault(bus: NvdimmBus, spa: number): MceResult | 'unmapped' {
  const line = Math.floor(spa / 64);
  if ((bus.ctx.wasm.poison_find_lines(line, line + 1) >>> 0) === line) return machineCheck(bus, spa);
  bus.state.lock(() => bus.state.count('unmappedReads'));
  return 'unmapped';
}
