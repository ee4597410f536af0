/**
 * A list of poisoned byte ranges with the kernel's `badrange` semantics
 * (`drivers/nvdimm/badrange.c`, reference §2.1). Two lists use it:
 *
 * - the **bus badrange list**: what the kernel knows (ARS results, machine checks), the
 *   source from which every badblocks structure is populated;
 * - the **firmware error list**: what the platform knows (injections, long-scrub findings).
 *   nfit_test keeps exactly such a list for its emulated firmware (§7.2), and CLEAR_ERROR
 *   and ARS_INJECT_CLEAR apply the same forget rule to it.
 *
 * Representation (shared memory, under the device mutex):
 *
 *   +0   count     u32   entries in use
 *   +4   capacity  u32   entries available
 *   +8   dropped   f64   appends refused because the list was full (the kernel's -ENOMEM)
 *   +64  entries   capacity x { start f64, length f64 }   bytes, SPA (media offsets)
 *
 * Entries are kept in insertion order, like the kernel's linked list: the order matters
 * because populate feeds them to badblocks_set in that order, and a full badblocks table
 * keeps the first ones (E-6). Overlapping entries are allowed; they merge when converted to
 * badblocks.
 *
 * Rules (kernel):
 * - add(start, len): an entry with the same start has its length replaced (even by a shorter
 *   one); otherwise the range is appended as is.
 * - forget(start, len) over the inclusive interval [start, clrEnd = start+len-1]:
 *     E inside the interval              -> deleted
 *     start <= E.start && clrEnd > E.start -> front trimmed to begin at clrEnd+1
 *     E.start < start && E.end <= clrEnd -> tail trimmed to end at start-1
 *     E.start < start && E.end > clrEnd  -> split: E keeps the left part, the right part is
 *                                           appended at the tail
 *   The second test is `clrEnd > E.start`, not `>=`: a forget whose last byte is E's first
 *   byte leaves E untouched (a kernel quirk, kept). Deleting keeps the order of the rest.
 *
 * Cost: add O(n) (the duplicate scan), forget O(n), no allocation in shared memory.
 */
import type { BusState } from './state.js';
import { LIST_HEADER_BYTES, LIST_ENTRY_BYTES } from './state.js';

const L_COUNT = 0;
const L_CAPACITY = 4;
const L_DROPPED = 8;

/** One poisoned byte range: [start, start + length), SPA bytes. */
export interface ByteRange {
  readonly start: number;
  readonly length: number;
}

export class RangeList {
  readonly #bus: BusState;
  readonly #u32: Uint32Array;
  readonly #f64: Float64Array;
  readonly #e: Float64Array;
  readonly name: string;

  constructor(bus: BusState, base: number, name: string) {
    this.#bus = bus;
    this.name = name;
    const buf = bus.ctx.u8.buffer;
    this.#u32 = new Uint32Array(buf, base, 4);
    this.#f64 = new Float64Array(buf, base, 2);
    const capacity = this.#u32[L_CAPACITY / 4]!;
    this.#e = new Float64Array(buf, base + LIST_HEADER_BYTES, capacity * (LIST_ENTRY_BYTES / 8));
  }

  /** Prepares a zeroed list region (creator only, before other threads attach). */
  static init(u8: Uint8Array, base: number, capacity: number): void {
    new Uint32Array(u8.buffer, base, 2)[L_CAPACITY / 4] = capacity;
  }

  get count(): number { return this.#u32[L_COUNT / 4]!; }
  get capacity(): number { return this.#u32[L_CAPACITY / 4]!; }
  /** Appends refused because the list was full. */
  get dropped(): number { return this.#f64[L_DROPPED / 8]!; }

  #start(i: number): number { return this.#e[2 * i]!; }
  #len(i: number): number { return this.#e[2 * i + 1]!; }
  #put(i: number, start: number, len: number): void {
    this.#e[2 * i] = start;
    this.#e[2 * i + 1] = len;
  }

  #append(start: number, len: number): boolean {
    const n = this.count;
    if (n === this.capacity) {
      this.#f64[L_DROPPED / 8] = this.dropped + 1;
      return false;
    }
    this.#put(n, start, len);
    this.#u32[L_COUNT / 4] = n + 1;
    return true;
  }

  #delete(i: number): void {
    const n = this.count;
    this.#e.copyWithin(2 * i, 2 * (i + 1), 2 * n);
    this.#u32[L_COUNT / 4] = n - 1;
  }

  /** badrange_add. Returns false when a new entry was needed and the list is full. */
  addLocked(start: number, length: number): boolean {
    this.#bus.assertHeld(`${this.name}.add`);
    for (let i = 0; i < this.count; i++) {
      if (this.#start(i) === start) {
        this.#put(i, start, length);
        return true;
      }
    }
    return this.#append(start, length);
  }

  /** badrange_forget: see the rules above. A split whose right part finds the list full loses that part (counted in `dropped`). */
  forgetLocked(start: number, length: number): void {
    this.#bus.assertHeld(`${this.name}.forget`);
    if (length <= 0) return;
    const clrEnd = start + length - 1;
    for (let i = 0; i < this.count; i++) {
      const s = this.#start(i);
      const end = s + this.#len(i) - 1;
      if (end < start || s > clrEnd) continue;
      if (s >= start && end <= clrEnd) {
        this.#delete(i);
        i--;
        continue;
      }
      if (start <= s && clrEnd > s) {
        this.#put(i, clrEnd + 1, end - clrEnd);
        continue;
      }
      if (s < start && end <= clrEnd) {
        this.#put(i, s, start - s);
        continue;
      }
      if (s < start && end > clrEnd) {
        this.#append(clrEnd + 1, end - clrEnd);
        this.#put(i, s, start - s);
      }
    }
  }

  /** Every entry in list order. Takes the device mutex unless the caller holds it. */
  entries(): ByteRange[] {
    const read = (): ByteRange[] => {
      const out: ByteRange[] = [];
      for (let i = 0; i < this.count; i++) out.push({ start: this.#start(i), length: this.#len(i) });
      return out;
    };
    return this.#bus.held() ? read() : this.#bus.lock(read);
  }
}
