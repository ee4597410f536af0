/*
 * badblocks as the kernel's table before the 2023 rewrite: Linux <= 6.6 `block/badblocks.c`
 * (the MD code Neil Brown wrote and the 2015 block-layer move kept), reproduced exactly,
 * bugs included. Reference §1.9 and cases L-1..L-6; the traces of that code in
 * test/fixtures/badblocks-traces/legacy/ are the proof. The 5.18, 5.19 and 6.5 kernel
 * profiles use it where a device asks for the kernel's `table` (src/nvdimm/config.ts).
 *
 * Nothing here is tidied: this file exists so that "what did the rewrite fix?" can be
 * answered by running the old code (`poisonbench badblocks diff`).
 *
 * Representation
 * --------------
 * The same slots as table.ts: `capacity` (MAX_BADBLOCKS, 512 by default) u64 entries from
 * base + BB_DATA, BB_COUNT of them in use, each packed as
 *
 *    63  62                                              9  8         0
 *   +---+-------------------------------------------------+-----------+
 *   |ack|              offset (54 bits, blocks)           |  len - 1  |
 *   +---+-------------------------------------------------+-----------+
 *
 * but packed the way the old BB_MAKE did: `(a << 9) | (l - 1) | ack << 63`, with no mask.
 * A length the old code computed as a negative `int` therefore spills into the offset bits
 * (set(200, -1) stores offset 2^54-1, length 511 -- trace legacy/edge/35).
 *
 * Lengths are the old API's `int sectors`: the dispatcher (badblocks.ts) passes the low 32
 * bits of the caller's length as an i32, so 2^31 sectors is -2^31 and 2^32 is 0
 * (legacy/edge/37-39), and every `s + sectors` adds the sign-extended int to the u64 start.
 * Differences of u64 sectors stored into an `int` keep their low 32 bits, as in C.
 *
 * Invariants: none that the code keeps. The old code *intends* I1 of table.ts (sorted, not
 * overlapping) but breaks it:
 *  B1  a range longer than 512 is inserted chunk after chunk at the same index, so the
 *      chunks end up in reverse order: set(0, 1300) -> (1024,276),(512,512),(0,512) (L-4);
 *  B2  the rest of a range is inserted without looking at the entries it runs into, so
 *      entries may overlap;
 *  B3  the final lo/hi combine computes the merged length from the hi entry's start, which
 *      loses the sectors between lo's end and hi's start when lo was extended past hi:
 *      (10,5),(20,5),(30,5) + set(0,40) -> (0,25),(30,5) (L-3);
 *  B4  merging ANDs the ack flags unless the new range covers the old entry from its start:
 *      an unacked set inside an acked entry makes the whole entry unacked (L-1, L-2, L-6).
 * The binary searches then run on a table that may not be sorted; they are bounded by the
 * count whatever the order, and give what the kernel gave.
 *
 * How set works (badblocks_set; `s` and `sectors` already rounded by the dispatcher)
 * ---------------------------------------------------------------------------------
 * E = p[lo], the last entry starting at or before s (binary search); N = p[hi], the entry
 * after it; S = [s, s + sectors) the range, A/U acknowledged/unacknowledged.
 *
 *  1. Merge with E when E ends at or after s (overlap *or adjacency*). The merged entry
 *     starts at E's start and ends at max(end(E), end(S)); its ack is S's when S starts at
 *     E's start and reaches its end, else ack(E) AND ack(S) (B4). If that is longer than
 *     512, E becomes 512 long (its ack is left alone when it already was) and the rest of S
 *     after it goes on.
 *
 *        +------A------+                        +------U------+
 *        |      E      |         ==>            |      E      |       (L-1)
 *        +-------------+                        +-------------+
 *            +-U-+
 *            | S |
 *
 *  2. Merge with N when what is left of S reaches N's start (overlap or adjacency): N is
 *     moved to start at s; it ends at end(N), or at end(S) when S covers it (then it takes
 *     S's ack, else ack(N) AND ack(S)); capped at 512 as in 1. Only this one neighbour:
 *     entries after N that S covers stay as they were (B2, and L-3's motivation).
 *
 *  3. Combine: when all of S was used and there is an entry after the one just extended
 *     that starts at or before the extension's end, they become one entry of length
 *     len(lo) + len(hi) - (s - start(hi)), if that is < 512 (strict, L-5), ack = AND of the
 *     two (B3 loses the sectors in between, L-3).
 *
 *        +----------A----------+                +-------A------+
 *        |        lo           |      ==>       |      lo      |    (L-3: sectors lost)
 *        +--------------+------+                +--------------+
 *                       |  hi  |
 *                       +------+
 *
 *  4. Insert what is left of S, 512 at a time, each piece at the same index (B1), until it
 *     is all stored or the table is full: then fail (return 1) and drop the rest.
 *
 *  5. `changed` = 1 always (even for a zero-length set or a failure); `unacked_exist` = 1
 *     for an unacked S, else recomputed. Return 0 (success) or 1 (out of space).
 *
 * How clear works (badblocks_clear; [s, target) already rounded inward)
 * ---------------------------------------------------------------------
 *  1. E = p[lo], the last entry starting before target. If E runs past target, its tail
 *     [target, end(E)) is kept; if E also starts before s, its head [start(E), s) is kept
 *     too, as a new entry (a split): on a full table this returns -ENOSPC (-28) and changes
 *     nothing, not even `changed`.
 *  2. Walk down from E while entries end after s (and start before target): an entry that
 *     starts before s keeps its head and ends the walk; the ones passed are deleted.
 *  3. `unacked_exist` recomputed, `changed` = 1; return 0. With target <= s (a zero-length
 *     or sub-block clear) step 1 may still split an entry into two touching ones
 *     (legacy/edge/34, 44): reproduced.
 *
 * check (badblocks_check; [s, target) rounded outward): binary search for the last entry
 * starting before target, then walk down while entries end after s; each one that starts
 * before target overlaps. rc 0 none, 1 all acked, -1 one is not; first_bad/bad_sectors are
 * the *last* overlapping entry the walk met (the lowest in table order, which on an unsorted
 * table need not be the lowest offset: legacy/edge/16), in blocks -- the old code never
 * shifted them back to sectors (the dispatcher leaves them so). A zero-length check only
 * finds an entry that starts before s and ends after it (legacy/edge/34; 6.15: BB-31).
 *
 * ack_all (pre-6.15): every entry acked, unacked_exist = 0, no merging.
 *
 * Cost (N = count)
 *  set    O(log N) search, then at most two rewrites, one combine (memory.copy of N slots)
 *         and one memory.copy of N slots per 512-sector piece inserted.
 *  clear  O(log N + k) for k entries covered, one memory.copy of N slots.
 *  check  O(log N + k), no writes.
 *
 * Init and listing: table.ts's table_init, and its table_slots by index in table order (the
 * table need not be sorted).
 *
 * Concurrency: as table.ts. Writers run with the structure's mutex held and the seqlock odd
 * (badblocks.ts); readers (check, table_slots) are lock-free, clamp the count to the capacity
 * and only move indices down to 0 or up to that count, so any memory content ends them
 * quickly, and the seqlock retry discards what a torn read found. No module globals.
 */
import { bbSetCount, bbSetChanged, bbSetUnackedExist } from "./header";
import {
  BB_ACK_MASK, BB_MAX_LEN, bbOffset, bbLen, bbEnd, bbAck, entryAt, putEntry, countOf,
  capacityOf, moveSlots, updateAcked, readerCount,
} from "./table";

/** -ENOSPC, what the old badblocks_clear returned when a split found the table full. */
export const LEGACY_ENOSPC: i32 = -28;

/** BB_MAKE with an `int` length: `(a << 9) | (l - 1) | ack << 63`, unmasked, l - 1 in 32 bits. */
// @ts-ignore: decorator
@inline function makeInt(a: u64, l: i32, ack: bool): u64 {
  return (a << 9) | <u64><i64>(l - 1) | (ack ? BB_ACK_MASK : 0);
}

/** BB_MAKE with a `sector_t` length (a difference of two sectors). */
// @ts-ignore: decorator
@inline function makeU64(a: u64, l: u64, ack: bool): u64 {
  return (a << 9) | (l - 1) | (ack ? BB_ACK_MASK : 0);
}

/** `s + sectors` of the old code: the int sign-extended, the sum wrapping in 64 bits. */
// @ts-ignore: decorator
@inline function plusInt(s: u64, sectors: i32): u64 { return s + <u64><i64>sectors; }

/**
 * badblocks_set (<= 6.6): set cases 1-5 above; mutex held, seqlock odd. `sectors` is the
 * old `int` (any value, 0 and negative included). Returns 0 on success, 1 when the table
 * filled up (the rest of the range is dropped).
 */
export function table_legacy_set(base: usize, s: u64, sectors: i32, acknowledged: bool): i32 {
  const capacity = capacityOf(base);
  let count = countOf(base);
  let rv: i32 = 0;
  let lo: i32 = 0;
  let hi: i32 = count;
  // Last entry starting at or before s; afterwards hi == lo + 1, or hi == lo when none does.
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (bbOffset(entryAt(base, mid)) <= s) lo = mid;
    else hi = mid;
  }
  if (hi > lo && bbOffset(entryAt(base, lo)) > s) hi = lo;

  if (hi > lo) {                                                     // case 1
    const old = entryAt(base, lo);
    const a = bbOffset(old);
    let e = a + bbLen(old);
    if (e >= s) {
      const end = plusInt(s, sectors);
      const ack = s == a && end >= e ? acknowledged : bbAck(old) && acknowledged;
      if (e < end) e = end;
      if (e - a <= BB_MAX_LEN) {
        putEntry(base, lo, makeU64(a, e - a, ack));
        s = e;
      } else {
        // Too long for one entry: E becomes maximal (untouched, ack included, when it was).
        if (bbLen(old) != BB_MAX_LEN) putEntry(base, lo, makeU64(a, BB_MAX_LEN, ack));
        s = a + BB_MAX_LEN;
      }
      sectors = <i32>(e - s);
    }
  }
  if (sectors != 0 && hi < count) {                                  // case 2
    const next = entryAt(base, hi);
    let a = bbOffset(next);
    let e = a + bbLen(next);
    const end = plusInt(s, sectors);
    if (a <= end) {
      let ack: bool;
      if (e <= end) {
        e = end;
        ack = acknowledged;
      } else {
        ack = bbAck(next) && acknowledged;
      }
      a = s;
      if (e - a <= BB_MAX_LEN) {
        putEntry(base, hi, makeU64(a, e - a, ack));
        s = e;
      } else {
        putEntry(base, hi, makeU64(a, BB_MAX_LEN, ack));
        s = a + BB_MAX_LEN;
      }
      sectors = <i32>(e - s);
      lo = hi;
      hi++;
    }
  }
  if (sectors == 0 && hi < count) {                                  // case 3
    // s is the end of p[lo]. The merged length counts from p[hi]'s start (B3).
    const low = entryAt(base, lo);
    const high = entryAt(base, hi);
    const a = bbOffset(high);
    const newlen = <i32>(<u64><i64>(<i32>bbLen(low) + <i32>bbLen(high)) - (s - a));
    if (s >= a && newlen < <i32>BB_MAX_LEN) {
      putEntry(base, lo, makeInt(bbOffset(low), newlen, bbAck(low) && bbAck(high)));
      moveSlots(base, hi, hi + 1, count - hi - 1);
      count--;
      bbSetCount(base, <u32>count);
    }
  }
  while (sectors != 0) {                                             // case 4
    if (count >= capacity) {
      rv = 1;
      break;
    }
    // Always at hi: a second piece goes in front of the first (B1).
    moveSlots(base, hi + 1, hi, count - hi);
    count++;
    bbSetCount(base, <u32>count);
    const piece: i32 = sectors > <i32>BB_MAX_LEN ? <i32>BB_MAX_LEN : sectors;
    putEntry(base, hi, makeInt(s, piece, acknowledged));
    sectors -= piece;
    s = plusInt(s, piece);
  }

  bbSetChanged(base);                                                // case 5
  if (!acknowledged) bbSetUnackedExist(base, true);
  else updateAcked(base);
  return rv;
}

/**
 * badblocks_clear (<= 6.6): [s, target) becomes good (clear cases 1-3 above); mutex held,
 * seqlock odd. target < s is possible (a sub-block clear) and handled as the kernel did.
 * Returns 0, or LEGACY_ENOSPC when a needed split found the table full (nothing changed).
 */
export function table_legacy_clear(base: usize, s: u64, target: u64): i32 {
  const capacity = capacityOf(base);
  let count = countOf(base);
  let lo: i32 = 0;
  let hi: i32 = count;
  // Last entry starting before target.
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (bbOffset(entryAt(base, mid)) < target) lo = mid;
    else hi = mid;
  }
  if (hi > lo) {
    const last = entryAt(base, lo);
    if (bbEnd(last) > target && bbOffset(last) < target) {            // case 1: keep the tail
      const ack = bbAck(last);
      const a = bbOffset(last);
      const end = bbEnd(last);
      if (a < s) {
        if (count >= capacity) return LEGACY_ENOSPC;
        moveSlots(base, lo + 1, lo, count - lo);
        count++;
        bbSetCount(base, <u32>count);
        putEntry(base, lo, makeU64(a, s - a, ack));
        lo++;
      }
      putEntry(base, lo, makeU64(target, end - target, ack));
      hi = lo;
      lo--;
    }
    while (lo >= 0) {                                                // case 2
      const e = entryAt(base, lo);
      if (bbEnd(e) <= s || bbOffset(e) >= target) break;
      if (bbOffset(e) < s) {
        putEntry(base, lo, makeU64(bbOffset(e), s - bbOffset(e), bbAck(e)));
        break;
      }
      lo--;
    }
    // lo is strictly before, hi strictly after: what lies between goes.
    if (hi - lo > 1) {
      moveSlots(base, lo + 1, hi, count - hi);
      count -= hi - lo - 1;
      bbSetCount(base, <u32>count);
    }
  }
  updateAcked(base);                                                 // case 3
  bbSetChanged(base);
  return 0;
}

/**
 * badblocks_check (<= 6.6), lock-free: 0, 1 or -1 for [s, target); when not 0 the offset
 * and length (blocks) of the last overlapping entry the downward walk met go to `out` and
 * `out + 8`. Every index stays in [0, min(count, capacity)).
 */
export function table_legacy_check(base: usize, s: u64, target: u64, out: usize): i32 {
  let lo: i32 = 0;
  let hi: i32 = readerCount(base);
  let rv: i32 = 0;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (bbOffset(entryAt(base, mid)) < target) lo = mid;
    else hi = mid;
  }
  if (hi > lo) {
    for (; lo >= 0; lo--) {
      const e = entryAt(base, lo);
      if (bbEnd(e) <= s) break;
      if (bbOffset(e) < target) {
        rv = rv != -1 && bbAck(e) ? 1 : -1;
        store<u64>(out, bbOffset(e));
        store<u64>(out + 8, bbLen(e));
      }
    }
  }
  return rv;
}

/** ack_all_badblocks (<= 6.6): every entry acked; no merging (that came with 6.15). */
export function table_legacy_ack_all(base: usize): void {
  const count = countOf(base);
  for (let i: i32 = 0; i < count; i++) {
    const e = entryAt(base, i);
    if (!bbAck(e)) putEntry(base, i, e | BB_ACK_MASK);
  }
  bbSetUnackedExist(base, false);
}
