/**
 * The pmem block path (reference §3.3, §9.7; P-1..P-8, P-10): bb [(100,8,A)] on the
 * namespace, clear unit 256, unless a case says otherwise. Sectors count from the data start
 * of an fsdax namespace (data offset 2 MiB), so every case also exercises the offset.
 */
import { describe, it, expect } from 'vitest';
import { describeKinds, oneNamespace, knownBad, pattern } from '../nvdimm/helpers.js';
import { pmemRead, pmemSubmitBio, pmemWrite, pmemWriteZeroes, pmemFlush } from '../../src/pmem/block.js';
import { machineCheck } from '../../src/nvdimm/mce.js';
import { scrub } from '../../src/nvdimm/ars.js';
import { disableNamespace } from '../../src/nvdimm/lifecycle.js';

const PG_HWPOISON = 1;
const PG_KERNEL_NP = 2;

describeKinds('pmem block path', (kind) => {
  const setup = async (ns: Parameters<typeof oneNamespace>[1] = {}) => {
    const r = await oneNamespace(kind, { mode: 'fsdax', ...ns });
    r.sys.media.write(r.ns.dataStart, pattern(256 * 512, 7)); // sectors 0..255 hold known data
    knownBad(r.ns, 100, 8);
    expect(r.ns.bb.entries()).toEqual([[100, 8, true]]);
    return r;
  };
  const expected = pattern(256 * 512, 7);
  const sectors = (s: number, n: number): Uint8Array => expected.subarray(s * 512, (s + n) * 512);

  it('P-1 read 4096 B at sector 96 -> EIO, no data copied', async () => {
    const { sys, ns } = await setup();
    const out = new Uint8Array(4096).fill(0xee);
    const r = pmemRead(ns, 96, 4096, { out });
    expect(r).toMatchObject({ ok: false, errno: 'EIO', bytesDone: 0, cause: 'badblocks' });
    expect(r.data.length).toBe(0);
    expect(out.every((b) => b === 0xee)).toBe(true);
    expect(sys.bus.counters().mce).toBe(8); // the 8 notifies of the set-up; no machine check from the read
  });

  it('P-2 read 512 B at sector 99 -> OK; read 512 B at sector 108 -> OK', async () => {
    const { ns } = await setup();
    expect(pmemRead(ns, 99, 512)).toEqual({ ok: true, bytes: 512, data: sectors(99, 1) });
    expect(pmemRead(ns, 108, 512)).toEqual({ ok: true, bytes: 512, data: sectors(108, 1) });
  });

  it('P-3 write 4096 B at sector 96 -> OK; firmware clears 4096 B at sector 96; bb -> [(104,4,A)]; data written after the clear', async () => {
    const { sys, ns } = await setup();
    const data = pattern(4096, 3);
    expect(pmemWrite(ns, 96, data)).toEqual({ ok: true, bytes: 4096 });
    expect(sys.bus.counters()).toMatchObject({ clearCalls: 1, clearedBytes: 4096 });
    expect(ns.bb.entries()).toEqual([[104, 4, true]]);
    expect(sys.media.read(ns.dataStart + 96 * 512, 4096)).toEqual(data); // the clear's zeros were overwritten
    expect(sys.media.isPoisoned(ns.dataStart + 96 * 512, 4096)).toBe(false);
    expect(sys.media.isPoisoned(ns.dataStart + 104 * 512, 2048)).toBe(true);
  });

  it('P-4 write 4096 B at sector 100 -> OK; bb -> []', async () => {
    const { sys, ns } = await setup();
    expect(pmemWrite(ns, 100, pattern(4096, 4))).toEqual({ ok: true, bytes: 4096 });
    expect(ns.bb.entries()).toEqual([]);
    expect(sys.media.isPoisoned(ns.dataStart, ns.dataBytes)).toBe(false);
    expect(pmemRead(ns, 100, 4096)).toEqual({ ok: true, bytes: 4096, data: pattern(4096, 4) });
  });

  it('P-5 clear unit 4096: write 512 B at sector 100 -> EIO (ENXIO from the clear), data not written, bb unchanged', async () => {
    const { sys, ns } = await setup({ clearUnit: 4096 });
    const before = sys.media.read(ns.dataStart + 100 * 512, 512);
    expect(pmemWrite(ns, 100, new Uint8Array(512).fill(0x11))).toMatchObject({ ok: false, errno: 'EIO', bytesDone: 0, cause: 'clear' });
    expect(sys.bus.counters().clearEnxio).toBe(1);
    expect(sys.media.read(ns.dataStart + 100 * 512, 512)).toEqual(before);
    expect(ns.bb.entries()).toEqual([[100, 8, true]]);
  });

  it('P-6 firmware clears 2048 of 4096 at sector 96 -> EIO, data not written; bb unchanged; badrange lost 2048 B', async () => {
    const { sys, ns } = await setup({ fwClearMax: 2048 });
    // A badrange record covering the whole page (as an ARS with 4 KiB records would report
    // it), added without revalidating, so the namespace bb stays the reference's [(100,8,A)].
    sys.bus.state.lock(() => sys.bus.badrange.addLocked(ns.dataStart + 96 * 512, 4096));
    const before = sys.media.read(ns.dataStart + 96 * 512, 4096);
    const r = pmemWrite(ns, 96, pattern(4096, 5));
    expect(r).toMatchObject({ ok: false, errno: 'EIO', bytesDone: 0, cause: 'clear' });
    expect(sys.bus.counters()).toMatchObject({ clearedBytes: 2048, clearPartial: 1 });
    expect(ns.bb.entries()).toEqual([[100, 8, true]]); // badblocks_clear(96, 4) removes nothing
    expect(sys.media.read(ns.dataStart + 96 * 512, 4096)).toEqual(before); // sectors 96..99 were clean: nothing zeroed
    expect(sys.bus.badrange.entries().find((e) => e.start >= ns.dataStart + 96 * 512 && e.length > 64))
      .toEqual({ start: ns.dataStart + 100 * 512, length: 2048 });
  });

  it('P-7 bio [4096 @ sector 0, 4096 @ sector 96] read -> first segment delivered, second fails, EIO', async () => {
    const { ns } = await setup();
    const r = pmemSubmitBio(ns, { op: 'read', segments: [{ sector: 0, bytes: 4096 }, { sector: 96, bytes: 4096 }] });
    expect(r).toMatchObject({ ok: false, errno: 'EIO', bytesDone: 4096, segment: 1, cause: 'badblocks' });
    expect(r.data).toEqual(sectors(0, 8));
  });

  it('P-7 bio write stops at the failing segment; earlier segments stay written, later ones are not', async () => {
    const { sys, ns } = await setup({ clearUnit: 4096 });
    const a = pattern(512, 21);
    const r = pmemSubmitBio(ns, { op: 'write', segments: [{ sector: 10, data: a }, { sector: 100, data: pattern(512, 22) }, { sector: 20, data: pattern(512, 23) }] });
    expect(r).toMatchObject({ ok: false, errno: 'EIO', bytesDone: 512, segment: 1 });
    expect(sys.media.read(ns.dataStart + 10 * 512, 512)).toEqual(a);
    expect(sys.media.read(ns.dataStart + 20 * 512, 512)).toEqual(sectors(20, 1));
  });

  it('P-8 latent poison at byte 100*512+64 -> read 4096 @ 96 fails (copy_mc short, EIO) and the MCE records it', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    sys.media.poison(ns.dataStart + 100 * 512 + 64, 1);
    const r = pmemRead(ns, 96, 4096);
    expect(r).toMatchObject({ ok: false, errno: 'EIO', bytesDone: 0, cause: 'mce' });
    expect(ns.bb.entries()).toEqual([[100, 1, true]]); // mce-lsb 6: the one line, one sector
  });

  it('P-8 latent poison: write 4096 @ 96 succeeds without clearing; the poison stays until ARS adds it and a later write clears it', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    sys.media.poison(ns.dataStart + 100 * 512 + 64, 1);
    expect(pmemWrite(ns, 96, pattern(4096, 8))).toEqual({ ok: true, bytes: 4096 });
    expect(sys.bus.counters().clearCalls).toBe(0);
    expect(sys.media.isPoisoned(ns.dataStart + 100 * 512, 512)).toBe(true);
    scrub(sys.bus);
    expect(ns.bb.entries()).toEqual([[100, 1, true]]);
    expect(pmemWrite(ns, 96, pattern(4096, 9))).toEqual({ ok: true, bytes: 4096 });
    expect(sys.media.isPoisoned(ns.dataStart + 96 * 512, 4096)).toBe(false);
    expect(pmemRead(ns, 96, 4096)).toEqual({ ok: true, bytes: 4096, data: pattern(4096, 9) });
  });

  it('P-10 page 12 hit by an MCE: a 4096-byte write at sector 96 clears, restores the mapping, bb [] and later reads work', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    const { wasm } = sys.context;
    sys.media.poison(ns.dataStart + 100 * 512, 1);
    machineCheck(sys.bus, ns.dataStart + 100 * 512);
    const pfn = ns.pfn(12);
    expect(wasm.page_flags(pfn)).toBe(PG_HWPOISON | PG_KERNEL_NP);
    expect(ns.bb.entries()).toEqual([[100, 1, true]]);
    expect(pmemWrite(ns, 96, pattern(4096, 10))).toEqual({ ok: true, bytes: 4096 });
    expect(sys.bus.counters()).toMatchObject({ clearedBytes: 4096, pagesRestored: 1, unmappedWrites: 0 });
    expect(wasm.page_flags(pfn)).toBe(0);
    expect(ns.bb.entries()).toEqual([]);
    expect(pmemRead(ns, 96, 4096)).toEqual({ ok: true, bytes: 4096, data: pattern(4096, 10) });
  });

  it('P-10 a 512-byte write at sector 100 clears bb but leaves the page unmapped (flagged); later reads of the page fail with EIO', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    const { wasm } = sys.context;
    sys.media.poison(ns.dataStart + 100 * 512, 1);
    machineCheck(sys.bus, ns.dataStart + 100 * 512);
    expect(pmemWrite(ns, 100, pattern(512, 11))).toEqual({ ok: true, bytes: 512 });
    expect(ns.bb.entries()).toEqual([]);
    expect(wasm.page_flags(ns.pfn(12))).toBe(PG_HWPOISON | PG_KERNEL_NP);
    expect(sys.bus.counters()).toMatchObject({ unmappedWrites: 1, pagesRestored: 0 });
    // Even a clean sector of the page: the copy's #PF fixup makes it short -> EIO, no new MCE.
    const mces = sys.bus.counters().mce;
    expect(pmemRead(ns, 97, 512)).toMatchObject({ ok: false, errno: 'EIO', cause: 'unmapped' });
    expect(sys.bus.counters()).toMatchObject({ mce: mces, unmappedReads: 1 });
    expect(pmemRead(ns, 104, 512)).toMatchObject({ ok: true }); // the next page is mapped
  });
});

describe('block path details', () => {
  it('M-9 raw namespace: a read over latent poison fails with EIO, memory_failure ENXIO, no page flags', async () => {
    const { sys, ns } = await oneNamespace('table', { mode: 'raw' });
    sys.media.poison(ns.dataStart + 4096, 64);
    expect(pmemRead(ns, 8, 512)).toMatchObject({ ok: false, errno: 'EIO', cause: 'mce' });
    expect(sys.bus.counters()).toMatchObject({ memoryFailureEnxio: 1, memoryFailure: 0 });
    expect(sys.context.wasm.page_flags(ns.pfn(1))).toBe(0);
  });

  it('profile 5.18 (UC): after an MCE the rest of the page stays readable through the block path', async () => {
    const { sys, ns } = await oneNamespace('table', { mode: 'fsdax', kernel: '5.18' });
    sys.media.poison(ns.dataStart + 100 * 512, 1);
    expect(pmemRead(ns, 100, 512)).toMatchObject({ ok: false, cause: 'mce' });
    expect(pmemRead(ns, 97, 512)).toMatchObject({ ok: true });
  });

  it('O_DIRECT rules: a length that is not a multiple of 512 -> EINVAL; a range past the device -> RangeError', async () => {
    const { ns } = await oneNamespace('table');
    expect(pmemRead(ns, 0, 100)).toMatchObject({ ok: false, errno: 'EINVAL', bytesDone: 0 });
    expect(pmemWrite(ns, 0, new Uint8Array(100))).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect(() => pmemRead(ns, ns.dataSectors, 512)).toThrow(/sector must be an integer/);
    expect(() => pmemRead(ns, -1, 512)).toThrow(RangeError);
    expect(() => pmemWrite(ns, 0, 'abc' as unknown as Uint8Array)).toThrow(/data must be a Uint8Array/);
    expect(() => pmemSubmitBio(ns, { op: 'read', segments: [{ sector: 0, bytes: 3 * 1024 * 1024 }] })).toThrow(/segments\[0\]\.bytes/);
  });

  it('a disabled namespace refuses block I/O with ENXIO', async () => {
    const { ns } = await oneNamespace('table');
    disableNamespace(ns);
    expect(pmemRead(ns, 0, 512)).toMatchObject({ ok: false, errno: 'ENXIO' });
    expect(pmemWrite(ns, 0, new Uint8Array(512))).toMatchObject({ ok: false, errno: 'ENXIO' });
  });

  it('writes are pending until nvdimm_flush (fsync) or FUA; a power failure loses what was not flushed', async () => {
    const { sys, ns } = await oneNamespace('table');
    pmemWrite(ns, 0, pattern(4096, 1));
    expect(sys.media.volatileBytes(ns.dataStart, 4096)).toBe(4096);
    expect(pmemFlush(ns)).toBe(4096);
    expect(sys.media.volatileBytes(ns.dataStart, 4096)).toBe(0);
    pmemWrite(ns, 8, pattern(4096, 2), { fua: true });
    expect(sys.media.volatileBytes(ns.dataStart + 4096, 4096)).toBe(0);
    pmemWrite(ns, 16, pattern(1024, 3));
    expect(sys.media.powerFail()).toEqual({ lostBytes: 1024 });
  });

  it('reads into and writes from a view of the I/O buffer (no staging copy) give the same results', async () => {
    const { sys, ns } = await oneNamespace('table');
    const io = sys.bus.ioBuffer;
    io.set(pattern(8192, 31), 4096);
    expect(pmemWrite(ns, 16, io.subarray(4096, 12288))).toEqual({ ok: true, bytes: 8192 });
    expect(sys.media.read(ns.dataStart + 16 * 512, 8192)).toEqual(pattern(8192, 31));
    sys.media.poison(ns.dataStart + 16 * 512 + 4096 + 640, 1);
    const out = io.subarray(20000, 20000 + 8192);
    const r = pmemRead(ns, 16, 8192, { out });
    expect(r).toMatchObject({ ok: false, errno: 'EIO', bytesDone: 4096, cause: 'mce' });
    expect(r.data).toEqual(pattern(4096, 31));
    expect(r.data.buffer).toBe(io.buffer); // delivered in place
    expect(r.data.byteOffset).toBe(io.byteOffset + 20000);
  });

  it('blkdev_issue_zeroout clears known poison like any write', async () => {
    const { sys, ns } = await oneNamespace('table');
    knownBad(ns, 16, 8);
    expect(pmemWriteZeroes(ns, 16, 4096)).toEqual({ ok: true, bytes: 4096 });
    expect(ns.bb.entries()).toEqual([]);
    expect(sys.media.read(ns.dataStart + 16 * 512, 4096).every((b) => b === 0)).toBe(true);
  });
});
