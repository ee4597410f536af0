/*
 * badblocks: the exported operations. As in the kernel's block/badblocks.c, these only
 * validate, round, lock and retry; each structure's file does the work (table.ts, itree.ts,
 * btree.ts, bitmap.ts), in block units, behind one contract:
 *
 *   K_init(base, capacity)                 region zeroed; write the kind's private header
 *   K_set(base, s, n, ack): bool           mutex held, seqlock odd; n > 0
 *   K_clear(base, s, n): bool              mutex held, seqlock odd; n > 0
 *   K_check(base, s, n, out): i32          lock-free reader; must terminate on any memory
 *                                          content; rc != 0 writes u64 first at out, u64
 *                                          length at out+8 (lowest overlapping entry/run)
 *   K_ack_all(base)                        mutex held; only called when changed == 0
 *   K_entries(base, from, out, max): u32   reader; entries whose start >= from, in order,
 *                                          as u64 (start, len, ack) triples
 *
 * Each K_set/K_clear keeps BB_COUNT, BB_CHANGED and BB_UNACKED_EXIST by the kernel's rules.
 *
 * table-legacy (table-legacy.ts, the <= 6.6 code) differs at this level too, because the old
 * exported functions did: its entry points (legacySet, legacyClear below, and a branch of
 * badblocks_check) round as the old code did, pass the length as the old `int sectors` (low
 * 32 bits, signed), skip the early exits the old code lacked (a zero length, and a disabled
 * table for clear and check; a disabled set "succeeds"), keep first_bad in blocks, and turn
 * the old return codes (set 0/1, clear 0/-ENOSPC) into this file's 1 = success / 0 =
 * failure. Its check takes the end of the range where the others take a length, and its
 * K_entries pages by table index (`from` is an index): the old table need not be sorted.
 *
 * Numbers arrive as f64 (exact integers below 2^53, DESIGN.md) and results that do not fit
 * one return value go to this thread's scratch line as f64.
 *
 * shift (§1.2): negative disables the structure (set/clear fail, show prints nothing);
 * shift > 0 implements the documented intent, which mainline 6.7+ does not (it discards its
 * rounding): set and check round outward, clear rounds inward, entries are kept in blocks
 * and reported back in sectors.
 */
import { gSlot } from "../env";
import { SLOT_SCRATCH } from "../layout";
import { mutex_lock, mutex_unlock } from "../sync/mutex";
import { seq_read_begin, seq_read_retry, seq_write_begin, seq_write_end } from "../sync/seqlock";
import {
  BB_KIND, BB_SEQ, BB_MUTEX, BB_SHIFT, BB_CHANGED, BB_UNACKED_EXIST, BB_CAPACITY,
  BB_CAPACITY_UNITS, BB_KIND_TABLE, BB_KIND_ITREE, BB_KIND_BTREE, BB_KIND_BITMAP,
  BB_KIND_TABLE_LEGACY,
} from "./header";
import {
  table_init, table_set, table_clear, table_check, table_ack_all, table_entries, table_slots,
} from "./table";
import {
  table_legacy_set, table_legacy_clear, table_legacy_check,
  table_legacy_ack_all,
} from "./table-legacy";
import { itree_init, itree_set, itree_clear, itree_check, itree_ack_all, itree_entries } from "./itree";
import { btree_init, btree_set, btree_clear, btree_check, btree_ack_all, btree_entries } from "./btree";
import { bitmap_init, bitmap_set, bitmap_clear, bitmap_check, bitmap_ack_all, bitmap_entries } from "./bitmap";

/** Result of set/clear when the run is stopping and the mutex could not be taken. */
export const BB_STOPPED: i32 = -2;

/** Prepares a zeroed region as an empty structure of `kind`. */
export function badblocks_init(base: usize, kind: u32, shift: i32, capacity: u32, capacityUnits: f64): void {
  store<u32>(base + BB_KIND, kind);
  store<i32>(base + BB_SHIFT, shift);
  store<u32>(base + BB_CAPACITY, capacity);
  store<u64>(base + BB_CAPACITY_UNITS, <u64>capacityUnits);
  // The pre-6.7 table starts as the 6.15 one does: same slots, same header.
  if (kind == BB_KIND_TABLE || kind == BB_KIND_TABLE_LEGACY) table_init(base, capacity);
  else if (kind == BB_KIND_ITREE) itree_init(base, capacity);
  else if (kind == BB_KIND_BTREE) btree_init(base, capacity);
  else if (kind == BB_KIND_BITMAP) bitmap_init(base, capacity);
}

// @ts-ignore: decorator
@inline function kindOf(base: usize): u32 { return load<u32>(base + BB_KIND); }
// @ts-ignore: decorator
@inline function shiftOf(base: usize): i32 { return load<i32>(base + BB_SHIFT); }

function doSet(base: usize, s: u64, n: u64, ack: bool): bool {
  const k = kindOf(base);
  if (k == BB_KIND_TABLE) return table_set(base, s, n, ack);
  if (k == BB_KIND_ITREE) return itree_set(base, s, n, ack);
  if (k == BB_KIND_BTREE) return btree_set(base, s, n, ack);
  if (k == BB_KIND_BITMAP) return bitmap_set(base, s, n, ack);
  return false;
}

function doClear(base: usize, s: u64, n: u64): bool {
  const k = kindOf(base);
  if (k == BB_KIND_TABLE) return table_clear(base, s, n);
  if (k == BB_KIND_ITREE) return itree_clear(base, s, n);
  if (k == BB_KIND_BTREE) return btree_clear(base, s, n);
  if (k == BB_KIND_BITMAP) return bitmap_clear(base, s, n);
  return false;
}

function doCheck(base: usize, s: u64, n: u64, out: usize): i32 {
  const k = kindOf(base);
  if (k == BB_KIND_TABLE) return table_check(base, s, n, out);
  if (k == BB_KIND_ITREE) return itree_check(base, s, n, out);
  if (k == BB_KIND_BTREE) return btree_check(base, s, n, out);
  if (k == BB_KIND_BITMAP) return bitmap_check(base, s, n, out);
  // The old check takes the end of its range, not a length (see badblocks_check).
  if (k == BB_KIND_TABLE_LEGACY) return table_legacy_check(base, s, n, out);
  return 0;
}

/** badblocks_set: 1 when the whole range is now recorded, 0 when not, BB_STOPPED. */
export function badblocks_set(base: usize, s: f64, len: f64, ack: i32): i32 {
  if (kindOf(base) == BB_KIND_TABLE_LEGACY) return legacySet(base, <u64>s, <u64>len, ack != 0);
  const shift = shiftOf(base);
  if (shift < 0 || len == 0) return 0;
  let start = <u64>s;
  let end = start + <u64>len;
  if (shift > 0) {
    // Round outward: "better to think a block is bad when it isn't".
    start = start >> <u64>shift;
    end = (end + (<u64>1 << <u64>shift) - 1) >> <u64>shift;
  }
  if (!mutex_lock(base + BB_MUTEX)) return BB_STOPPED;
  seq_write_begin(base + BB_SEQ);
  const ok = doSet(base, start, end - start, ack != 0);
  seq_write_end(base + BB_SEQ);
  mutex_unlock(base + BB_MUTEX);
  return ok ? 1 : 0;
}

/** badblocks_clear: 1 on success, 0 on failure, BB_STOPPED. */
export function badblocks_clear(base: usize, s: f64, len: f64): i32 {
  if (kindOf(base) == BB_KIND_TABLE_LEGACY) return legacyClear(base, <u64>s, <u64>len);
  const shift = shiftOf(base);
  if (shift < 0 || len == 0) return 0;
  let start = <u64>s;
  let end = start + <u64>len;
  if (shift > 0) {
    // Round inward: never clear a block that is only partly named.
    start = (start + (<u64>1 << <u64>shift) - 1) >> <u64>shift;
    end = end >> <u64>shift;
    // Nothing whole to clear: like a clear of good sectors, it succeeds and counts (§1.5).
    if (end <= start) {
      atomic.store<u32>(base + BB_CHANGED, 1);
      return 1;
    }
  }
  if (!mutex_lock(base + BB_MUTEX)) return BB_STOPPED;
  seq_write_begin(base + BB_SEQ);
  const ok = doClear(base, start, end - start);
  seq_write_end(base + BB_SEQ);
  mutex_unlock(base + BB_MUTEX);
  return ok ? 1 : 0;
}

/**
 * badblocks_check: 0 no overlap, 1 all overlapping entries acknowledged, -1 some are not.
 * When non-zero, the scratch line holds f64 first_bad and bad_sectors (sectors) of the
 * lowest-addressed overlapping entry. Lock-free; retries while a writer moved the seqlock.
 * Returns BB_STOPPED when the run is stopping.
 */
export function badblocks_check(base: usize, s: f64, len: f64): i32 {
  const shift = shiftOf(base);
  let start = <u64>s;
  let n = <u64>len;
  let sh: u64 = shift > 0 ? <u64>shift : 0;
  if (kindOf(base) == BB_KIND_TABLE_LEGACY) {
    // <= 6.6: [s, s + int len) rounded outward, passed as its end; first_bad and
    // bad_sectors stay in blocks, as the old code reported them.
    n = blocksUp(oldEnd(start, n), shift);
    start = blocksDown(start, shift);
    sh = 0;
  } else if (sh > 0) {
    const end = (start + n + (<u64>1 << sh) - 1) >> sh;
    start = start >> sh;
    n = n == 0 ? 0 : end - start;
  }
  const out = gSlot + SLOT_SCRATCH;
  const seqWord = base + BB_SEQ;
  let rc: i32 = 0;
  while (true) {
    const seq = seq_read_begin(seqWord);
    if (seq == 1) return BB_STOPPED;
    rc = doCheck(base, start, n, out + 16);
    if (!seq_read_retry(seqWord, seq)) break;
  }
  if (rc != 0) {
    store<f64>(out, <f64>(load<u64>(out + 16) << sh));
    store<f64>(out + 8, <f64>(load<u64>(out + 24) << sh));
  }
  return rc;
}

/** ack_all_badblocks: a no-op while `changed` is set or nothing is unacknowledged (§1.6). */
export function badblocks_ack_all(base: usize): i32 {
  if (!mutex_lock(base + BB_MUTEX)) return BB_STOPPED;
  if (atomic.load<u32>(base + BB_CHANGED) == 0 && atomic.load<u32>(base + BB_UNACKED_EXIST) != 0) {
    seq_write_begin(base + BB_SEQ);
    const k = kindOf(base);
    if (k == BB_KIND_TABLE) table_ack_all(base);
    else if (k == BB_KIND_ITREE) itree_ack_all(base);
    else if (k == BB_KIND_BTREE) btree_ack_all(base);
    else if (k == BB_KIND_BITMAP) bitmap_ack_all(base);
    else if (k == BB_KIND_TABLE_LEGACY) table_legacy_ack_all(base);
    seq_write_end(base + BB_SEQ);
  }
  mutex_unlock(base + BB_MUTEX);
  return 0;
}

/** What md does after saving its metadata: `changed = 0`. */
export function badblocks_clear_changed(base: usize): void {
  atomic.store<u32>(base + BB_CHANGED, 0);
}

/** badblocks_show(unack=1) printing nothing clears unacked_exist (§1.7). */
export function badblocks_clear_unacked_exist(base: usize): void {
  atomic.store<u32>(base + BB_UNACKED_EXIST, 0);
}

/**
 * Up to `max` entries whose start (in sectors) is >= `from` (table-legacy: from table index
 * `from`, in table order), in order, written at `out` as
 * f64 triples (start, len, ack) in sectors; returns how many. One consistent snapshot per
 * call (seqlock retry); page through a large structure by calling again from the sector
 * after the last entry's start.
 */
export function badblocks_entries(base: usize, from: f64, out: usize, max: u32): u32 {
  const shift = shiftOf(base);
  const sh: u64 = shift > 0 ? <u64>shift : 0;
  // Entries are kept in blocks: the first wanted block is the one holding `from`, rounded up.
  const fromUnits = (<u64>from + (<u64>1 << sh) - 1) >> sh;
  const seqWord = base + BB_SEQ;
  let n: u32 = 0;
  while (true) {
    const seq = seq_read_begin(seqWord);
    if (seq == 1) return 0;
    const k = kindOf(base);
    if (k == BB_KIND_TABLE) n = table_entries(base, fromUnits, out, max);
    else if (k == BB_KIND_ITREE) n = itree_entries(base, fromUnits, out, max);
    else if (k == BB_KIND_BTREE) n = btree_entries(base, fromUnits, out, max);
    else if (k == BB_KIND_BITMAP) n = bitmap_entries(base, fromUnits, out, max);
    else if (k == BB_KIND_TABLE_LEGACY) n = table_slots(base, <u32>from, out, max);
    if (!seq_read_retry(seqWord, seq)) break;
  }
  for (let i: u32 = 0; i < n; i++) {
    const e = out + <usize>i * 24;
    store<f64>(e, <f64>(load<u64>(e) << sh));
    store<f64>(e + 8, <f64>(load<u64>(e + 8) << sh));
    store<f64>(e + 16, <f64>load<u64>(e + 16));
  }
  return n;
}

/**
 * The slots of a table kind (table, table-legacy) as the kernel holds them: up to `max` from
 * index `from`, in table order, as u64 triples (offset, len, ack) in blocks at `out`;
 * returns how many (0 for the other kinds). Exact where badblocks_entries' doubles are not:
 * the legacy table can hold offsets up to 2^54 - 1. One snapshot per call (seqlock retry).
 */
export function badblocks_table_slots(base: usize, from: u32, out: usize, max: u32): u32 {
  const k = kindOf(base);
  if (k != BB_KIND_TABLE && k != BB_KIND_TABLE_LEGACY) return 0;
  const seqWord = base + BB_SEQ;
  let n: u32 = 0;
  while (true) {
    const seq = seq_read_begin(seqWord);
    if (seq == 1) return 0;
    n = table_slots(base, from, out, max);
    if (!seq_read_retry(seqWord, seq)) break;
  }
  return n;
}

// ---- table-legacy: the <= 6.6 exported functions -----------------------------------------

/** `s + sectors` of the old code: the low 32 bits of the length, a signed `int`, added. */
// @ts-ignore: decorator
@inline function oldEnd(s: u64, len: u64): u64 { return s + <u64><i64><i32>len; }

/** Sector -> block, rounding down (shift <= 0: unchanged). */
// @ts-ignore: decorator
@inline function blocksDown(x: u64, shift: i32): u64 { return shift > 0 ? x >> <u64>shift : x; }

/** Sector -> block, rounding up (shift <= 0: unchanged). */
// @ts-ignore: decorator
@inline function blocksUp(x: u64, shift: i32): u64 {
  return shift > 0 ? (x + (<u64>1 << <u64>shift) - 1) >> <u64>shift : x;
}

/** A writer's side: the mutex, then the seqlock odd; false when the run is stopping. */
// @ts-ignore: decorator
@inline function lockWriter(base: usize): bool {
  if (!mutex_lock(base + BB_MUTEX)) return false;
  seq_write_begin(base + BB_SEQ);
  return true;
}

// @ts-ignore: decorator
@inline function unlockWriter(base: usize): void {
  seq_write_end(base + BB_SEQ);
  mutex_unlock(base + BB_MUTEX);
}

/**
 * badblocks_set (<= 6.6): a disabled table returns 0 (success) untouched; with shift > 0 the
 * start rounds down and the end up. No zero-length exit. 1 when the kernel returned 0.
 */
function legacySet(base: usize, s: u64, len: u64, ack: bool): i32 {
  const shift = shiftOf(base);
  if (shift < 0) return 1;
  const start = blocksDown(s, shift);
  // The old `int sectors` (with shift 0 this is just the low 32 bits of len).
  const sectors = <i32>(blocksUp(oldEnd(s, len), shift) - start);
  if (!lockWriter(base)) return BB_STOPPED;
  const rv = table_legacy_set(base, start, sectors, ack);
  unlockWriter(base);
  return rv == 0 ? 1 : 0;
}

/**
 * badblocks_clear (<= 6.6): no check of shift < 0 or of a zero length; with shift > 0 the
 * start rounds up and the end down (the end may then lie before the start). 1 when the
 * kernel returned 0, 0 when it returned -ENOSPC.
 */
function legacyClear(base: usize, s: u64, len: u64): i32 {
  const shift = shiftOf(base);
  const target = blocksDown(oldEnd(s, len), shift);
  const start = blocksUp(s, shift);
  if (!lockWriter(base)) return BB_STOPPED;
  const rv = table_legacy_clear(base, start, target);
  unlockWriter(base);
  return rv == 0 ? 1 : 0;
}
