/**
 * nvdimm_badblocks_populate (reference §2.1; N-1, E-6 counting): bytes -> sectors rounded
 * outward, acknowledged, relative to the range start; populate only adds.
 */
import { it, expect } from 'vitest';
import { describeKinds, oneNamespace } from './helpers.js';
import { revalidatePoison } from '../../src/nvdimm/populate.js';
import type { System } from '../../src/nvdimm/system.js';

const addBadrange = (sys: System, start: number, len: number): void => {
  sys.bus.state.lock(() => sys.bus.badrange.addLocked(start, len));
};

describeKinds('populate', (kind) => {
  it('N-1 bus badrange [base+1000, base+1064) -> namespace bb (1,2,A)', async () => {
    const { sys, ns } = await oneNamespace(kind);
    const base = ns.dataStart;
    addBadrange(sys, base + 1000, 64);
    revalidatePoison(sys.bus);
    expect(ns.bb.entries()).toEqual([[1, 2, true]]);
    expect(ns.bb.show()).toBe('1 2\n');
  });

  it('namespace bb counts from the data start, region bb from the region start (§2.1)', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    expect(ns.dataOffset).toBe(2 * 1024 * 1024); // 8 MiB fsdax: info block + memmap rounded to 2 MiB
    addBadrange(sys, ns.dataStart + 512 * 10, 512);
    revalidatePoison(sys.bus);
    expect(ns.bb.entries()).toEqual([[10, 1, true]]);
    expect(ns.regionBb.entries()).toEqual([[ns.dataOffset / 512 + 10, 1, true]]);
  });

  it('ranges are clipped to the namespace: a range starting before the data start counts from sector 0', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    addBadrange(sys, ns.dataStart - 1024, 1024 + 700);
    revalidatePoison(sys.bus);
    expect(ns.bb.entries()).toEqual([[0, 2, true]]);
    expect(ns.regionBb.entries()).toEqual([[ns.dataOffset / 512 - 2, 4, true]]);
  });

  it('populate only adds: a badrange entry that shrinks leaves the earlier sectors in bb', async () => {
    const { sys, ns } = await oneNamespace(kind);
    addBadrange(sys, ns.dataStart + 4096, 4096);
    revalidatePoison(sys.bus);
    addBadrange(sys, ns.dataStart + 4096, 64); // same start: length replaced
    revalidatePoison(sys.bus);
    expect(ns.bb.entries()).toEqual([[8, 8, true]]);
    expect(ns.populateStats().bb).toEqual({ lastRanges: 1, lastDropped: 0, droppedTotal: 0 });
  });
});
