/**
 * is_bad_pmem(bb, sector, len) (`drivers/nvdimm/nd.h`, reference §3.1): the pmem driver's
 * one question to its badblocks before every access.
 *
 * False at once when `bb->count == 0` (the fast path every clean device takes); otherwise
 * true iff badblocks_check(bb, sector, len/512) is non-zero (1 and -1 both mean bad). The
 * division truncates: a 100-byte access checks 0 sectors, which still reports bad when
 * `sector` lies inside an entry (§1.3, BB-31).
 *
 * The check goes straight to the wasm export (no argument validation, no result object):
 * callers are the I/O paths, which validated their ranges already. Lock-free: seqlock read.
 * Cost: one atomic load when the structure is empty; a seqlock-protected search otherwise.
 */
import type { Badblocks } from '../badblocks/badblocks.js';
import type { ThreadContext } from '../core/shared.js';
import { SLOT_SCRATCH } from '../core/layout.js';

const BB_STOPPED = -2;

/** The first bad entry a check found, in sectors (badblocks_check's outputs). */
export interface BadHit {
  readonly firstBad: number;
  readonly badSectors: number;
}

/** is_bad_pmem: does [sector, sector + floor(lenBytes/512)) touch a known-bad sector? */
export function isBadPmem(ctx: ThreadContext, bb: Badblocks, sector: number, lenBytes: number): boolean {
  if (bb.count === 0) return false;
  return check(ctx, bb, sector, Math.floor(lenBytes / 512)) !== 0;
}

/**
 * badblocks_check(bb, sector, sectors) for the driver: undefined when nothing is bad, else
 * the lowest overlapping entry (whole, possibly starting before `sector`).
 */
export function badblocksHit(ctx: ThreadContext, bb: Badblocks, sector: number, sectors: number): BadHit | undefined {
  if (check(ctx, bb, sector, sectors) === 0) return undefined;
  const out = scratch(ctx);
  return { firstBad: out[0]!, badSectors: out[1]! };
}

/** badblocksHit's first bad sector alone, or -1 when nothing is bad (no result object). */
export function badblocksFirstBad(ctx: ThreadContext, bb: Badblocks, sector: number, sectors: number): number {
  if (check(ctx, bb, sector, sectors) === 0) return -1;
  return scratch(ctx)[0]!;
}

/** This thread's scratch slot (badblocks_check's outputs), one view per thread context. */
const scratchViews = new WeakMap<ThreadContext, Float64Array>();
function scratch(ctx: ThreadContext): Float64Array {
  let v = scratchViews.get(ctx);
  if (v === undefined) {
    v = new Float64Array(ctx.u8.buffer, (ctx.wasm.thread_slot() >>> 0) + SLOT_SCRATCH, 2);
    scratchViews.set(ctx, v);
  }
  return v;
}

function check(ctx: ThreadContext, bb: Badblocks, sector: number, sectors: number): number {
  const rc = ctx.wasm.badblocks_check(bb.base, sector, sectors);
  if (rc === BB_STOPPED) throw new Error('pmem: the run was stopped while reading badblocks');
  return rc;
}
