/*
 * badblocks as the kernel's table: Linux 6.15+ `block/badblocks.c`, reproduced exactly.
 *
 * This is the structure pmem really uses, so every answer -- entries, count, return values,
 * `changed`, `unacked_exist` -- must be the kernel's, quirks included; the traces of the
 * kernel's own code in test/fixtures/badblocks-traces/ are the proof. The algorithm is the
 * 2023 rewrite by Coly Li with the 2025 fixes (bool returns, fail-fast on a full table,
 * partial sets reported as failure, ack_all merging neighbours), reference §1.1-§1.6, §1.10.
 *
 * Representation
 * --------------
 * `capacity` (BB_CAPACITY, the kernel's MAX_BADBLOCKS = PAGE_SIZE/8 = 512 by default) slots
 * of one u64 each from base + BB_DATA; BB_COUNT of them, from slot 0, are in use.
 *
 *    63  62                                              9  8         0
 *   +---+-------------------------------------------------+-----------+
 *   |ack|              offset (54 bits, blocks)           |  len - 1  |
 *   +---+-------------------------------------------------+-----------+
 *
 * so an entry covers [offset, offset + len) with 1 <= len <= BB_MAX_LEN (512). A longer
 * range is stored as several entries. Units are blocks of 1 << shift sectors (the dispatcher
 * converts); with shift 0, as pmem uses, a block is a sector.
 *
 * Invariants (kept by every writer below, relied on by every reader)
 *  I1  entries are sorted by offset and do not overlap: end(p[i]) <= offset(p[i+1]);
 *  I2  hence offsets are distinct, and "the last entry starting at or before x" is unique;
 *  I3  neighbours are NOT required to be merged: two adjacent entries of the same ack stay
 *      apart when their lengths sum past 512, and some paths (see 4.3, 6.2) simply do not
 *      look; the exact layout is part of what the kernel does and is reproduced, not tidied.
 *
 * Meaning, per sector: a sector is bad when an entry covers it, and acknowledged when that
 * entry has the ack bit. A set never downgrades: setting unacked over acked changes nothing
 * (the kernel calls it "denied"), setting acked over unacked overwrites (splitting entries).
 *
 * How set works
 * -------------
 * The range S = [s, s+n) is consumed head first. Each round looks only at the entry E =
 * p[prev], the last one starting at or before s, and at its successor, handles a prefix of
 * S (or merges two existing entries and handles nothing), and goes round again. Names: E is
 * an existing entry, S the (rest of the) range being set, A/U acknowledged/unacknowledged.
 *
 *  0. The table is full (count >= capacity) at the top of a round: stop, fail. Even a range
 *     that is already wholly covered fails on a full table (BB-33). Whatever earlier rounds
 *     stored stays stored ("partial setting will be treated as failure", BB-38).
 *
 *  1. S lies before every entry (or the table is empty): insert the head of S at slot 0,
 *     clipped at the first entry and at 512.
 *
 *               +----+                          +----+
 *               | S  |                          | S  |
 *               +----+       ==>                +----+
 *                      +------+                        +------+
 *                      |  E   |                        |  E   |
 *                      +------+                        +------+
 *
 *  2. Combine: S starts exactly at E, the entry before E ends exactly there, both have the
 *     same ack and fit in 512 together -> the two existing entries become one; nothing of S
 *     is consumed in this round (the next round finds the combined entry).
 *
 *        +------+------+                   +-------------+
 *        |  E1  |  E2  |       ==>         |     E1      |
 *        +------+------+                   +-------------+
 *               +---...                           +---...
 *               | S                               | S
 *
 *  3. Merge front, same ack:
 *   3.1 s inside E: the sectors of S that E covers are already right; skip to E's end.
 *   3.2 s == end(E) and E shorter than 512: E grows by as much of S as fits in 512 and in
 *       the gap before the next entry; the rest is for the next round.
 *
 *        +--------+                        +--------------+
 *        |   E    |  +------+              |      E       |
 *        +--------+  |  S   |    ==>       +--------------+
 *                    +------+
 *
 *  4. s inside E, different ack (3 took the same-ack case):
 *   4.1 E acked, S unacked: "denied" -- skip to E's end, nothing changes, and the round does
 *       not count as a change (BB-5: `changed` stays 0).
 *   4.2 E unacked, S acked: overwrite. The part of E under S becomes acked; the parts of E
 *       before and/or after it stay unacked, which needs 0, 1 or 2 extra slots:
 *
 *        extra 0        extra 1 (head)     extra 1 (tail)      extra 2
 *        +------+       +---+----+         +----+---+          +--+---+--+
 *        |  S   |       | E | S  |         | S  | E |          |E1| S |E2|
 *        +------+       +---+----+         +----+---+          +--+---+--+
 *
 *       If count + extra would pass the capacity: stop, fail. When S now starts at the slot
 *       E had (extra 0, or the tail case), try case 2 with the entry before (the kernel's
 *       design note 6.2: an acked E1 followed by the new acked S becomes one entry).
 *   4.3 (consequence worth knowing) after the head or the split overwrite, the behind merge
 *       of step 6 looks at the unacked head, not at S, so S is not merged with an acked
 *       entry right after it.
 *
 *  5. s in a gap after E: insert the head of S after E, clipped at the next entry and 512.
 *
 *        +------+   +----+   +------+        +------+   +----+   +------+
 *        |  E1  |   | S  |   |  E2  |  ==>   |  E1  |   | S  |   |  E2  |
 *        +------+   +----+   +------+        +------+   +----+   +------+
 *
 *  6. When all of S was handled (not after a failure): behind merge. If the entry the last
 *     round worked on ends exactly where the next one starts, has the same ack and the two
 *     fit in 512, they become one (6.15 fixed this for case 5, BB-9).
 *
 *  7. Bookkeeping: if any round changed the table or merged into it (1, 2, 3, 4.2, 5 --
 *     note 3.1 counts although nothing moves), `changed` = 1, and `unacked_exist` becomes 1
 *     for an unacked S, or is recomputed (cleared when no unacked entry is left) for an
 *     acked one. 4.1 alone changes nothing at all. Return: true iff all of S was handled.
 *
 * How clear works
 * ---------------
 * The range C = [s, s+n) is consumed head first the same way, with E = the last entry
 * starting at or before s:
 *
 *  1. No entry overlaps the head of C (empty table, C before all entries, in a gap, after
 *     all entries): skip to the next entry's start (or the end). Clearing good sectors
 *     succeeds ("Clear non-bad range should be treated as successful", BB-25).
 *  2. C strictly inside E: split E in two around C (one extra slot). On a full table this
 *     is skipped and does not count: a clear that only needed a split fails, unchanged
 *     (BB-36).
 *
 *        +--------------+               +---+      +---+
 *        |      E       |     ==>       |E1 |      |E2 |
 *        +--------------+               +---+      +---+
 *            +------+
 *            |  C   |
 *
 *  3. C starts at E's start: shrink E from the front, or delete it when C covers it.
 *  4. C starts inside E and reaches its end: cut E's tail at s.
 *  5. Bookkeeping: if any round counted (every one but a skipped split), `unacked_exist` is
 *     recomputed and `changed` = 1; return true iff one counted.
 *
 * ack_all (6.15): every entry becomes acked, then every adjacent pair that now fits in 512
 * is merged (BB-40); the dispatcher calls it only while `changed` is 0 and `unacked_exist`.
 *
 * check: the entries overlapping [s, s+n) (half-open; adjacency is not overlap) give 0 when
 * there are none, -1 when one is unacked, else 1, and the lowest of them is reported whole
 * (it may start before s and end after s+n). n == 0 asks about the sector at s (BB-31).
 *
 * Differences from the kernel, all outside the documented contract (README of the traces)
 *  - lengths are u64 throughout: the kernel's `int len` wraps for clears and checks of 2^31
 *    sectors or more (it loops forever at 2^32); here they get the per-sector answer;
 *  - set/clear refuse (return false) a range reaching past BB_MAX_UNITS (2^53, the API's
 *    limit too) where the kernel would silently drop offset bits past 54; check saturates
 *    the end of its query instead of wrapping.
 *
 * Cost (N = count, k = entries the range touches)
 *  set    O(log N) for the first lookup, then O(1) per round (the hint: the next round's
 *         entry is this one or the one after), O(k + pieces) rounds, each insert or delete
 *         a memory.copy of up to N slots: O((k + n/512) * N) bytes moved in the worst case.
 *         A huge n stops after at most `capacity` inserts (the table is full).
 *  clear  the same, with at most one insert (the split).
 *  check  O(log N + k), no writes; stops at the first unacked overlap.
 *  ack_all O(N) plus the memory.copy of each merge.
 *
 * Concurrency
 * -----------
 * Writers (set, clear, ack_all) run with the structure's mutex held and the seqlock odd
 * (badblocks.ts), so they see a consistent table and may move entries in any order. Readers
 * (check, entries) run lock-free and may see any mixture of old and new slots and a count
 * that does not match them. They therefore clamp the count to the capacity, read only slots
 * [0, capacity), and make every loop advance an index bounded by that count (the binary
 * search halves, the walk increments), so a torn read ends quickly with garbage that the
 * seqlock retry throws away. No state is kept in module globals (they are per thread).
 */
import {
  BB_DATA, BB_CAPACITY, BB_MAX_UNITS, bbCount, bbSetCount, bbSetChanged, bbSetUnackedExist,
  bbUnackedExist,
} from "./header";

/** Entry bit layout (the kernel's BB_* macros in include/linux/badblocks.h). */
export const BB_LEN_MASK: u64 = 0x1ff;
const BB_OFFSET_MASK: u64 = 0x7ffffffffffffe00;
export const BB_OFFSET_SHIFT: u64 = 9;
export const BB_ACK_MASK: u64 = 0x8000000000000000;
/** Longest range one entry can hold. */
export const BB_MAX_LEN: u64 = 512;

// ---- entries ---------------------------------------------------------------------------

// @ts-ignore: decorator
@inline export function bbOffset(e: u64): u64 { return (e & BB_OFFSET_MASK) >> BB_OFFSET_SHIFT; }
// @ts-ignore: decorator
@inline export function bbLen(e: u64): u64 { return (e & BB_LEN_MASK) + 1; }
/** First block after the entry (half-open end). */
// @ts-ignore: decorator
@inline export function bbEnd(e: u64): u64 { return bbOffset(e) + bbLen(e); }
// @ts-ignore: decorator
@inline export function bbAck(e: u64): bool { return (e & BB_ACK_MASK) != 0; }

/** Packs an entry; `len` must be 1..512 (checked in debug builds). */
// @ts-ignore: decorator
@inline function bbMake(offset: u64, len: u64, ack: bool): u64 {
  assert(len >= 1 && len <= BB_MAX_LEN);
  return ((offset << BB_OFFSET_SHIFT) & BB_OFFSET_MASK) | (len - 1) | (ack ? BB_ACK_MASK : 0);
}

// @ts-ignore: decorator
@inline function slotAddr(base: usize, i: i32): usize { return base + BB_DATA + (<usize>i << 3); }
// @ts-ignore: decorator
@inline export function entryAt(base: usize, i: i32): u64 { return load<u64>(slotAddr(base, i)); }
// @ts-ignore: decorator
@inline export function putEntry(base: usize, i: i32, e: u64): void { store<u64>(slotAddr(base, i), e); }
// @ts-ignore: decorator
@inline export function capacityOf(base: usize): i32 { return <i32>load<u32>(base + BB_CAPACITY); }
// @ts-ignore: decorator
@inline export function countOf(base: usize): i32 { return <i32>bbCount(base); }

/** Count for a lock-free reader: never past the capacity (nor negative). */
// @ts-ignore: decorator
@inline export function readerCount(base: usize): i32 {
  const count = countOf(base);
  const capacity = capacityOf(base);
  return count < 0 ? 0 : count > capacity ? capacity : count;
}
// @ts-ignore: decorator
@inline function minU64(a: u64, b: u64): u64 { return a < b ? a : b; }

/** Moves `n` slots from index `from` to index `to` (overlapping moves are fine). */
// @ts-ignore: decorator
@inline export function moveSlots(base: usize, to: i32, from: i32, n: i32): void {
  if (n > 0) memory.copy(slotAddr(base, to), slotAddr(base, from), <usize>n << 3);
}

// ---- lookup ----------------------------------------------------------------------------

/**
 * Index of the last of the first `count` entries whose offset is <= s, or -1. Binary
 * search; on a torn table it still ends after log2(count) steps and stays below `count`.
 */
function lastAtOrBefore(base: usize, count: i32, s: u64): i32 {
  if (count <= 0 || bbOffset(entryAt(base, 0)) > s) return -1;
  let lo: i32 = 0;
  let hi: i32 = count;
  // Invariant: offset(p[lo]) <= s, and every index >= hi starts after s.
  while (hi - lo > 1) {
    const mid = lo + ((hi - lo) >> 1);
    if (bbOffset(entryAt(base, mid)) <= s) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * prev_badblocks: the last entry starting at or before s, or -1 (writers only). A range is
 * walked head to tail, so the answer is nearly always the previous round's entry `hint` or
 * the one after it: those two are tried before the binary search. By I2 both ways give the
 * same index.
 */
function prevBadblocks(base: usize, s: u64, hint: i32): i32 {
  const count = countOf(base);
  if (count == 0) return -1;
  if (hint >= 0) {
    for (let i = hint; i < hint + 2 && i < count; i++) {
      if (bbOffset(entryAt(base, i)) > s) break;
      if (i + 1 == count || bbOffset(entryAt(base, i + 1)) > s) return i;
    }
  }
  return lastAtOrBefore(base, count, s);
}

/** overlap_front: s lies inside p[front]. */
function overlapFront(base: usize, front: i32, s: u64): bool {
  const e = entryAt(base, front);
  return s >= bbOffset(e) && s < bbEnd(e);
}

/** overlap_behind: [s, s+n) starts before p[behind] and reaches into it. */
function overlapBehind(base: usize, s: u64, n: u64, behind: i32): bool {
  const a = bbOffset(entryAt(base, behind));
  return s < a && s + n > a;
}

// ---- set: predicate/action pairs -------------------------------------------------------

/**
 * Inserts the head of [s, s+n) (at most 512) as a new entry at slot `at`, shifting the
 * entries from `at` up by one. The caller has checked that a slot is free and clipped n so
 * the new entry ends no later than the entry now at `at`. Returns the blocks inserted.
 */
function insertAt(base: usize, at: i32, s: u64, n: u64, ack: bool): u64 {
  const count = countOf(base);
  assert(count < capacityOf(base));
  const len = minU64(n, BB_MAX_LEN);
  moveSlots(base, at + 1, at, count - at);
  putEntry(base, at, bbMake(s, len, ack));
  bbSetCount(base, <u32>(count + 1));
  return len;
}

/**
 * can_combine_front: S starts exactly at p[prev], p[prev-1] ends exactly there, and the two
 * existing entries have the same ack and fit in one entry (case 2).
 */
function canCombineFront(base: usize, prev: i32, s: u64): bool {
  if (prev <= 0) return false;
  const e = entryAt(base, prev);
  const before = entryAt(base, prev - 1);
  return bbOffset(e) == s && bbEnd(before) == bbOffset(e) &&
    bbLen(before) + bbLen(e) <= BB_MAX_LEN && bbAck(before) == bbAck(e);
}

/** front_combine: p[prev-1] absorbs p[prev]; later entries move down one slot. */
function frontCombine(base: usize, prev: i32): void {
  const count = countOf(base);
  const before = entryAt(base, prev - 1);
  const e = entryAt(base, prev);
  putEntry(base, prev - 1, bbMake(bbOffset(before), bbLen(before) + bbLen(e), bbAck(e)));
  moveSlots(base, prev, prev + 1, count - prev - 1);
  bbSetCount(base, <u32>(count - 1));
}

/**
 * can_merge_front: same ack as p[prev], and s either inside it (3.1) or exactly at its end
 * while it still has room below 512 (3.2).
 */
function canMergeFront(base: usize, prev: i32, s: u64, ack: bool): bool {
  const e = entryAt(base, prev);
  if (bbAck(e) != ack) return false;
  const end = bbEnd(e);
  return s < end || (s == end && bbLen(e) < BB_MAX_LEN);
}

/**
 * front_merge: returns how many blocks of [s, s+n) p[prev] now accounts for. Inside the
 * entry that is up to its end, unchanged (3.1); at its end the entry grows by what fits in
 * 512 and in the gap before p[prev+1] (3.2). The gap is never 0: an entry starting at s
 * would have been chosen as p[prev] (I2).
 */
function frontMerge(base: usize, prev: i32, s: u64, n: u64, ack: bool): u64 {
  const e = entryAt(base, prev);
  const end = bbEnd(e);
  assert(s <= end);
  if (s < end) return minU64(n, end - s);
  let merged = minU64(n, BB_MAX_LEN - bbLen(e));
  const count = countOf(base);
  if (prev + 1 < count) merged = minU64(merged, bbOffset(entryAt(base, prev + 1)) - end);
  putEntry(base, prev, bbMake(bbOffset(e), bbLen(e) + merged, ack));
  return merged;
}

/**
 * can_front_overwrite, ack half: s is inside p[prev] with a different ack, and only an
 * acked S may overwrite an unacked entry (4.2); the other way round is denied (4.1).
 */
function canFrontOverwrite(base: usize, prev: i32, ack: bool): bool {
  return ack && !bbAck(entryAt(base, prev));
}

/** The part of [s, s+n) that lies inside p[prev] (s is inside it): what 4.2 overwrites. */
function overwriteSpan(base: usize, prev: i32, s: u64, n: u64): u64 {
  return minU64(n, bbEnd(entryAt(base, prev)) - s);
}

/**
 * can_front_overwrite, space half: slots an overwrite of [s, s+span) inside p[prev] adds:
 * one for an unacked head left before s, one for an unacked tail left after s+span.
 */
function overwriteExtra(base: usize, prev: i32, s: u64, span: u64): i32 {
  const e = entryAt(base, prev);
  return (bbOffset(e) < s ? 1 : 0) + (s + span < bbEnd(e) ? 1 : 0);
}

/**
 * front_overwrite: p[prev] becomes [head] S [tail] (the pieces that exist), the head and
 * tail keeping p[prev]'s ack, S taking `ack`; later entries move up by `extra` slots.
 * Returns span, the blocks of S handled.
 */
function frontOverwrite(base: usize, prev: i32, s: u64, span: u64, ack: bool, extra: i32): u64 {
  const count = countOf(base);
  const e = entryAt(base, prev);
  const offset = bbOffset(e);
  const end = bbEnd(e);
  const oldAck = bbAck(e);
  moveSlots(base, prev + 1 + extra, prev + 1, count - prev - 1);
  let i = prev;
  if (offset < s) putEntry(base, i++, bbMake(offset, s - offset, oldAck));
  putEntry(base, i++, bbMake(s, span, ack));
  if (s + span < end) putEntry(base, i, bbMake(s + span, end - s - span, oldAck));
  bbSetCount(base, <u32>(count + extra));
  return span;
}

/**
 * try_adjacent_combine: p[prev] and p[prev+1] touch, have the same ack and fit in 512 ->
 * they become one entry. Returns whether it merged.
 */
function tryAdjacentCombine(base: usize, prev: i32): bool {
  const count = countOf(base);
  if (prev < 0 || prev + 1 >= count) return false;
  const e = entryAt(base, prev);
  const next = entryAt(base, prev + 1);
  if (bbEnd(e) != bbOffset(next) || bbLen(e) + bbLen(next) > BB_MAX_LEN || bbAck(e) != bbAck(next)) {
    return false;
  }
  putEntry(base, prev, bbMake(bbOffset(e), bbLen(e) + bbLen(next), bbAck(e)));
  moveSlots(base, prev + 1, prev + 2, count - prev - 2);
  bbSetCount(base, <u32>(count - 1));
  return true;
}

/**
 * badblocks_update_acked: `unacked_exist` means "there probably are unacked entries"; it
 * is only ever cleared after proving there are none.
 */
export function updateAcked(base: usize): void {
  if (!bbUnackedExist(base)) return;
  const count = countOf(base);
  for (let i: i32 = 0; i < count; i++) {
    if (!bbAck(entryAt(base, i))) return;
  }
  bbSetUnackedExist(base, false);
}

// ---- clear: predicate/action pairs -----------------------------------------------------

/** C = [s, s+n) lies strictly inside p[prev]: clearing it needs a split (clear case 2). */
function clearNeedsSplit(base: usize, prev: i32, s: u64, n: u64): bool {
  const e = entryAt(base, prev);
  return bbOffset(e) < s && bbEnd(e) > s + n;
}

/**
 * front_splitting_clear: p[prev] keeps [offset, s), a new entry after it keeps
 * [s+n, end), same ack. The caller has checked that a slot is free. Returns n.
 */
function frontSplittingClear(base: usize, prev: i32, s: u64, n: u64): u64 {
  const count = countOf(base);
  const e = entryAt(base, prev);
  const offset = bbOffset(e);
  const end = bbEnd(e);
  const ack = bbAck(e);
  moveSlots(base, prev + 2, prev + 1, count - prev - 1);
  putEntry(base, prev, bbMake(offset, s - offset, ack));
  putEntry(base, prev + 1, bbMake(s + n, end - s - n, ack));
  bbSetCount(base, <u32>(count + 1));
  return n;
}

/**
 * front_clear: s is inside p[prev] and C does not end strictly inside it after s (that is
 * the split). From the entry's start: shrink it from the front, or delete it when C covers
 * it (clear case 3); from inside: cut its tail at s (case 4). Returns the blocks of C
 * handled.
 */
function frontClear(base: usize, prev: i32, s: u64, n: u64): u64 {
  const e = entryAt(base, prev);
  const offset = bbOffset(e);
  const len = bbLen(e);
  const ack = bbAck(e);
  if (s == offset) {
    if (len > n) {
      putEntry(base, prev, bbMake(offset + n, len - n, ack));
      return n;
    }
    const count = countOf(base);
    moveSlots(base, prev, prev + 1, count - prev - 1);
    bbSetCount(base, <u32>(count - 1));
    return len;
  }
  assert(bbEnd(e) <= s + n);
  putEntry(base, prev, bbMake(offset, s - offset, ack));
  return offset + len - s;
}

// ---- the contract (badblocks.ts) -------------------------------------------------------

/** An empty table: the region is zeroed, so only the count needs saying. */
export function table_init(base: usize, capacity: u32): void {
  assert(capacity >= 1);
  bbSetCount(base, 0);
}

/**
 * _badblocks_set: records [s, s+n) (n > 0) with the given ack; mutex held, seqlock odd.
 * True iff the whole range is recorded; on a full table the pieces already stored stay.
 */
export function table_set(base: usize, s: u64, n: u64, ack: bool): bool {
  if (n == 0 || s >= BB_MAX_UNITS || n > BB_MAX_UNITS - s) return false;
  const capacity = capacityOf(base);
  let added: i32 = 0;
  let prev: i32 = -1;
  let hint: i32 = -1;
  // Each round handles a head of [s, s+n) and leaves `prev` on the entry it worked on;
  // step 6 uses the last round's `prev`. Each round either consumes >= 1 block or removes
  // an entry (combine), and inserts are bounded by the capacity: the loop ends.
  while (n > 0) {
    const count = countOf(base);
    if (count >= capacity) break;                                    // case 0
    let len: u64 = 0;
    if (count == 0) {                                                // case 1, empty
      len = insertAt(base, 0, s, n, ack);
      added++;
    } else {
      prev = prevBadblocks(base, s, hint);
      if (prev < 0) {                                                // case 1
        len = insertAt(base, 0, s, minU64(n, bbOffset(entryAt(base, 0)) - s), ack);
        added++;
        prev = 0;
      } else if (canCombineFront(base, prev, s)) {                   // case 2
        frontCombine(base, prev);
        added++;
      } else if (canMergeFront(base, prev, s, ack)) {                // case 3
        len = frontMerge(base, prev, s, n, ack);
        added++;
      } else if (overlapFront(base, prev, s)) {                      // case 4
        if (!canFrontOverwrite(base, prev, ack)) {                   // 4.1 denied
          len = minU64(bbEnd(entryAt(base, prev)) - s, n);
        } else {                                                     // 4.2 overwrite
          const span = overwriteSpan(base, prev, s, n);
          const extra = overwriteExtra(base, prev, s, span);
          if (count + extra > capacity) break;
          len = frontOverwrite(base, prev, s, span, ack, extra);
          added++;
          if (canCombineFront(base, prev, s)) frontCombine(base, prev);
        }
      } else {                                                       // case 5
        let fit = n;
        if (prev + 1 < count && overlapBehind(base, s, n, prev + 1)) {
          fit = minU64(n, bbOffset(entryAt(base, prev + 1)) - s);
        }
        len = insertAt(base, prev + 1, s, fit, ack);
        added++;
        prev++;
      }
      hint = prev;
    }
    s += len;
    n -= len;
  }
  if (n == 0) tryAdjacentCombine(base, prev);                        // case 6

  if (added > 0) {                                                   // case 7
    bbSetChanged(base);
    if (!ack) bbSetUnackedExist(base, true);
    else updateAcked(base);
  }
  return n == 0;
}

/**
 * _badblocks_clear: [s, s+n) (n > 0) becomes good; mutex held, seqlock odd. True iff some
 * round counted (clearing good blocks counts; a split skipped on a full table does not).
 */
export function table_clear(base: usize, s: u64, n: u64): bool {
  if (n == 0 || s >= BB_MAX_UNITS || n > BB_MAX_UNITS - s) return false;
  const capacity = capacityOf(base);
  let cleared: i32 = 0;
  let hint: i32 = -1;
  // Every round consumes >= 1 block, and there are at most 2 * count + 1 rounds.
  while (n > 0) {
    const count = countOf(base);
    let len: u64 = n;
    if (count == 0) {                                                // case 1, empty
      cleared++;
    } else {
      const prev = prevBadblocks(base, s, hint);
      if (prev < 0) {                                                // case 1, before all
        if (overlapBehind(base, s, n, 0)) {
          len = bbOffset(entryAt(base, 0)) - s;
          hint = 0;
        }
        cleared++;
      } else if (overlapFront(base, prev, s)) {
        if (clearNeedsSplit(base, prev, s, n)) {                     // case 2
          if (count < capacity) {
            len = frontSplittingClear(base, prev, s, n);
            cleared++;
          } // else: no slot for the split; skipped, not counted
        } else {                                                     // cases 3, 4
          len = frontClear(base, prev, s, n);
          cleared++;
          hint = prev;
        }
      } else if (prev + 1 < count && overlapBehind(base, s, n, prev + 1)) {
        len = bbOffset(entryAt(base, prev + 1)) - s;                 // case 1, gap
        hint = prev + 1;
        cleared++;
      } else {                                                       // case 1, after all
        cleared++;
      }
    }
    s += len;
    n -= len;
  }
  if (cleared > 0) {                                                 // case 5
    updateAcked(base);
    bbSetChanged(base);
  }
  return cleared > 0;
}

/**
 * _badblocks_check, lock-free: 0, 1 or -1 for [s, s+n) (n == 0: the block at s); when not
 * 0, the lowest overlapping entry's offset and length go to `out` and `out + 8`.
 * Walks from the last entry starting at or before s while entries start before the end of
 * the query; every index is below min(count, capacity), whatever the memory holds.
 */
export function table_check(base: usize, s: u64, n: u64, out: usize): i32 {
  const count = readerCount(base);
  if (count <= 0) return 0;
  let limit = s + (n == 0 ? 1 : n);
  if (limit < s) limit = <u64>-1;
  let i = lastAtOrBefore(base, count, s);
  if (i < 0) i = 0;
  let acked = false;
  let unacked = false;
  for (; i < count; i++) {
    const e = entryAt(base, i);
    if (bbOffset(e) >= limit) break;
    if (bbEnd(e) <= s) continue;
    if (!acked && !unacked) {
      store<u64>(out, bbOffset(e));
      store<u64>(out + 8, bbLen(e));
    }
    if (bbAck(e)) acked = true;
    else {
      unacked = true;
      break; // -1 is final and the first overlap is recorded
    }
  }
  return unacked ? -1 : acked ? 1 : 0;
}

/** ack_all_badblocks (6.15): all entries acked, then neighbours that now fit merged. */
export function table_ack_all(base: usize): void {
  const count = countOf(base);
  for (let i: i32 = 0; i < count; i++) {
    const e = entryAt(base, i);
    if (!bbAck(e)) putEntry(base, i, e | BB_ACK_MASK);
  }
  // Each merge shrinks the table, so the count is read again every time.
  for (let i: i32 = 0; i < countOf(base); i++) {
    while (tryAdjacentCombine(base, i)) { /* p[i] grew; try its new neighbour */ }
  }
  bbSetUnackedExist(base, false);
}

/**
 * Up to `max` entries whose offset is >= `from`, in table order, as u64 triples
 * (offset, len, ack) at `out`; returns how many. Lock-free like check.
 */
export function table_entries(base: usize, from: u64, out: usize, max: u32): u32 {
  const count = readerCount(base);
  if (count <= 0) return 0;
  // First index whose offset is >= from.
  let lo: i32 = 0;
  let hi: i32 = count;
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1);
    if (bbOffset(entryAt(base, mid)) < from) lo = mid + 1;
    else hi = mid;
  }
  let k: u32 = 0;
  for (let i = lo; i < count && k < max; i++, k++) putTriple(out, k, entryAt(base, i));
  return k;
}

/** Entry `e` as the k-th u64 triple (offset, len, ack) at `out`. */
// @ts-ignore: decorator
@inline function putTriple(out: usize, k: u32, e: u64): void {
  const o = out + <usize>k * 24;
  store<u64>(o, bbOffset(e));
  store<u64>(o + 8, bbLen(e));
  store<u64>(o + 16, bbAck(e) ? 1 : 0);
}

/**
 * Up to `max` slots from index `from`, in table order, exactly as stored: u64 triples
 * (offset, len, ack) in blocks at `out`; returns how many. Lock-free like check. Shared by
 * both table kinds (table-legacy.ts keeps the same slots, possibly unsorted, with offsets
 * up to 2^54 - 1 that a double cannot hold: badblocks_table_slots hands them out as u64).
 */
export function table_slots(base: usize, from: u32, out: usize, max: u32): u32 {
  const count = readerCount(base);
  let k: u32 = 0;
  for (let i = <i32>from; i >= 0 && i < count && k < max; i++, k++) putTriple(out, k, entryAt(base, i));
  return k;
}
