/**
 * mulberry32: a small seeded PRNG, so benchmark inputs and workload choices are the same in
 * every process and thread.
 *
 * The state lives in a Uint32Array, not a closure variable: a uint32 above 2^30 does not fit
 * a small integer, so a `let` in the closure would be re-boxed as a heap number on every call
 * — an allocation that cost ~15 ns per draw in the workload op loop (measured 2026-11-22),
 * most of the null path's cost. The sequence is the same.
 */
export function mulberry32(seed: number): () => number {
  const a = new Uint32Array([seed >>> 0]);
  return () => {
    const s = (a[0]! + 0x6d2b79f5) >>> 0;
    a[0] = s;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
