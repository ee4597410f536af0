/**
 * notify_failure: from a failed pmem range to the filesystem that owns it (reference §6.3,
 * §6.4, §6.5; M-1, M-3..M-5, M-8).
 *
 *   pmem_pagemap_memory_failure(ns, offset, len)            notification at the pmem layer
 *     -> dax_holder_notify_failure(ns's dax device)
 *          device dead                                   -> ENXIO
 *          claimed by a dm table: dm opened it with no holder
 *            per-page (Linux)                            -> EOPNOTSUPP (generic path)
 *            range (the alternative design): dm forwards, one notification at the dm layer,
 *              the member range split into dm ranges (src/dm), each sent to dm's holder
 *          the filesystem's holder: xfs on a 6.0+ profile    -> xfs_dax_notify_failure
 *          anything else (ext4, older kernels)              -> EOPNOTSUPP
 *
 * xfs_dax_notify_failure (src/xfs) resolves owners through the reverse map and returns what
 * to do; this file does it: mf_dax_kill_procs per owner range (memory-failure.ts), the
 * PRE_REMOVE invalidations, the shutdown.
 *
 * Locking: no lock held on entry; the rmap walk takes the rmap mutex, the kills the mm mutex.
 */
import type { Namespace } from '../nvdimm/namespace.js';
import type { KernelProfile } from '../kernel/profiles.js';
import { dmRangesOfMember, type DmDevice } from '../dm/index.js';
import { xfsDaxNotifyFailure } from '../xfs/index.js';
import type { MfFlags } from './kill.js';
import { mfDaxKillProcs, type MfResult } from './memory-failure.js';
import type { Mm } from './mm.js';
import { MAP_KIND_FILE } from './region.js';
import { zapTargetLocked } from './zap.js';

/** Allocation groups: XFS makes at least 4 on small devices; pages per AG of a device. */
export function agPagesOf(devicePages: number): number {
  return Math.max(1, Math.ceil(devicePages / 4));
}

/** dax_holder_notify_failure on namespace `ns`'s dax device (see the header). */
export function daxHolderNotifyFailure(mm: Mm, ns: Namespace, offset: number, len: number, flags: MfFlags): MfResult {
  mm.region.lock(() => mm.region.count('notifications'));
  if (!ns.alive) return 'ENXIO';
  const dm = mm.dmOfMember(ns.index);
  if (dm !== undefined) {
    if (mm.memoryFailurePolicy !== 'range') return 'EOPNOTSUPP';
    return dmNotifyFailure(mm, dm, ns, offset, len, flags);
  }
  return fsNotifyFailure(mm, ns.index, ns.dataPages, ns.config.kernel, { offset, len }, flags);
}

/** The alternative design: dm forwards a member's failure to its own holder, per dm range. */
function dmNotifyFailure(mm: Mm, dm: DmDevice, ns: Namespace, offset: number, len: number, flags: MfFlags): MfResult {
  mm.region.lock(() => mm.region.count('notifications'));
  let result: MfResult = 'EOPNOTSUPP';
  for (const r of dmRangesOfMember(dm, ns, offset, len)) {
    const ret = fsNotifyFailure(mm, mm.fsIndexOfDm(dm), dm.dataPages, ns.config.kernel, { offset: r.offset, len: r.len }, flags);
    if (ret !== 'EOPNOTSUPP' && result !== 'EFSCORRUPTED') result = ret;
  }
  return result;
}

/**
 * The filesystem holder of fs device `dev`, if any, handles [offset, offset+len) (or the
 * whole device): xfs_dax_notify_failure and its consequences.
 */
export function fsNotifyFailure(mm: Mm, dev: number, devicePages: number, kernel: KernelProfile, range: { offset: number; len: number } | 'whole', flags: MfFlags): MfResult {
  const fs = mm.fs;
  if (fs === undefined || fs.format.type !== 'xfs' || !kernel.notifyFailureHolder || !fs.hasDevice(dev)) return 'EOPNOTSUPP';
  const r = mm.region;
  r.lock(() => r.count('notifications'));
  const res = xfsDaxNotifyFailure({
    rmap: fs.rmap,
    dev,
    devicePages,
    mounted: true,
    rmapbt: fs.format.rmapbt,
    ...(range === 'whole' ? { wholeDevice: true } : { offsetBytes: range.offset, lenBytes: range.len }),
    preRemove: flags.preRemove,
    inodeCached: (owner) => fs.fileAt(owner)?.incore ?? false,
    agPages: agPagesOf(devicePages),
  });
  if (res.rmapLookups > 0) r.lock(() => r.count('rmapLookups', res.rmapLookups));
  const coalesce = mm.memoryFailurePolicy === 'range';
  for (const k of res.kills) {
    const file = fs.fileAt(k.file);
    if (file !== undefined) mfDaxKillProcs(mm, file, k.pgoff, k.pgcnt, flags, coalesce);
  }
  if (res.invalidate.length > 0) {
    r.lock(() => {
      for (const v of res.invalidate) {
        const n = zapTargetLocked(r, MAP_KIND_FILE, v.file, v.pgoff, v.pgcnt);
        if (n > 0) r.count('pagesUnmapped', n);
      }
    });
  }
  if (res.shutdown !== null) {
    if (!fs.isShutdown) r.lock(() => r.count('shutdowns'));
    fs.forceShutdown(res.shutdown);
  }
  return res.ret;
}
