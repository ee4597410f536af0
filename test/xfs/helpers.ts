/**
 * A reverse map in a fresh shared memory, for the test/xfs suites: no media and no nvdimm
 * system, only the layout header, thread slots and one rmap region.
 */
import { createShared, type ThreadContext } from '../../src/core/shared.js';
import { findRmapRegion, formatRmap, rmapRegion } from '../../src/xfs/rmap-region.js';
import { Rmap, type RmapRecord } from '../../src/xfs/rmap.js';

export interface RmapSetup {
  readonly ctx: ThreadContext;
  readonly rmap: Rmap;
}

/** An empty rmap with `capacity` slots over devices of these sizes (pages). */
export function makeRmap(capacity: number, devicePages: readonly number[] = [64, 48]): RmapSetup {
  const ctx = createShared({ mediaBytes: 0, maxThreads: 4, ioBufferBytes: 4096, regions: [rmapRegion(capacity)] });
  const region = findRmapRegion(ctx.layout.regions);
  formatRmap(ctx, region, { devicePages });
  return { ctx, rmap: new Rmap(ctx, region) };
}

/** A record in one line: dev, [start, start+pages), owner, file offset. */
export const rec = (dev: number, startPage: number, pages: number, owner: number, fileOffsetPages = 0): RmapRecord =>
  ({ dev, startPage, pages, owner, fileOffsetPages });
