/**
 * DAX access through the DAX core (reference §3.4, §3.5, §4.2, §9.8; D-1..D-11) and
 * dax_copy_to_iter (C-4). bb [(100,8,A)]; pages are 8 sectors; kernel 6.15 unless stated.
 */
import { describe, it, expect } from 'vitest';
import { describeKinds, oneNamespace, knownBad, pattern } from '../nvdimm/helpers.js';
import {
  daxCopyFromIter, daxCopyToIter, daxDirectAccess, daxMem2blkErr, daxRecoveryWrite, daxZeroPageRange,
  DAX_ACCESS, DAX_RECOVERY_WRITE,
} from '../../src/dax/super.js';
import { pmemDirectAccess } from '../../src/pmem/dax.js';
import { disableNamespace } from '../../src/nvdimm/lifecycle.js';

describeKinds('dax_direct_access', (kind) => {
  const setup = async (ns: Parameters<typeof oneNamespace>[1] = {}) => {
    const r = await oneNamespace(kind, { mode: 'fsdax', ...ns });
    knownBad(r.ns, 100, 8);
    return r;
  };

  it('D-1 direct_access(pgoff 10, nr 8, DAX_ACCESS) (sectors 80-143) -> EHWPOISON', async () => {
    const { ns } = await setup();
    expect(daxDirectAccess(ns, 10, 8, DAX_ACCESS)).toEqual({ ok: false, errno: 'EHWPOISON' });
  });

  it('D-2 same with DAX_RECOVERY_WRITE -> 3 (pages 10, 11 and the bad page 12)', async () => {
    const { ns } = await setup();
    expect(daxDirectAccess(ns, 10, 8, DAX_RECOVERY_WRITE)).toMatchObject({ ok: true, pages: 3 });
  });

  it('D-3 bb [(96,8,A)]: RECOVERY(pgoff 12, nr 4) -> 1', async () => {
    const { ns } = await oneNamespace(kind, { mode: 'fsdax' });
    knownBad(ns, 96, 8);
    expect(daxDirectAccess(ns, 12, 4, DAX_RECOVERY_WRITE)).toMatchObject({ ok: true, pages: 1 });
  });

  it('D-4 DAX_ACCESS(pgoff 14, nr 4) -> 4 (bb non-empty, no hit -> exactly nr)', async () => {
    const { ns } = await setup();
    expect(pmemDirectAccess(ns, 14, 4, DAX_ACCESS)).toMatchObject({ ok: true, pages: 4 });
    expect(daxDirectAccess(ns, 14, 4, DAX_ACCESS)).toMatchObject({ ok: true, pages: 4 });
  });

  it('D-5 empty bb: the driver returns the pages to the end of the device; dax_direct_access returns min(that, nr)', async () => {
    const { ns } = await oneNamespace(kind, { mode: 'fsdax' });
    expect(pmemDirectAccess(ns, 10, 8, DAX_ACCESS)).toMatchObject({ ok: true, pages: ns.dataPages - 10 });
    expect(daxDirectAccess(ns, 10, 8, DAX_ACCESS)).toMatchObject({ ok: true, pages: 8 });
    expect(daxDirectAccess(ns, 10, 1e6, DAX_ACCESS)).toMatchObject({ ok: true, pages: ns.dataPages - 10 });
  });

  it('D-5 the result carries the kernel address of pgoff as SPA and pfn', async () => {
    const { ns } = await oneNamespace(kind, { mode: 'fsdax' });
    expect(daxDirectAccess(ns, 3, 1, DAX_ACCESS)).toEqual({ ok: true, pages: 1, spa: ns.dataStart + 3 * 4096, pfn: (ns.dataStart + 3 * 4096) / 4096 });
  });

  it('D-6 nr < 0 -> EINVAL; dead device -> ENXIO; driver result 0 -> ERANGE; no device -> EOPNOTSUPP', async () => {
    const { ns } = await setup();
    expect(daxDirectAccess(ns, 0, -1, DAX_ACCESS)).toEqual({ ok: false, errno: 'EINVAL' });
    expect(daxDirectAccess(ns, 0, 0, DAX_ACCESS)).toEqual({ ok: false, errno: 'ERANGE' }); // bb.count > 0, no hit: driver returns nr = 0
    expect(daxDirectAccess(null, 0, 1, DAX_ACCESS)).toEqual({ ok: false, errno: 'EOPNOTSUPP' });
    disableNamespace(ns);
    expect(daxDirectAccess(ns, 0, 1, DAX_ACCESS)).toEqual({ ok: false, errno: 'ENXIO' });
  });

  it('D-7 bb [(80,24,A)]: RECOVERY(pgoff 11, nr 4) -> d = 8 wraps to ~2^52 pages, clamped to 4', async () => {
    const { ns } = await oneNamespace(kind, { mode: 'fsdax' });
    knownBad(ns, 80, 24);
    expect(pmemDirectAccess(ns, 11, 4, DAX_RECOVERY_WRITE)).toMatchObject({ ok: true, pages: 2 ** 52 - 1 });
    expect(daxDirectAccess(ns, 11, 4, DAX_RECOVERY_WRITE)).toMatchObject({ ok: true, pages: 4 });
  });

  it('D-7 bb [(90,20,A)]: RECOVERY(pgoff 12, nr 4) -> d = 6 wraps to 0 -> 1', async () => {
    const { ns } = await oneNamespace(kind, { mode: 'fsdax' });
    knownBad(ns, 90, 20);
    expect(daxDirectAccess(ns, 12, 4, DAX_RECOVERY_WRITE)).toMatchObject({ ok: true, pages: 1 });
  });

  it('D-8 recovery_write(pgoff 12, page-aligned, 4096) clears 4096 B, copies, bb -> [(104,4,A)]; returns 4096', async () => {
    const { sys, ns } = await setup();
    const data = pattern(4096, 12);
    expect(daxRecoveryWrite(ns, 12, 0, data)).toBe(4096);
    expect(ns.bb.entries()).toEqual([[104, 4, true]]);
    expect(sys.bus.counters()).toMatchObject({ clearedBytes: 4096 });
    expect(sys.media.read(ns.dataStart + 12 * 4096, 4096)).toEqual(data);
    expect(sys.media.isPoisoned(ns.dataStart + 12 * 4096, 4096)).toBe(false);
  });

  it('D-9 recovery_write(pgoff 12, addr+0, 2048) -> 0, nothing changes', async () => {
    const { sys, ns } = await setup();
    const before = sys.media.read(ns.dataStart + 12 * 4096, 4096);
    expect(daxRecoveryWrite(ns, 12, 0, pattern(2048, 1))).toBe(0);
    expect(daxRecoveryWrite(ns, 12, 512, pattern(3584, 1))).toBe(0);
    expect(ns.bb.entries()).toEqual([[100, 8, true]]);
    expect(sys.media.read(ns.dataStart + 12 * 4096, 4096)).toEqual(before);
    expect(sys.bus.counters().clearCalls).toBe(0);
  });

  it('D-10 firmware clears 2048 of 4096 -> 0; bb unchanged; badrange trimmed; data not written', async () => {
    const { sys, ns } = await setup({ fwClearMax: 2048 });
    // A page-wide badrange record (not revalidated, so bb stays [(100,8,A)]) shows the trim.
    sys.bus.state.lock(() => sys.bus.badrange.addLocked(ns.dataStart + 96 * 512, 4096));
    const before = sys.media.read(ns.dataStart + 12 * 4096, 4096);
    expect(daxRecoveryWrite(ns, 12, 0, pattern(4096, 13))).toBe(0);
    expect(ns.bb.entries()).toEqual([[100, 8, true]]);
    expect(sys.media.read(ns.dataStart + 12 * 4096, 4096)).toEqual(before);
    expect(sys.bus.badrange.entries().filter((e) => e.length > 64)).toEqual([{ start: ns.dataStart + 100 * 512, length: 2048 }]);
    expect(sys.bus.counters()).toMatchObject({ clearPartial: 1, clearedBytes: 2048 });
  });

  it('D-11 kernel 5.19-6.4: D-1 returns EIO; recovery (keyed on EIO) still works', async () => {
    const { ns } = await setup({ kernel: '5.19' });
    expect(daxDirectAccess(ns, 10, 8, DAX_ACCESS)).toEqual({ ok: false, errno: 'EIO' });
    expect(daxDirectAccess(ns, 10, 8, DAX_RECOVERY_WRITE)).toMatchObject({ ok: true, pages: 3 });
    expect(daxRecoveryWrite(ns, 12, 0, pattern(4096, 2))).toBe(4096);
    expect(ns.bb.entries()).toEqual([[104, 4, true]]);
  });

  it('D-11 before 5.19: EIO and no recovery at all', async () => {
    const { sys, ns } = await setup({ kernel: '5.18' });
    expect(daxDirectAccess(ns, 10, 8, DAX_ACCESS)).toEqual({ ok: false, errno: 'EIO' });
    expect(daxDirectAccess(ns, 10, 8, DAX_RECOVERY_WRITE)).toEqual({ ok: false, errno: 'EIO' });
    expect(daxRecoveryWrite(ns, 12, 0, pattern(4096, 2))).toBe(0);
    expect(ns.bb.entries()).toEqual([[100, 8, true]]);
    expect(sys.bus.counters().clearCalls).toBe(0);
  });

  it('a namespace declared without .recovery_write (a dm member) -> dax_recovery_write returns 0', async () => {
    const { ns } = await setup({ noRecovery: true });
    expect(daxRecoveryWrite(ns, 12, 0, pattern(4096, 2))).toBe(0);
    expect(ns.bb.entries()).toEqual([[100, 8, true]]);
  });
});

describeKinds('dax zero / copies', (kind) => {
  it('dax_zero_page_range: only nr == 1; dead -> ENXIO; a clear that falls short -> EIO (EHWPOISON never escapes)', async () => {
    const { ns } = await oneNamespace(kind, { mode: 'fsdax', clearUnit: 4096 });
    knownBad(ns, 100, 1);
    expect(daxZeroPageRange(ns, 12, 2)).toEqual({ ok: false, errno: 'EIO' });
    expect(daxZeroPageRange(ns, 12, 1)).toEqual({ ok: true });
    expect(ns.bb.entries()).toEqual([]);
    disableNamespace(ns);
    expect(daxZeroPageRange(ns, 12, 1)).toEqual({ ok: false, errno: 'ENXIO' });
  });

  it('C-4 _copy_mc_to_iter with a poisoned line at src+1024 of 4096 -> 1024 bytes copied; the machine check records it', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    const data = pattern(4096, 4);
    expect(daxCopyFromIter(ns, 8192, data)).toBe(4096);
    sys.media.poison(ns.dataStart + 8192 + 1024, 1);
    const r = daxCopyToIter(ns, 8192, 4096);
    expect(r.copied).toBe(1024);
    expect(r.data).toEqual(data.subarray(0, 1024));
    expect(r.fault).toMatchObject({ cause: 'mce', mce: { memoryFailure: 0, nospec: 'not-present' } });
    expect(ns.bb.entries()).toEqual([[18, 1, true]]);
    // The page is now out of the direct map: even its clean first line is unreadable.
    expect(daxCopyToIter(ns, 8192, 64)).toMatchObject({ copied: 0, fault: { cause: 'unmapped' } });
  });

  it('C-4 also holds when the destination is this thread\'s I/O buffer (one wasm copy)', async () => {
    const { sys, ns } = await oneNamespace(kind);
    const data = pattern(4096, 5);
    expect(daxCopyFromIter(ns, 0, data)).toBe(4096);
    sys.media.poison(ns.dataStart + 1024, 1);
    const io = sys.bus.ioBuffer.subarray(100, 100 + 4096);
    const r = daxCopyToIter(ns, 0, 4096, io);
    expect(r.copied).toBe(1024);
    expect(r.data).toEqual(data.subarray(0, 1024));
    expect(r.data.byteOffset).toBe(io.byteOffset);
  });

  it('copies on a dead device move nothing', async () => {
    const { ns } = await oneNamespace(kind);
    disableNamespace(ns);
    expect(daxCopyFromIter(ns, 0, pattern(64))).toBe(0);
    expect(daxCopyToIter(ns, 0, 64).copied).toBe(0);
  });
});

describe('dax_mem2blk_err', () => {
  it('EHWPOISON -> EIO, anything else unchanged', () => {
    expect(daxMem2blkErr('EHWPOISON')).toBe('EIO');
    expect(daxMem2blkErr('ENXIO')).toBe('ENXIO');
    expect(daxMem2blkErr('EIO')).toBe('EIO');
  });
});
