/**
 * The block ledger of a verifying job (option `verify`): what each block of the span is
 * supposed to hold, kept in the job's shared memory so that every worker updates its own
 * blocks without asking the main thread (DESIGN.md, the one rule), and the main thread
 * verifies the media against it after the run or the power failure (verify.ts).
 *
 * A block is `bs` bytes of the target at a multiple of bs (block b = target bytes
 * [b*bs, (b+1)*bs)); worker w owns the blocks of its slice and is their only writer.
 *
 * Content: a write of version v to block b stores words w[i] = content(seed, b, v, i), so any
 * thread can regenerate what a block should hold from its version (a remedy rewrites a bad
 * page with it, as an application restores from a replica). Version 0 is the media's initial
 * content: zeros.
 *
 * Region (kind REGION_KIND_LEDGER), u32 words:
 *
 *   +0   magic, +4 blocks, +8 bs, +12 seed                 header, 64 bytes
 *   +64  records, 16 bytes per block:
 *        +0  version   of the last write (0: never written)
 *        +4  last      checksum of the last write's content  ("last written")
 *        +8  durable   checksum of the content last acknowledged durable
 *        +12 flags     F_UNACKED  written since the last acknowledgement (lines pending/dirty)
 *                      F_TORN     the last write (or remedy) fell short: content unknown
 *
 * Acknowledged durable means what the path promises: block and dm, a write then
 * nvdimm_flush (O_SYNC, or the fsync of sync=fsync); dax, pwrite then fsync; mmap, stores
 * then clwb + sfence (msync); on an eADR platform every completed write. A worker
 * acknowledges at its sync exactly the blocks it wrote since its previous one: the fence is
 * per thread (DESIGN.md), and only it writes its slice.
 *
 * Concurrency: one writer per record (the owning worker) with plain stores; the main thread
 * reads only after the workers left their op loops (their CTL_DONE increment and its
 * Atomics.load order the stores before the reads).
 *
 * Checksum: murmur3's 32-bit block mix over 32-bit words (not the byte-wise CRC-32 of
 * src/sim/crc32.ts: this runs on every read and write of a verifying job, and a word mix is
 * ~8x faster in JS). It detects corruption; it is not meant to resist an adversary.
 */
import type { System } from '../nvdimm/system.js';

export const REGION_KIND_LEDGER = 0x4752444c; // "LDGR"
const MAGIC = 0x4c444752;
export const LEDGER_HEADER_BYTES = 64;
export const RECORD_BYTES = 16;
const R_VERSION = 0;
const R_LAST = 1;
const R_DURABLE = 2;
const R_FLAGS = 3;
export const F_UNACKED = 1;
export const F_TORN = 2;

/** Bytes of a ledger for `blocks` blocks. */
export function ledgerBytes(blocks: number): number {
  return LEDGER_HEADER_BYTES + blocks * RECORD_BYTES;
}

/** murmur3_32 over `n` words of `w` (n*4 bytes), seed 0. */
export function checksumWords(w: Int32Array, from: number, n: number): number {
  let h = 0;
  for (let i = from; i < from + n; i++) {
    let k = Math.imul(w[i]!, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= n * 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Word i of block `block` at version `version` (0: the initial zeros). */
export function contentWord(seed: number, block: number, version: number, i: number): number {
  if (version === 0) return 0;
  let x = (Math.imul(block + 1, 0x9e3779b1) ^ Math.imul(version, 0x85ebca77) ^ seed) + Math.imul(i, 0x27d4eb2f);
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return x ^ (x >>> 16);
}

/** Writes block `block`'s content at `version`, words [first, first+n) of it, to w[at...]. */
export function fillContent(w: Int32Array, at: number, seed: number, block: number, version: number, first: number, n: number): void {
  if (version === 0) {
    w.fill(0, at, at + n);
    return;
  }
  for (let i = 0; i < n; i++) w[at + i] = contentWord(seed, block, version, first + i);
}

/** Checksum of block content at `version` (scratch: at least bs/4 words). */
export function contentChecksum(scratch: Int32Array, seed: number, block: number, version: number, words: number): number {
  fillContent(scratch, 0, seed, block, version, 0, words);
  return checksumWords(scratch, 0, words);
}

/** The view of a ledger region any thread uses. */
export class LedgerView {
  readonly words: Uint32Array;
  readonly blocks: number;
  readonly bs: number;
  readonly seed: number;
  constructor(system: System) {
    const r = system.extraRegions.find((x) => x.kind === REGION_KIND_LEDGER);
    if (r === undefined) throw new Error('workload: the system has no block ledger (the job does not verify)');
    this.words = new Uint32Array(system.context.u8.buffer, r.base, r.bytes / 4);
    if (this.words[0] !== MAGIC) throw new Error('workload: the block ledger is not initialised');
    this.blocks = this.words[1]!;
    this.bs = this.words[2]!;
    this.seed = this.words[3]! | 0;
  }
  #at(block: number): number { return LEDGER_HEADER_BYTES / 4 + block * (RECORD_BYTES / 4); }
  version(b: number): number { return this.words[this.#at(b) + R_VERSION]!; }
  last(b: number): number { return this.words[this.#at(b) + R_LAST]!; }
  durable(b: number): number { return this.words[this.#at(b) + R_DURABLE]!; }
  flags(b: number): number { return this.words[this.#at(b) + R_FLAGS]!; }
  set(b: number, version: number, last: number, durable: number, flags: number): void {
    const at = this.#at(b);
    this.words[at + R_VERSION] = version;
    this.words[at + R_LAST] = last;
    this.words[at + R_DURABLE] = durable;
    this.words[at + R_FLAGS] = flags;
  }
}

/** Formats the ledger (creator, before any worker attaches): every block version 0, durable zeros. */
export function initLedger(system: System, blocks: number, bs: number, seed: number): void {
  const r = system.extraRegions.find((x) => x.kind === REGION_KIND_LEDGER);
  if (r === undefined || r.bytes < ledgerBytes(blocks)) throw new Error('workload: no room for the block ledger');
  const w = new Uint32Array(system.context.u8.buffer, r.base, r.bytes / 4);
  w[1] = blocks;
  w[2] = bs;
  w[3] = seed >>> 0;
  const zero = checksumWords(new Int32Array(bs / 4), 0, bs / 4);
  for (let b = 0; b < blocks; b++) {
    const at = LEDGER_HEADER_BYTES / 4 + b * (RECORD_BYTES / 4);
    w[at + R_LAST] = zero;
    w[at + R_DURABLE] = zero;
  }
  Atomics.store(w, 0, MAGIC);
}

/** What a worker's read checks found. */
export interface ReadCheckCounts {
  /** Reads whose delivered bytes were compared with what was last written. */
  checked: number;
  /** Of those, reads that delivered bytes other than those last written. */
  mismatches: number;
  /** Reads of a block whose content is unknown (a torn write): delivered, not compared. */
  unknown: number;
}

/**
 * A worker's side of the ledger: fills the I/O buffer with a write's content, records
 * writes and acknowledgements, and checks what reads deliver.
 */
export class BlockLedger {
  readonly view: LedgerView;
  readonly counts: ReadCheckCounts = { checked: 0, mismatches: 0, unknown: 0 };
  /** First mismatches, for the report: "block b (target byte o): ...". */
  readonly evidence: string[] = [];
  readonly #bs: number;
  readonly #words: number;
  readonly #seed: number;
  readonly #eadr: boolean;
  /** The I/O buffer as words (the engines write from and read into its start). */
  readonly #buf: Int32Array;
  readonly #scratch: Int32Array;
  /** Blocks written since this worker's last acknowledgement. */
  #unacked: number[] = [];
  /** Checksum of the content the last fill put in the buffer. */
  #filled = 0;

  constructor(system: System, buf: Uint8Array, eadr: boolean) {
    this.view = new LedgerView(system);
    this.#bs = this.view.bs;
    this.#words = this.#bs / 4;
    this.#seed = this.view.seed;
    this.#eadr = eadr;
    if (buf.byteOffset % 4 !== 0) throw new Error('workload: the I/O buffer is not word-aligned');
    this.#buf = new Int32Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 4));
    this.#scratch = new Int32Array(Math.max(this.#words, 1024));
  }

  /** Before a write of block `b`: its next version's content into buf[0, bs). Returns the version. */
  beforeWrite(b: number): number {
    const v = this.view.version(b) + 1;
    fillContent(this.#buf, 0, this.#seed, b, v, 0, this.#words);
    this.#filled = checksumWords(this.#buf, 0, this.#words);
    return v;
  }

  /** After the write of version `v` to block `b` moved `written` bytes. */
  afterWrite(b: number, v: number, written: number): void {
    const view = this.view;
    const torn = written !== this.#bs;
    // A write that moved nothing left the old content; a short one, an unknown mix.
    if (written === 0) return;
    this.#record(b, v, torn ? view.last(b) : this.#filled, torn);
  }

  #record(b: number, v: number, last: number, torn: boolean): void {
    const view = this.view;
    const flags = view.flags(b);
    if ((flags & F_UNACKED) === 0) this.#unacked.push(b);
    view.set(b, v, last, view.durable(b), F_UNACKED | (torn ? F_TORN : 0));
    if (this.#eadr) this.synced();
  }

  /** After this worker's sync (fence): every block it wrote since the last one is durable. */
  synced(): void {
    const view = this.view;
    for (const b of this.#unacked) view.set(b, view.version(b), view.last(b), view.last(b), view.flags(b) & ~F_UNACKED);
    this.#unacked = [];
  }

  /**
   * Before a remedy rewrites target bytes [start, start+len) (whole pages, holding block
   * `first`...): the content every block there should hold, into buf[0, len). A torn block
   * wholly inside gets a new version (its old content is unknown); a block the range covers
   * only in part gets its current content back.
   */
  beforeRestore(start: number, len: number): void {
    const bs = this.#bs;
    for (let b = Math.floor(start / bs); b * bs < start + len; b++) {
      const from = Math.max(start, b * bs);
      const to = Math.min(start + len, (b + 1) * bs);
      const whole = from === b * bs && to === (b + 1) * bs;
      let v = this.view.version(b);
      if (whole && (this.view.flags(b) & F_TORN) !== 0) v++;
      fillContent(this.#buf, (from - start) / 4, this.#seed, b, v, (from - b * bs) / 4, (to - from) / 4);
    }
  }

  /** After the remedy's write: each block of the range is rewritten (ok) or unknown (it failed). */
  afterRestore(start: number, len: number, ok: boolean): void {
    const bs = this.#bs;
    for (let b = Math.floor(start / bs); b * bs < start + len; b++) {
      const whole = start <= b * bs && (b + 1) * bs <= start + len;
      const view = this.view;
      const torn = (view.flags(b) & F_TORN) !== 0;
      if (!ok) this.#record(b, view.version(b), view.last(b), true);
      else if (whole && torn) {
        const v = view.version(b) + 1;
        this.#record(b, v, contentChecksum(this.#scratch, this.#seed, b, v, this.#words), false);
      } else this.#record(b, view.version(b), view.last(b), torn);
    }
  }

  /**
   * A read of block `b` at target byte `off` delivered `good` bytes as data: buf[0, good) for
   * every engine but dax, where the delivered bytes are [0, good + skipped) less `skipped`
   * (file ranges; `fileStart` = target offset of the file's byte 0). Returns true when they
   * are the bytes last written.
   */
  checkRead(b: number, off: number, good: number, skipped: readonly { offset: number; length: number }[], fileStart: number): boolean {
    if (good === 0) return true;
    const view = this.view;
    if ((view.flags(b) & F_TORN) !== 0) {
      this.counts.unknown++;
      return true;
    }
    this.counts.checked++;
    let ok: boolean;
    if (good === this.#bs && skipped.length === 0) {
      ok = checksumWords(this.#buf, 0, this.#words) === view.last(b);
    } else {
      let extent = good;
      for (const s of skipped) extent += s.length;
      const words = extent / 4;
      fillContent(this.#scratch, 0, this.#seed, b, view.version(b), 0, words);
      ok = true;
      let k = 0;
      for (let i = 0; i < words && ok; i++) {
        const byte = off + i * 4 - fileStart;
        while (k < skipped.length && skipped[k]!.offset + skipped[k]!.length <= byte) k++;
        const s = skipped[k];
        if (s !== undefined && byte >= s.offset) continue;
        if (this.#buf[i] !== this.#scratch[i]) ok = false;
      }
    }
    if (!ok) {
      this.counts.mismatches++;
      if (this.evidence.length < 4) this.evidence.push(`block ${b} (target byte ${off}): a read delivered ${good} bytes that are not those of write version ${view.version(b)}`);
    }
    return ok;
  }
}
