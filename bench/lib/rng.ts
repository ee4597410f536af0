/** mulberry32 lives in src/core/rng.ts (the workload engine draws from it too). */
export { mulberry32 } from '../../src/core/rng.js';

/** Fisher-Yates shuffle of [0, n) with a seeded generator. */
export function shuffled(n: number, rand: () => number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}
