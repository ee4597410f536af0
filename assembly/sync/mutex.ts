/*
 * Writer mutex in shared memory: one i32 word.
 *
 *   0          free
 *   tid + 1    held by thread `tid` (owner recorded, so a stuck lock names its holder)
 *
 * Acquire: cmpxchg 0 -> tid+1; on failure spin briefly (a holder usually releases within a
 * few hundred ns: badblocks updates are short), then park with a timed atomic.wait on the
 * word and re-check. Every wait is at most WAIT_SLICE_NS and checks the shared stop flag, so
 * a stopped run never leaves a thread parked: mutex_lock returns false when asked to stop.
 * Release: store 0, then wake one waiter if any thread announced itself in the waiters word.
 */
import { gTid, stop_requested } from "../env";

const SPIN_TRIES: i32 = 128;
const WAIT_SLICE_NS: i64 = 50_000_000; // 50 ms

/** Takes the mutex at `word` (waiters counted at word+4). False when the run is stopping. */
export function mutex_lock(word: usize): bool {
  const me = gTid + 1;
  for (let i = 0; i < SPIN_TRIES; i++) {
    if (atomic.cmpxchg<i32>(word, 0, me) == 0) return true;
  }
  while (true) {
    if (stop_requested()) return false;
    atomic.add<i32>(word + 4, 1);
    const seen = atomic.load<i32>(word);
    if (seen != 0) atomic.wait<i32>(word, seen, WAIT_SLICE_NS);
    atomic.sub<i32>(word + 4, 1);
    // The owner id is re-read here, not kept in a local across the wait: V8's Liftoff tier in
    // Node 20 can lose a register-cached local across memory.atomic.wait32 (seen 2026-11 on
    // the release build: `me` came back 0, so the cmpxchg "took" the lock by storing 0).
    if (atomic.cmpxchg<i32>(word, 0, gTid + 1) == 0) return true;
  }
  return false;
}

/** True when the calling thread holds the mutex at `word`. */
export function mutex_held(word: usize): bool {
  return atomic.load<i32>(word) == gTid + 1;
}

/** Releases the mutex at `word`. */
export function mutex_unlock(word: usize): void {
  atomic.store<i32>(word, 0);
  if (atomic.load<i32>(word + 4) > 0) atomic.notify(word, 1);
}

/** Owner of the mutex at `word`: thread id, or -1 when free. */
export function mutex_owner(word: usize): i32 {
  return atomic.load<i32>(word) - 1;
}
