/**
 * A device-mapper device over namespaces: its table, capability flags, and the sector/page
 * translation every dm path uses (reference §6.5; `torvalds/linux drivers/md/dm.c`
 * dm_table_find_target, max_io_len, dm_dax_get_live_target; `dm-table.c`
 * dm_table_supports_dax).
 *
 * Representation: configuration only (DESIGN.md "The one rule of shared state"). A
 * DmDevice holds the resolved targets (table.ts) and a Float64Array of their first sectors
 * for the lookup; all mutable state — media, badblocks, liveness — stays in the members'
 * shared memory, so each thread builds its own DmDevice from its own Namespace objects
 * with the same table and gets the same answers.
 *
 * Translation of dm sector s (target t = the last with t.begin <= s, x = s - t.begin):
 *   linear  -> (t.dev, t.start + x); the I/O unit ends at the target end (max_io_len with
 *              ti->max_io_len = 0).
 *   stripe  -> stripe_map_sector(x) = (stripe j, sector y) -> (t.stripes[j].dev,
 *              t.stripes[j].start + y); the I/O unit ends at the chunk end
 *              (dm_set_target_max_io_len(ti, chunk_size)).
 *   error   -> no member; the unit ends at the target end.
 * Because every begin, len, start and chunk is a whole number of pages, dm page p maps to
 * member page nsSector / 8 exactly, and "pages left in the I/O unit" is sectorsLeft / 8.
 *
 * Deviation: the kernel's max_io_len also caps a target with max_io_len (stripe) at the dm
 * queue's max_sectors (BLK_DEF_MAX_SECTORS_CAP, 2560 sectors by default on pmem members),
 * which only bites for chunks above 1 MiB; the I/O unit here is the chunk end, as the brief
 * for this module defines it.
 *
 * Capabilities: `dax` — every target has direct_access and a dax member (linear and stripe
 * over fsdax members, and error, whose io_err_dax_direct_access always fails): a raw member
 * has no dax device (no struct pages, no fs-dax), which makes the whole table non-DAX
 * (dm_table_supports_dax). `hasRecoveryWrite(policy)`: see dax.ts.
 *
 * Cost: a target lookup is a binary search, O(log targets); a mapping is O(1) and
 * allocates nothing when the caller passes `out`.
 */
import type { Refused } from '../core/errno.js';
import { checkInteger, describe } from '../core/validate.js';
import type { Namespace } from '../nvdimm/namespace.js';
import { SECTOR_BYTES, SECTORS_PER_PAGE } from '../nvdimm/namespace.js';
import { stripeMapSector, type StripeMapping } from './stripe.js';
import { checkDmName, resolveTable, type DmTarget, type DmTargetSpec } from './table.js';

/** The two dm recovery designs (dax.ts header). */
export type DmRecoveryPolicy = 'per-target' | 'all-or-nothing';
export const DM_RECOVERY_POLICIES: readonly DmRecoveryPolicy[] = ['per-target', 'all-or-nothing'];
/** What Linux merged (5.19): each target forwards recovery_write to its member. */
export const DEFAULT_DM_RECOVERY: DmRecoveryPolicy = 'per-target';

/** @throws {RangeError} naming `dmRecovery` unless `policy` is a DmRecoveryPolicy. */
export function checkDmRecovery(policy: unknown): DmRecoveryPolicy {
  if (policy !== 'per-target' && policy !== 'all-or-nothing') {
    throw new RangeError(`dmRecovery must be 'per-target' or 'all-or-nothing', got ${describe(policy)}`);
  }
  return policy;
}

/** Where a dm sector goes (mapSector). */
export interface DmSectorMapping {
  /** Index of the target holding the sector. */
  target: number;
  /** The member namespace; null for an error target. */
  ns: Namespace | null;
  /** Sector from the member's data start; for an error target, the sector inside the target. */
  nsSector: number;
  /** Sectors from this one to the end of its I/O unit (target end, or chunk end for stripe). */
  sectorsLeftInIoUnit: number;
}

/** Where a dm page goes (resolvePage), for a linear or striped target. */
export interface DmPageMapping {
  readonly ok: true;
  target: number;
  ns: Namespace;
  /** Page from the member's data start. */
  nsPgoff: number;
  /** Pages from this one to the end of its I/O unit, >= 1. */
  pagesLeftInIoUnit: number;
}

/** A fresh DmPageMapping to pass as resolvePage's `out`. */
export function newDmPageMapping(): DmPageMapping {
  return { ok: true, target: 0, ns: null as unknown as Namespace, nsPgoff: 0, pagesLeftInIoUnit: 0 };
}

/** resolvePage's answer for a page of an error target (shared, frozen: no allocation). */
export const DM_ERROR_TARGET: Refused<'EIO'> = Object.freeze({ ok: false, errno: 'EIO' });

export class DmDevice {
  readonly name: string;
  readonly targets: readonly DmTarget[];
  /** Sectors of the device: the sum of the target lengths. */
  readonly sectors: number;
  readonly dataBytes: number;
  readonly dataPages: number;
  /** The table is DAX-capable (see the header). */
  readonly dax: boolean;
  /** Distinct member namespaces, in table order. */
  readonly members: readonly Namespace[];
  readonly #begins: Float64Array;
  readonly #scratch: StripeMapping = { stripe: 0, sector: 0 };
  readonly #pageScratch: DmSectorMapping = { target: 0, ns: null, nsSector: 0, sectorsLeftInIoUnit: 0 };

  /** @internal use createDm(). */
  constructor(name: string, targets: readonly DmTarget[]) {
    this.name = name;
    this.targets = Object.freeze(targets.map((t) => Object.freeze(t)));
    const last = targets[targets.length - 1]!;
    this.sectors = last.begin + last.len;
    this.dataBytes = this.sectors * SECTOR_BYTES;
    this.dataPages = this.sectors / SECTORS_PER_PAGE;
    this.#begins = Float64Array.from(targets, (t) => t.begin);
    const members: Namespace[] = [];
    for (const t of targets) {
      const devs = t.type === 'linear' ? [t.dev] : t.type === 'stripe' ? t.stripes.map((s) => s.dev) : [];
      for (const d of devs) if (!members.includes(d)) members.push(d);
    }
    this.members = Object.freeze(members);
    this.dax = members.every((m) => m.mode === 'fsdax');
  }

  /** Every member namespace is enabled (dax_alive on each member). */
  get alive(): boolean {
    return this.members.every((m) => m.alive);
  }

  /**
   * Whether the dm device offers `.recovery_write` under `policy` (dax.ts header):
   * 'per-target' — when the kernel has it (5.19+: some member's profile has recoveryWrite);
   * 'all-or-nothing' — only when every member supports it (profile and not `noRecovery`).
   * False for a table that is not DAX-capable or has no member (error targets only).
   * @throws {RangeError} naming `dmRecovery` for an unknown policy.
   */
  hasRecoveryWrite(policy: DmRecoveryPolicy = DEFAULT_DM_RECOVERY): boolean {
    const p = checkDmRecovery(policy);
    if (!this.dax) return false;
    if (p === 'per-target') return this.members.some((m) => m.config.kernel.recoveryWrite);
    return this.members.length > 0 && this.members.every((m) => m.config.kernel.recoveryWrite && !m.config.noRecovery);
  }

  /** dm_table_find_target: index of the target holding dm sector `sector` (0 <= sector < sectors, unchecked). */
  targetIndex(sector: number): number {
    const b = this.#begins;
    let lo = 0;
    let hi = b.length - 1;
    while (lo < hi) { // invariant: b[lo] <= sector, and the answer is in [lo, hi]
      const mid = (lo + hi + 1) >>> 1;
      if (b[mid]! <= sector) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Where dm sector `sector` goes: target, member namespace (null for error), member sector
   * and the sectors left in its I/O unit. Fills and returns `out` when given.
   * @throws {TypeError|RangeError} naming `sector` unless 0 <= sector < sectors.
   */
  mapSector(sector: number, out?: DmSectorMapping): DmSectorMapping {
    checkInteger('sector', sector, 0, this.sectors - 1, 'sector', ` (dm device ${this.name} has ${this.sectors} sectors)`);
    return this.mapSectorUnchecked(sector, out ?? { target: 0, ns: null, nsSector: 0, sectorsLeftInIoUnit: 0 });
  }

  /** mapSector for a caller that checked `sector`. */
  mapSectorUnchecked(sector: number, out: DmSectorMapping): DmSectorMapping {
    const i = this.targetIndex(sector);
    const t = this.targets[i]!;
    const x = sector - t.begin;
    out.target = i;
    if (t.type === 'linear') {
      out.ns = t.dev;
      out.nsSector = t.start + x;
      out.sectorsLeftInIoUnit = t.len - x;
    } else if (t.type === 'stripe') {
      const m = stripeMapSector(x, t.chunk, t.stripes.length, this.#scratch);
      const s = t.stripes[m.stripe]!;
      out.ns = s.dev;
      out.nsSector = s.start + m.sector;
      out.sectorsLeftInIoUnit = t.chunk - (x % t.chunk);
    } else {
      out.ns = null;
      out.nsSector = x;
      out.sectorsLeftInIoUnit = t.len - x;
    }
    return out;
  }

  /**
   * Where dm page `pgoff` goes, for the fs-dax I/O path: member namespace, member page and
   * pages left in the I/O unit — or DM_ERROR_TARGET (EIO) for a page of an error target.
   * Fills and returns `out` when given (no allocation).
   * @throws {TypeError|RangeError} naming `pgoff` unless 0 <= pgoff < dataPages.
   */
  resolvePage(pgoff: number, out?: DmPageMapping): DmPageMapping | Refused<'EIO'> {
    checkInteger('pgoff', pgoff, 0, this.dataPages - 1, 'page', ` (dm device ${this.name} has ${this.dataPages} pages)`);
    return this.resolvePageUnchecked(pgoff, out ?? newDmPageMapping());
  }

  /** resolvePage for a caller that checked `pgoff`. */
  resolvePageUnchecked(pgoff: number, out: DmPageMapping): DmPageMapping | Refused<'EIO'> {
    const m = this.mapSectorUnchecked(pgoff * SECTORS_PER_PAGE, this.#pageScratch);
    if (m.ns === null) return DM_ERROR_TARGET;
    out.target = m.target;
    out.ns = m.ns;
    out.nsPgoff = m.nsSector / SECTORS_PER_PAGE;
    out.pagesLeftInIoUnit = m.sectorsLeftInIoUnit / SECTORS_PER_PAGE;
    return out;
  }
}

/**
 * Creates dm device `name` from `targets`, laid end to end (dm sector of target i = the sum
 * of the earlier lengths). See table.ts for the specs and what is checked.
 * @throws {TypeError|RangeError} naming `name` or `targets[i].field`, the value and the
 *   allowed range; nothing is created.
 */
export function createDm(name: string, targets: readonly DmTargetSpec[]): DmDevice {
  const n = checkDmName(name);
  return new DmDevice(n, resolveTable(targets));
}
