/**
 * The simulated memory manager as one thread sees it: processes, their DAX mappings, page
 * faults, loads and stores through mappings, memory_failure and the signals it sends
 * (reference §4.4, §5.4, §6). All of its state is the mm region (region.ts) in the shared
 * memory; an `Mm` object holds views and configuration only, so a worker that attaches to
 * the system and calls `attachMm()` can run any of it.
 *
 *   createSystem({ ..., extraRegions: [fsdaxRegion(..), mmRegion(mediaBytes)] })
 *   initMm(system, fs)          creator: formats the region
 *   attachMm(system, fs)        any other thread
 *   mm.createProcess('A') -> mm.mmap(proc, file | devdax namespace, 'pmd') -> mm.load(map, offset)
 *   mm.memoryFailure(ns, offset, len)      an injected failure event (per the policy)
 *
 * Policies (the debate, §6.3; the merged behaviour is the default), one word each in the
 * region so every thread sees the same:
 *   memoryFailure  'per-page': memory_failure() once per page, each notification one page,
 *                  as Linux does; 'range': one notification per contiguous failed range
 *                  through each layer, owners resolved once, one signal per process per range
 *   dmRecovery     'per-target' (Linux) or 'all-or-nothing' (src/dm)
 *
 * Early kill: prctl(PR_MCE_KILL) per process, else the sysctl vm.memory_failure_early_kill.
 */
import { checkBoolean, checkChoice } from '../core/validate.js';
import type { System } from '../nvdimm/system.js';
import type { FsDax } from '../dax/fs.js';
import { DM_RECOVERY_POLICIES, type DmDevice, type DmRecoveryPolicy } from '../dm/index.js';
import { MAX_NAMESPACES } from '../nvdimm/config.js';
import { MM_EARLY_KILL, MM_POLICY_DM, MM_POLICY_MF, MmRegion, REGION_KIND_MM, type MmCounterName, type MmRegionOptions } from './region.js';

export type MemoryFailurePolicy = 'per-page' | 'range';
export const MEMORY_FAILURE_POLICIES: readonly MemoryFailurePolicy[] = ['per-page', 'range'];

export class Mm {
  readonly system: System;
  /** The fs-dax filesystem whose files processes map (absent: only device dax). */
  readonly fs: FsDax | undefined;
  readonly region: MmRegion;
  /** Device-mapper tables built over this system's namespaces (configuration: every thread registers the same). */
  readonly dms: DmDevice[] = [];

  /** @internal use initMm() / attachMm() */
  constructor(system: System, fs: FsDax | undefined, region: MmRegion) {
    this.system = system;
    this.fs = fs;
    this.region = region;
  }

  get memoryFailurePolicy(): MemoryFailurePolicy { return MEMORY_FAILURE_POLICIES[this.region.word(MM_POLICY_MF)]!; }
  /** @throws {RangeError} naming `memoryFailurePolicy` unless 'per-page' or 'range'. */
  set memoryFailurePolicy(p: MemoryFailurePolicy) {
    this.region.setWord(MM_POLICY_MF, MEMORY_FAILURE_POLICIES.indexOf(checkChoice('memoryFailurePolicy', p, MEMORY_FAILURE_POLICIES)));
  }

  get dmRecoveryPolicy(): DmRecoveryPolicy { return DM_RECOVERY_POLICIES[this.region.word(MM_POLICY_DM)]!; }
  /** @throws {RangeError} naming `dmRecoveryPolicy` unless 'per-target' or 'all-or-nothing'. */
  set dmRecoveryPolicy(p: DmRecoveryPolicy) {
    this.region.setWord(MM_POLICY_DM, DM_RECOVERY_POLICIES.indexOf(checkChoice('dmRecoveryPolicy', p, DM_RECOVERY_POLICIES)));
  }

  /** sysctl vm.memory_failure_early_kill. */
  get earlyKill(): boolean { return this.region.word(MM_EARLY_KILL) === 1; }
  /** @throws {TypeError} naming `earlyKill` unless a boolean. */
  set earlyKill(on: boolean) { this.region.setWord(MM_EARLY_KILL, checkBoolean('earlyKill', on) ? 1 : 0); }

  /** A consistent snapshot of the mm's work counters. */
  counters(): Record<MmCounterName, number> { return this.region.counters(); }

  /**
   * Registers a dm device so failures under its members find it, and with the filesystem so
   * files can live on it (every thread registers the same tables in the same order).
   * @throws {RangeError} from FsDax.addDm (too many dm devices, a name taken).
   */
  addDm(dm: DmDevice): void {
    if (this.dms.includes(dm)) return;
    this.fs?.addDm(dm);
    this.dms.push(dm);
  }

  /** The fs device index of a registered dm device (after the namespaces' indices). */
  fsIndexOfDm(dm: DmDevice): number {
    return this.fs?.device(dm).index ?? MAX_NAMESPACES + this.dms.indexOf(dm);
  }

  /** The dm device that claimed namespace `nsIndex` as a member, if any. */
  dmOfMember(nsIndex: number): DmDevice | undefined {
    return this.dms.find((d) => d.members.some((m) => m.index === nsIndex));
  }
}

function region(system: System): MmRegion {
  const r = system.extraRegions.find((x) => x.kind === REGION_KIND_MM);
  if (r === undefined) throw new Error('mm: the system has no mm region; add mmRegion(mediaBytes) to extraRegions');
  return new MmRegion(system.context, r);
}

/**
 * Formats the mm region of `system` (the creating thread, once) and returns its Mm.
 * @throws {Error} without an mm region; {RangeError} for bad options.
 */
export function initMm(system: System, fs?: FsDax, options: MmRegionOptions = {}): Mm {
  const r = system.extraRegions.find((x) => x.kind === REGION_KIND_MM);
  if (r === undefined) throw new Error('mm: the system has no mm region; add mmRegion(mediaBytes) to extraRegions');
  MmRegion.format(system.context, r, system.context.layout.mediaBytes, options);
  return attachMm(system, fs);
}

/** The Mm of a system whose region initMm() formatted (any thread). */
export function attachMm(system: System, fs?: FsDax): Mm {
  return new Mm(system, fs, region(system));
}
