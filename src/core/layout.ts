/**
 * The shared-memory layout (mirror of assembly/layout.ts; a test keeps the two in step).
 *
 * `computeLayout()` runs once, before any thread attaches, and decides where every region
 * lives; `writeHeader()` records it in the memory so any thread can find everything from
 * the memory alone. Box diagram and word meanings: assembly/layout.ts.
 */
import { checkInteger, checkBoolean } from './validate.js';

export const HEADER_BASE = 0x10000;
export const HEADER_BYTES = 4096;
export const LAYOUT_MAGIC = 0x434e4250;
export const LAYOUT_VERSION = 1;

export const HDR_MAGIC = 0;
export const HDR_VERSION = 4;
export const HDR_TOTAL_PAGES = 8;
export const HDR_FLAGS = 12;
export const HDR_MEDIA_BASE = 16;
export const HDR_MEDIA_BYTES = 20;
export const HDR_POISON_BASE = 24;
export const HDR_POISON_BYTES = 28;
export const HDR_STATE_BASE = 32;
export const HDR_STATE_BYTES = 36;
export const HDR_PAGEFLAGS_BASE = 40;
export const HDR_PAGEFLAGS_BYTES = 44;
export const HDR_THREADS_BASE = 48;
export const HDR_THREAD_SLOT_BYTES = 52;
export const HDR_MAX_THREADS = 56;
export const HDR_LOG_CAPACITY = 60;
export const HDR_IOBUF_OFFSET = 64;
export const HDR_IOBUF_BYTES = 68;
export const HDR_NP_PAGES = 72;
export const HDR_STOP = 76;
export const HDR_REGION_COUNT = 80;
export const HDR_REGIONS = 128;
export const REGION_MAX = 32;
export const REGION_ENTRY_BYTES = 16;

export const FLAG_EADR = 1;

export const SLOT_OWNER = 0;
export const SLOT_LOG_COUNT = 4;
export const SLOT_LOG_DRAINS = 8;
export const SLOT_SCRATCH = 64;
export const SLOT_STATS = 128;
export const SLOT_LOG = 512;
export const LOG_ENTRY_BYTES = 8;

export const LINE_SHIFT = 6;
export const LINE_BYTES = 64;
export const PAGE_SHIFT = 12;
export const PAGE_BYTES = 4096;
export const SECTOR_BYTES = 512;

export const PG_HWPOISON = 1;
export const PG_KERNEL_NP = 2;

export const LINE_DURABLE = 0;
export const LINE_DIRTY = 1;
export const PENDING_BASE = 2;
export const MAX_THREADS = 64;

/** wasm32: 65536 pages of 64 KiB = 4 GiB is the most one memory can address. */
export const WASM_PAGE_BYTES = 65536;
export const WASM_MAX_PAGES = 65536;
export const MEMORY_MAX_BYTES = WASM_PAGE_BYTES * WASM_MAX_PAGES;

/** A later structure that asks for room in the memory (badblocks, error lists, ...). */
export interface RegionRequest {
  /** Small integer naming what the region holds; recorded in the directory. */
  readonly kind: number;
  /** Bytes wanted; rounded up to whole 4 KiB pages. */
  readonly bytes: number;
  /** One word the owner may use to describe the region (e.g. a capacity). */
  readonly param?: number;
}

export interface LayoutConfig {
  /** Media size in bytes, a multiple of 4096 (may be 0 for systems without media). */
  readonly mediaBytes: number;
  /** Thread slots, 1..64 (default 8). */
  readonly maxThreads?: number;
  /** Pending-log entries per thread (default 16384). */
  readonly logCapacity?: number;
  /** I/O buffer bytes per thread, a multiple of 4096 (default 2 MiB). */
  readonly ioBufferBytes?: number;
  /** Caches are in the persistence domain: every store is durable at once. */
  readonly eADR?: boolean;
  readonly regions?: readonly RegionRequest[];
}

export interface Region {
  readonly kind: number;
  readonly base: number;
  readonly bytes: number;
  readonly param: number;
}

export interface Layout {
  readonly totalBytes: number;
  readonly totalPages: number;
  readonly eADR: boolean;
  readonly mediaBase: number;
  readonly mediaBytes: number;
  readonly poisonBase: number;
  readonly poisonBytes: number;
  readonly stateBase: number;
  readonly stateBytes: number;
  readonly pageFlagsBase: number;
  readonly pageFlagsBytes: number;
  readonly threadsBase: number;
  readonly threadSlotBytes: number;
  readonly maxThreads: number;
  readonly logCapacity: number;
  readonly ioBufferOffset: number;
  readonly ioBufferBytes: number;
  readonly regions: readonly Region[];
}

export const DEFAULT_MAX_THREADS = 8;
export const DEFAULT_LOG_CAPACITY = 16384;
export const DEFAULT_IO_BUFFER_BYTES = 2 * 1024 * 1024;

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/**
 * Decides where every region lives.
 * @throws {RangeError} naming the field when a value is out of range or the whole layout
 *   would not fit in one wasm32 memory (4 GiB); the message states the largest media size
 *   that fits with the other settings.
 */
export function computeLayout(config: LayoutConfig): Layout {
  const layout = layoutFor(config);
  if (layout.totalBytes > MEMORY_MAX_BYTES) {
    throw new RangeError(
      `mediaBytes ${layout.mediaBytes} does not fit: media, its metadata (1/64 for persistence state, ` +
      `1/512 for the poison map, 1/4096 for page flags) and ${layout.maxThreads} thread slots need ` +
      `${layout.totalBytes} bytes, more than the 4 GiB one wasm32 memory can address; ` +
      `with these settings mediaBytes must be at most ${mediaLimitBytes(config)}`);
  }
  return layout;
}

/** The layout for `config`, validated but without the 4 GiB check. */
function layoutFor(config: LayoutConfig): Layout {
  const mediaBytes = checkInteger('mediaBytes', config.mediaBytes, 0, MEMORY_MAX_BYTES);
  if (mediaBytes % PAGE_BYTES !== 0) {
    throw new RangeError(`mediaBytes must be a multiple of 4096 bytes, got ${mediaBytes}`);
  }
  const maxThreads = checkInteger('maxThreads', config.maxThreads ?? DEFAULT_MAX_THREADS, 1, MAX_THREADS);
  const logCapacity = checkInteger('logCapacity', config.logCapacity ?? DEFAULT_LOG_CAPACITY, 1, 1 << 20);
  const ioBufferBytes = checkInteger('ioBufferBytes', config.ioBufferBytes ?? DEFAULT_IO_BUFFER_BYTES, PAGE_BYTES, 256 * 1024 * 1024);
  if (ioBufferBytes % PAGE_BYTES !== 0) {
    throw new RangeError(`ioBufferBytes must be a multiple of 4096 bytes, got ${ioBufferBytes}`);
  }
  const eADR = checkBoolean('eADR', config.eADR ?? false);
  const requests = config.regions ?? [];
  if (requests.length > REGION_MAX) {
    throw new RangeError(`regions must hold at most ${REGION_MAX} entries, got ${requests.length}`);
  }

  const lines = mediaBytes / LINE_BYTES;
  let at = HEADER_BASE + HEADER_BYTES;
  const mediaBase = at = alignUp(at, PAGE_BYTES);
  at += mediaBytes;
  const poisonBytes = alignUp(Math.ceil(lines / 8), 16);
  const poisonBase = at = alignUp(at, PAGE_BYTES);
  at += poisonBytes;
  const stateBytes = alignUp(lines, 16);
  const stateBase = at = alignUp(at, PAGE_BYTES);
  at += stateBytes;
  const pageFlagsBytes = alignUp(mediaBytes / PAGE_BYTES, 16);
  const pageFlagsBase = at = alignUp(at, PAGE_BYTES);
  at += pageFlagsBytes;

  const ioBufferOffset = alignUp(SLOT_LOG + logCapacity * LOG_ENTRY_BYTES, PAGE_BYTES);
  const threadSlotBytes = alignUp(ioBufferOffset + ioBufferBytes, PAGE_BYTES);
  const threadsBase = at = alignUp(at, PAGE_BYTES);
  at += threadSlotBytes * maxThreads;

  const regions: Region[] = requests.map((r, i) => {
    const kind = checkInteger(`regions[${i}].kind`, r.kind, 0, 0xffffffff);
    const bytes = alignUp(checkInteger(`regions[${i}].bytes`, r.bytes, 0, MEMORY_MAX_BYTES), PAGE_BYTES);
    const param = checkInteger(`regions[${i}].param`, r.param ?? 0, 0, 0xffffffff);
    const base = at = alignUp(at, PAGE_BYTES);
    at += bytes;
    return { kind, base, bytes, param };
  });

  const totalBytes = alignUp(at, WASM_PAGE_BYTES);
  return {
    totalBytes, totalPages: totalBytes / WASM_PAGE_BYTES, eADR,
    mediaBase, mediaBytes, poisonBase, poisonBytes, stateBase, stateBytes,
    pageFlagsBase, pageFlagsBytes, threadsBase, threadSlotBytes, maxThreads, logCapacity,
    ioBufferOffset, ioBufferBytes, regions,
  };
}

/**
 * The largest `mediaBytes` that `computeLayout()` accepts with these other settings
 * (wasm32 addresses at most 4 GiB, and the media shares it with 1/64 of its size in
 * persistence state, 1/512 in poison map, 1/4096 in page flags, and the thread slots).
 */
export function mediaLimitBytes(config: Omit<LayoutConfig, 'mediaBytes'> = {}): number {
  let lo = 0;
  let hi = MEMORY_MAX_BYTES / PAGE_BYTES;
  // Binary search on whole pages: the largest media whose layout fits.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (layoutFor({ ...config, mediaBytes: mid * PAGE_BYTES }).totalBytes <= MEMORY_MAX_BYTES) lo = mid;
    else hi = mid - 1;
  }
  return lo * PAGE_BYTES;
}

/** Writes the layout into the header of a fresh (zeroed) memory. */
export function writeHeader(memory: WebAssembly.Memory, layout: Layout): void {
  const v = new DataView(memory.buffer as ArrayBuffer);
  const w = (off: number, value: number): void => v.setUint32(HEADER_BASE + off, value >>> 0, true);
  w(HDR_VERSION, LAYOUT_VERSION);
  w(HDR_TOTAL_PAGES, layout.totalPages);
  w(HDR_FLAGS, layout.eADR ? FLAG_EADR : 0);
  w(HDR_MEDIA_BASE, layout.mediaBase);
  w(HDR_MEDIA_BYTES, layout.mediaBytes);
  w(HDR_POISON_BASE, layout.poisonBase);
  w(HDR_POISON_BYTES, layout.poisonBytes);
  w(HDR_STATE_BASE, layout.stateBase);
  w(HDR_STATE_BYTES, layout.stateBytes);
  w(HDR_PAGEFLAGS_BASE, layout.pageFlagsBase);
  w(HDR_PAGEFLAGS_BYTES, layout.pageFlagsBytes);
  w(HDR_THREADS_BASE, layout.threadsBase);
  w(HDR_THREAD_SLOT_BYTES, layout.threadSlotBytes);
  w(HDR_MAX_THREADS, layout.maxThreads);
  w(HDR_LOG_CAPACITY, layout.logCapacity);
  w(HDR_IOBUF_OFFSET, layout.ioBufferOffset);
  w(HDR_IOBUF_BYTES, layout.ioBufferBytes);
  w(HDR_REGION_COUNT, layout.regions.length);
  layout.regions.forEach((r, i) => {
    const e = HDR_REGIONS + i * REGION_ENTRY_BYTES;
    w(e, r.kind);
    w(e + 4, r.base);
    w(e + 8, r.bytes);
    w(e + 12, r.param);
  });
  // The magic goes last: a thread that sees it sees a complete header.
  Atomics.store(new Uint32Array(memory.buffer), (HEADER_BASE + HDR_MAGIC) / 4, LAYOUT_MAGIC);
}

/** Reads a layout back from a memory's header (what a worker thread does). */
export function readHeader(memory: WebAssembly.Memory): Layout {
  const v = new DataView(memory.buffer as ArrayBuffer);
  const r = (off: number): number => v.getUint32(HEADER_BASE + off, true);
  if (r(HDR_MAGIC) !== LAYOUT_MAGIC || r(HDR_VERSION) !== LAYOUT_VERSION) {
    throw new Error('memory does not hold a poisonbench layout of version ' + LAYOUT_VERSION);
  }
  const regions: Region[] = [];
  for (let i = 0; i < r(HDR_REGION_COUNT); i++) {
    const e = HDR_REGIONS + i * REGION_ENTRY_BYTES;
    regions.push({ kind: r(e), base: r(e + 4), bytes: r(e + 8), param: r(e + 12) });
  }
  return {
    totalPages: r(HDR_TOTAL_PAGES), totalBytes: r(HDR_TOTAL_PAGES) * WASM_PAGE_BYTES,
    eADR: (r(HDR_FLAGS) & FLAG_EADR) !== 0,
    mediaBase: r(HDR_MEDIA_BASE), mediaBytes: r(HDR_MEDIA_BYTES),
    poisonBase: r(HDR_POISON_BASE), poisonBytes: r(HDR_POISON_BYTES),
    stateBase: r(HDR_STATE_BASE), stateBytes: r(HDR_STATE_BYTES),
    pageFlagsBase: r(HDR_PAGEFLAGS_BASE), pageFlagsBytes: r(HDR_PAGEFLAGS_BYTES),
    threadsBase: r(HDR_THREADS_BASE), threadSlotBytes: r(HDR_THREAD_SLOT_BYTES),
    maxThreads: r(HDR_MAX_THREADS), logCapacity: r(HDR_LOG_CAPACITY),
    ioBufferOffset: r(HDR_IOBUF_OFFSET), ioBufferBytes: r(HDR_IOBUF_BYTES), regions,
  };
}
