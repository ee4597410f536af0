/**
 * Seeded random numbers for jobs: mulberry32 (the bench suites' generator, bench/lib/rng.ts;
 * src/ does not import from bench/). One generator per worker and per purpose, so a worker's
 * offsets do not depend on how many poison events it drew.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Distinct streams from one seed: `stream` 0 offsets, 1 poison, 2 main-thread poison... */
export function streamSeed(seed: number, worker: number, stream: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(worker + 1, 0xc2b2ae35) + Math.imul(stream + 1, 0x27d4eb2f)) >>> 0;
}
