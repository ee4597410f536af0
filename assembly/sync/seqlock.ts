/*
 * Sequence lock for lock-free readers (the kernel's seqlock_t, used by badblocks §1.8).
 *
 * One u32 word: even = stable, odd = a writer is changing the protected data. Writers (who
 * already hold the structure's mutex) make it odd, change the data, make it even again.
 * Readers note the word before reading, and retry when it was odd or has changed after.
 * All three accesses are seq-cst atomics on the word itself: atomic.fence() is unusable in
 * this toolchain (DESIGN.md), and seq-cst accesses on the synchronising word give the
 * ordering the protocol needs.
 *
 * A reader may observe any half-written state between begin and retry; the data structure
 * code must bound every walk (index and depth checks) so such a read ends, returns garbage,
 * and is discarded by the retry.
 */
import { stop_requested } from "../env";

/** Writer side, mutex held: the word becomes odd. */
// @ts-ignore: decorator
@inline export function seq_write_begin(word: usize): void {
  atomic.add<u32>(word, 1);
}

/** Writer side: the word becomes even again; readers that overlapped will retry. */
// @ts-ignore: decorator
@inline export function seq_write_end(word: usize): void {
  atomic.add<u32>(word, 1);
}

/**
 * Reader side: waits (spinning, checking the stop flag every 1024 tries) for an even value
 * and returns it; returns 1 (odd, never a valid start) when the run is stopping.
 */
export function seq_read_begin(word: usize): u32 {
  let tries: u32 = 0;
  while (true) {
    const s = atomic.load<u32>(word);
    if ((s & 1) == 0) return s;
    if ((++tries & 1023) == 0 && stop_requested()) return 1;
  }
  return 1;
}

/** Reader side: true when the data read since `start` may be inconsistent. */
// @ts-ignore: decorator
@inline export function seq_read_retry(word: usize, start: u32): bool {
  return atomic.load<u32>(word) != start;
}
