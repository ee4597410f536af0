/**
 * dm-stripe's address arithmetic: `stripe_map_sector` and its inverse (reference §6.5;
 * `torvalds/linux drivers/md/dm-stripe.c`).
 *
 * A striped target of `stripes` members and `chunk` sectors per chunk lays the target's
 * sectors out round-robin, one chunk at a time:
 *
 *   target offset  |c0 |c1 |c2 |c3 |c4 |c5 |...      (chunk c = offset / chunk)
 *   member 0       |c0 |c2 |c4 |...                   member chunk k holds target chunk k*stripes + 0
 *   member 1       |c1 |c3 |c5 |...                   member chunk k holds target chunk k*stripes + 1
 *
 *   stripe_map_sector(offset):  c = floor(offset / chunk), o = offset % chunk
 *                               stripe = c % stripes, sector = floor(c / stripes) * chunk + o
 *   inverse (stripe, sector):   k = floor(sector / chunk), o = sector % chunk
 *                               offset = (k * stripes + stripe) * chunk + o
 *
 * `sector` is relative to the member's `physical_start` (the caller adds it). The kernel
 * takes shifts when chunk or stripes is a power of two and `sector_div` otherwise; the
 * result is the same, so this file divides. Units: sectors (512 B). Inputs are integers
 * below 2^53, so the arithmetic is exact. Cost: O(1), no allocation when `out` is passed.
 */

/** Where stripe_map_sector sends a target offset. */
export interface StripeMapping {
  /** Member index, 0 <= stripe < stripes. */
  stripe: number;
  /** Sector on that member, relative to the member's start. */
  sector: number;
}

/**
 * stripe_map_sector: the member and member sector of target-relative sector `offset`.
 * Callers pass valid integers (offset >= 0, chunk >= 1, stripes >= 1); `out` is filled and
 * returned (a new object when absent).
 */
export function stripeMapSector(offset: number, chunk: number, stripes: number, out: StripeMapping = { stripe: 0, sector: 0 }): StripeMapping {
  const c = Math.floor(offset / chunk);
  const o = offset - c * chunk;
  const k = Math.floor(c / stripes);
  out.stripe = c - k * stripes;
  out.sector = k * chunk + o;
  return out;
}

/**
 * The inverse of stripe_map_sector: the target-relative sector that member `stripe`'s
 * sector `sector` (relative to the member's start) holds. Callers pass valid integers.
 */
export function stripeUnmapSector(stripe: number, sector: number, chunk: number, stripes: number): number {
  const k = Math.floor(sector / chunk);
  return (k * stripes + stripe) * chunk + (sector - k * chunk);
}
