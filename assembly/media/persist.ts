/*
 * Persistence domain model (DESIGN.md "Semantics decisions", reference §5.3).
 *
 * Representation: one state byte per 64-byte media line at gStateBase:
 *
 *   LINE_DURABLE (0)          the line's content survives a power failure
 *   LINE_DIRTY   (1)          written with plain stores, still only in the CPU cache
 *   PENDING_BASE + tid (2..)  written back by thread `tid` (clwb or non-temporal store),
 *                             not yet ordered by a fence of that thread
 *
 * Why a byte and not two bits: x86 `sfence` orders only the issuing CPU's write-backs, so a
 * fence must make durable exactly the lines *its* thread made pending. Keeping the owner in
 * the state byte makes that exact even when two threads write and flush the same line
 * (the later writer owns it). Cost: 1/64 of the media size.
 *
 * Each thread also keeps a pending log in its slot: ranges of lines it made pending, so a
 * fence visits those lines only instead of the whole state array. A log that fills up is
 * first coalesced with its last entry; when that fails the thread drains its own log (an
 * early fence). Hardware may complete write-backs at any time, so this is a legal outcome
 * that can only make *fewer* lines lost at a power failure; SLOT_LOG_DRAINS counts it.
 *
 * Transitions (per line):
 *   plain store           any -> DIRTY                 (eADR: stays DURABLE)
 *   memcpy_flushcache     any -> PENDING(me)           (eADR: stays DURABLE)
 *   clean_cache_range     DIRTY -> PENDING(me); DURABLE and PENDING(other) unchanged
 *   pmem_wmb (fence)      PENDING(me) -> DURABLE, for lines in my log
 *   power_fail            non-DURABLE -> DURABLE with the line replaced by LOST_PATTERN
 *
 * Concurrency: single-line transitions that depend on the old state use a cmpxchg on the
 * aligned u64 holding 8 state bytes, so a fence never turns another thread's fresh DIRTY
 * or PENDING back into DURABLE. Whole-line overwrites (store, flushcache) are plain byte
 * fills: the last writer of a line defines its state, as the last writer defines its data.
 * power_fail assumes the machine is quiescent (it models the machine stopping).
 */
import { gMediaBytes, gStateBase, gEadr, gLogBase, gLogCapacity, gPendingCode, gSlot, gMediaBase } from "../env";
import {
  HEADER_BASE, HDR_THREADS_BASE, HDR_THREAD_SLOT_BYTES, HDR_MAX_THREADS, SLOT_LOG_COUNT,
  SLOT_LOG_DRAINS, LOG_ENTRY_BYTES, LINE_SHIFT, LINE_BYTES, LINE_DIRTY, LINE_DURABLE,
} from "../layout";

/** What a lost line reads back as: ASCII "LOSTLINE" repeated, easy to spot in a dump. */
export const LOST_PATTERN: u64 = 0x454e494c54534f4c;

const BYTES_01: u64 = 0x0101010101010101;

/** Lines [first, end) touched by media byte range [off, off+len), len > 0. */
// @ts-ignore: decorator
@inline function firstLineOf(off: usize): u32 {
  return <u32>(off >> LINE_SHIFT);
}
// @ts-ignore: decorator
@inline function endLineOf(off: usize, len: usize): u32 {
  return <u32>((off + len + LINE_BYTES - 1) >> LINE_SHIFT);
}

/** Appends [first, end) to this thread's pending log, coalescing or draining as needed. */
function logAppend(first: u32, end: u32): void {
  const countAddr = gSlot + SLOT_LOG_COUNT;
  let n = load<u32>(countAddr);
  if (n > 0) {
    const last = gLogBase + <usize>(n - 1) * LOG_ENTRY_BYTES;
    const lf = load<u32>(last);
    const le = lf + load<u32>(last, 4);
    // Overlapping or adjacent to the last entry: extend it (sequential writes stay 1 entry).
    if (first <= le && end >= lf) {
      const nf = first < lf ? first : lf;
      const ne = end > le ? end : le;
      store<u32>(last, nf);
      store<u32>(last, ne - nf, 4);
      return;
    }
  }
  if (n == gLogCapacity) {
    pmem_wmb();
    atomic.add<u32>(gSlot + SLOT_LOG_DRAINS, 1);
    n = 0;
  }
  const e = gLogBase + <usize>n * LOG_ENTRY_BYTES;
  store<u32>(e, first);
  store<u32>(e, end - first, 4);
  atomic.store<u32>(countAddr, n + 1);
}

/**
 * Sets `n` state bytes at `addr` to `code`. Short fills (up to a 4 KiB write's 64 lines)
 * use v128/u64 stores: memory.fill is a call out of wasm that costs more than the fill.
 */
// @ts-ignore: decorator
@inline function fillState(addr: usize, code: u8, n: usize): void {
  if (n > 64) {
    memory.fill(addr, code, n);
    return;
  }
  const v = i8x16.splat(<i8>code);
  const w: u64 = <u64>code * BYTES_01;
  let a = addr;
  const end = addr + n;
  while (a + 16 <= end) { v128.store(a, v); a += 16; }
  if (a + 8 <= end) { store<u64>(a, w); a += 8; }
  while (a < end) { store<u8>(a, code); a++; }
}

/** Plain (cached) stores landed on media bytes [off, off+len): lines become DIRTY. */
export function persist_mark_dirty(off: usize, len: usize): void {
  if (len == 0 || gEadr) return;
  const first = firstLineOf(off);
  const end = endLineOf(off, len);
  fillState(gStateBase + <usize>first, LINE_DIRTY, <usize>(end - first));
}

/** Written back by this thread on media bytes [off, off+len): lines become PENDING(me). */
export function persist_mark_pending(off: usize, len: usize): void {
  if (len == 0 || gEadr) return;
  const first = firstLineOf(off);
  const end = endLineOf(off, len);
  fillState(gStateBase + <usize>first, gPendingCode, <usize>(end - first));
  logAppend(first, end);
}

/**
 * Replaces, in the u64 of 8 state bytes at `addr`, every byte equal to `from` by `to`,
 * limited to bytes [lo, hi) of the word. Returns how many bytes changed. cmpxchg loop: see
 * "Concurrency" above.
 */
function replaceBytes(addr: usize, lo: u32, hi: u32, from: u8, to: u8): u32 {
  const ones = BYTES_01;
  const keep: u64 = (hi == 8 ? <u64>-1 : ((<u64>1 << (<u64>hi << 3)) - 1)) & ~((<u64>1 << (<u64>lo << 3)) - 1);
  while (true) {
    const w = atomic.load<u64>(addr);
    // Byte-wise equality test: a byte of x is zero iff that state byte equals `from`.
    const x = w ^ (ones * <u64>from);
    // For each byte: 0x80 when the byte of x is zero (exact, no false positives).
    const zeroHigh = ~(((x & 0x7f7f7f7f7f7f7f7f) + 0x7f7f7f7f7f7f7f7f) | x | 0x7f7f7f7f7f7f7f7f);
    const hit = (zeroHigh >> 7) * 0xff & keep;
    if (hit == 0) return 0;
    const nw = (w & ~hit) | ((ones * <u64>to) & hit);
    if (atomic.cmpxchg<u64>(addr, w, nw) == w) return <u32>popcnt<u64>(hit) >> 3;
  }
  return 0;
}

/** Replaces state `from` by `to` over lines [first, end); returns lines changed. */
function replaceRange(first: u32, end: u32, from: u8, to: u8): u32 {
  let changed: u32 = 0;
  let line = first;
  while (line < end) {
    const wordFirst = line & ~7;
    const lo = line - wordFirst;
    const hi: u32 = end - wordFirst >= 8 ? 8 : end - wordFirst;
    changed += replaceBytes(gStateBase + <usize>wordFirst, lo, hi, from, to);
    line = wordFirst + 8;
  }
  return changed;
}

/** clean_cache_range / arch_wb_cache_pmem: write back the dirty lines of [off, off+len). */
export function clean_cache_range(off: usize, len: usize): void {
  if (len == 0 || gEadr) return;
  const first = firstLineOf(off);
  const end = endLineOf(off, len);
  if (replaceRange(first, end, LINE_DIRTY, gPendingCode) > 0) logAppend(first, end);
}

/** pmem_wmb (sfence): this thread's pending lines become durable. Returns lines made durable. */
export function pmem_wmb(): u32 {
  const countAddr = gSlot + SLOT_LOG_COUNT;
  const n = load<u32>(countAddr);
  let made: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const e = gLogBase + <usize>i * LOG_ENTRY_BYTES;
    const first = load<u32>(e);
    made += replaceRange(first, first + load<u32>(e, 4), gPendingCode, LINE_DURABLE);
  }
  atomic.store<u32>(countAddr, 0);
  return made;
}

/** Persistence state of the line holding media byte `off`. */
export function persist_state(off: usize): u8 {
  return load<u8>(gStateBase + (off >> LINE_SHIFT));
}

/** Number of lines in [off, off+len) that are not durable. */
export function persist_count_volatile(off: usize, len: usize): u32 {
  if (len == 0) return 0;
  const first = firstLineOf(off);
  const end = endLineOf(off, len);
  let n: u32 = 0;
  for (let l = first; l < end; l++) if (load<u8>(gStateBase + <usize>l) != LINE_DURABLE) n++;
  return n;
}

/**
 * Power failure: every line that is not durable loses its content (replaced by
 * LOST_PATTERN), every line becomes durable, every thread's pending log empties.
 * Returns the number of bytes lost.
 */
export function power_fail(): f64 {
  const lines = <u32>((gMediaBytes + LINE_BYTES - 1) >> LINE_SHIFT);
  let lost: u32 = 0;
  let l: u32 = 0;
  while (l < lines) {
    // Skip 16 durable lines at a time.
    if ((l & 15) == 0 && l + 16 <= lines && !v128.any_true(v128.load(gStateBase + <usize>l))) {
      l += 16;
      continue;
    }
    if (load<u8>(gStateBase + <usize>l) != LINE_DURABLE) {
      const line = gMediaBase + (<usize>l << LINE_SHIFT);
      for (let k: usize = 0; k < LINE_BYTES; k += 8) store<u64>(line + k, LOST_PATTERN);
      store<u8>(gStateBase + <usize>l, LINE_DURABLE);
      lost++;
    }
    l++;
  }
  const threadsBase = <usize>load<u32>(HEADER_BASE + HDR_THREADS_BASE);
  const slotBytes = <usize>load<u32>(HEADER_BASE + HDR_THREAD_SLOT_BYTES);
  const maxThreads = load<u32>(HEADER_BASE + HDR_MAX_THREADS);
  for (let t: u32 = 0; t < maxThreads; t++) {
    atomic.store<u32>(threadsBase + <usize>t * slotBytes + SLOT_LOG_COUNT, 0);
  }
  return <f64>lost * <f64>LINE_BYTES;
}
