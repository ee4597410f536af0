/*
 * The header every badblocks structure starts with (one region of the shared memory).
 *
 *   BB_KIND            u32  BB_KIND_* below
 *   BB_SEQ             u32  seqlock word (sync/seqlock.ts): readers retry when it moved
 *   BB_MUTEX           i32  writer mutex (sync/mutex.ts): 0 free, owner tid+1
 *   BB_MUTEX_WAITERS   i32  threads parked on the mutex
 *   BB_SHIFT           i32  sector -> block shift; negative = disabled (§1.2)
 *   BB_COUNT           u32  entries: table entries, or runs for the run kinds
 *   BB_CHANGED         u32  set by every successful mutation (§1.1); cleared by clearChanged
 *   BB_UNACKED_EXIST   u32  "there probably are unacknowledged bad blocks" (§1.1)
 *   BB_CAPACITY        u32  table: maxEntries; itree/btree: arena capacity in runs
 *   BB_CAPACITY_UNITS  u64  bitmap: blocks covered (capacitySectors >> shift)
 *   BB_PRIVATE         64 B the kind's own header words
 *   BB_DATA            the kind's data (table entries, node arena, bitmap words)
 *
 * All header words are read and written with atomics when other threads may race on them
 * outside the seqlock (COUNT, CHANGED, UNACKED_EXIST are also read by lock-free getters).
 *
 * Units: everything below the dispatcher (badblocks.ts) works in *blocks* of 1 << shift
 * sectors; with shift 0 (pmem, the default) a block is a sector.
 */
export const BB_KIND: u32 = 0;
export const BB_SEQ: u32 = 4;
export const BB_MUTEX: u32 = 8;
export const BB_MUTEX_WAITERS: u32 = 12;
export const BB_SHIFT: u32 = 16;
export const BB_COUNT: u32 = 20;
export const BB_CHANGED: u32 = 24;
export const BB_UNACKED_EXIST: u32 = 28;
export const BB_CAPACITY: u32 = 32;
export const BB_CAPACITY_UNITS: u32 = 40;
export const BB_PRIVATE: u32 = 64;
export const BB_DATA: u32 = 128;

export const BB_KIND_TABLE: u32 = 1;
export const BB_KIND_ITREE: u32 = 2;
export const BB_KIND_BTREE: u32 = 3;
export const BB_KIND_BITMAP: u32 = 4;
export const BB_KIND_TABLE_LEGACY: u32 = 5;

/** Largest run/entry start the structures accept: offsets are 54-bit in the kernel. */
export const BB_MAX_UNITS: u64 = <u64>1 << 53;

// @ts-ignore: decorator
@inline export function bbSetCount(base: usize, n: u32): void { atomic.store<u32>(base + BB_COUNT, n); }
// @ts-ignore: decorator
@inline export function bbCount(base: usize): u32 { return atomic.load<u32>(base + BB_COUNT); }
// @ts-ignore: decorator
@inline export function bbSetChanged(base: usize): void { atomic.store<u32>(base + BB_CHANGED, 1); }
// @ts-ignore: decorator
@inline export function bbSetUnackedExist(base: usize, v: bool): void { atomic.store<u32>(base + BB_UNACKED_EXIST, v ? 1 : 0); }
// @ts-ignore: decorator
@inline export function bbUnackedExist(base: usize): bool { return atomic.load<u32>(base + BB_UNACKED_EXIST) != 0; }
