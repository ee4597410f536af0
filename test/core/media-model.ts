/**
 * Plain TS reference models of the media core, written from the reference and DESIGN.md,
 * not from the implementation (no logs, no bitmaps, no chunking: one value per line/page).
 *
 * Copy model (reference §5.1, copy_mc_fragile as the canonical rule, C-1..C-4, C-6):
 *   a machine-check-safe read of [off, off+len) copies up to the start of the first poisoned
 *   64-byte source line it touches, or the start of the first page not present in the
 *   kernel direct map, whichever comes first; a stop point below `off` (the source starts
 *   inside a poisoned line or an unmapped page) copies nothing. Returns bytes NOT copied.
 *
 * Persistence model (reference §5.3, DESIGN.md "Semantics decisions"), per 64-byte line:
 *   plain write          touched lines -> dirty                    (eADR: stay durable)
 *   writeFlushcache      touched lines -> pending(writer)          (eADR: stay durable)
 *   flush (clwb)         touched dirty lines -> pending(flusher); durable and pending stay
 *   fence (sfence)       lines pending(caller) -> durable; returns 64 x lines made durable
 *   power failure        every non-durable line -> "LOSTLINE" x 8, durable; returns 64 x lines
 */

export const LINE_BYTES = 64;
export const PAGE_BYTES = 4096;
export const LOST_LINE = new TextEncoder().encode('LOSTLINE'.repeat(LINE_BYTES / 8));

/** Lines [first, end) touched by [off, off+len); empty when len is 0. */
export function lineSpan(off: number, len: number): [number, number] {
  if (len === 0) return [0, 0];
  return [Math.floor(off / LINE_BYTES), Math.floor((off + len - 1) / LINE_BYTES) + 1];
}

export class CopyModel {
  readonly poisoned = new Set<number>();
  readonly unmappedPages = new Set<number>();

  /** Media.poison: every line the range touches. */
  poison(off: number, len: number): void {
    const [first, end] = lineSpan(off, len);
    for (let l = first; l < end; l++) this.poisoned.add(l);
  }

  /** Offset of the first poisoned line the range touches, or -1. */
  firstPoisoned(off: number, len: number): number {
    const [first, end] = lineSpan(off, len);
    for (let l = first; l < end; l++) if (this.poisoned.has(l)) return l * LINE_BYTES;
    return -1;
  }

  /** Bytes a machine-check-safe copy of [off, off+len) does NOT copy. */
  notCopied(off: number, len: number): number {
    let stop = off + len;
    const bad = this.firstPoisoned(off, len);
    if (bad >= 0) stop = Math.min(stop, Math.max(bad, off));
    if (len > 0) {
      for (let p = Math.floor(off / PAGE_BYTES); p <= Math.floor((off + len - 1) / PAGE_BYTES); p++) {
        if (this.unmappedPages.has(p)) {
          stop = Math.min(stop, Math.max(p * PAGE_BYTES, off));
          break;
        }
      }
    }
    return off + len - stop;
  }
}

export const DURABLE = -2;
export const DIRTY = -1;
/** A line's state: DURABLE, DIRTY, or the thread id owning a pending line (>= 0). */
export type ModelState = number;

export type ModelLineState =
  | { readonly state: 'durable' }
  | { readonly state: 'dirty' }
  | { readonly state: 'pending'; readonly owner: number };

export class PersistModel {
  readonly bytes: Uint8Array;
  readonly states: ModelState[];

  constructor(initial: Uint8Array, readonly eADR: boolean) {
    if (initial.length % LINE_BYTES !== 0) throw new RangeError('model media must be whole lines');
    this.bytes = initial.slice();
    this.states = new Array<ModelState>(initial.length / LINE_BYTES).fill(DURABLE);
  }

  #mark(off: number, len: number, to: ModelState): void {
    if (this.eADR) return;
    const [first, end] = lineSpan(off, len);
    for (let l = first; l < end; l++) this.states[l] = to;
  }

  write(_tid: number, off: number, data: Uint8Array): void {
    this.bytes.set(data, off);
    this.#mark(off, data.length, DIRTY);
  }

  writeFlushcache(tid: number, off: number, data: Uint8Array): void {
    this.bytes.set(data, off);
    this.#mark(off, data.length, tid);
  }

  flush(tid: number, off: number, len: number): void {
    const [first, end] = lineSpan(off, len);
    for (let l = first; l < end; l++) if (this.states[l] === DIRTY) this.states[l] = tid;
  }

  /** Bytes made durable. */
  fence(tid: number): number {
    let n = 0;
    this.states.forEach((s, l) => {
      if (s === tid) {
        this.states[l] = DURABLE;
        n++;
      }
    });
    return n * LINE_BYTES;
  }

  /** Bytes lost. */
  powerFail(): number {
    let n = 0;
    this.states.forEach((s, l) => {
      if (s !== DURABLE) {
        this.bytes.set(LOST_LINE, l * LINE_BYTES);
        this.states[l] = DURABLE;
        n++;
      }
    });
    return n * LINE_BYTES;
  }

  volatileBytes(): number {
    return this.states.filter((s) => s !== DURABLE).length * LINE_BYTES;
  }

  lineState(line: number): ModelLineState {
    const s = this.states[line];
    if (s === undefined) throw new RangeError(`line ${line} is outside the model`);
    if (s === DURABLE) return { state: 'durable' };
    if (s === DIRTY) return { state: 'dirty' };
    return { state: 'pending', owner: s };
  }
}

/** Deterministic bytes for a seed, never all zero (so a lost or skipped write shows). */
export function seededBytes(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < len; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Index of the first differing byte, or -1 when equal (fast for MiB-sized arrays). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const ba = Buffer.from(a.buffer, a.byteOffset, a.length);
  const bb = Buffer.from(b.buffer, b.byteOffset, b.length);
  if (ba.equals(bb)) return -1;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
