/**
 * The kernel-consumption machine check (reference §2.3, §5.4, §6.1; N-2, M-9): blast radius
 * from mce-lsb per profile, badrange add + revalidate, memory_failure and set_mce_nospec.
 */
import { it, expect } from 'vitest';
import { describeKinds, oneNamespace } from './helpers.js';
import { machineCheck } from '../../src/nvdimm/mce.js';

const PG_HWPOISON = 1;
const PG_KERNEL_NP = 2;

describeKinds('machine check', (kind) => {
  it('N-2 MCE at base+0x12345 with MCI_MISC LSB 6 -> badrange [base+0x12340, +64) -> bb (145,1)', async () => {
    const { sys, ns } = await oneNamespace(kind, { mceLsb: 6 });
    const base = ns.dataStart;
    const r = machineCheck(sys.bus, base + 0x12345);
    expect(r.recorded).toEqual({ start: base + 0x12340, length: 64 });
    expect(sys.bus.badrange.entries()).toEqual([{ start: base + 0x12340, length: 64 }]);
    expect(ns.bb.entries()).toEqual([[145, 1, true]]);
  });

  it('N-2 with LSB 12 -> badrange [base+0x12000, +4096) -> bb (144,8)', async () => {
    const { sys, ns } = await oneNamespace(kind, { mceLsb: 12 });
    const base = ns.dataStart;
    expect(machineCheck(sys.bus, base + 0x12345).recorded).toEqual({ start: base + 0x12000, length: 4096 });
    expect(ns.bb.entries()).toEqual([[144, 8, true]]);
  });

  it('N-2 pre-5.19 (profile 5.18): always 64 B, whatever the LSB', async () => {
    const { sys, ns } = await oneNamespace(kind, { mceLsb: 12, kernel: '5.18' });
    expect(machineCheck(sys.bus, ns.dataStart + 0x12345).recorded).toEqual({ start: ns.dataStart + 0x12340, length: 64 });
    expect(ns.bb.entries()).toEqual([[145, 1, true]]);
  });

  it('fsdax page: memory_failure sets HWPoison, set_mce_nospec unmaps it from the kernel direct map (5.19+: not-present)', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    const spa = ns.dataStart + 5 * 4096 + 100;
    const r = machineCheck(sys.bus, spa);
    expect(r).toMatchObject({ pfn: Math.floor(spa / 4096), memoryFailure: 0, nospec: 'not-present' });
    expect(sys.context.wasm.page_flags(r.pfn)).toBe(PG_HWPOISON | PG_KERNEL_NP);
    // C-6: kernel access to any byte of the page now faults.
    expect(sys.media.readMc(ns.dataStart + 5 * 4096, 16).notCopied).toBe(16);
  });

  it('profile 5.18 (set_mce_nospec UC unless the whole page): LSB 6 leaves the page mapped, LSB 12 unmaps it', async () => {
    const a = await oneNamespace(kind, { mode: 'devdax', kernel: '5.18', mceLsb: 6 });
    const ra = machineCheck(a.sys.bus, a.ns.dataStart + 4096);
    expect(ra.nospec).toBe('uncached');
    expect(a.sys.context.wasm.page_flags(ra.pfn)).toBe(PG_HWPOISON);
    const b = await oneNamespace(kind, { mode: 'devdax', kernel: '5.18', mceLsb: 12 });
    const rb = machineCheck(b.sys.bus, b.ns.dataStart + 4096);
    expect(rb.nospec).toBe('not-present');
    expect(b.sys.context.wasm.page_flags(rb.pfn)).toBe(PG_HWPOISON | PG_KERNEL_NP);
  });

  it('M-9 raw namespace (no struct pages): memory_failure -> ENXIO, no page flags, the range is still recorded', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'raw' });
    const r = machineCheck(sys.bus, ns.dataStart + 8192);
    expect(r).toMatchObject({ memoryFailure: 'ENXIO', nospec: 'none' });
    expect(sys.context.wasm.page_flags(r.pfn)).toBe(0);
    expect(ns.bb.entries()).toEqual([[16, 1, true]]);
    expect(sys.bus.counters()).toMatchObject({ mce: 1, memoryFailureEnxio: 1, memoryFailure: 0 });
  });

  it('a poisoned pfn in the metadata (memmap) area of an fsdax namespace -> ENXIO (§6.1)', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    const r = machineCheck(sys.bus, ns.regionStart + 64 * 1024);
    expect(r.memoryFailure).toBe('ENXIO');
    expect(sys.context.wasm.page_flags(r.pfn)).toBe(0);
    expect(ns.bb.entries()).toEqual([]);
    expect(ns.regionBb.entries()).toEqual([[128, 1, true]]);
  });
});

it('machineCheck checks its address', async () => {
  const { sys } = await oneNamespace('table');
  expect(() => machineCheck(sys.bus, sys.media.size)).toThrow(/spa must be an integer SPA byte offset/);
  expect(() => machineCheck(sys.bus, 1.5)).toThrow(RangeError);
  expect(sys.bus.counters().mce).toBe(0);
});
