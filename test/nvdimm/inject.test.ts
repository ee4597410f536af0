/**
 * ndctl inject-error (reference §7.1, §7.2; N-10): per-block records of min(512, unit)
 * bytes, notify = fake MCE, uninject, status converted back to (block, count) and merged.
 */
import { it, expect } from 'vitest';
import { describeKinds, oneNamespace } from './helpers.js';
import { injectError, injectStatus, uninjectError } from '../../src/nvdimm/inject.js';

describeKinds('inject-error', (kind) => {
  it('N-10 --block=42 --count=8 (unit 256, notify) -> eight 256-byte records at data_start + 42*512 + i*512; bb 42 8', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    expect(injectError(ns, { block: 42, count: 8, notify: true })).toEqual({ ok: true, records: 8 });
    const ds = ns.dataStart;
    expect(sys.bus.firmware.entries()).toEqual(Array.from({ length: 8 }, (_, i) => ({ start: ds + 42 * 512 + i * 512, length: 256 })));
    expect(ns.bb.show()).toBe('42 8\n');
    expect(injectStatus(ns)).toEqual([{ block: 42, count: 8 }]);
    // The hardware holds the poison: the first 256 bytes of each sector, not the rest.
    expect(sys.media.isPoisoned(ds + 42 * 512, 256)).toBe(true);
    expect(sys.media.isPoisoned(ds + 42 * 512 + 256, 256)).toBe(false);
  });

  it('without notify only the firmware knows: status shows it, badblocks stay empty', async () => {
    const { ns } = await oneNamespace(kind);
    injectError(ns, { block: 42, count: 8 });
    expect(injectStatus(ns)).toEqual([{ block: 42, count: 8 }]);
    expect(ns.bb.show()).toBe('');
    expect(ns.regionBb.show()).toBe('');
  });

  it('saturate injects whole sectors; a 4 KiB clear unit still gives 512-byte records', async () => {
    const a = await oneNamespace(kind);
    injectError(a.ns, { block: 3, count: 1, saturate: true });
    expect(a.sys.bus.firmware.entries()).toEqual([{ start: a.ns.dataStart + 1536, length: 512 }]);
    const b = await oneNamespace(kind, { clearUnit: 4096 });
    injectError(b.ns, { block: 3, count: 1 });
    expect(b.sys.bus.firmware.entries()).toEqual([{ start: b.ns.dataStart + 1536, length: 512 }]);
  });

  it('uninject removes the records and the hardware poison; badblocks stay (only clears remove entries)', async () => {
    const { sys, ns } = await oneNamespace(kind);
    injectError(ns, { block: 42, count: 8, notify: true });
    uninjectError(ns, { block: 42, count: 8 });
    expect(injectStatus(ns)).toEqual([]);
    expect(sys.media.isPoisoned(ns.dataStart + 42 * 512, 8 * 512)).toBe(false);
    expect(ns.bb.show()).toBe('42 8\n');
  });

  it('status merges adjacent and overlapping records and converts partial sectors outward', async () => {
    const { sys, ns } = await oneNamespace(kind);
    injectError(ns, { block: 10, count: 2 });
    injectError(ns, { block: 12, count: 1 });
    injectError(ns, { block: 20, count: 1 });
    sys.bus.state.lock(() => sys.bus.firmware.addLocked(ns.dataStart + 30 * 512 + 400, 200)); // sectors 30..31
    expect(injectStatus(ns)).toEqual([{ block: 10, count: 3 }, { block: 20, count: 1 }, { block: 30, count: 2 }]);
  });

  it('raw numbering counts blocks from the namespace start', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    injectError(ns, { block: 100, count: 1, raw: true });
    expect(sys.bus.firmware.entries()).toEqual([{ start: ns.regionStart + 100 * 512, length: 256 }]);
    expect(injectStatus(ns, { raw: true })).toEqual([{ block: 100, count: 1 }]);
    expect(injectStatus(ns)).toEqual([]); // inside the memmap reservation, before the data
  });
});

it('inject arguments are checked before anything changes', async () => {
  const { sys, ns } = await oneNamespace('table');
  expect(() => injectError(ns, { block: ns.dataSectors, count: 1 })).toThrow(/block must be an integer/);
  expect(() => injectError(ns, { block: 0, count: 0 })).toThrow(/count must be an integer/);
  expect(() => injectError(ns, { block: ns.dataSectors - 1, count: 2 })).toThrow(/count must be an integer/);
  expect(() => injectError(ns, { block: 1, count: 1, notify: 'yes' as unknown as boolean })).toThrow(/notify must be a boolean/);
  expect(sys.bus.firmware.entries()).toEqual([]);
});

it('a full firmware list refuses the injection with ENOMEM', async () => {
  const { sys, ns } = await oneNamespace('table', {}, { errorListCapacity: 3 });
  expect(injectError(ns, { block: 0, count: 5 })).toEqual({ ok: false, errno: 'ENOMEM' });
  expect(sys.bus.firmware.count).toBe(3);
});
