/*
 * Hardware poison map: what the media would raise a machine check for.
 *
 * Representation: bit (line & 63) of the u64 word (line >> 6) at gPoisonBase is set when the
 * 64-byte line `line` of the media holds poison. 64 lines (4 KiB) per word, so a 2 MiB range
 * is 512 words.
 *
 * Invariants: bits past the last media line are never set (callers clip to the media).
 *
 * Cost: set/clear are one atomic RMW per touched word. find_* test 64 lines per word and,
 * over long clean stretches, 128 lines per v128 (one `v128.any_true`), which is what keeps
 * a clean copy_mc within a few percent of a bare memory.copy.
 *
 * Concurrency: writers use atomic or/and per word, so concurrent sets and clears of
 * different lines in one word never lose each other. Readers use plain loads: a reader
 * racing a writer sees the word before or after the change, never a torn mix of lines it
 * cares about, and the layers above decide what a race means (a poison that arrives
 * during a copy may or may not be seen by it, exactly as on hardware).
 *
 * Line ranges are half-open [first, end), in lines relative to the media start.
 */
import { gPoisonBase } from "../env";

// @ts-ignore: decorator
@inline function wordAddr(word: u32): usize {
  return gPoisonBase + (<usize>word << 3);
}

/** Mask of bits [lo, hi) of one word, 0 <= lo < hi <= 64. */
// @ts-ignore: decorator
@inline function bitsMask(lo: u32, hi: u32): u64 {
  const upper: u64 = hi == 64 ? <u64>-1 : ((<u64>1 << <u64>hi) - 1);
  return upper & ~((<u64>1 << <u64>lo) - 1);
}

/** Marks lines [first, end) poisoned. */
export function poison_set_lines(first: u32, end: u32): void {
  if (first >= end) return;
  let w = first >> 6;
  const lastW = (end - 1) >> 6;
  for (; w <= lastW; w++) {
    const lo: u32 = w == (first >> 6) ? first & 63 : 0;
    const hi: u32 = w == lastW ? ((end - 1) & 63) + 1 : 64;
    atomic.or<u64>(wordAddr(w), bitsMask(lo, hi));
  }
}

/** Marks lines [first, end) clean. */
export function poison_clear_lines(first: u32, end: u32): void {
  if (first >= end) return;
  let w = first >> 6;
  const lastW = (end - 1) >> 6;
  for (; w <= lastW; w++) {
    const lo: u32 = w == (first >> 6) ? first & 63 : 0;
    const hi: u32 = w == lastW ? ((end - 1) & 63) + 1 : 64;
    atomic.and<u64>(wordAddr(w), ~bitsMask(lo, hi));
  }
}

/**
 * First poisoned line in [first, end), or `end` when the range is clean.
 * Loop invariant: every line in [first, w*64) has been seen clean.
 */
export function poison_find_lines(first: u32, end: u32): u32 {
  if (first >= end) return end;
  let w = first >> 6;
  const lastW = (end - 1) >> 6;
  // Head word: ignore lines below `first`.
  let bits = load<u64>(wordAddr(w)) & ~((<u64>1 << <u64>(first & 63)) - 1);
  while (true) {
    if (bits != 0) {
      const line = (w << 6) + <u32>ctz<u64>(bits);
      return line < end ? line : end;
    }
    w++;
    if (w > lastW) return end;
    // Long clean stretches: 128 lines per test once the word index is even (16-byte aligned).
    if ((w & 1) == 0) {
      while (w + 1 <= lastW && !v128.any_true(v128.load(wordAddr(w)))) w += 2;
      if (w > lastW) return end;
    }
    bits = load<u64>(wordAddr(w));
  }
  return end;
}

/** First clean line in [first, end), or `end` when every line is poisoned. */
export function poison_find_clean_lines(first: u32, end: u32): u32 {
  if (first >= end) return end;
  let w = first >> 6;
  const lastW = (end - 1) >> 6;
  let bits = ~load<u64>(wordAddr(w)) & ~((<u64>1 << <u64>(first & 63)) - 1);
  while (true) {
    if (bits != 0) {
      const line = (w << 6) + <u32>ctz<u64>(bits);
      return line < end ? line : end;
    }
    w++;
    if (w > lastW) return end;
    bits = ~load<u64>(wordAddr(w));
  }
  return end;
}

/** Number of poisoned lines in [first, end). */
export function poison_count_lines(first: u32, end: u32): u32 {
  if (first >= end) return 0;
  let n: u32 = 0;
  const firstW = first >> 6;
  const lastW = (end - 1) >> 6;
  for (let w = firstW; w <= lastW; w++) {
    const lo: u32 = w == firstW ? first & 63 : 0;
    const hi: u32 = w == lastW ? ((end - 1) & 63) + 1 : 64;
    n += <u32>popcnt<u64>(load<u64>(wordAddr(w)) & bitsMask(lo, hi));
  }
  return n;
}
