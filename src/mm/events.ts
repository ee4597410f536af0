/**
 * Failure events that do not come from a load: an injected memory_failure over a range (a
 * CMCI/UCNA "poison on decode" report, or hwpoison-inject), MADV_HWPOISON and
 * MADV_SOFT_OFFLINE, and a device unbind (reference §5.4, §6.1-§6.3; M-6, M-8).
 *
 * memoryFailureEvent(dev, offset, len): the pages [floor(offset/4096), ceil((offset+len)/4096))
 * of a namespace, or of a dm device split into member ranges (src/dm). memory_failure runs in
 * a kworker, so no process is current: only early-kill mappers are signalled (AO). Under the
 * `per-page` policy (Linux) memory_failure runs once per page; under `range` once per
 * contiguous member range. Each page whose memory_failure returned 0 then leaves the kernel
 * direct map (set_mce_nospec, as uc_decode_notifier does). The media is not poisoned: this is
 * the handling only (use `poison` for hardware poison).
 *
 * madviseHwpoison (root only, else EPERM): the page is faulted in (get_user_pages; a refused
 * fault is the madvise error), then memory_failure(pfn, MF_ACTION_REQUIRED | MF_SW_SIMULATED)
 * with the caller current: it receives SIGBUS BUS_MCEERR_AR. No badblocks entry and no
 * set_mce_nospec (software-simulated: no hardware poison).
 * madviseSoftOffline: soft_offline_page on ZONE_DEVICE memory fails (EIO; EPERM without root).
 *
 * unbind(ns): kill_dax. With a holder and a 6.7+ profile, notify_failure(0, U64_MAX,
 * MF_MEM_PRE_REMOVE): every task mapping an in-core file is signalled (AO), the mappings
 * invalidated, the filesystem force-shut down; then the namespace is disabled.
 */
import type { Refused } from '../core/errno.js';
import { checkInteger } from '../core/validate.js';
import { setMceNospecLocked } from '../nvdimm/mce.js';
import { disableNamespace } from '../nvdimm/lifecycle.js';
import type { Namespace } from '../nvdimm/namespace.js';
import { dmMemberRanges, type DmDevice } from '../dm/index.js';
import { handleFault } from './fault.js';
import { memoryFailure, type MfResult } from './memory-failure.js';
import type { Mm } from './mm.js';
import { fsNotifyFailure } from './notify.js';
import { devPageOf, type Mapping } from './process.js';
import { newDevPage } from '../dax/fs-device.js';
import { PTE_NONE, PTE_ZERO } from './region.js';
import { sendSignalLocked, signalCount, signalsSinceLocked, type SigInfo } from './signals.js';

const NO_CURRENT = { current: -1, preRemove: false } as const;

/** What an injected event did: memory_failure's results by page count. */
export interface FailureEventResult {
  /** memory_failure calls and how many returned each result. */
  readonly calls: number;
  readonly results: Readonly<Partial<Record<`${MfResult}`, number>>>;
}

/**
 * memoryFailureEvent (see the header). `offset`/`len` are bytes from the device's data start.
 * @throws {TypeError|RangeError} naming `offset` or `len` for a range outside the device.
 */
export function memoryFailureEvent(mm: Mm, dev: Namespace | DmDevice, offset: number, len: number): FailureEventResult {
  const size = dev.dataPages * 4096;
  checkInteger('len', len, 1, size, 'bytes');
  checkInteger('offset', offset, 0, size - len, 'byte offset', ` (the range must lie inside ${dev.name}'s ${size} data bytes)`);
  mm.region.lock(() => mm.region.count('events'));
  const pieces = 'members' in dev ? dmMemberRanges(dev, offset, len) : [{ ns: dev, offset, len }];
  const results: Partial<Record<`${MfResult}`, number>> = {};
  let calls = 0;
  const perPage = mm.memoryFailurePolicy === 'per-page';
  for (const p of pieces) {
    const first = Math.floor(p.offset / 4096);
    const end = Math.ceil((p.offset + p.len) / 4096);
    const step = perPage ? 1 : end - first;
    for (let pg = first; pg < end; pg += step) {
      const ret = memoryFailure(mm, p.ns, pg, step, NO_CURRENT);
      calls++;
      results[`${ret}`] = (results[`${ret}`] ?? 0) + 1;
      if (ret === 0) {
        const bus = mm.system.bus;
        bus.state.lock(() => { for (let k = 0; k < step; k++) setMceNospecLocked(bus, p.ns.pfn(pg + k)); });
      }
    }
  }
  return { calls, results };
}

export type MadviseResult = { readonly ok: true; readonly signals: readonly SigInfo[] } | Refused<'EPERM' | 'EFAULT' | 'EHWPOISON' | 'EIO' | 'ESRCH'>;

/**
 * madvise(addr of byte `offset` of `map`, 4096, MADV_HWPOISON) by the mapping's process.
 * @throws {RangeError} naming `offset` outside the mapping.
 */
export function madviseHwpoison(mm: Mm, map: Mapping, offset: number, root: boolean): MadviseResult {
  checkInteger('offset', offset, 0, map.pages * 4096 - 1, 'byte offset', ` (the mapping holds ${map.pages * 4096} bytes)`);
  if (!root) return { ok: false, errno: 'EPERM' };
  const r = mm.region;
  const proc = map.process.index;
  const page = Math.floor(offset / 4096);
  const b = Atomics.load(r.pte, map.pte + page);
  if (b === PTE_NONE || b === PTE_ZERO) {
    const f = handleFault(mm, map, page, map.vaddr + offset, false);
    if (!f.ok) return { ok: false, errno: f.sig.code === 'BUS_MCEERR_AR' ? 'EHWPOISON' : 'EFAULT' };
    if (Atomics.load(r.pte, map.pte + page) === PTE_ZERO) return { ok: false, errno: 'EFAULT' }; // a hole: no DAX page to poison
  }
  const before = signalCount(r, proc);
  r.lock(() => r.count('events'));
  const at = devPageOf(map, page, newDevPage());
  if (at === null) return { ok: false, errno: 'EFAULT' }; // no block behind the page (a dm error target's)
  const ret = memoryFailure(mm, at.ns, at.nsPgoff, 1, { current: proc, preRemove: false });
  if (ret !== 0 && ret !== 'EOPNOTSUPP') r.lock(() => sendSignalLocked(r, proc, { signal: 'SIGBUS', code: 'SI_KERNEL' }));
  return { ok: true, signals: r.lock(() => signalsSinceLocked(r, proc, before)) };
}

/** madvise(MADV_SOFT_OFFLINE) on a DAX page: refused (see the header). */
export function madviseSoftOffline(_mm: Mm, map: Mapping, offset: number, root: boolean): Refused<'EPERM' | 'EIO'> {
  checkInteger('offset', offset, 0, map.pages * 4096 - 1, 'byte offset', ` (the mapping holds ${map.pages * 4096} bytes)`);
  return { ok: false, errno: root ? 'EIO' : 'EPERM' };
}

/** unbind (kill_dax) of `ns` (see the header); returns the PRE_REMOVE notification's result, or null when none was sent. */
export function unbind(mm: Mm, ns: Namespace): MfResult | null {
  let ret: MfResult | null = null;
  if (ns.alive && ns.config.kernel.preRemoveOnUnbind && mm.dmOfMember(ns.index) === undefined) {
    mm.region.lock(() => mm.region.count('events'));
    const r = fsNotifyFailure(mm, ns.index, ns.dataPages, ns.config.kernel, 'whole', { current: -1, preRemove: true });
    if (r !== 'EOPNOTSUPP') ret = r;
  }
  disableNamespace(ns);
  return ret;
}
