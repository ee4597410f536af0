/**
 * The device a filesystem's files live on: `sb->s_bdev` and its `dax_device` — an fsdax
 * namespace, or a device-mapper device over several (reference §6.5). Every fs path that
 * turns a file's device page into bytes asks the device where that page lives:
 *
 *   resolve(pgoff) -> (member namespace, member page, pages left in the I/O unit) | null
 *
 *   namespace  the page itself; the I/O unit runs to the end of the namespace.
 *   dm         dm_dax_direct_access's translation (src/dm/device.ts): the target's member
 *              and page; the unit ends at the target end, or the chunk end for a stripe,
 *              so dax_iomap_iter, zeroing and faults go one I/O unit at a time as the
 *              kernel's direct_access answers make them. null: a page of an error target
 *              (io_err_dax_direct_access: EIO).
 *
 * Fs device indices: a namespace keeps its index (0..MAX_NAMESPACES-1); the j-th dm device
 * registered with the filesystem (FsDax.addDm, in the same order on every thread) is
 * MAX_NAMESPACES + j. That index is what the file table stores and what the reverse map
 * files records under, so xfs_dax_notify_failure on a dm device looks up dm pages.
 *
 * Block ownership: a dm page is owned through its member page's bit in the namespace bitmap
 * (fs-region.ts), so a namespace file and a dm file can never share a block, and fsck checks
 * one map. An error target's pages have no block: allocation never picks them, and a file
 * created over them gets EIO on every access (two files may name the same such page).
 *
 * Configuration only: a FsDevice holds no state of its own (DESIGN.md "The one rule").
 */
import type { Namespace } from '../nvdimm/namespace.js';
import { MAX_NAMESPACES } from '../nvdimm/config.js';
import { newDmPageMapping, type DmDevice, type DmPageMapping } from '../dm/device.js';
import type { FsRegion } from './fs-region.js';

/** dm devices one filesystem can sit on (fs indices MAX_NAMESPACES .. +MAX_FS_DM-1; the rmap has a slot for each). */
export const MAX_FS_DM = 8;

/** Where a device page lives (FsDevice.resolve). */
export interface DevPage {
  ns: Namespace;
  /** Page from the member's data start. */
  nsPgoff: number;
  /** Pages from this one to the end of its I/O unit, >= 1. */
  pagesLeft: number;
}

/** A fresh DevPage to pass as resolve's `out`. */
export function newDevPage(): DevPage {
  return { ns: null as unknown as Namespace, nsPgoff: 0, pagesLeft: 0 };
}

export abstract class FsDevice {
  /** Fs device index (see the header). */
  abstract readonly index: number;
  abstract readonly name: string;
  abstract readonly dataPages: number;
  /** Namespaces holding the device's pages. */
  abstract readonly members: readonly Namespace[];
  /** The namespace itself for a namespace device; null for dm. */
  abstract readonly ns: Namespace | null;
  /** The dm device, or null. */
  abstract readonly dm: DmDevice | null;

  /** Where device page `pgoff` (0 <= pgoff < dataPages, unchecked) lives; null for an error target. Fills `out`. */
  abstract resolve(pgoff: number, out: DevPage): DevPage | null;

  /** dax_alive on every member. */
  get alive(): boolean { return this.members.every((m) => m.alive); }

  readonly #scratch = newDevPage();

  /** The pfn of device page `pgoff`, or -1 for an error target. */
  pfn(pgoff: number): number {
    const m = this.resolve(pgoff, this.#scratch);
    return m === null ? -1 : m.ns.pfn(m.nsPgoff);
  }

  /**
   * Walks device pages [pgoff, pgoff+pages) one I/O unit at a time: `visit(ns, nsPgoff, n)`
   * for each piece, in order. Returns false at the first page of an error target (the pieces
   * before it were visited), true when every page was.
   */
  pieces(pgoff: number, pages: number, visit: (ns: Namespace, nsPgoff: number, n: number) => void): boolean {
    const out = newDevPage();
    for (let p = pgoff, end = pgoff + pages; p < end;) {
      const m = this.resolve(p, out);
      if (m === null) return false;
      const n = Math.min(m.pagesLeft, end - p);
      visit(m.ns, m.nsPgoff, n);
      p += n;
    }
    return true;
  }

  /** Whether device page `p` belongs to a file (fs mutex held); an error target's pages always do (never allocated). */
  blockUsed(r: FsRegion, p: number): boolean {
    const m = this.resolve(p, this.#scratch);
    return m === null || r.blockUsed(m.ns.index, m.nsPgoff);
  }

  /** Marks device page `p` used or free (fs mutex held); nothing for an error target. */
  setBlockUsed(r: FsRegion, p: number, used: boolean): void {
    const m = this.resolve(p, this.#scratch);
    if (m !== null) r.setBlockUsed(m.ns.index, m.nsPgoff, used);
  }

  /** First free device page >= `from` not equal to `avoid`, or -1 (fs mutex held). */
  abstract findFreeBlock(r: FsRegion, from: number, avoid: number): number;

  /** Device pages the allocator may use. */
  abstract allocPages(r: FsRegion): number;
}

/** An fsdax namespace as the filesystem's device. */
export class NsFsDevice extends FsDevice {
  readonly ns: Namespace;
  readonly dm = null;
  readonly members: readonly Namespace[];

  constructor(ns: Namespace) {
    super();
    this.ns = ns;
    this.members = [ns];
  }

  get index(): number { return this.ns.index; }
  get name(): string { return this.ns.name; }
  get dataPages(): number { return this.ns.dataPages; }

  resolve(pgoff: number, out: DevPage): DevPage {
    out.ns = this.ns;
    out.nsPgoff = pgoff;
    out.pagesLeft = this.ns.dataPages - pgoff;
    return out;
  }

  override blockUsed(r: FsRegion, p: number): boolean { return r.blockUsed(this.ns.index, p); }
  override setBlockUsed(r: FsRegion, p: number, used: boolean): void { r.setBlockUsed(this.ns.index, p, used); }
  findFreeBlock(r: FsRegion, from: number, avoid: number): number { return r.findFreeBlock(this.ns.index, from, avoid); }
  allocPages(r: FsRegion): number { return r.nsPages(this.ns.index); }
}

/** A dm device as the filesystem's device. */
export class DmFsDevice extends FsDevice {
  readonly index: number;
  readonly dm: DmDevice;
  readonly ns = null;
  readonly #map: DmPageMapping = newDmPageMapping();

  constructor(dm: DmDevice, slot: number) {
    super();
    this.dm = dm;
    this.index = MAX_NAMESPACES + slot;
  }

  get name(): string { return this.dm.name; }
  get dataPages(): number { return this.dm.dataPages; }
  get members(): readonly Namespace[] { return this.dm.members; }

  resolve(pgoff: number, out: DevPage): DevPage | null {
    const m = this.dm.resolvePageUnchecked(pgoff, this.#map);
    if (!m.ok) return null;
    out.ns = m.ns;
    out.nsPgoff = m.nsPgoff;
    out.pagesLeft = m.pagesLeftInIoUnit;
    return out;
  }

  findFreeBlock(r: FsRegion, from: number, avoid: number): number {
    // A page-by-page scan through the translation: allocation is rare next to I/O, and a
    // dm page's ownership lives in its member's bitmap (see the header).
    for (let p = from; p < this.dataPages; p++) if (p !== avoid && !this.blockUsed(r, p)) return p;
    return -1;
  }

  allocPages(): number { return this.dm.dataPages; }
}
