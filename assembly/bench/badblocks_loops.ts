/*
 * Batched loops for the badblocks benchmark: each makes exactly the calls its name says,
 * through the exported operations (badblocks.ts: rounding, seqlock/mutex, the kind's work),
 * cycling through `n` u64 query starts at `starts`. Results are summed so the calls cannot
 * be optimised away.
 */
import { badblocks_check, badblocks_set, badblocks_clear } from "../badblocks/badblocks";

export function bench_bb_check(base: usize, starts: usize, n: u32, len: f64, iters: u32, from: u32): f64 {
  let sum: f64 = 0;
  let q = from % n;
  for (let i: u32 = 0; i < iters; i++) {
    sum += <f64>badblocks_check(base, <f64>load<u64>(starts + (<usize>q << 3)), len);
    if (++q == n) q = 0;
  }
  return sum;
}

export function bench_bb_set(base: usize, starts: usize, n: u32, len: f64, iters: u32, from: u32): f64 {
  let sum: f64 = 0;
  let q = from % n;
  for (let i: u32 = 0; i < iters; i++) {
    sum += <f64>badblocks_set(base, <f64>load<u64>(starts + (<usize>q << 3)), len, 1);
    if (++q == n) q = 0;
  }
  return sum;
}

export function bench_bb_clear(base: usize, starts: usize, n: u32, len: f64, iters: u32, from: u32): f64 {
  let sum: f64 = 0;
  let q = from % n;
  for (let i: u32 = 0; i < iters; i++) {
    sum += <f64>badblocks_clear(base, <f64>load<u64>(starts + (<usize>q << 3)), len);
    if (++q == n) q = 0;
  }
  return sum;
}
