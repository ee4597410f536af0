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
 */
import type { Badblocks } from '../badblocks/badblocks.js';
import type { BadblocksOptions } from '../badblocks/badblocks.js';
import { checkInteger } from '../core/validate.js';
import type { NamespaceConfig, NamespaceMode } from './config.js';
import type { NvdimmBus } from './bus.js';
import {
  MODE_NAME, NS_ALIVE, NS_DATA_OFFSET, NS_MODE, NS_ENABLES, NS_PBB_LAST_RANGES, NS_PBB_LAST_DROPPED,
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

  /** @internal built by system.ts */
  constructor(bus: NvdimmBus, config: NamespaceConfig, bb: Badblocks, regionBb: Badblocks, bbSlot: BadblocksSlot, regionBbSlot: BadblocksSlot) {
    this.bus = bus;
    this.config = config;
    this.bb = bb;
    this.regionBb = regionBb;
    this.bbSlot = bbSlot;
    this.regionBbSlot = regionBbSlot;
    this.#words = bus.state.ns(config.index);
    this.#live = new Int32Array(bus.ctx.u8.buffer, bus.state.base + this.#words, NS_DATA_OFFSET / 4 + 1);
    this.aliveAddress = bus.state.base + this.#words + NS_ALIVE;
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
  get dataOffset(): number { return Atomics.load(this.#live, NS_DATA_OFFSET / 4) >>> 0; }
  /** SPA of the data start (sector 0 of `bb`, page 0 of DAX). */
  get dataStart(): number { return this.regionStart + this.dataOffset; }
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

  /**
   * SPA of byte `offset` from the data start.
   * @throws {TypeError|RangeError} naming `offset` unless 0 <= offset <= dataBytes.
   */
  spa(offset: number): number {
    return this.dataStart + checkInteger('offset', offset, 0, this.dataBytes, 'byte offset', ` (namespace ${this.name} holds ${this.dataBytes} data bytes)`);
  }

  /** Absolute memory address of byte `offset` from the data start (unchecked, for the I/O paths). */
  addr(offset: number): number {
    return this.bus.mediaBase + this.dataStart + offset;
  }

  /** Page frame number (media page) of data page `pgoff` (unchecked). */
  pfn(pgoff: number): number {
    return (this.dataStart / PAGE_BYTES) + pgoff;
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
