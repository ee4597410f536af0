/**
 * Kernel profiles: named sets of switches (DESIGN.md "Semantics decisions"). Each layer
 * reads a switch, never a version number, so a behaviour change is one line here.
 *
 * | switch                          | 5.18   | 5.19    | 6.5       | 6.15      |
 * |---------------------------------|--------|---------|-----------|-----------|
 * | daxAccessPoisonErrno            | EIO    | EIO     | EHWPOISON | EHWPOISON | §3.4, D-11
 * | recoveryWrite                   | no     | yes     | yes       | yes       | §4.5
 * | faultSigbusCode                 | ADRERR | ADRERR  | MCEERR_AR | MCEERR_AR | §4.4, F-6
 * | mceBlastRadius (mce-lsb)        | no     | yes     | yes       | yes       | §2.3, N-2
 * | setMceNospec                    | uc     | np      | np        | np        | §5.4
 * | notifyFailureHolder (XFS, 6.0)  | no     | no      | yes       | yes       | §6.3
 * | preRemoveOnUnbind (6.7)         | no     | no      | no        | yes       | §6.3, M-8
 * | legacyBadblocks (before 6.7)    | yes    | yes     | yes       | no        | §1.9, L-1..L-6
 *
 * legacyBadblocks: a device that asks for the kernel's `table` gets `table-legacy`, the
 * pre-6.7 algorithm (src/nvdimm/config.ts); the other structures are not the kernel's and
 * stay as asked.
 */
import { describe } from '../core/validate.js';

export type KernelVersion = '5.18' | '5.19' | '6.5' | '6.15';
export const KERNEL_VERSIONS: readonly KernelVersion[] = ['5.18', '5.19', '6.5', '6.15'];
export const DEFAULT_KERNEL: KernelVersion = '6.15';

export interface KernelProfile {
  readonly version: KernelVersion;
  /** errno of DAX_ACCESS on a known-bad range (and what a write keys recovery on). */
  readonly daxAccessPoisonErrno: 'EIO' | 'EHWPOISON';
  /** pmem has `.recovery_write` and dax_iomap_iter retries writes with DAX_RECOVERY_WRITE. */
  readonly recoveryWrite: boolean;
  /** si_code of the SIGBUS a fault on a known-bad page gets. */
  readonly faultSigbusCode: 'BUS_ADRERR' | 'BUS_MCEERR_AR';
  /** The MCE handler records 1 << mce-lsb bytes (else always one 64-byte line). */
  readonly mceBlastRadius: boolean;
  /** set_mce_nospec: 'np' = page not present in the direct map; 'uc' = uncached unless the whole page is bad. */
  readonly setMceNospec: 'np' | 'uc';
  /** Filesystems may register a dax holder with notify_failure (XFS, 6.0+). */
  readonly notifyFailureHolder: boolean;
  /** kill_dax sends MF_MEM_PRE_REMOVE to the holder on unbind (6.7+). */
  readonly preRemoveOnUnbind: boolean;
  /** badblocks is the pre-6.7 code (the 2023 rewrite landed in 6.7): `table` means `table-legacy`. */
  readonly legacyBadblocks: boolean;
}

export const KERNEL_PROFILES: Readonly<Record<KernelVersion, KernelProfile>> = {
  '5.18': { version: '5.18', daxAccessPoisonErrno: 'EIO', recoveryWrite: false, faultSigbusCode: 'BUS_ADRERR', mceBlastRadius: false, setMceNospec: 'uc', notifyFailureHolder: false, preRemoveOnUnbind: false, legacyBadblocks: true },
  '5.19': { version: '5.19', daxAccessPoisonErrno: 'EIO', recoveryWrite: true, faultSigbusCode: 'BUS_ADRERR', mceBlastRadius: true, setMceNospec: 'np', notifyFailureHolder: false, preRemoveOnUnbind: false, legacyBadblocks: true },
  '6.5': { version: '6.5', daxAccessPoisonErrno: 'EHWPOISON', recoveryWrite: true, faultSigbusCode: 'BUS_MCEERR_AR', mceBlastRadius: true, setMceNospec: 'np', notifyFailureHolder: true, preRemoveOnUnbind: false, legacyBadblocks: true },
  '6.15': { version: '6.15', daxAccessPoisonErrno: 'EHWPOISON', recoveryWrite: true, faultSigbusCode: 'BUS_MCEERR_AR', mceBlastRadius: true, setMceNospec: 'np', notifyFailureHolder: true, preRemoveOnUnbind: true, legacyBadblocks: false },
};

/** The profile named `version`. @throws {RangeError} naming the field and the known versions. */
export function kernelProfile(version: unknown, field = 'kernel'): KernelProfile {
  if (typeof version !== 'string' || !(KERNEL_VERSIONS as readonly string[]).includes(version)) {
    throw new RangeError(`${field} must be one of ${KERNEL_VERSIONS.join(', ')}, got ${describe(version)}`);
  }
  return KERNEL_PROFILES[version as KernelVersion];
}
