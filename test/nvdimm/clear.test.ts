/**
 * nvdimm_clear_poison (reference §2.2; N-3..N-6, N-8) and ARS_CAP.
 */
import { it, expect } from 'vitest';
import { describeKinds, oneNamespace, knownBad } from './helpers.js';
import { nvdimmClearPoison, arsCap } from '../../src/nvdimm/clear.js';
import { scrub } from '../../src/nvdimm/ars.js';
import { injectError } from '../../src/nvdimm/inject.js';
import { pmemRead, pmemWrite } from '../../src/pmem/block.js';

describeKinds('nvdimm_clear_poison', (kind) => {
  it('N-3 clear(base+0x1000, 0x1000) -> 4096; badrange entries in the range removed; region bb loses sectors 8..15', async () => {
    const { sys, ns } = await oneNamespace(kind);
    const base = ns.regionStart;
    knownBad(ns, 4, 16); // raw: data sector = region sector
    expect(ns.regionBb.entries()).toEqual([[4, 16, true]]);
    expect(nvdimmClearPoison(sys.bus, base + 0x1000, 0x1000)).toEqual({ ok: true, cleared: 4096 });
    const starts = sys.bus.badrange.entries().map((e) => (e.start - base) / 512);
    expect(starts).toEqual([4, 5, 6, 7, 16, 17, 18, 19]);
    expect(ns.regionBb.entries()).toEqual([[4, 4, true], [16, 4, true]]);
    // The namespace bb is pmem's business (§2.2 step 6), and the hardware is clean in the range.
    expect(ns.bb.entries()).toEqual([[4, 16, true]]);
    expect(sys.media.isPoisoned(base + 0x1000, 0x1000)).toBe(false);
    expect(sys.media.isPoisoned(base + 0x800, 0x800)).toBe(true);
  });

  it('N-4 clear(base+0x80, 0x100) -> ENXIO (not 256-aligned), nothing changes', async () => {
    const { sys, ns } = await oneNamespace(kind);
    const base = ns.regionStart;
    knownBad(ns, 0, 2);
    const before = { br: sys.bus.badrange.entries(), fw: sys.bus.firmware.entries(), rbb: ns.regionBb.entries() };
    expect(nvdimmClearPoison(sys.bus, base + 0x80, 0x100)).toEqual({ ok: false, errno: 'ENXIO' });
    expect(nvdimmClearPoison(sys.bus, base, 0x80)).toEqual({ ok: false, errno: 'ENXIO' });
    expect({ br: sys.bus.badrange.entries(), fw: sys.bus.firmware.entries(), rbb: ns.regionBb.entries() }).toEqual(before);
    expect(sys.media.isPoisoned(base, 64)).toBe(true);
    expect(sys.bus.counters()).toMatchObject({ clearEnxio: 2, clearedBytes: 0 });
  });

  it('N-5 firmware clears only 256 of 512 -> 256; badrange trimmed by 256; region bb untouched; block write sees EIO', async () => {
    const { sys, ns } = await oneNamespace(kind, { fwClearMax: 256 });
    const base = ns.regionStart;
    injectError(ns, { block: 10, count: 1, saturate: true });
    scrub(sys.bus); // long ARS: the whole poisoned sector becomes one badrange entry
    expect(sys.bus.badrange.entries()).toEqual([{ start: base + 5120, length: 512 }]);
    expect(nvdimmClearPoison(sys.bus, base + 5120, 512)).toEqual({ ok: true, cleared: 256 });
    expect(sys.bus.badrange.entries()).toEqual([{ start: base + 5376, length: 256 }]);
    expect(ns.regionBb.entries()).toEqual([[10, 1, true]]);
    const w = pmemWrite(ns, 10, new Uint8Array(512).fill(0x5a));
    expect(w).toMatchObject({ ok: false, errno: 'EIO', bytesDone: 0, cause: 'clear' });
  });

  it('N-6 legacy bus (no ndctl) -> returns len, media untouched; callers believe it cleared', async () => {
    const { sys, ns } = await oneNamespace(kind, { legacyBus: true });
    const base = ns.regionStart;
    knownBad(ns, 8, 8);
    const br = sys.bus.badrange.entries();
    expect(nvdimmClearPoison(sys.bus, base + 4096, 4096)).toEqual({ ok: true, cleared: 4096 });
    expect(sys.media.isPoisoned(base + 4096, 4096)).toBe(true);
    expect(sys.bus.badrange.entries()).toEqual(br);
    expect(ns.regionBb.entries()).toEqual([[8, 8, true]]);
    // The block path believes it: the write succeeds and pmem->bb forgets the sectors...
    expect(pmemWrite(ns, 8, new Uint8Array(4096).fill(1))).toEqual({ ok: true, bytes: 4096 });
    expect(ns.bb.entries()).toEqual([]);
    // ...but the poison is still there: the next read consumes it.
    expect(pmemRead(ns, 8, 4096)).toMatchObject({ ok: false, errno: 'EIO', cause: 'mce' });
  });

  it('N-8 a clear ending exactly at the region\'s last byte does not update the region bb', async () => {
    const { sys, ns } = await oneNamespace(kind, { size: '2MiB' });
    const end = ns.regionStart + ns.size;
    knownBad(ns, 4080, 16); // the last 16 sectors of the region
    expect(nvdimmClearPoison(sys.bus, end - 4096, 4096)).toEqual({ ok: true, cleared: 4096 });
    expect(ns.regionBb.entries()).toEqual([[4080, 16, true]]);
    // The badrange list and the hardware were cleared all the same.
    expect(sys.bus.badrange.entries().map((e) => (e.start - ns.regionStart) / 512)).toEqual([4080, 4081, 4082, 4083, 4084, 4085, 4086, 4087]);
    expect(sys.media.isPoisoned(end - 4096, 4096)).toBe(false);
    // One page earlier the containment test passes.
    expect(nvdimmClearPoison(sys.bus, end - 8192, 4096)).toEqual({ ok: true, cleared: 4096 });
    expect(ns.regionBb.entries()).toEqual([[4088, 8, true]]);
  });

  it('spends the modelled firmware latency on the clock and counts it', async () => {
    const { sys, ns } = await oneNamespace(kind, {}, { model: { clearLatencyNs: 25_000 } });
    const t0 = sys.clock.now();
    nvdimmClearPoison(sys.bus, ns.regionStart, 4096);
    nvdimmClearPoison(sys.bus, ns.regionStart + 4096, 4096);
    expect(sys.clock.now() - t0).toBe(50_000);
    expect(sys.bus.counters()).toMatchObject({ clearCalls: 2, clearedBytes: 8192, clearModelledNs: 50_000 });
  });
});

it('E-4 ARS_CAP widens a range to the clear unit', async () => {
  const { sys, ns } = await oneNamespace('table', { clearUnit: 4096 });
  expect(arsCap(sys.bus, ns.regionStart + 5000, 100)).toEqual({ clearErrUnit: 4096, start: ns.regionStart + 4096, length: 4096 });
  expect(arsCap(sys.bus, ns.regionStart + 4096, 8192)).toEqual({ clearErrUnit: 4096, start: ns.regionStart + 4096, length: 8192 });
});

it('bad arguments are RangeErrors naming the field, and change nothing', async () => {
  const { sys, ns } = await oneNamespace('table');
  expect(() => nvdimmClearPoison(sys.bus, -1, 256)).toThrow(/phys must be an integer/);
  expect(() => nvdimmClearPoison(sys.bus, 0, sys.media.size + 256)).toThrow(/len must be an integer/);
  expect(() => nvdimmClearPoison(sys.bus, 0.5, 256)).toThrow(RangeError);
  expect(sys.bus.counters().clearCalls).toBe(0);
  void ns;
});
