/**
 * Seeded random numbers for jobs: mulberry32 (src/core/rng.ts), one generator per worker and
 * per purpose, so a worker's offsets do not depend on how many poison events it drew.
 */
export { mulberry32 } from '../core/rng.js';

/** Distinct streams from one seed: `stream` 0 offsets, 1 poison, 2 main-thread poison... */
export function streamSeed(seed: number, worker: number, stream: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(worker + 1, 0xc2b2ae35) + Math.imul(stream + 1, 0x27d4eb2f)) >>> 0;
}
