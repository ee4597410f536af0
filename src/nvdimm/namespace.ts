/**
 * A namespace (one per region) as one thread sees it: its configuration, its two badblocks
 * structures, its live settings and address helpers (reference §2.1, config.ts).
 *
 *   region start (SPA)                                           region end
 *   |<- info block + memmap (fsdax/devdax) ->|<- data: pmem->bb sector 0 .. ->|
 *   regionStart                   regionStart + dataOffset          regionStart + size
 *   |<- regionBb sector 0 ............................................... ->|
 *
 * Live settings in shared memory (state.ts, NS_* words): the mode and data offset (changed
 * by `reconfigureNamespace`) and `alive` (dax_alive: false while disabled; I/O then fails
 * with ENXIO). `config` keeps the settings the system was created with.
 *
 * Units: `offset` arguments are bytes from the data start, `sector` 512-byte sectors from
 * the data start, `pgoff` 4096-byte pages from the data start; `spa` is a media byte offset.
 *
 * Sparse namespaces (sparse.ts): offsets, sectors and pgoffs stay logical (real numbers up to
 * 2^42 bytes), while SPAs and pfns are backing (media) addresses. Every path turns the first
 * into the second through `spaOf()` / `regionSpa()` / `pfn()` and back through
 * `regionOffsetOf()`; for a dense namespace each is the plain addition it always was (one
 * `sparse === null` test in front). The data offset of a sparse namespace may exceed 2^32:
 * its high word is NS_DATA_OFFSET_HI, read only when the namespace is sparse.
 */
import type { Badblocks } from '../badblocks/badblocks.js';
import type { BadblocksOptions } from '../badblocks/badblocks.js';
import { checkInteger } from '../core/validate.js';
import type { NamespaceConfig, NamespaceMode } from './config.js';
import type { NvdimmBus } from './bus.js';
import type { LogicalRange, SparseWindows } from './sparse.js';
import {
  MODE_NAME, NS_ALIVE, NS_DATA_OFFSET, NS_DATA_OFFSET_HI, NS_MODE, NS_ZERO, NS_ENABLES, NS_PBB_LAST_RANGES, NS_PBB_LAST_DROPPED,
  NS_PBB_DROPPED_TOTAL, NS_RBB_LAST_RANGES, NS_RBB_LAST_DROPPED, NS_RBB_DROPPED_TOTAL,
} from './state.js';

export const SECTOR_BYTES = 512;
export const PAGE_BYTES = 4096;
export const SECTORS_PER_PAGE = 8;

/** A badblocks structure's place in the memory, so it can be torn down and re-created. */
export interface BadblocksSlot {
  readonly base: number;
  readonly bytes: number;
  readonly options: BadblocksOptions;
}

/** What the last populate of a structure did (E-6: a full table drops ranges silently). */
export interface PopulateStats {
  /** Pieces handed to badblocks_set by the last populate. */
  readonly lastRanges: number;
  /** Of those, how many badblocks_set refused (the table was full): untracked poison. */
  readonly lastDropped: number;
  /** Refusals summed over every populate since the system was created. */
  readonly droppedTotal: number;
}

export class Namespace {
  readonly config: NamespaceConfig;
  readonly bus: NvdimmBus;
  /** pmem->bb: sectors from the data start; sysfs /sys/block/<name>/badblocks (read/write). */
  readonly bb: Badblocks;
  /** The region's badblocks: sectors from the region start; read-only in sysfs. */
  readonly regionBb: Badblocks;
  /** @internal where bb and regionBb live (lifecycle.ts re-creates them). */
  readonly bbSlot: BadblocksSlot;
  /** @internal */
  readonly regionBbSlot: BadblocksSlot;
  readonly #words: number;
  /**
   * This namespace's live words (mode, alive, data offset) as one Int32Array, created once
   * per thread: the I/O paths read `alive` and `dataOffset` on every call, and a getter that
   * goes through BusState costs several property loads more than one Atomics.load here.
   */
  readonly #live: Int32Array;
  /**
   * @internal What the wasm clean-chunk fast paths (assembly/pmem/clean.ts) need, which read
   * the live words themselves: the absolute addresses of NS_ALIVE and NS_DATA_OFFSET, of the
   * region start (data byte x is at regionAddress + dataOffset + x) and of `bb`'s structure.
   */
  readonly aliveAddress: number;
  /** @internal see aliveAddress. */
  readonly dataOffsetAddress: number;
  /** @internal see aliveAddress. */
  readonly regionAddress: number;
  /** @internal see aliveAddress. */
  readonly bbBase: number;
  /** This thread's view of the window table when the namespace is sparse, else null. */
  readonly sparse: SparseWindows | null;

  /** @internal built by system.ts */
  constructor(bus: NvdimmBus, config: NamespaceConfig, bb: Badblocks, regionBb: Badblocks, bbSlot: BadblocksSlot, regionBbSlot: BadblocksSlot, sparse: SparseWindows | null = null) {
    this.sparse = sparse;
    this.bus = bus;
    this.config = config;
    this.bb = bb;
    this.regionBb = regionBb;
    this.bbSlot = bbSlot;
    this.regionBbSlot = regionBbSlot;
    this.#words = bus.state.ns(config.index);
    this.#live = new Int32Array(bus.ctx.u8.buffer, bus.state.base + this.#words, NS_DATA_OFFSET_HI / 4 + 1);
    // A sparse namespace points the wasm fast paths at a word that stays 0: "not alive", so
    // they decline and the general path, which translates every address, runs instead.
    this.aliveAddress = bus.state.base + this.#words + (sparse === null ? NS_ALIVE : NS_ZERO);
    this.dataOffsetAddress = bus.state.base + this.#words + NS_DATA_OFFSET;
    this.regionAddress = bus.mediaBase + config.regionStart;
    this.bbBase = bb.base;
  }

  get name(): string { return this.config.name; }
  get index(): number { return this.config.index; }
  /** Region (= raw namespace) size in bytes. */
  get size(): number { return this.config.size; }
  /** SPA of the region start. */
  get regionStart(): number { return this.config.regionStart; }
  /** Current mode (changes with reconfigureNamespace). */
  get mode(): NamespaceMode { return MODE_NAME[Atomics.load(this.#live, NS_MODE / 4) >>> 0]!; }
  /** Current bytes from the region start to the data start. */
  get dataOffset(): number {
    const lo = this.#dataOffsetLow();
    return this.sparse === null ? lo : lo + (Atomics.load(this.#live, NS_DATA_OFFSET_HI / 4) >>> 0) * 2 ** 32;
  }
  /** The data offset's low word: the whole data offset of a dense namespace (no sparse test). */
  #dataOffsetLow(): number { return Atomics.load(this.#live, NS_DATA_OFFSET / 4) >>> 0; }
  /** dataStart of a dense namespace, for the paths that have already tested `sparse`. */
  #denseDataStart(): number { return this.regionStart + this.#dataOffsetLow(); }
  /** SPA of the data start (sector 0 of `bb`, page 0 of DAX). */
  get dataStart(): number {
    // A sparse namespace has no single data start in the media: its data is in windows, and
    // an addition to this would land in another window's (or namespace's) bytes.
    if (this.sparse !== null) throw new Error(`namespace ${this.name} is sparse: translate each range with spaOf() instead of dataStart + offset`);
    return this.#denseDataStart();
  }
  /** Bytes of data: the block device's capacity. */
  get dataBytes(): number { return this.size - this.dataOffset; }
  get dataSectors(): number { return this.dataBytes / SECTOR_BYTES; }
  get dataPages(): number { return Math.floor(this.dataBytes / PAGE_BYTES); }
  /** dax_alive(): the namespace is enabled. */
  get alive(): boolean { return Atomics.load(this.#live, NS_ALIVE / 4) !== 0; }
  /** Times the namespace was enabled (creation counts as the first). */
  get enables(): number { return this.bus.state.u32(this.#words + NS_ENABLES); }
  /** Pages have struct pages (fsdax, devdax): memory_failure and HWPoison apply (§6.1). */
  get hasStructPages(): boolean { return this.mode !== 'raw'; }

  /** Media bytes the region occupies (= size when dense; the sparse backing otherwise). */
  get spaBytes(): number { return this.config.spaBytes; }

  /**
   * SPA of byte `offset` from the data start (of the range [offset, offset+len) for a sparse
   * namespace, which must be backed).
   * @throws {TypeError|RangeError} naming `offset` unless 0 <= offset <= dataBytes;
   *   {SparseHoleError} when the range is not backed.
   */
  spa(offset: number, len = 0): number {
    checkInteger('offset', offset, 0, this.dataBytes, 'byte offset', ` (namespace ${this.name} holds ${this.dataBytes} data bytes)`);
    return this.spaOf(offset, len);
  }

  /**
   * SPA of data bytes [offset, offset+len) (unchecked bounds, for the I/O paths).
   * @throws {SparseHoleError} when the namespace is sparse and the range is not backed.
   */
  spaOf(offset: number, len: number): number {
    // Dense: one test here, none in dataStart and dataOffset (this is every I/O's address).
    if (this.sparse === null) return this.#denseDataStart() + offset;
    const d = this.dataOffset;
    return this.regionStart + this.sparse.translate(d + offset, len, d);
  }

  /**
   * SPA of region bytes [regionOffset, regionOffset+len) (the kernel's `pmem_off` / nsio offsets).
   * @throws {SparseHoleError} when the namespace is sparse and the range is not backed.
   */
  regionSpa(regionOffset: number, len: number): number {
    if (this.sparse === null) return this.regionStart + regionOffset;
    return this.regionStart + this.sparse.translate(regionOffset, len, this.dataOffset);
  }

  /** Region byte offset (logical) of SPA `spa` inside this region, or -1 when not backed. */
  regionOffsetOf(spa: number): number {
    if (this.sparse === null) return spa - this.regionStart;
    return this.sparse.logicalOf(spa - this.regionStart);
  }

  /** SPA bytes [spa, spa+len) of this region as logical region ranges (one piece when dense). */
  regionPieces(spa: number, len: number): LogicalRange[] {
    if (this.sparse === null) return [{ start: spa - this.regionStart, bytes: len }];
    return this.sparse.logicalPieces(spa - this.regionStart, len);
  }

  /** Data pages from `pgoff` that are backed contiguously (Infinity when dense, 0 in a hole). */
  backedPages(pgoff: number): number {
    if (this.sparse === null) return Infinity;
    return Math.floor(this.sparse.backedFrom(this.dataOffset + pgoff * PAGE_BYTES) / PAGE_BYTES);
  }

  /** Absolute memory address of byte `offset` from the data start (unchecked, for the I/O paths). */
  addr(offset: number, len = 1): number {
    return this.bus.mediaBase + this.spaOf(offset, len);
  }

  /** Page frame number (media page) of data page `pgoff` (unchecked; sparse: must be backed). */
  pfn(pgoff: number): number {
    if (this.sparse === null) return (this.#denseDataStart() / PAGE_BYTES) + pgoff;
    return this.spaOf(pgoff * PAGE_BYTES, PAGE_BYTES) / PAGE_BYTES;
  }

  /** Data page of media page `pfn`, or -1 when it is not a backed data page of this namespace. */
  pgoffOf(pfn: number): number {
    const off = this.regionOffsetOf(pfn * PAGE_BYTES);
    return off < 0 || off < this.dataOffset ? -1 : (off - this.dataOffset) / PAGE_BYTES;
  }

  /** What the last populates of `bb` and `regionBb` did (see PopulateStats). */
  populateStats(): { bb: PopulateStats; regionBb: PopulateStats } {
    const s = this.bus.state;
    const w = this.#words;
    return s.lock(() => ({
      bb: { lastRanges: s.u32(w + NS_PBB_LAST_RANGES), lastDropped: s.u32(w + NS_PBB_LAST_DROPPED), droppedTotal: s.f64(w + NS_PBB_DROPPED_TOTAL) },
      regionBb: { lastRanges: s.u32(w + NS_RBB_LAST_RANGES), lastDropped: s.u32(w + NS_RBB_LAST_DROPPED), droppedTotal: s.f64(w + NS_RBB_DROPPED_TOTAL) },
    }));
  }

  /** @internal address of this namespace's words in the bus region (relative to its base). */
  get words(): number { return this.#words; }
}
