/*
 * The uncontended paths of the fs-dax inode lock (`i_rwsem`, src/dax/rwsem.ts, which holds
 * the protocol, the word layout and the slow paths). Every file read and write takes and
 * releases this lock; here a JS Atomics call costs 5-10 ns (a builtin call on Node 20) while a
 * call into wasm costs about 2, so the fast paths are the same seq-cst operations on the same
 * words, made in wasm:
 *
 *   +0  count     0 free; n > 0 held by n readers; -(tid + 1) held by writer `tid`
 *   +4  waiters   threads parked (or about to park) on `count`
 *   +8  wwait     writers waiting: new readers hold back while it is non-zero
 *
 * A try that fails changes nothing: the caller goes on with its slow path (spin, then park).
 * A release changes `count` first and only then reads `waiters`, and wakes every thread
 * parked on `count` (as Atomics.notify does by default).
 */

const COUNT: usize = 0;
const WAITERS: usize = 4;
const WWAIT: usize = 8;

/** down_read_trylock without a waiting writer: 1 when taken (0 readers -> 1), else 0. */
export function rwsem_try_read(word: usize): i32 {
  if (atomic.load<i32>(word + WWAIT) != 0) return 0;
  return atomic.cmpxchg<i32>(word + COUNT, 0, 1) == 0 ? 1 : 0;
}

/** up_read. */
export function rwsem_read_unlock(word: usize): void {
  if (atomic.sub<i32>(word + COUNT, 1) == 1 && atomic.load<i32>(word + WAITERS) > 0) atomic.notify(word + COUNT, -1);
}

/** down_write_trylock: 1 when taken (free -> `me` = -(tid + 1)), else 0. */
export function rwsem_try_write(word: usize, me: i32): i32 {
  return atomic.cmpxchg<i32>(word + COUNT, 0, me) == 0 ? 1 : 0;
}

/** up_write. */
export function rwsem_write_unlock(word: usize): void {
  atomic.store<i32>(word + COUNT, 0);
  if (atomic.load<i32>(word + WAITERS) > 0) atomic.notify(word + COUNT, -1);
}
