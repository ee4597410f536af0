/**
 * Loads and stores through a DAX mapping (reference §4.4, §5.4, §6.1, §6.2; M-1, M-2, M-7).
 *
 * A load reads the page-table byte lock-free; an absent entry (or the zero page after the
 * hole was filled) faults first (fault.ts). Then the bytes are read from the media unless a
 * line they touch is poisoned: that is a machine check in user mode, handled synchronously
 * as do_machine_check + kill_me_maybe do:
 *
 *   1. nfit_handle_mce: the blast radius (1 << mce-lsb) goes to badrange and badblocks.
 *   2. memory_failure(pfn, MF_ACTION_REQUIRED) with the loading process as current: the DAX
 *      paths send it SIGBUS BUS_MCEERR_AR (lsb = its mapping's shift) and AO to early-kill
 *      mappers, unmap the unit for everyone (memory-failure.ts).
 *   3. memory_failure returned 0 -> set_mce_nospec(pfn); it failed (EFSCORRUPTED after an
 *      xfs shutdown, M-3) -> "Memory error not recovered": a plain SIGBUS (SI_KERNEL).
 *   4. memory_failure returned 0 without signalling the loader: another thread's failure of
 *      the same page unmapped it between the load's page-table walk and its machine check
 *      (collect_procs_fsdax drops a mapper whose page is no longer mapped). kill_me_maybe then
 *      returns to the instruction, which runs again: it faults on a page now known bad and
 *      gets SIGBUS BUS_MCEERR_AR there (F-6). The load loop does the same.
 *
 * A store never consumes poison: it writes the bytes as a plain cached store (dirty lines,
 * durable after a flush and fence) and the line stays poisoned in the media, which only a
 * clear (recovery write, zeroing, block write) repairs.
 *
 * No poisoned byte is ever returned as data: the check and the read are one decision here.
 */
import type { Refused } from '../core/errno.js';
import { checkBytes, checkInteger } from '../core/validate.js';
import { nfitHandleMceLocked, setMceNospecLocked } from '../nvdimm/mce.js';
import { MAP_HOLE } from '../dax/fs-region.js';
import { handleFault } from './fault.js';
import { memoryFailure } from './memory-failure.js';
import type { Mm } from './mm.js';
import { devPageOf, type Mapping } from './process.js';
import { newDevPage } from '../dax/fs-device.js';
import type { Namespace } from '../nvdimm/namespace.js';
import { PTE_NONE, PTE_ZERO } from './region.js';
import { sendSignalLocked, signalCount, signalsSinceLocked, type SigInfo } from './signals.js';

export type AccessResult =
  | { readonly ok: true; readonly data?: Uint8Array }
  /** The access ended in a signal to the accessing process; `signals` = everything it received during the access. */
  | { readonly ok: false; readonly signals: readonly SigInfo[] };

/**
 * A load of `bytes` (1..64, inside one line) at byte `offset` of mapping `map` by its process.
 * @throws {TypeError|RangeError} naming `offset` or `bytes` for bad input.
 */
export function load(mm: Mm, map: Mapping, offset: number, bytes = 8): AccessResult | Refused<'ESRCH'> {
  return access(mm, map, offset, bytes, null);
}

/**
 * A store of `data` (1..64 bytes, inside one line) at byte `offset` of mapping `map`.
 * @throws {TypeError|RangeError} naming `offset` or `data` for bad input.
 */
export function store(mm: Mm, map: Mapping, offset: number, data: Uint8Array): AccessResult | Refused<'ESRCH'> {
  checkBytes('data', data);
  return access(mm, map, offset, data.length, data);
}

/**
 * Where the accessed page lives, refilled by every access of this thread (module state is
 * per thread): a load is the mmap hot path, so it allocates no result object.
 */
const pageScratch = newDevPage();

function access(mm: Mm, map: Mapping, offset: number, bytes: number, data: Uint8Array | null): AccessResult | Refused<'ESRCH'> {
  checkInteger(data === null ? 'bytes' : 'data.length', bytes, 1, 64, 'bytes');
  checkInteger('offset', offset, 0, map.pages * 4096 - bytes, 'byte offset', ` (the mapping holds ${map.pages * 4096} bytes)`);
  if (Math.floor(offset / 64) !== Math.floor((offset + bytes - 1) / 64)) {
    throw new RangeError(`offset ${offset} + ${bytes} bytes crosses a 64-byte line; one access touches one line`);
  }
  const r = mm.region;
  const proc = map.process.index;
  const page = Math.floor(offset / 4096);
  const addr = map.vaddr + offset;
  const before = signalCount(r, proc);
  const signalled = (): { readonly ok: false; readonly signals: readonly SigInfo[] } => ({ ok: false, signals: r.lock(() => signalsSinceLocked(r, proc, before)) });
  for (let attempt = 0; attempt < 4; attempt++) {
    let b = Atomics.load(r.pte, map.pte + page);
    const devPage = map.kind === 'devdax' ? page : map.file!.mapEntry(page);
    const hole = map.kind === 'file' && (devPage & MAP_HOLE) !== 0;
    // The zero page stays only while the file page is a hole and the access is a load.
    if (b === PTE_ZERO && (!hole || data !== null)) b = PTE_NONE;
    if (b >= 12 && hole) b = PTE_NONE; // the block was punched: the entry is gone
    if (b === PTE_NONE) {
      const f = handleFault(mm, map, page, addr, data !== null);
      if (!f.ok) {
        r.lock(() => sendSignalLocked(r, proc, f.sig));
        return signalled();
      }
      continue;
    }
    if (b === PTE_ZERO) return { ok: true, data: new Uint8Array(bytes) };
    const at = devPageOf(map, page, pageScratch);
    if (at === null) throw new Error(`mm: page ${page} of mapping ${map.index} is in the page table but has no block`);
    const spa = at.ns.spaOf(at.nsPgoff * 4096 + (offset % 4096), bytes);
    const w = mm.system.context.wasm;
    const line = Math.floor(spa / 64);
    if (data !== null) {
      mm.system.media.write(spa, data);
      return { ok: true };
    }
    if ((w.poison_find_lines(line, line + 1) >>> 0) === line) {
      userMachineCheck(mm, map, at.ns, spa);
      const r = signalled();
      if (r.signals.length > 0) return r;
      continue; // step 4: the access runs again
    }
    const from = mm.system.bus.mediaBase + spa;
    return { ok: true, data: mm.system.context.u8.slice(from, from + bytes) };
  }
  throw new Error(`mm: the fault on page ${page} of mapping ${map.index} did not stick after 4 attempts`);
}

/** Steps 1-3 of the header for a load of SPA byte `spa` by `map`'s process. */
function userMachineCheck(mm: Mm, map: Mapping, ns: Namespace, spa: number): void {
  const bus = mm.system.bus;
  bus.state.lock(() => {
    nfitHandleMceLocked(bus, spa);
    bus.state.count('mce');
  });
  const r = mm.region;
  r.lock(() => {
    r.count('events');
    r.count('mceUser');
  });
  const pfn = Math.floor(spa / 4096);
  const ret = memoryFailure(mm, ns, ns.pgoffOf(pfn), 1, { current: map.process.index, preRemove: false });
  if (ret === 0) {
    bus.state.lock(() => setMceNospecLocked(bus, pfn));
  } else if (ret !== 'EOPNOTSUPP') {
    r.lock(() => sendSignalLocked(r, map.process.index, { signal: 'SIGBUS', code: 'SI_KERNEL' }));
  }
}
