/**
 * fs-dax files on a holder-less (ext4-like) filesystem (reference §4.3, §3.3, §7.5, §9.9):
 * files whose pages map to device pages of an fsdax namespace, hole punching, block
 * allocation that zeroes first, fsync, and what a power failure takes from each file.
 *
 * A filesystem spans every fsdax namespace of a system; its state is one shared region
 * (fs-region.ts has the box diagram), so `mountDax(attachSystem(handle))` in a worker sees
 * the files the main thread created and can do any file operation itself:
 *
 *   createSystem({ ..., extraRegions: [fsdaxRegion(sizes)] })  --  or createFsdaxSystem()
 *   mkfsDax(system)              creator: formats the region
 *   mountDax(system)             any other thread: finds it by kind, formats nothing
 *   fs.createFile({ ns, name, pgoff, pages })   file page k -> device page pgoff + k
 *   daxPread / daxPwrite (iomap.ts), file.punchHole, file.fsync
 *
 * "Holder-less": the filesystem registers no dax holder, so a memory failure finds files
 * through the page mapping (the generic path, §6.3, M-2), not through notify_failure.
 *
 * Files do not grow: a file's size is fixed at creation (i_size = pages x 4096) and punching
 * keeps it (FALLOC_FL_KEEP_SIZE). A `file` created here stands for data already on the device:
 * its blocks are taken as they are, never zeroed. Only the allocation of a hole zeroes
 * (blocks.ts). Files never share blocks (reflink is out of scope).
 *
 * Durability: DAX writes and zeroing use flushcache (lines *pending* for the writing
 * thread); `fsync` is nvdimm_flush, i.e. the calling thread's fence (ext4_sync_file ends in
 * a REQ_PREFLUSH; x86 sfence orders only the issuing CPU's stores, DESIGN.md); `powerFail`
 * reports the bytes each file lost. File metadata (the page map) is not in the media: it is
 * modelled as committed the moment it changes (a journal that commits synchronously) —
 * a documented simplification; only data can be lost.
 *
 * Locking (fs-region.ts): i_rwsem (reads shared; writes, punches exclusive) -> fs mutex
 * (file table, bitmaps) -> device mutex -> badblocks mutex. A handle checks, under its
 * i_rwsem, that its file still exists (the generation) and that its namespace was not
 * re-created (`dropNamespace`); using a stale handle is a programming error and throws.
 */
import type { Refused } from '../core/errno.js';
import type { Region } from '../core/layout.js';
import { checkChoice, checkInteger, describe } from '../core/validate.js';
import { createSystem, resolveSystem, type System, type SystemOptions } from '../nvdimm/system.js';
import type { WasmExports } from '../core/wasm.js';
import type { Namespace } from '../nvdimm/namespace.js';
import { MODE_CODE, NS_DATA_OFFSET, NS_MODE } from '../nvdimm/state.js';
import { pmemFlush } from '../pmem/block.js';
import {
  ALLOCATORS, F_GENERATION, F_INCORE, F_MAP_BASE, F_NS, F_PAGES, F_READ_POLICY, F_STATE, FS_ALLOCATOR, FS_LIVE,
  FS_META_PAGES, FS_READ_POLICY, FS_RMAPBT, FS_SHUTDOWN, FS_TYPE, FS_TYPES, FsRegion, MAP_HOLE, MAP_PAGE_MASK,
  NAME_MAX_BYTES, READ_POLICIES, REGION_KIND_FSDAX, SHUTDOWN_CODE, STATE_FREE, STATE_LIVE, fsdaxRegion,
  nsDataOffsetWord, type Allocator, type FsRegionOptions, type FsType, type ReadPolicy, type ShutdownReason,
} from './fs-region.js';
import { findMmRegion, zapFilePages } from '../mm/zap.js';
import { REGION_KIND_RMAP, Rmap, reserveMetadata } from '../xfs/index.js';
import { MAX_NAMESPACES } from '../nvdimm/config.js';
import type { InodeLock } from './rwsem.js';
import { punchHole, type PunchResult } from './blocks.js';
import { DmFsDevice, MAX_FS_DM, NsFsDevice, newDevPage, type FsDevice } from './fs-device.js';
import { DEFAULT_DM_RECOVERY, DM_RECOVERY_POLICIES, type DmDevice, type DmRecoveryPolicy } from '../dm/device.js';
import { MM_POLICY_DM, type MmRegion } from '../mm/region.js';

export { fsdaxRegion, REGION_KIND_FSDAX, READ_POLICIES, ALLOCATORS, FS_TYPES, type ReadPolicy, type Allocator, type FsRegionOptions, type FsType, type ShutdownReason };

/** The on-disk flavour of the filesystem (FsDax.format). */
export interface FsFormat {
  /** 'ext4' (default): no dax holder, memory failures take the generic path; 'xfs': holder with notify_failure (6.0+). */
  readonly type: FsType;
  /** xfs only: the reverse-map B-tree exists (without it notify_failure says EOPNOTSUPP, M-4). */
  readonly rmapbt: boolean;
  /** Pages at the start of each device that hold metadata (AG headers, B-trees, log); no file block may use them. */
  readonly metaPages: number;
}

export interface MkfsOptions extends FsRegionOptions {
  /** Default recovery-read policy of every file (iomap.ts); default 'off', the kernel's. */
  readonly readPolicy?: ReadPolicy;
  /** Where a hole's new block comes from (blocks.ts); default 'same'. */
  readonly allocator?: Allocator;
}

/** One mapping of a file (FIEMAP-style): file bytes [offset, offset+length), device page of `offset` or null for a hole. */
export interface FileExtent {
  readonly offset: number;
  readonly length: number;
  readonly pgoff: number | null;
}

/** A file of an fs-dax filesystem as one thread sees it: configuration and views only. */
export class DaxFile {
  readonly fs: FsDax;
  /** Entry in the file table. */
  readonly index: number;
  readonly name: string;
  /** The device its blocks live on: an fsdax namespace or a dm device (fs-device.ts). */
  readonly dev: FsDevice;
  /** i_size / 4096. */
  readonly pages: number;
  /** @internal first slot of the page map. */
  readonly mapBase: number;
  /** @internal the i_rwsem. */
  readonly lock: InodeLock;
  readonly #generation: number;
  /**
   * Views and addresses for the checks every read and write makes (assertLive, the read
   * policy, the page map): resolved once per handle, so a call reads each word with one
   * index instead of a chain of getters (FsRegion.word -> entry -> Atomics).
   */
  readonly #u32: Uint32Array;
  readonly #entry: number;
  readonly #wasm: WasmExports;
  /** Absolute addresses of the words assertLive reads: entry state and generation, namespace mode and data offset, the fs's record of it. */
  readonly #stateAt: number;
  readonly #genAt: number;
  readonly #modeAt: number;
  readonly #dataOffsetAt: number;
  readonly #fsDataOffsetAt: number;
  /** The same three addresses for each further member of a dm device. */
  readonly #moreMembers: readonly number[];
  /** @internal the page-map arena (FsRegion.mapWords); file page k is slot mapBase + k. */
  readonly mapWords: Uint32Array;

  /** @internal use FsDax.createFile() or FsDax.open() */
  constructor(fs: FsDax, index: number) {
    const r = fs.region;
    this.fs = fs;
    this.index = index;
    this.name = r.fileName(index);
    this.dev = fs.deviceAt(r.fileWord(index, F_NS));
    this.pages = r.fileWord(index, F_PAGES);
    this.mapBase = r.fileWord(index, F_MAP_BASE);
    this.lock = r.inodeLock(index);
    this.#generation = r.fileWord(index, F_GENERATION);
    this.#u32 = r.u32;
    this.#entry = r.entry(index) / 4;
    this.mapWords = r.mapWords;
    this.#wasm = r.ctx.wasm;
    this.#stateAt = r.base + r.entry(index) + F_STATE;
    this.#genAt = r.base + r.entry(index) + F_GENERATION;
    // A dm device of error targets only has no member: its state words are checked alone.
    const words = this.dev.members.map((ns) => {
      const nsWords = ns.bus.state.base + ns.words;
      return [nsWords + NS_MODE, nsWords + NS_DATA_OFFSET, r.base + nsDataOffsetWord(ns.index)];
    });
    const [first, ...more] = words.length > 0 ? words : [[this.#stateAt, this.#stateAt, this.#stateAt]];
    this.#modeAt = first![0]!;
    this.#dataOffsetAt = first![1]!;
    this.#fsDataOffsetAt = first![2]!;
    this.#moreMembers = more.flat();
  }

  /** i_size in bytes. */
  get sizeBytes(): number { return this.pages * 4096; }

  /** @internal the file-table generation this handle was made for. */
  get generation(): number { return this.#generation; }

  /** The inode is in the inode cache (read in by any access since the file line, M-5). */
  get incore(): boolean { return Atomics.load(this.#u32, this.#entry + F_INCORE / 4) !== 0; }

  /** @internal iget: called by every access (read, write, punch, mmap); one load when already in core. */
  markIncore(): void {
    const i = this.#entry + F_INCORE / 4;
    if (this.#u32[i] === 0) Atomics.store(this.#u32, i, 1);
  }

  /** This file's own read policy, or 'inherit' (the filesystem's). */
  get readPolicy(): ReadPolicy | 'inherit' {
    const c = Atomics.load(this.#u32, this.#entry + F_READ_POLICY / 4);
    return c === 0 ? 'inherit' : READ_POLICIES[c - 1]!;
  }

  /** @throws {RangeError} naming `readPolicy` unless 'off', 'page', 'line' or 'inherit'. */
  set readPolicy(p: ReadPolicy | 'inherit') {
    const v = p === 'inherit' ? 0 : READ_POLICIES.indexOf(checkChoice('readPolicy', p, READ_POLICIES)) + 1;
    this.fs.region.setFileWord(this.index, F_READ_POLICY, v);
  }

  /** The policy a read uses: the call's, else the file's, else the filesystem's. */
  effectiveReadPolicy(call?: ReadPolicy): ReadPolicy {
    if (call !== undefined) return checkChoice('policy', call, READ_POLICIES);
    const own = this.readPolicy;
    return own === 'inherit' ? this.fs.readPolicy : own;
  }

  /**
   * @internal Called with the i_rwsem held: the file still exists and its namespace was not
   * re-created since. @throws {Error} otherwise (a stale handle).
   */
  assertLive(): void {
    // The five reads (entry state and generation; namespace mode and data offset against the
    // fs's record) are one wasm call: as JS Atomics.load calls they cost more than a 4 KiB copy.
    const wasm = this.#wasm;
    let r = wasm.dax_file_check(this.#stateAt, STATE_LIVE, this.#genAt, this.#generation,
      this.#modeAt, MODE_CODE.fsdax, this.#dataOffsetAt, this.#fsDataOffsetAt);
    const more = this.#moreMembers;
    let member = 0;
    for (let i = 0; r === 0 && i < more.length; i += 3) {
      member++;
      r = wasm.dax_file_check(this.#stateAt, STATE_LIVE, this.#genAt, this.#generation, more[i]!, MODE_CODE.fsdax, more[i + 1]!, more[i + 2]!);
    }
    if (r === 0) return;
    if (r === 1) {
      throw new Error(`dax: file ${JSON.stringify(this.name)} no longer exists (its namespace was re-created); open it again`);
    }
    throw new Error(`dax: namespace ${this.dev.members[member]?.name ?? this.dev.name} was reconfigured under file ${JSON.stringify(this.name)}; call fs.dropNamespace() after reconfigureNamespace()`);
  }

  /** @internal page-map slot of file page `k` (i_rwsem held). */
  mapEntry(k: number): number { return this.mapWords[this.mapBase + k]!; }
  /** @internal sets file page `k`'s slot (i_rwsem held exclusive). */
  setMapEntry(k: number, v: number): void { this.fs.region.setMap(this.mapBase + k, v); }

  /** The file's mappings, merged where device pages are contiguous (FIEMAP). */
  extents(): FileExtent[] {
    return this.lock.shared(() => {
      this.assertLive();
      return this.extentsLocked();
    });
  }

  /** @internal extents() with the i_rwsem held. */
  extentsLocked(): FileExtent[] {
    const out: FileExtent[] = [];
    for (let k = 0; k < this.pages;) {
      const e = this.mapEntry(k);
      let n = 1;
      if ((e & MAP_HOLE) !== 0) {
        while (k + n < this.pages && (this.mapEntry(k + n) & MAP_HOLE) !== 0) n++;
        out.push({ offset: k * 4096, length: n * 4096, pgoff: null });
      } else {
        while (k + n < this.pages && this.mapEntry(k + n) === e + n) n++;
        out.push({ offset: k * 4096, length: n * 4096, pgoff: e & MAP_PAGE_MASK });
      }
      k += n;
    }
    return out;
  }

  /**
   * fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) of bytes [offset, offset+bytes)
   * (blocks.ts): partial pages zeroed through DAX, whole pages freed.
   * @throws {TypeError|RangeError} naming `offset`/`bytes` for bad input.
   */
  punchHole(offset: number, bytes: number): PunchResult {
    return punchHole(this, offset, bytes);
  }

  /** fsync(2): nvdimm_flush — this thread's pending lines become durable. */
  fsync(): { readonly ok: true; readonly durableBytes: number } {
    this.lock.shared(() => this.assertLive());
    // nvdimm_flush of each member is the same fence of this thread's stores: the first does it all.
    const ns = this.dev.members[0];
    return { ok: true, durableBytes: ns === undefined ? 0 : pmemFlush(ns) };
  }

  /** Bytes of this file's mapped pages that a power failure would lose now (whole lines). */
  volatileBytes(): number {
    return this.lock.shared(() => {
      this.assertLive();
      const { wasm } = this.fs.region.ctx;
      let lines = 0;
      for (const e of this.extentsLocked()) {
        if (e.pgoff === null) continue;
        this.dev.pieces(e.pgoff, e.length / 4096, (ns, nsPgoff, n) => {
          lines += wasm.persist_count_volatile(ns.spaOf(nsPgoff * 4096, n * 4096), n * 4096) >>> 0;
        });
      }
      return lines * 64;
    });
  }
}

const NAME_RE = /^[^/\0]+$/;

/** The filesystem as one thread sees it. */
export class FsDax {
  readonly system: System;
  /** @internal */
  readonly region: FsRegion;

  #mm: MmRegion | undefined;
  #rmap: Rmap | null | undefined;
  readonly #dms: DmFsDevice[] = [];
  readonly #nsDevices: (NsFsDevice | undefined)[] = [];
  readonly #files = new Map<number, DaxFile>();

  /** @internal use mkfsDax() or mountDax() */
  constructor(system: System, region: FsRegion) {
    this.system = system;
    this.region = region;
  }

  /** @internal the mm state whose page tables map this filesystem's files (absent without src/mm, or before initMm). */
  get mm(): MmRegion | undefined {
    this.#mm ??= findMmRegion(this.system.context, this.system.extraRegions);
    return this.#mm;
  }

  /** The dm recovery policy in force (a word of the mm region, so every thread sees the same); per-target without one. */
  get dmRecoveryPolicy(): DmRecoveryPolicy {
    const mm = this.mm;
    return mm === undefined ? DEFAULT_DM_RECOVERY : DM_RECOVERY_POLICIES[mm.word(MM_POLICY_DM)]!;
  }

  /**
   * The reverse map (src/xfs) the filesystem keeps of every block it owns: files and, on xfs,
   * the metadata pages. Present when the system has an rmap region (createMmSystem).
   * @throws {Error} from the xfs paths when the system has none.
   */
  get rmap(): Rmap {
    const r = this.rmapOrNull;
    if (r === null) throw new Error('dax: the system has no rmap region; create it with createMmSystem() or add rmapRegion() to extraRegions');
    return r;
  }

  /** @internal the rmap, or null without an rmap region. */
  get rmapOrNull(): Rmap | null {
    if (this.#rmap === undefined) {
      const region = this.system.extraRegions.find((x) => x.kind === REGION_KIND_RMAP);
      this.#rmap = region === undefined ? null : new Rmap(this.system.context, region);
    }
    return this.#rmap;
  }

  /** Whether fs device index `dev` holds this filesystem: an fsdax namespace, or a registered DAX-capable dm device. */
  hasDevice(dev: number): boolean {
    if (dev < MAX_NAMESPACES) return this.system.namespaces[dev]?.mode === 'fsdax';
    return this.#dms[dev - MAX_NAMESPACES]?.dm.dax === true;
  }

  /**
   * Registers dm device `dm` so files can live on it (fs-device.ts): every thread registers
   * the same tables in the same order, as each builds its own DmDevice. On xfs the first
   * registration lays out the device's metadata pages in the reverse map.
   * @throws {RangeError} past MAX_FS_DM devices, or when another device has its name.
   */
  addDm(dm: DmDevice): FsDevice {
    const known = this.#dms.find((d) => d.dm === dm);
    if (known !== undefined) return known;
    if (this.#dms.length >= MAX_FS_DM) throw new RangeError(`dm: a filesystem sits on at most ${MAX_FS_DM} dm devices; ${dm.name} would be number ${this.#dms.length + 1}`);
    if (this.#dms.some((d) => d.dm.name === dm.name)) throw new RangeError(`dm: a device named ${JSON.stringify(dm.name)} is already registered`);
    const dev = new DmFsDevice(dm, this.#dms.length);
    this.#dms.push(dev);
    const rmap = this.rmapOrNull;
    if (rmap !== null) {
      if (dev.index >= rmap.devices) throw new RangeError(`dm: the reverse map has ${rmap.devices} device slots, none for dm device ${dm.name} (fs index ${dev.index}); format it with MAX_NAMESPACES + MAX_FS_DM slots (createMmSystem does)`);
      this.region.lock(() => this.#reserveDmMetadata(rmap, dev));
    }
    return dev;
  }

  /** xfs metadata at the start of dm device `dev`, once (the first thread to register it). Fs mutex held. */
  #reserveDmMetadata(rmap: Rmap, dev: FsDevice): void {
    const meta = Math.min(this.metaPages, dev.dataPages);
    if (this.format.type !== 'xfs' || meta === 0) return;
    let reserved = false;
    rmap.query(dev.index, 0, meta, () => { reserved = true; });
    if (!reserved) reserveMetadata(rmap, dev.index, meta);
  }

  /** @internal the device of fs index `index` (a file-table word). @throws {Error} for a dm device this thread did not register. */
  deviceAt(index: number): FsDevice {
    if (index < MAX_NAMESPACES) {
      let d = this.#nsDevices[index];
      const ns = this.system.namespaces[index]!;
      if (d === undefined || d.ns !== ns) this.#nsDevices[index] = d = new NsFsDevice(ns);
      return d;
    }
    const d = this.#dms[index - MAX_NAMESPACES];
    if (d === undefined) throw new Error(`dax: a file lives on dm device slot ${index - MAX_NAMESPACES}, which this thread has not registered; call fs.addDm() (or mm.addDm()) with the same tables, in the same order, as the creating thread`);
    return d;
  }

  /** The device a namespace, a registered dm device, or a name of either stands for. @throws {TypeError} for anything else. */
  device(dev: Namespace | DmDevice | string): FsDevice {
    if (typeof dev === 'string') {
      const dm = this.#dms.find((d) => d.name === dev);
      if (dm !== undefined) return dm;
      if (!this.system.namespaces.some((n) => n.name === dev)) {
        throw new TypeError(`dev must name a namespace (${this.system.namespaces.map((n) => n.name).join(', ')}) or a registered dm device (${this.#dms.map((d) => d.name).join(', ') || 'none'}), got ${describe(dev)}`);
      }
      return this.deviceAt(this.system.namespace(dev).index);
    }
    if (this.system.namespaces.includes(dev as Namespace)) return this.deviceAt((dev as Namespace).index);
    const dm = this.#dms.find((d) => d.dm === dev);
    if (dm === undefined) throw new TypeError(`dev must be a namespace, a dm device registered with addDm(), or a name of either, got ${describe(dev)}`);
    return dm;
  }

  /** A handle on the live file in table entry `index`, or undefined (cached per thread, checked by generation). */
  fileAt(index: number): DaxFile | undefined {
    const r = this.region;
    if (index < 0 || index >= r.maxFiles || r.fileWord(index, F_STATE) !== STATE_LIVE) return undefined;
    const cached = this.#files.get(index);
    if (cached !== undefined && cached.generation === r.fileWord(index, F_GENERATION)) return cached;
    const f = r.lock(() => (r.fileWord(index, F_STATE) === STATE_LIVE ? new DaxFile(this, index) : undefined));
    if (f !== undefined) this.#files.set(index, f);
    return f;
  }

  /** @internal rmap upkeep (fs mutex held): file pages [first, first+pages) now live at device page `devPage`. */
  rmapMapped(file: DaxFile, first: number, devPage: number, pages: number): void {
    this.rmapOrNull?.insert({ dev: file.dev.index, startPage: devPage, pages, owner: file.index, fileOffsetPages: first });
  }

  /** @internal rmap upkeep (fs mutex held): device pages [devPage, devPage+pages) of `file`'s device are free again. */
  rmapUnmapped(file: DaxFile, devPage: number, pages: number): void {
    this.rmapOrNull?.remove(file.dev.index, devPage, pages);
  }

  /** The on-disk flavour: type, reverse map, metadata pages. */
  get format(): FsFormat {
    return { type: FS_TYPES[this.region.word(FS_TYPE)]!, rmapbt: this.region.word(FS_RMAPBT) === 1, metaPages: this.region.word(FS_META_PAGES) };
  }

  /** Pages at the start of each device reserved for metadata. */
  get metaPages(): number { return this.region.word(FS_META_PAGES); }

  /**
   * mkfs with another flavour (mkfs.xfs -m rmapbt=1, mkfs.ext4): only while no file exists.
   * @throws {TypeError|RangeError} naming `type`, `rmapbt` or `metaPages`; {Error} when files exist.
   */
  reformat(f: Partial<FsFormat>): void {
    if (typeof f !== 'object' || f === null) throw new TypeError(`format must be { type?, rmapbt?, metaPages? }, got ${describe(f)}`);
    const type = checkChoice('type', f.type ?? 'ext4', FS_TYPES);
    const rmapbt = f.rmapbt ?? type === 'xfs';
    if (typeof rmapbt !== 'boolean') throw new TypeError(`rmapbt must be a boolean, got ${describe(f.rmapbt)}`);
    if (rmapbt && type !== 'xfs') throw new RangeError('rmapbt: only xfs has a reverse-map B-tree; use type xfs or rmapbt false');
    const minData = Math.min(...this.system.namespaces.map((n) => n.dataPages));
    const metaPages = checkInteger('metaPages', f.metaPages ?? (type === 'xfs' ? 16 : 0), 0, minData - 1, 'pages', ` (the smallest device has ${minData} data pages)`);
    const r = this.region;
    r.lock(() => {
      if (r.word(FS_LIVE) !== 0) throw new Error(`dax: cannot reformat a filesystem holding ${r.word(FS_LIVE)} files`);
      r.setWord(FS_TYPE, FS_TYPES.indexOf(type));
      r.setWord(FS_RMAPBT, rmapbt ? 1 : 0);
      r.setWord(FS_META_PAGES, metaPages);
      r.setWord(FS_SHUTDOWN, 0);
      const rmap = this.rmapOrNull;
      if (rmap !== null) {
        this.system.namespaces.forEach((ns) => {
          rmap.clear(ns.index);
          if (ns.mode === 'fsdax' && type === 'xfs') reserveMetadata(rmap, ns.index, metaPages);
        });
        for (const dev of this.#dms) {
          rmap.clear(dev.index);
          this.#reserveDmMetadata(rmap, dev);
        }
      }
    });
  }

  /** True once the filesystem shut down (one load: the I/O paths check it per call). */
  get isShutdown(): boolean { return this.region.word(FS_SHUTDOWN) !== 0; }

  /** Why the filesystem shut down, or null while it runs. */
  get shutdown(): ShutdownReason | null {
    const w = this.region.word(FS_SHUTDOWN);
    return w === 0 ? null : SHUTDOWN_CODE[w - 1]!;
  }

  /** @internal xfs_force_shutdown: the first reason sticks; file I/O fails with EIO from now on. */
  forceShutdown(reason: ShutdownReason): void {
    this.region.lock(() => {
      if (this.region.word(FS_SHUTDOWN) === 0) this.region.setWord(FS_SHUTDOWN, SHUTDOWN_CODE.indexOf(reason) + 1);
    });
  }

  /**
   * @internal File pages [first, first+pages) lose their blocks (punch) or get new ones (a hole
   * filled): every process mapping them drops those page-table entries and the old blocks
   * forget the file (unmap_mapping_range + dax_disassociate_entry). i_rwsem held exclusive.
   */
  invalidate(file: DaxFile, first: number, pages: number, oldPfns: readonly number[]): void {
    if (this.mm !== undefined) zapFilePages(this.mm, file.index, first, pages, oldPfns);
  }

  /** Default recovery-read policy of files that set none. */
  get readPolicy(): ReadPolicy { return READ_POLICIES[this.region.word(FS_READ_POLICY)]!; }
  /** @throws {RangeError} naming `readPolicy` unless 'off', 'page' or 'line'. */
  set readPolicy(p: ReadPolicy) { this.region.setWord(FS_READ_POLICY, READ_POLICIES.indexOf(checkChoice('readPolicy', p, READ_POLICIES))); }
  /** Where a hole's new block comes from. */
  get allocator(): Allocator { return ALLOCATORS[this.region.word(FS_ALLOCATOR)]!; }
  /** @throws {RangeError} naming `allocator` unless 'same' or 'other'. */
  set allocator(a: Allocator) { this.region.setWord(FS_ALLOCATOR, ALLOCATORS.indexOf(checkChoice('allocator', a, ALLOCATORS))); }

  /**
   * Creates file `name` whose page k is device page pgoff + k of `dev` — an fsdax namespace
   * or a registered dm device, or a name of either (`ns` is the older spelling for a
   * namespace). The blocks are taken as they are (not zeroed).
   * Refusals: EBUSY when a page belongs to another file; ENOSPC when the file table or the
   * page-map arena has no room.
   * @throws {TypeError|RangeError} naming the field for bad input, a device that is not
   *   DAX-capable (a namespace not in fsdax mode, a dm table with a raw member), or a name
   *   already used.
   */
  createFile(o: { readonly dev?: Namespace | DmDevice | string; readonly ns?: Namespace | string; readonly name: string; readonly pgoff: number; readonly pages: number }): DaxFile | Refused<'EBUSY' | 'ENOSPC'> {
    if (typeof o !== 'object' || o === null) throw new TypeError(`options must be { dev, name, pgoff, pages }, got ${describe(o)}`);
    if (o.dev !== undefined && o.ns !== undefined) throw new TypeError('options: give dev or ns, not both');
    const dev = this.device(o.dev ?? o.ns ?? (undefined as unknown as string));
    const ns = dev.ns;
    if (ns !== null && ns.mode !== 'fsdax') throw new RangeError(`dev ${ns.name} is in ${ns.mode} mode; files live on an fs-dax filesystem, which needs an fsdax namespace`);
    if (dev.dm !== null && !dev.dm.dax) throw new RangeError(`dev ${dev.name}: the dm table is not DAX-capable (a member is not in fsdax mode); fs-dax files need a DAX device`);
    if (typeof o.name !== 'string') throw new TypeError(`name must be a string, got ${describe(o.name)}`);
    const nameBytes = new TextEncoder().encode(o.name);
    if (!NAME_RE.test(o.name) || nameBytes.length > NAME_MAX_BYTES) {
      throw new RangeError(`name must be 1..${NAME_MAX_BYTES} bytes of UTF-8 without "/" or NUL, got ${describe(o.name)}`);
    }
    const pages = checkInteger('pages', o.pages, 1, dev.dataPages, 'pages', ` (device ${dev.name} has ${dev.dataPages} data pages)`);
    const pgoff = checkInteger('pgoff', o.pgoff, 0, dev.dataPages - pages, 'page', ` (pgoff + ${pages} pages must stay inside device ${dev.name}'s ${dev.dataPages} data pages)`);
    const r = this.region;
    return r.lock((): DaxFile | Refused<'EBUSY' | 'ENOSPC'> => {
      for (const m of dev.members) this.#checkGeometry(m);
      let free = -1;
      const used: [number, number][] = [];
      for (let i = 0; i < r.maxFiles; i++) {
        if (r.fileWord(i, F_STATE) !== STATE_LIVE) {
          if (free < 0) free = i;
          continue;
        }
        if (r.fileName(i) === o.name) throw new RangeError(`name ${JSON.stringify(o.name)} is already used by a file`);
        used.push([r.fileWord(i, F_MAP_BASE), r.fileWord(i, F_PAGES)]);
      }
      if (pgoff < this.metaPages) return { ok: false, errno: 'EBUSY' };
      // An error target's pages have no block to own (fs-device.ts): a file may name them.
      const at = newDevPage();
      for (let p = pgoff; p < pgoff + pages; p++) {
        const m = dev.resolve(p, at);
        if (m !== null && r.blockUsed(m.ns.index, m.nsPgoff)) return { ok: false, errno: 'EBUSY' };
      }
      const mapBase = firstFit(used, pages, r.mapCapacity);
      if (free < 0 || mapBase < 0) return { ok: false, errno: 'ENOSPC' };
      for (let k = 0; k < pages; k++) {
        r.setMap(mapBase + k, pgoff + k);
        dev.setBlockUsed(r, pgoff + k, true);
      }
      r.setFileName(free, nameBytes);
      r.setFileWord(free, F_NS, dev.index);
      r.setFileWord(free, F_PAGES, pages);
      r.setFileWord(free, F_MAP_BASE, mapBase);
      r.setFileWord(free, F_READ_POLICY, 0);
      r.setFileWord(free, F_INCORE, 0);
      r.setFileWord(free, F_GENERATION, r.fileWord(free, F_GENERATION) + 1);
      // Published last: a thread that finds the entry live finds it complete.
      r.setFileWord(free, F_STATE, STATE_LIVE);
      r.setWord(FS_LIVE, r.word(FS_LIVE) + 1);
      const file = new DaxFile(this, free);
      this.rmapMapped(file, 0, pgoff, pages);
      return file;
    });
  }

  /**
   * A handle on file `name`. Built under the fs mutex, so its fields come from one version
   * of the entry even while another thread drops and re-creates files.
   * @throws {RangeError} naming the known files when there is no file `name`.
   */
  open(name: string): DaxFile {
    const r = this.region;
    const file = r.lock(() => {
      for (let i = 0; i < r.maxFiles; i++) {
        if (r.fileWord(i, F_STATE) === STATE_LIVE && r.fileName(i) === name) return new DaxFile(this, i);
      }
      return undefined;
    });
    if (file === undefined) throw new RangeError(`no file ${describe(name)}; files: ${this.files().join(', ') || '(none)'}`);
    return file;
  }

  /** Names of the live files, in table order. */
  files(): string[] {
    const r = this.region;
    return r.lock(() => {
      const out: string[] = [];
      for (let i = 0; i < r.maxFiles; i++) if (r.fileWord(i, F_STATE) === STATE_LIVE) out.push(r.fileName(i));
      return out;
    });
  }

  /**
   * The filesystem on `ns` is gone (the namespace was reconfigured: ndctl create-namespace -f
   * re-creates it): its files are removed and its free map is rebuilt for the new data
   * layout. Waits for each file's I/O to finish (takes its i_rwsem exclusive).
   * @throws {TypeError} when `ns` is not a namespace of this system.
   */
  dropNamespace(ns: Namespace): void {
    if (!this.system.namespaces.includes(ns)) throw new TypeError(`ns must be one of this system's Namespace objects, got ${describe(ns)}`);
    const r = this.region;
    for (let i = 0; i < r.maxFiles; i++) {
      if (r.fileWord(i, F_STATE) !== STATE_LIVE || r.fileWord(i, F_NS) !== ns.index) continue;
      r.inodeLock(i).exclusive(() => r.lock(() => {
        if (r.fileWord(i, F_STATE) !== STATE_LIVE) return;
        r.setFileWord(i, F_STATE, STATE_FREE);
        r.setWord(FS_LIVE, r.word(FS_LIVE) - 1);
      }));
    }
    r.lock(() => {
      r.clearBitmap(ns.index, ns.size);
      // The reverse map forgets the device; xfs metadata is laid out again for the new size.
      const rmap = this.rmapOrNull;
      if (rmap !== null && ns.index < rmap.devices) {
        rmap.clear(ns.index);
        if (this.format.type === 'xfs' && ns.mode === 'fsdax') reserveMetadata(rmap, ns.index, Math.min(this.metaPages, rmap.devicePages(ns.index)));
      }
      r.setNsGeometry(ns.index, ns.dataPages, ns.dataOffset);
    });
  }

  #checkGeometry(ns: Namespace): void {
    if (ns.dataOffset !== this.region.nsDataOffset(ns.index)) {
      throw new Error(`dax: namespace ${ns.name} was reconfigured; call fs.dropNamespace() after reconfigureNamespace()`);
    }
  }

  /**
   * A power failure (Media.powerFail) with the bytes each file loses: every line not yet
   * durable is replaced by the "LOSTLINE" pattern. Call with the other threads quiescent.
   */
  powerFail(): { readonly lostBytes: number; readonly files: readonly { readonly name: string; readonly lostBytes: number }[] } {
    const files = this.files().map((name) => ({ name, lostBytes: this.open(name).volatileBytes() }));
    return { lostBytes: this.system.media.powerFail().lostBytes, files };
  }

  /** Checks the invariants of fs-region.ts; returns what is wrong (empty when consistent). */
  fsck(): string[] {
    const at = newDevPage();
    return this.region.fsck(this.system.namespaces.map((ns) => ns.name), (dev, page) => {
      const m = this.deviceAt(dev).resolve(page, at);
      return m === null ? null : [m.ns.index, m.nsPgoff];
    });
  }
}

/** First slot of a gap of `n` slots among `used` ([base, length]) in [0, capacity), or -1. */
function firstFit(used: [number, number][], n: number, capacity: number): number {
  used.sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [base, len] of used) {
    if (base - at >= n) return at;
    at = Math.max(at, base + len);
  }
  return capacity - at >= n ? at : -1;
}

function findRegion(system: System): Region {
  const region = system.extraRegions.find((x) => x.kind === REGION_KIND_FSDAX);
  if (region === undefined) throw new Error('dax: the system has no fs-dax region; create it with extraRegions: [fsdaxRegion(namespace sizes)] or createFsdaxSystem()');
  return region;
}

/**
 * mkfs: formats the fs-dax region of `system` (the creating thread, once, before another
 * thread mounts it). Pass the FsRegionOptions given to fsdaxRegion().
 * @throws {TypeError|RangeError} naming the option for bad input; {Error} without a region.
 */
export function mkfsDax(system: System, options: MkfsOptions = {}): FsDax {
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${describe(options)}`);
  const readPolicy = READ_POLICIES.indexOf(checkChoice('readPolicy', options.readPolicy ?? 'off', READ_POLICIES));
  const allocator = ALLOCATORS.indexOf(checkChoice('allocator', options.allocator ?? 'same', ALLOCATORS));
  const ns = system.namespaces;
  FsRegion.format(system.context, findRegion(system), ns.map((n) => n.size), ns.map((n) => n.dataOffset), { ...options, readPolicy, allocator });
  return mountDax(system);
}

/** Mounts the filesystem mkfsDax() formatted (any thread attached to the system). */
export function mountDax(system: System): FsDax {
  return new FsDax(system, new FsRegion(system.context, findRegion(system)));
}

/**
 * createSystem() with the fs-dax region added, then mkfsDax().
 * @throws {TypeError|RangeError} naming the option for bad input.
 */
export async function createFsdaxSystem(options: SystemOptions, fs: MkfsOptions = {}): Promise<{ readonly system: System; readonly fs: FsDax }> {
  const config = resolveSystem(options);
  const region = fsdaxRegion(config.namespaces.map((n) => n.size), fs);
  const system = await createSystem({ ...options, extraRegions: [...(options.extraRegions ?? []), region] });
  return { system, fs: mkfsDax(system, fs) };
}
