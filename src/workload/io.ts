/**
 * I/O engines (fio's `engines/*.c`): one per path, behind one small interface, each opened by
 * a thread attached to the job's system. Offsets are bytes of the target — the namespace's
 * data (block), the dm device (dm), the namespace's data as the files lay it out (dax, mmap)
 * — from 0; `bs` is a multiple of 512.
 *
 * Files: as fio gives each of `numjobs` clones its own file, worker w reads and writes file
 * `data<w>`, whose pages are the device pages of its slice of the span (engine.ts creates
 * them), and warms up on `warm<w>` past the span. One shared file would make every read
 * take the same i_rwsem word: the simulated kernel's shared-reader count, one cache line
 * bouncing between the cores, which is a real cost, but not the one this engine measures.
 *
 *   block  pmemRead/pmemWrite (O_DIRECT on /dev/pmem0)       sync: nvdimm_flush
 *   dax    daxPread/daxPwrite of the worker's own file           sync: fsync
 *   mmap   64-byte loads and stores through a DAX mapping of the worker's own file; a
 *          poisoned load is a SIGBUS to this worker's process    sync: clwb of the lines + sfence
 *   dm     dmRead/dmWrite on a dm-stripe over pmem0 and pmem1 (64 KiB chunks)
 *   null   nothing: the op loop's own cost
 *
 * A read returns the bytes delivered as good data (a short or failed read delivers fewer)
 * and leaves why in `errno` ('' when all was delivered): an errno name, 'SIGBUS', or
 * 'partial' for a read that returned but skipped poisoned lines (recovery-read-line) or
 * stopped short. Data moves through views of this thread's I/O buffer (one wasm copy each).
 *
 * Remedies (on_error) repair the page-aligned range around a failed read so that a retry
 * can succeed: `recoveryWrite` rewrites the pages through the path's write (DAX recovery
 * write, or a block write, which clears known poison first); `punchHole` (files only) frees
 * the pages and rewrites them, so the new blocks are allocated and zeroed (F-9) — the remedy
 * before 5.19 gave DAX writes a recovery mode.
 */
import type { System } from '../nvdimm/system.js';
import type { Namespace } from '../nvdimm/namespace.js';
import { pmemFlush, pmemRead, pmemWrite } from '../pmem/block.js';
import { mountDax, type DaxFile, type FsDax } from '../dax/fs.js';
import { daxPread, daxPwrite } from '../dax/iomap.js';
import type { FileRange } from '../dax/blocks.js';
import { MAP_HOLE, MAP_PAGE_MASK } from '../dax/fs-region.js';
import { newDevPage } from '../dax/fs-device.js';
import { attachMm, createProcess, load, mmap, store, type Mapping, type Mm } from '../mm/index.js';
import { createDm, dmRead, dmWrite, type DmDevice, type DmSectorMapping } from '../dm/index.js';
import type { HandlingMode, IoPath } from './options.js';

/** Worker w's data and warm-up files. */
export const dataFile = (w: number): string => `data${w}`;
export const warmFile = (w: number): string => `warm${w}`;
/** dm-stripe chunk: 64 KiB. */
export const DM_CHUNK_SECTORS = 128;
const PAGE = 4096;
const NO_RANGES: readonly FileRange[] = [];

export interface IoEngine {
  /** Why the last read delivered less than asked ('' when it did not). */
  errno: string;
  /** Signals the last read received (mmap). */
  signals: number;
  /** dax: file byte ranges the last read skipped (recovery-read-line); else empty. */
  readonly skipped: readonly FileRange[];
  read(off: number, len: number): number;
  /** Returns the bytes written (fewer on failure, errno set). */
  write(off: number, len: number): number;
  /** Makes this thread's writes durable (fsync / nvdimm_flush / msync). */
  sync(): void;
  /** Rewrites the pages of [off, off+len); true when the write succeeded. */
  recoveryWrite(off: number, len: number): boolean;
  /** Punches the pages of [off, off+len) out and rewrites them (files only). */
  punchHole(off: number, len: number): boolean;
  /** SPA of target byte `off` (where poison of that byte lives), or -1 (a hole). */
  spaOf(off: number): number;
  /** Bytes of the target. */
  readonly bytes: number;
}

/** The page-aligned range around [off, off+len). */
function pages(off: number, len: number): [number, number] {
  const start = Math.floor(off / PAGE) * PAGE;
  return [start, Math.ceil((off + len) / PAGE) * PAGE - start];
}

/** The dm device of a dm job: a stripe over pmem0 and pmem1 (every thread builds the same). */
export function dmOf(system: System): DmDevice {
  return createDm('dm0', [{ type: 'stripe', devs: [system.namespaces[0]!, system.namespaces[1]!], chunk: DM_CHUNK_SECTORS }]);
}

export interface EngineOptions {
  readonly mode: HandlingMode;
  /** This thread's I/O buffer view, at least max(bs, the pages a remedy rewrites) bytes. */
  readonly buf: Uint8Array;
  /** dax, mmap: the file, and the target offset of its byte 0. */
  readonly file?: { readonly name: string; readonly start: number };
  /** mmap: the process that maps the file. */
  readonly process?: string;
}

/** Opens the engine of `path` on `system` (any attached thread). */
export function openEngine(path: IoPath, system: System, o: EngineOptions): IoEngine {
  const file = (): { name: string; start: number } => {
    if (o.file === undefined) throw new Error(`workload: path ${path} needs a file`);
    return o.file;
  };
  switch (path) {
    case 'block': return new BlockEngine(system.namespaces[0]!, o.buf);
    case 'dax': return new DaxEngine(mountDax(system), file(), o.mode, o.buf);
    case 'mmap': return new MmapEngine(system, file(), o.process ?? 'worker', o.buf);
    case 'dm': return new DmEngine(dmOf(system), o.buf);
    case 'null': return new NullEngine(system.namespaces[0]!);
  }
}

/** What engines share: the last read's outcome, and views of the I/O buffer by length. */
abstract class EngineBase {
  errno = '';
  signals = 0;
  /**
   * dax: file byte ranges the last read skipped as poisoned lines (recovery-read-line: they
   * are zeros in the buffer, not data); empty for every other engine and read.
   */
  skipped: readonly FileRange[] = NO_RANGES;
  readonly buf: Uint8Array;
  readonly #views = new Map<number, Uint8Array>();
  constructor(buf: Uint8Array) {
    this.buf = buf;
  }
  /** buf[0, len), made once per length (a view costs more than the copy of 4 KiB). */
  view(len: number): Uint8Array {
    let v = this.#views.get(len);
    if (v === undefined) this.#views.set(len, v = this.buf.subarray(0, len));
    return v;
  }
  /** The bytes a block-style result moved, noting its errno. */
  moved(r: { readonly ok: true; readonly bytes: number } | { readonly ok: false; readonly errno: string; readonly bytesDone: number }): number {
    if (r.ok) {
      this.errno = '';
      return r.bytes;
    }
    this.errno = r.errno;
    return r.bytesDone;
  }
}

/** Engines over a block device (a namespace, a dm device): a remedy is a plain write of the pages. */
abstract class DeviceEngine extends EngineBase {
  abstract write(off: number, len: number): number;
  recoveryWrite(off: number, len: number): boolean {
    const [s, n] = pages(off, len);
    return this.write(s, n) === n;
  }
  punchHole(): boolean { return false; }
}

class NullEngine extends EngineBase implements IoEngine {
  readonly bytes: number;
  readonly #ns: Namespace;
  constructor(ns: Namespace) {
    super(new Uint8Array(0));
    this.#ns = ns;
    this.bytes = ns.dataBytes;
  }
  read(_off: number, len: number): number { return len; }
  write(_off: number, len: number): number { return len; }
  sync(): void { /* nothing written */ }
  recoveryWrite(): boolean { return true; }
  punchHole(): boolean { return true; }
  spaOf(off: number): number { return this.#ns.spaOf(off, 1); }
}

class BlockEngine extends DeviceEngine implements IoEngine {
  readonly bytes: number;
  readonly #ns: Namespace;
  constructor(ns: Namespace, buf: Uint8Array) {
    super(buf);
    this.#ns = ns;
    this.bytes = ns.dataBytes;
  }
  read(off: number, len: number): number { return this.moved(pmemRead(this.#ns, off / 512, len, { out: this.view(len) })); }
  write(off: number, len: number): number { return this.moved(pmemWrite(this.#ns, off / 512, this.view(len))); }
  sync(): void { pmemFlush(this.#ns); }
  spaOf(off: number): number { return this.#ns.spaOf(off, 1); }
}

/** File-backed engines share the file, its page map and the remedies. */
abstract class FileEngine extends EngineBase {
  readonly bytes: number;
  readonly fs: FsDax;
  readonly file: DaxFile;
  /** Target offset of the file's byte 0: the engine's offsets are target offsets. */
  readonly start: number;
  readonly #at = newDevPage();
  constructor(fs: FsDax, file: { name: string; start: number }, buf: Uint8Array) {
    super(buf);
    this.fs = fs;
    this.file = fs.open(file.name);
    this.start = file.start;
    this.bytes = file.start + this.file.sizeBytes;
  }
  pwrite(off: number, len: number): number {
    const r = daxPwrite(this.file, off - this.start, this.view(len));
    if (r.ok) {
      this.errno = r.bytes === len ? '' : 'partial';
      return r.bytes;
    }
    this.errno = r.errno;
    return 0;
  }
  recoveryWrite(off: number, len: number): boolean {
    const [s, n] = pages(off, len);
    return this.pwrite(s, n) === n;
  }
  punchHole(off: number, len: number): boolean {
    const [s, n] = pages(off, len);
    if (!this.file.punchHole(s - this.start, n).ok) return false;
    // The write fills the new hole (its allocation zeroes the blocks first, F-9).
    return this.pwrite(s, n) === n;
  }
  spaOf(off: number): number {
    const e = this.file.mapEntry(Math.floor((off - this.start) / PAGE));
    if ((e & MAP_HOLE) !== 0) return -1;
    const m = this.file.dev.resolve(e & MAP_PAGE_MASK, this.#at);
    return m === null ? -1 : m.ns.spaOf(m.nsPgoff * PAGE + (off % PAGE), 1);
  }
}

class DaxEngine extends FileEngine implements IoEngine {
  readonly #policy: 'off' | 'page' | 'line';
  readonly #opts: { policy: 'off' | 'page' | 'line'; out: Uint8Array };
  constructor(fs: FsDax, file: { name: string; start: number }, mode: HandlingMode, buf: Uint8Array) {
    super(fs, file, buf);
    this.#policy = mode === 'recovery-read-page' ? 'page' : mode === 'recovery-read-line' ? 'line' : 'off';
    this.#opts = { policy: this.#policy, out: buf };
  }
  read(off: number, len: number): number {
    this.#opts.out = this.view(len);
    const r = daxPread(this.file, off - this.start, len, this.#opts);
    if (!r.ok) {
      this.errno = r.errno;
      return 0;
    }
    let good = r.bytes;
    this.skipped = r.skipped;
    for (const s of r.skipped) good -= s.length;
    this.errno = good === len ? '' : 'partial';
    return good;
  }
  write(off: number, len: number): number { return this.pwrite(off, len); }
  sync(): void { this.file.fsync(); }
}

class MmapEngine extends FileEngine implements IoEngine {
  readonly #mm: Mm;
  readonly #map: Mapping;
  readonly #system: System;
  /** Views of the I/O buffer's 64-byte lines, made on first use: line k of a write stores buf[64k, 64k+64). */
  readonly #lines: Uint8Array[] = [];
  /** Target offsets written since the last sync (their lines are dirty in the cache). */
  #dirty: number[] = [];
  #dirtyLen = 0;
  constructor(system: System, file: { name: string; start: number }, process: string, buf: Uint8Array) {
    const fs = mountDax(system);
    super(fs, file, buf);
    this.#system = system;
    this.#mm = attachMm(system, fs);
    const proc = createProcess(this.#mm, process);
    const m = mmap(this.#mm, proc, this.file, 'pte');
    if (!('index' in m)) throw new Error(`mmap of ${file.name} failed: ${m.errno}`);
    this.#map = m;
  }
  #lineView(k: number): Uint8Array {
    return this.#lines[k] ?? (this.#lines[k] = this.buf.subarray(k * 64, k * 64 + 64));
  }
  read(off: number, len: number): number {
    for (let at = 0; at < len; at += 64) {
      const r = load(this.#mm, this.#map, off - this.start + at, 64);
      if (!r.ok) {
        this.errno = 'signals' in r ? 'SIGBUS' : r.errno;
        this.signals = 'signals' in r ? r.signals.length : 0;
        return at;
      }
      // The loaded bytes land in the I/O buffer, as the other engines' reads do (so a
      // verifying job can check them).
      if (r.data !== undefined) this.buf.set(r.data, at);
    }
    this.errno = '';
    this.signals = 0;
    return len;
  }
  write(off: number, len: number): number {
    for (let at = 0; at < len; at += 64) {
      const r = store(this.#mm, this.#map, off - this.start + at, this.#lineView(at / 64));
      if (!r.ok) {
        this.errno = 'signals' in r ? 'SIGBUS' : r.errno;
        this.signals = 'signals' in r ? r.signals.length : 0;
        return at;
      }
    }
    this.#dirty.push(off);
    this.#dirtyLen = Math.max(this.#dirtyLen, len);
    this.errno = '';
    return len;
  }
  /** msync / PMDK's persist: clwb every line written since the last sync, then sfence. */
  sync(): void {
    const media = this.#system.media;
    for (const off of this.#dirty) {
      for (let at = 0; at < this.#dirtyLen; at += PAGE) {
        const spa = this.spaOf(off + at);
        if (spa >= 0) media.flush(spa, Math.min(PAGE - (spa % PAGE), this.#dirtyLen - at));
      }
    }
    this.#dirty = [];
    media.fence();
  }
}

class DmEngine extends DeviceEngine implements IoEngine {
  readonly bytes: number;
  readonly #dm: DmDevice;
  readonly #m: DmSectorMapping = { target: 0, ns: null, nsSector: 0, sectorsLeftInIoUnit: 0 };
  constructor(dm: DmDevice, buf: Uint8Array) {
    super(buf);
    this.#dm = dm;
    this.bytes = dm.dataBytes;
  }
  read(off: number, len: number): number { return this.moved(dmRead(this.#dm, off / 512, len, this.view(len))); }
  write(off: number, len: number): number { return this.moved(dmWrite(this.#dm, off / 512, this.view(len))); }
  sync(): void { for (const ns of this.#dm.members) pmemFlush(ns); }
  spaOf(off: number): number {
    this.#dm.mapSectorUnchecked(Math.floor(off / 512), this.#m);
    return this.#m.ns === null ? -1 : this.#m.ns.spaOf(this.#m.nsSector * 512 + (off % 512), 1);
  }
}
