/**
 * Where the holder-less (ext4-like) fs-dax filesystem keeps its state: one region of the
 * shared memory (DESIGN.md "The one rule of shared state"), requested from the system
 * layout with `fsdaxRegion()` and found again by its kind, so a worker attached to the
 * system reaches every file from the memory alone. This file is the representation only;
 * src/dax/fs.ts gives it meaning.
 *
 *   region base
 *   +0     FS_MAGIC        u32  written last by mkfs: a thread that sees it sees the rest
 *   +4     FS_MUTEX        i32  fs mutex (assembly/sync/mutex.ts): 0 free, owner tid+1;
 *   +8                     i32  its waiter count
 *   +12    FS_MAX_FILES    u32  entries of the file table
 *   +16    FS_MAP_CAP      u32  slots of the page-map arena
 *   +20    FS_READ_POLICY  u32  default recovery-read policy (READ_POLICY_CODE)
 *   +24    FS_ALLOCATOR    u32  block allocator goal (ALLOCATOR_CODE)
 *   +28    FS_LIVE         u32  live files (checked against the table by fsck)
 *   +32    FS_TYPE         u32  0 ext4-like (no dax holder), 1 xfs-like (holder with notify_failure)
 *   +36    FS_RMAPBT       u32  xfs: 1 when the reverse-map B-tree exists (mkfs -m rmapbt=1)
 *   +40    FS_META_PAGES   u32  the first pages of each device hold metadata (no file may use them)
 *   +44    FS_SHUTDOWN     u32  0 live, else the xfs shutdown reason (SHUTDOWN_CODE): file I/O -> EIO
 *   +256   NS table        MAX_NAMESPACES x 16 B: bitmap offset (from the region base),
 *                          data pages covered, data offset at mkfs (detects a reconfigure)
 *   +4096  file table      maxFiles x 128 B, one entry per file:
 *            +0   i_rwsem        3 x i32 (src/dax/rwsem.ts)
 *            +12  state          u32: 0 free, 1 live (Atomics: published last, cleared first)
 *            +16  device index   u32: a namespace index, or MAX_NAMESPACES + j for the
 *                                 j-th dm device (fs-device.ts)
 *            +20  pages          u32: i_size / 4096 (files do not grow; KEEP_SIZE punches)
 *            +24  map base       u32: first slot of its page map in the arena
 *            +28  read policy    u32: 0 = the fs default, else READ_POLICY_CODE + 1
 *            +32  generation     u32: bumped by every create, so a stale handle is caught
 *            +36  name length    u32: bytes
 *            +40  in core        u32: 1 once the inode was read into the inode cache (any
 *                                 access: read, write, punch, mmap); an rmap walk skips
 *                                 owners that are not (M-5)
 *            +64  name           64 B, UTF-8
 *   mapBase        page-map arena: mapCapacity x u32, one slot per file page:
 *                    bit 31 MAP_HOLE: no block (a read returns zeros)
 *                    bits 0..30: the device page (from the device's data start) the file
 *                    page maps to; for a hole, the page it last mapped to (the
 *                    allocator's goal when the hole is filled again, F-9)
 *   bitmaps        per namespace: 1 bit per data page, set = the block belongs to a file
 *                  (a dm file's block is its member page's bit: fs-device.ts)
 *
 * Invariants: a live file's map slots lie inside the arena and overlap no other live
 * file's; every mapped slot's device page has its bitmap bit set and no two mapped slots
 * (of any files) name the same device page; a set bit belongs to exactly one mapped slot
 * (fsck() in fs.ts checks all of it).
 *
 * Locking: a file's page map changes only with its i_rwsem held exclusive (a reader holding
 * it shared reads the map with plain loads); the file table, the bitmaps and the header words
 * change under the fs mutex. Order: i_rwsem -> fs mutex -> device mutex (src/nvdimm/state.ts).
 *
 * Cost: 128 B per file, 4 B per file page, 1 bit per device page.
 */
import type { Region, RegionRequest } from '../core/layout.js';
import type { ThreadContext } from '../core/shared.js';
import { checkInteger } from '../core/validate.js';
import { MutexGuarded, SharedMutex } from '../core/mutex.js';
import { MAX_NAMESPACES } from '../nvdimm/config.js';
import { InodeLock } from './rwsem.js';

export const REGION_KIND_FSDAX = 0x58534446; // "FDSX": fs-dax filesystem state
export const FS_MAGIC_VALUE = 0x44584653;

export const FS_MAGIC = 0;
export const FS_MUTEX = 4;
export const FS_MAX_FILES = 12;
export const FS_MAP_CAP = 16;
export const FS_READ_POLICY = 20;
export const FS_ALLOCATOR = 24;
export const FS_LIVE = 28;
export const FS_TYPE = 32;
export const FS_RMAPBT = 36;
export const FS_META_PAGES = 40;
export const FS_SHUTDOWN = 44;
export const NS_TABLE = 256;
export const NS_ENTRY_BYTES = 16;
export const FILES_BASE = 4096;
export const FILE_ENTRY_BYTES = 128;

export const F_RWSEM = 0;
export const F_STATE = 12;
export const F_NS = 16;
export const F_PAGES = 20;
export const F_MAP_BASE = 24;
export const F_READ_POLICY = 28;
export const F_GENERATION = 32;
export const F_NAME_LEN = 36;
export const F_INCORE = 40;
export const F_NAME = 64;
export const NAME_MAX_BYTES = 64;

export const STATE_FREE = 0;
export const STATE_LIVE = 1;

export const MAP_HOLE = 0x80000000;
export const MAP_PAGE_MASK = 0x7fffffff;

/** Recovery-read policies (src/dax/iomap.ts): `off` is the kernel's failfast. */
export type ReadPolicy = 'off' | 'page' | 'line';
export const READ_POLICIES: readonly ReadPolicy[] = ['off', 'page', 'line'];
/** Where a hole is filled: the block it had (`same`, ext4's goal) or another free one (`other`). */
export type Allocator = 'same' | 'other';
export const ALLOCATORS: readonly Allocator[] = ['same', 'other'];

export const DEFAULT_MAX_FILES = 1024;

/** Filesystem flavours: `ext4` registers no dax holder; `xfs` does (6.0+) and has a reverse map. */
export type FsType = 'ext4' | 'xfs';
export const FS_TYPES: readonly FsType[] = ['ext4', 'xfs'];
/** xfs_force_shutdown reasons a failure can cause (§6.4); index + 1 is the FS_SHUTDOWN word. */
export const SHUTDOWN_CODE = ['SHUTDOWN_CORRUPT_ONDISK', 'SHUTDOWN_FORCE_UMOUNT'] as const;
export type ShutdownReason = typeof SHUTDOWN_CODE[number];

export interface FsRegionOptions {
  /** Files the table holds (default 1024). */
  readonly maxFiles?: number;
  /** File pages the page-map arena holds (default: every data page of every namespace). */
  readonly maxFilePages?: number;
}

/** Offset (from the region base) of namespace `ns`'s "data offset at mkfs" word. */
export const nsDataOffsetWord = (ns: number): number => NS_TABLE + ns * NS_ENTRY_BYTES + 8;

const bitmapBytes = (sizeBytes: number): number => Math.ceil(sizeBytes / 4096 / 32) * 4;

/** Region layout for namespaces of these raw sizes (bytes). */
function plan(sizes: readonly number[], o: FsRegionOptions): { maxFiles: number; mapCapacity: number; mapBase: number; bitmaps: number[]; bytes: number } {
  const maxFiles = checkInteger('fs.maxFiles', o.maxFiles ?? DEFAULT_MAX_FILES, 1, 1 << 20, 'files');
  const pages = sizes.reduce((a, s) => a + Math.floor(s / 4096), 0);
  const mapCapacity = checkInteger('fs.maxFilePages', o.maxFilePages ?? pages, 1, 1 << 28, 'file pages');
  const mapBase = FILES_BASE + maxFiles * FILE_ENTRY_BYTES;
  let at = mapBase + mapCapacity * 4;
  const bitmaps = sizes.map((s) => {
    const off = at;
    at += bitmapBytes(s);
    return off;
  });
  return { maxFiles, mapCapacity, mapBase, bitmaps, bytes: at };
}

/**
 * The region the filesystem needs for namespaces of these raw sizes (bytes): pass it in
 * `SystemOptions.extraRegions`, then call `mkfsDax()` once the system exists.
 * @throws {RangeError} naming `fs.maxFiles` / `fs.maxFilePages` / `namespaces` for bad input.
 */
export function fsdaxRegion(namespaceSizes: readonly number[], options: FsRegionOptions = {}): RegionRequest {
  if (!Array.isArray(namespaceSizes) || namespaceSizes.length === 0 || namespaceSizes.length > MAX_NAMESPACES) {
    throw new RangeError(`namespaces must list 1..${MAX_NAMESPACES} namespace sizes in bytes, got ${String(namespaceSizes)}`);
  }
  namespaceSizes.forEach((s, i) => checkInteger(`namespaces[${i}]`, s, 4096, 2 ** 42, 'bytes'));
  const p = plan(namespaceSizes, options);
  return { kind: REGION_KIND_FSDAX, bytes: p.bytes, param: p.maxFiles };
}

/** This thread's view of the fs region: typed views, the fs mutex, entry accessors. */
export class FsRegion extends MutexGuarded {
  readonly ctx: ThreadContext;
  readonly base: number;
  readonly maxFiles: number;
  readonly mapCapacity: number;
  readonly #u32: Uint32Array;
  readonly #map: Uint32Array;
  readonly #locks: InodeLock[] = [];

  constructor(ctx: ThreadContext, region: Region) {
    super(new SharedMutex(ctx, region.base + FS_MUTEX, { layer: 'dax', name: 'fs mutex', order: 'src/dax/fs-region.ts lock order' }));
    this.ctx = ctx;
    this.base = region.base;
    this.#u32 = new Uint32Array(ctx.u8.buffer, region.base, region.bytes / 4);
    if (Atomics.load(this.#u32, FS_MAGIC / 4) !== FS_MAGIC_VALUE) {
      throw new Error('dax: the fs-dax region holds no filesystem; call mkfsDax() on the creating thread first');
    }
    this.maxFiles = this.#u32[FS_MAX_FILES / 4]!;
    this.mapCapacity = this.#u32[FS_MAP_CAP / 4]!;
    this.#map = new Uint32Array(ctx.u8.buffer, region.base + FILES_BASE + this.maxFiles * FILE_ENTRY_BYTES, this.mapCapacity);
  }

  /**
   * Lays the region out for namespaces of these raw sizes (creator only, the region zeroed,
   * before any other thread uses it).
   * @throws {RangeError} when the region is smaller than the plan (options differ from fsdaxRegion's).
   */
  static format(ctx: ThreadContext, region: Region, sizes: readonly number[], dataOffsets: readonly number[], o: FsRegionOptions & { readPolicy: number; allocator: number }): void {
    const p = plan(sizes, o);
    if (p.bytes > region.bytes) throw new RangeError(`the fs-dax region has ${region.bytes} bytes, the filesystem needs ${p.bytes}: pass the same options to fsdaxRegion() and mkfsDax()`);
    const u32 = new Uint32Array(ctx.u8.buffer, region.base, region.bytes / 4);
    u32[FS_MAX_FILES / 4] = p.maxFiles;
    u32[FS_MAP_CAP / 4] = p.mapCapacity;
    u32[FS_READ_POLICY / 4] = o.readPolicy;
    u32[FS_ALLOCATOR / 4] = o.allocator;
    sizes.forEach((s, i) => {
      const w = (NS_TABLE + i * NS_ENTRY_BYTES) / 4;
      u32[w] = p.bitmaps[i]!;
      u32[w + 1] = (s - dataOffsets[i]!) / 4096;
      u32[w + 2] = dataOffsets[i]!;
    });
    Atomics.store(u32, FS_MAGIC / 4, FS_MAGIC_VALUE);
  }



  /**
   * @internal The region as u32 words and the page-map arena: typed views made once per thread,
   * for the per-call reads of the file I/O path (DaxFile), which index them directly.
   */
  get u32(): Uint32Array { return this.#u32; }
  /** @internal see `u32`. */
  get mapWords(): Uint32Array { return this.#map; }

  word(off: number): number { return Atomics.load(this.#u32, off / 4); }
  setWord(off: number, v: number): void { Atomics.store(this.#u32, off / 4, v >>> 0); }

  /** Offset (from the region base) of file entry `i`. */
  entry(i: number): number { return FILES_BASE + i * FILE_ENTRY_BYTES; }
  fileWord(i: number, field: number): number { return this.word(this.entry(i) + field); }
  setFileWord(i: number, field: number, v: number): void { this.setWord(this.entry(i) + field, v); }

  /** The i_rwsem of file entry `i`. */
  inodeLock(i: number): InodeLock {
    let l = this.#locks[i];
    if (l === undefined) this.#locks[i] = l = new InodeLock(this.ctx, this.base + this.entry(i) + F_RWSEM);
    return l;
  }

  fileName(i: number): string {
    const at = this.base + this.entry(i) + F_NAME;
    return new TextDecoder().decode(this.ctx.u8.slice(at, at + this.fileWord(i, F_NAME_LEN)));
  }

  setFileName(i: number, bytes: Uint8Array): void {
    this.ctx.u8.set(bytes, this.base + this.entry(i) + F_NAME);
    this.setFileWord(i, F_NAME_LEN, bytes.length);
  }

  /** Page-map slot `slot` (plain loads: the file's i_rwsem orders them). */
  map(slot: number): number { return this.#map[slot]!; }
  setMap(slot: number, v: number): void { this.#map[slot] = v >>> 0; }

  /** Namespace `ns`'s table words: bitmap offset, data pages covered, data offset at mkfs. */
  nsBitmap(ns: number): number { return this.word(NS_TABLE + ns * NS_ENTRY_BYTES); }
  nsPages(ns: number): number { return this.word(NS_TABLE + ns * NS_ENTRY_BYTES + 4); }
  nsDataOffset(ns: number): number { return this.word(nsDataOffsetWord(ns)); }
  setNsGeometry(ns: number, pages: number, dataOffset: number): void {
    this.setWord(NS_TABLE + ns * NS_ENTRY_BYTES + 4, pages);
    this.setWord(nsDataOffsetWord(ns), dataOffset);
  }

  /** Whether device page `page` of namespace `ns` belongs to a file (fs mutex held for a stable answer). */
  blockUsed(ns: number, page: number): boolean {
    return (this.word(this.nsBitmap(ns) + (page >>> 5) * 4) & (1 << (page & 31))) !== 0;
  }

  /** Marks device page `page` used or free; fs mutex held. */
  setBlockUsed(ns: number, page: number, used: boolean): void {
    const off = this.nsBitmap(ns) + (page >>> 5) * 4;
    const bit = 1 << (page & 31);
    const w = this.word(off);
    this.setWord(off, used ? w | bit : w & ~bit);
  }

  /** First free page >= `from` of namespace `ns` not equal to `avoid`, or -1; fs mutex held. */
  findFreeBlock(ns: number, from: number, avoid: number): number {
    const pages = this.nsPages(ns);
    const bm = this.nsBitmap(ns);
    for (let p = from; p < pages;) {
      const w = this.word(bm + (p >>> 5) * 4);
      if (w === 0xffffffff) {
        p = (p | 31) + 1; // a full word: skip 32 pages at once
        continue;
      }
      if ((w & (1 << (p & 31))) === 0 && p !== avoid) return p;
      p++;
    }
    return -1;
  }

  /** Clears namespace `ns`'s bitmap (fs mutex held). */
  clearBitmap(ns: number, sizeBytes: number): void {
    const at = this.base + this.nsBitmap(ns);
    this.ctx.u8.fill(0, at, at + bitmapBytes(sizeBytes));
  }

  /**
   * Checks the invariants above for namespaces named `nsNames` (by index); returns what is
   * wrong, empty when consistent. Takes the fs mutex; the files' page maps are read without
   * their i_rwsem, so call it with file I/O quiescent.
   */
  fsck(nsNames: readonly string[], resolve: (dev: number, page: number) => readonly [number, number] | null): string[] {
    return this.lock(() => {
      const problems: string[] = [];
      const owner = new Map<string, string>();
      const slots: [number, number, string][] = [];
      for (let i = 0; i < this.maxFiles; i++) {
        if (this.fileWord(i, F_STATE) !== STATE_LIVE) continue;
        const name = this.fileName(i);
        const ns = this.fileWord(i, F_NS);
        const base = this.fileWord(i, F_MAP_BASE);
        const pages = this.fileWord(i, F_PAGES);
        if (base + pages > this.mapCapacity) problems.push(`${name}: map slots [${base}, ${base + pages}) leave the arena`);
        slots.push([base, pages, name]);
        for (let k = 0; k < pages; k++) {
          const e = this.map(base + k);
          if ((e & MAP_HOLE) !== 0) continue;
          const at = resolve(ns, e);
          if (at === null) continue; // an error target's page: no block
          const key = `${at[0]}:${at[1]}`;
          if (owner.has(key)) problems.push(`${name} page ${k}: device page ${e} also belongs to ${owner.get(key)}`);
          owner.set(key, `${name} page ${k}`);
          if (!this.blockUsed(at[0], at[1])) problems.push(`${name} page ${k}: device page ${e} is mapped but free in the bitmap`);
        }
      }
      if (slots.length !== this.word(FS_LIVE)) problems.push(`the live-file count says ${this.word(FS_LIVE)}, the table holds ${slots.length}`);
      slots.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < slots.length; i++) {
        if (slots[i - 1]![0] + slots[i - 1]![1] > slots[i]![0]) problems.push(`${slots[i - 1]![2]} and ${slots[i]![2]}: page maps overlap`);
      }
      nsNames.forEach((nsName, ns) => {
        for (let p = 0; p < this.nsPages(ns); p++) {
          if (this.blockUsed(ns, p) && !owner.has(`${ns}:${p}`)) problems.push(`${nsName}: device page ${p} is used in the bitmap but mapped by no file`);
        }
      });
      return problems;
    });
  }
}
