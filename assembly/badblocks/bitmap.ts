/*
 * badblocks as a bitmap: two bits per block over a fixed capacity.
 *
 * Representation: block b is lane (b & 31) of the u64 word (b >> 5) at base + BB_DATA;
 * lane values GOOD 0, UNACKED 1, ACKED 2 (3 never occurs). Capacity is fixed at init
 * (BB_CAPACITY_UNITS blocks; default 2^24 sectors = 8 GiB in 4 MiB of bitmap).
 *
 * Entries are maximal same-ack runs, derived from the lanes, never stored. BB_COUNT (runs)
 * and the private UNACKED_RUNS counter are kept exact incrementally: a run *starts* at block
 * b when lane(b) != GOOD and lane(b) != lane(b-1); changing blocks [s, e) can only change
 * which blocks in [s, e] are starts, so a mutation counts starts there before and after.
 *
 * Cost: set/clear/check O(n/32) word operations for a range of n blocks, independent of how
 * many runs exist; check then walks to the ends of the run it reports (O(run length / 32)).
 * Memory: capacity/4 bytes whatever the number of runs — the trade-off the benchmark shows.
 *
 * Rules (per block, as the kernel's oracle, reference §1.4/§7.4): set acked -> ACKED; set
 * unacked -> UNACKED unless ACKED; clear -> GOOD. A range reaching past the capacity records
 * the part inside and returns false (like a full table). `changed` follows the kernel: a set
 * counts as a change unless it is unacked and every block in its range is already acked
 * (BB-5); every clear counts (BB-25). unacked_exist is exact: UNACKED_RUNS > 0.
 *
 * Concurrency: mutations run with the mutex held and the seqlock odd (badblocks.ts); every
 * reader loop is bounded by the capacity, so a torn read ends and is retried.
 */
import {
  BB_DATA, BB_PRIVATE, BB_CAPACITY_UNITS, BB_CHANGED, BB_UNACKED_EXIST, bbCount, bbSetCount,
} from "./header";

const GOOD: u64 = 0;
const UNACKED: u64 = 1;
const ACKED: u64 = 2;
const LOW_LANES: u64 = 0x5555555555555555;
const HIGH_LANES: u64 = 0xaaaaaaaaaaaaaaaa;
/** Private header: u32 count of runs that are unacknowledged. */
const P_UNACKED_RUNS: u32 = BB_PRIVATE;

// @ts-ignore: decorator
@inline function cap(base: usize): u64 { return load<u64>(base + BB_CAPACITY_UNITS); }
// @ts-ignore: decorator
@inline function wordAddr(base: usize, b: u64): usize { return base + BB_DATA + (<usize>(b >> 5) << 3); }
// @ts-ignore: decorator
@inline function lane(base: usize, b: u64): u64 { return (load<u64>(wordAddr(base, b)) >> ((b & 31) << 1)) & 3; }

/** Mask of lanes [lo, hi) of one word, 0 <= lo < hi <= 32. */
// @ts-ignore: decorator
@inline function laneMask(lo: u64, hi: u64): u64 {
  const upper: u64 = hi >= 32 ? <u64>-1 : ((<u64>1 << (hi << 1)) - 1);
  return upper & ~((<u64>1 << (lo << 1)) - 1);
}

/** Lanes of `w` equal to `v` (as a mask of whole lanes). */
// @ts-ignore: decorator
@inline function lanesEqual(w: u64, v: u64): u64 {
  const x = w ^ (v * LOW_LANES);
  const nz = (x | (x >> 1)) & LOW_LANES;
  return (~nz & LOW_LANES) * 3;
}

export function bitmap_init(base: usize, capacity: u32): void {
  store<u32>(base + P_UNACKED_RUNS, 0);
}

/**
 * Run starts in blocks [s, e) of the words as they are now: all starts, and the unacked
 * ones in the high half of the result.
 */
function countStarts(base: usize, s: u64, e: u64): u64 {
  let all: u64 = 0;
  let unacked: u64 = 0;
  let b = s;
  let prev: u64 = s == 0 ? GOOD : lane(base, s - 1);
  while (b < e) {
    const wi = b >> 5;
    const lo = b & 31;
    const hiAbs = (wi + 1) << 5;
    const stop = e < hiAbs ? e : hiAbs;
    const hi = stop - (wi << 5);
    const w = load<u64>(base + BB_DATA + (<usize>wi << 3));
    // Lane i's predecessor: lane i-1 of w, and `prev` for lane lo.
    const shifted = (w << 2) & ~laneMask(0, lo + 1) | (prev << (lo << 1));
    const mask = laneMask(lo, hi);
    const diff = w ^ shifted;
    const diffLanes = (diff | (diff >> 1)) & LOW_LANES;
    const nonGood = (w | (w >> 1)) & LOW_LANES;
    const starts = diffLanes & nonGood & mask;
    all += <u64>popcnt<u64>(starts);
    unacked += <u64>popcnt<u64>(starts & w & ~(w >> 1));
    prev = (w >> ((hi - 1) << 1)) & 3;
    b = stop;
  }
  return all | (unacked << 32);
}

/** Applies `f` (0 set acked, 1 set unacked, 2 clear) to blocks [s, e), keeping the counters. */
function apply(base: usize, s: u64, e: u64, op: i32): void {
  const limit = cap(base);
  const windowEnd = e < limit ? e + 1 : limit;
  const before = countStarts(base, s, windowEnd);
  let b = s;
  while (b < e) {
    const wi = b >> 5;
    const lo = b & 31;
    const hiAbs = (wi + 1) << 5;
    const stop = e < hiAbs ? e : hiAbs;
    const mask = laneMask(lo, stop - (wi << 5));
    const addr = base + BB_DATA + (<usize>wi << 3);
    const w = load<u64>(addr);
    let nw: u64;
    if (op == 0) nw = (w & ~mask) | (ACKED * LOW_LANES & mask);
    else if (op == 1) nw = w | (~lanesEqual(w, ACKED) & mask & LOW_LANES); // GOOD/UNACKED -> UNACKED
    else nw = w & ~mask;
    store<u64>(addr, nw);
    b = stop;
  }
  const after = countStarts(base, s, windowEnd);
  bbSetCount(base, <u32>(<u64>bbCount(base) + (after & 0xffffffff) - (before & 0xffffffff)));
  const ur = <u64>load<u32>(base + P_UNACKED_RUNS) + (after >> 32) - (before >> 32);
  store<u32>(base + P_UNACKED_RUNS, <u32>ur);
  atomic.store<u32>(base + BB_UNACKED_EXIST, ur > 0 ? 1 : 0);
}

/** True when every block of [s, e) is ACKED. */
function allAcked(base: usize, s: u64, e: u64): bool {
  let b = s;
  while (b < e) {
    const wi = b >> 5;
    const hiAbs = (wi + 1) << 5;
    const stop = e < hiAbs ? e : hiAbs;
    const mask = laneMask(b & 31, stop - (wi << 5));
    if ((lanesEqual(load<u64>(base + BB_DATA + (<usize>wi << 3)), ACKED) & mask) != mask) return false;
    b = stop;
  }
  return true;
}

export function bitmap_set(base: usize, s: u64, n: u64, ack: bool): bool {
  const limit = cap(base);
  if (s >= limit) return false;
  const e = s + n > limit ? limit : s + n;
  if (ack || !allAcked(base, s, e)) {
    apply(base, s, e, ack ? 0 : 1);
    atomic.store<u32>(base + BB_CHANGED, 1);
  }
  return s + n <= limit;
}

export function bitmap_clear(base: usize, s: u64, n: u64): bool {
  const limit = cap(base);
  if (s < limit) apply(base, s, s + n > limit ? limit : s + n, 2);
  atomic.store<u32>(base + BB_CHANGED, 1);
  return true;
}

/** First block in [from, to) whose lane differs from `v` (or `to`). Bounded by `to`. */
function findNotEqual(base: usize, from: u64, to: u64, v: u64): u64 {
  let b = from;
  while (b < to) {
    const wi = b >> 5;
    const hiAbs = (wi + 1) << 5;
    const stop = to < hiAbs ? to : hiAbs;
    const mask = laneMask(b & 31, stop - (wi << 5));
    const diff = ~lanesEqual(load<u64>(base + BB_DATA + (<usize>wi << 3)), v) & mask;
    if (diff != 0) return (wi << 5) + (<u64>ctz<u64>(diff) >> 1);
    b = stop;
  }
  return to;
}

/** Start of the run holding block b (lane v != GOOD): walk back while lanes equal v. */
function runStart(base: usize, b: u64, v: u64): u64 {
  let x = b;
  while (x > 0) {
    const wi = (x - 1) >> 5;
    const lo = wi << 5;
    const mask = laneMask(0, x - lo);
    const diff = ~lanesEqual(load<u64>(base + BB_DATA + (<usize>wi << 3)), v) & mask;
    if (diff != 0) return lo + ((63 - <u64>clz<u64>(diff)) >> 1) + 1;
    x = lo;
  }
  return 0;
}

export function bitmap_check(base: usize, s: u64, n: u64, out: usize): i32 {
  const limit = cap(base);
  if (s >= limit) return 0;
  // A zero-length query still asks about the block at s (reference BB-31).
  const e = n == 0 ? s + 1 : (s + n > limit ? limit : s + n);
  const first = findNotEqual(base, s, e, GOOD);
  if (first >= e) return 0;
  const v = lane(base, first);
  if (v == GOOD) return 0; // torn read: the seqlock retry discards it
  const start = runStart(base, first, v);
  const end = findNotEqual(base, first, limit, v);
  store<u64>(out, start);
  store<u64>(out + 8, end - start);
  // -1 when any overlapping block is unacknowledged.
  let b = first;
  while (b < e) {
    const wi = b >> 5;
    const hiAbs = (wi + 1) << 5;
    const stop = e < hiAbs ? e : hiAbs;
    const mask = laneMask(b & 31, stop - (wi << 5));
    if ((lanesEqual(load<u64>(base + BB_DATA + (<usize>wi << 3)), UNACKED) & mask) != 0) return -1;
    b = stop;
  }
  return 1;
}

export function bitmap_ack_all(base: usize): void {
  const limit = cap(base);
  const words = <usize>((limit + 31) >> 5);
  for (let i: usize = 0; i < words; i++) {
    const addr = base + BB_DATA + (i << 3);
    const w = load<u64>(addr);
    store<u64>(addr, (w & HIGH_LANES) | ((w & LOW_LANES) << 1));
  }
  // Neighbouring runs that differed only in ack merge: recount.
  bbSetCount(base, <u32>(countStarts(base, 0, limit) & 0xffffffff));
  store<u32>(base + P_UNACKED_RUNS, 0);
  atomic.store<u32>(base + BB_UNACKED_EXIST, 0);
}

export function bitmap_entries(base: usize, from: u64, out: usize, max: u32): u32 {
  const limit = cap(base);
  let b = from;
  // A run that started before `from` is not listed.
  if (b > 0 && b < limit) {
    const v = lane(base, b);
    if (v != GOOD && lane(base, b - 1) == v) b = findNotEqual(base, b, limit, v);
  }
  let n: u32 = 0;
  while (n < max && b < limit) {
    const first = findNotEqual(base, b, limit, GOOD);
    if (first >= limit) break;
    const v = lane(base, first);
    const end = findNotEqual(base, first, limit, v);
    const e = out + <usize>n * 24;
    store<u64>(e, first);
    store<u64>(e + 8, end - first);
    store<u64>(e + 16, v == ACKED ? 1 : 0);
    n++;
    b = end;
  }
  return n;
}
