/**
 * The media API: simulated persistent memory with hardware poison and a persistence domain.
 *
 * All offsets and lengths are **bytes relative to the media start**. Every method validates
 * its arguments first and throws a `TypeError`/`RangeError` naming the argument and the
 * allowed range, changing nothing. Data moves through the wasm copies (copy_mc,
 * memcpy_flushcache, plain store) via this thread's I/O buffer, in chunks of at most the
 * buffer's size; chunking does not change any result.
 */
import {
  LINE_BYTES, LINE_SHIFT, LINE_DIRTY, LINE_DURABLE, PAGE_BYTES, PENDING_BASE, MAX_THREADS, DEFAULT_MAX_THREADS,
  mediaLimitBytes,
} from './layout.js';
import { attachShared, createShared, type SharedHandle, type ThreadContext } from './shared.js';
import { checkBoolean, checkByteRange, checkBytes, checkInteger, checkKeys, describe } from './validate.js';
import { parseSize } from './units.js';
import type { WasmBuild } from './wasm.js';

export interface MediaOptions {
  /** Media size: bytes (a multiple of 4096) or a string such as `"1GiB"`, `"64m"`. */
  readonly size: number | string;
  /** Caches in the persistence domain (eADR): every store is durable at once. */
  readonly eADR?: boolean;
  /** Thread slots (1..64, default 8): how many threads may attach at once. */
  readonly maxThreads?: number;
  /** Which wasm build to use (default: `POISONBENCH_WASM` or `release`). */
  readonly build?: WasmBuild;
}

/** Persistence state of one 64-byte line. */
export type LineState =
  | { readonly state: 'durable' }
  | { readonly state: 'dirty' }
  | { readonly state: 'pending'; readonly owner: number };

export interface ReadMcResult {
  /** The bytes copied before the first poisoned line: `len - notCopied` bytes. */
  readonly data: Uint8Array;
  /** Bytes NOT copied (copy_mc's return value); 0 when the whole range was read. */
  readonly notCopied: number;
}

export class Media {
  readonly #ctx: ThreadContext;
  readonly #base: number;

  /** @internal use createMedia() or attachMedia() */
  constructor(ctx: ThreadContext) {
    this.#ctx = ctx;
    this.#base = ctx.layout.mediaBase;
  }

  /** Media size in bytes. */
  get size(): number { return this.#ctx.layout.mediaBytes; }
  /** Whether every store is durable at once (eADR platform). */
  get eADR(): boolean { return this.#ctx.layout.eADR; }
  /** This thread's id: the owner recorded on lines it makes pending. */
  get threadId(): number { return this.#ctx.tid; }
  /** Pass to another thread (e.g. in `workerData`) and call `attachMedia()` there. */
  get handle(): SharedHandle { return this.#ctx.handle; }
  /** @internal the thread context, for layers built on the media. */
  get context(): ThreadContext { return this.#ctx; }

  #range(offset: unknown, len: unknown): [number, number] {
    return checkByteRange(offset, len, this.size);
  }

  /** Runs `step(mediaOffset, chunkLen)` over [off, off+len) in I/O-buffer-sized chunks. */
  #chunks(off: number, len: number, step: (at: number, n: number) => boolean): void {
    const max = this.#ctx.layout.ioBufferBytes;
    for (let done = 0; done < len;) {
      const n = Math.min(max, len - done);
      if (!step(off + done, n)) return;
      done += n;
    }
  }

  /** Plain cached stores: the lines written become dirty (not durable until flushed and fenced). */
  write(offset: number, bytes: Uint8Array): void {
    checkBytes('bytes', bytes);
    const [off] = checkByteRange(offset, bytes.length, this.size, 'offset', 'bytes.length');
    this.#copyIn(off, bytes, (dst, src, n) => this.#ctx.wasm.pmem_memcpy(dst, src, n));
  }

  /** memcpy_flushcache: the lines written become pending for this thread until `fence()`. */
  writeFlushcache(offset: number, bytes: Uint8Array): void {
    checkBytes('bytes', bytes);
    const [off] = checkByteRange(offset, bytes.length, this.size, 'offset', 'bytes.length');
    this.#copyIn(off, bytes, (dst, src, n) => this.#ctx.wasm.memcpy_flushcache(dst, src, n));
  }

  #copyIn(off: number, bytes: Uint8Array, copy: (dst: number, src: number, n: number) => void): void {
    const { u8, ioBuf } = this.#ctx;
    this.#chunks(off, bytes.length, (at, n) => {
      u8.set(bytes.subarray(at - off, at - off + n), ioBuf);
      copy(this.#base + at, ioBuf, n);
      return true;
    });
  }

  /** A plain load of the media: returns the bytes as stored, poisoned or not. */
  read(offset: number, len: number): Uint8Array {
    const [off, n] = this.#range(offset, len);
    return this.#ctx.u8.slice(this.#base + off, this.#base + off + n);
  }

  /**
   * copy_mc_to_kernel: a machine-check-safe read that stops at the start of the first
   * poisoned 64-byte line (or kernel-unmapped page) and reports the bytes not copied.
   */
  readMc(offset: number, len: number): ReadMcResult {
    const [off, n] = this.#range(offset, len);
    const { u8, ioBuf, wasm } = this.#ctx;
    const out = new Uint8Array(n);
    let copied = 0;
    this.#chunks(off, n, (at, k) => {
      const short = wasm.copy_mc(ioBuf, this.#base + at, k) >>> 0;
      out.set(u8.subarray(ioBuf, ioBuf + k - short), at - off);
      copied += k - short;
      return short === 0;
    });
    return { data: out.subarray(0, copied), notCopied: n - copied };
  }

  /** clean_cache_range (clwb): dirty lines in the range become pending for this thread. */
  flush(offset: number, len: number): void {
    const [off, n] = this.#range(offset, len);
    this.#ctx.wasm.clean_cache_range(off, n);
  }

  /**
   * sfence (pmem_wmb): the lines this thread made pending become durable; other threads'
   * pending lines do not. Returns the bytes made durable.
   */
  fence(): number {
    return (this.#ctx.wasm.pmem_wmb() >>> 0) * LINE_BYTES;
  }

  /**
   * A power failure: every line that is not durable is replaced by the pattern "LOSTLINE"
   * repeated; all lines become durable. Call with the other threads quiescent.
   */
  powerFail(): { lostBytes: number } {
    return { lostBytes: this.#ctx.wasm.power_fail() };
  }

  /** Hardware poison on every 64-byte line the range touches (test helper, latent poison). */
  poison(offset: number, len: number): void {
    const [off, n] = this.#range(offset, len);
    if (n > 0) this.#ctx.wasm.poison_set_lines(off >>> LINE_SHIFT, lineEnd(off, n));
  }

  /** Removes hardware poison from every line the range touches. */
  unpoison(offset: number, len: number): void {
    const [off, n] = this.#range(offset, len);
    if (n > 0) this.#ctx.wasm.poison_clear_lines(off >>> LINE_SHIFT, lineEnd(off, n));
  }

  /** Whether any line the range touches is poisoned (false for an empty range). */
  isPoisoned(offset: number, len: number): boolean {
    const [off, n] = this.#range(offset, len);
    if (n === 0) return false;
    const end = lineEnd(off, n);
    return (this.#ctx.wasm.poison_find_lines(off >>> LINE_SHIFT, end) >>> 0) < end;
  }

  /** Offset of the first poisoned line touched by the range, or -1 when it is clean. */
  firstPoisoned(offset: number, len: number): number {
    const [off, n] = this.#range(offset, len);
    if (n === 0) return -1;
    const end = lineEnd(off, n);
    const line = this.#ctx.wasm.poison_find_lines(off >>> LINE_SHIFT, end) >>> 0;
    return line < end ? line * LINE_BYTES : -1;
  }

  /** The persistence state of the line holding byte `offset`. */
  lineState(offset: number): LineState {
    const off = checkInteger('offset', offset, 0, this.size - 1, 'byte offset');
    const s = this.#ctx.wasm.persist_state(off);
    if (s === LINE_DURABLE) return { state: 'durable' };
    if (s === LINE_DIRTY) return { state: 'dirty' };
    return { state: 'pending', owner: s - PENDING_BASE };
  }

  /** Bytes of whole lines touched by the range that a power failure would lose now. */
  volatileBytes(offset: number, len: number): number {
    const [off, n] = this.#range(offset, len);
    return (this.#ctx.wasm.persist_count_volatile(off, n) >>> 0) * LINE_BYTES;
  }

  /** set_mce_nospec: page `pfn` leaves the kernel direct map; copy_mc stops at it. */
  setMceNospec(pfn: number): void {
    this.#ctx.wasm.set_mce_nospec(this.#pfn(pfn));
  }

  /** clear_mce_nospec: page `pfn` is mapped again. */
  clearMceNospec(pfn: number): void {
    this.#ctx.wasm.clear_mce_nospec(this.#pfn(pfn));
  }

  #pfn(pfn: unknown): number {
    return checkInteger('pfn', pfn, 0, this.size / PAGE_BYTES - 1, 'page number');
  }

  /** Releases this thread's slot; the object must not be used afterwards. */
  detach(): void {
    this.#ctx.detach();
  }
}

function lineEnd(off: number, len: number): number {
  return Math.ceil((off + len) / LINE_BYTES);
}

/**
 * Creates simulated persistent memory in a new shared memory and attaches this thread.
 * @throws {TypeError|RangeError} naming `size`, `eADR`, `maxThreads` or `build` for bad input; the
 *   size must be a multiple of 4 KiB and fit one wasm32 memory with its metadata.
 */
export async function createMedia(options: MediaOptions): Promise<Media> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object such as { size: "1GiB" }, got ${describe(options)}`);
  }
  checkKeys('options', options, ['size', 'eADR', 'maxThreads', 'build']);
  const eADR = checkBoolean('eADR', options.eADR ?? false);
  const maxThreads = checkInteger('maxThreads', options.maxThreads ?? DEFAULT_MAX_THREADS, 1, MAX_THREADS);
  const build = options.build === undefined ? undefined : checkBuild(options.build);
  // Checked here rather than left to computeLayout() so that the message names `size`, the
  // option the caller wrote, not the layout's `mediaBytes`.
  const limit = mediaLimitBytes({ maxThreads });
  const size = typeof options.size === 'string' ? parseSize('size', options.size) : options.size;
  checkInteger('size', size, PAGE_BYTES, limit, 'byte count',
    ` (whole 4096-byte pages; with maxThreads ${maxThreads} the media and its metadata fit one 4 GiB wasm32 memory up to ${limit} bytes)`);
  if (size % PAGE_BYTES !== 0) {
    throw new RangeError(`size must be a multiple of 4096 bytes (whole pages) in [4096, ${limit}], got ${size}`);
  }
  return new Media(createShared({ mediaBytes: size, eADR, maxThreads }, build));
}

function checkBuild(build: unknown): WasmBuild {
  const what = `build must be "debug" or "release", got ${describe(build)}`;
  if (typeof build !== 'string') throw new TypeError(what);
  if (build !== 'debug' && build !== 'release') throw new RangeError(what);
  return build;
}

/** Attaches the calling thread to media created elsewhere (e.g. in a worker thread). */
export async function attachMedia(handle: SharedHandle): Promise<Media> {
  return new Media(attachShared(handle));
}
