/**
 * Address Range Scrub (reference §2.3, §7.2, §8; N-9): long vs short, busy while running,
 * completion feeds badrange and revalidates, the poll back-off schedule.
 */
import { describe, it, expect } from 'vitest';
import { describeKinds, oneNamespace } from './helpers.js';
import { arsPollSeconds, arsStart, arsStatus, scrub } from '../../src/nvdimm/ars.js';
import { injectError } from '../../src/nvdimm/inject.js';

describe('N-9 ARS poll back-off', () => {
  it('N-9 re-polls after 1, 2, 4, ..., 1024, 1800, 1800 s', () => {
    const seq = Array.from({ length: 14 }, (_, i) => arsPollSeconds(i));
    expect(seq).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1800, 1800, 1800]);
  });

  it('N-9 a scrub that stays busy 6000 s is polled on that schedule (virtual clock)', async () => {
    const { sys } = await oneNamespace('table', {}, { model: { arsMs: 6_000_000 } });
    const t0 = sys.clock.now();
    const r = scrub(sys.bus);
    // 1+2+...+1024 = 2047 s; +1800 = 3847; +1800 = 5647 < 6000; +1800 = 7447 >= 6000.
    expect(r.polls).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1800, 1800, 1800]);
    expect(sys.clock.now() - t0).toBe(7447e9);
  });

  it('N-9 ARS_START while a scrub runs is refused busy; scrub() re-polls until it can start its own', async () => {
    const { sys } = await oneNamespace('table', {}, { model: { arsMs: 3000 } });
    expect(arsStart(sys.bus)).toEqual({ ok: true });
    expect(arsStart(sys.bus)).toEqual({ ok: false, errno: 'EBUSY' });
    expect(arsStatus(sys.bus)).toMatchObject({ running: true, completed: 0, endsAtNs: 3e9 });
    // Busy at 0 s and 1 s; at 3 s (after waits of 1 and 2 s) the first scrub is done and
    // ours starts, ending at 6 s; the next poll comes 4 s later, at 7 s, and finds it done.
    const t0 = sys.clock.now();
    const r = scrub(sys.bus);
    expect(r.polls).toEqual([1, 2, 4]);
    expect(sys.clock.now() - t0).toBe(7e9);
    expect(arsStatus(sys.bus)).toMatchObject({ running: false, completed: 2 });
    expect(sys.bus.counters().arsBusy).toBe(3);
  });
});

describeKinds('scrub', (kind) => {
  it('a long scrub finds latent poison and adds it to the firmware list, badrange and both badblocks', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    sys.media.poison(ns.dataStart + 100 * 512 + 64, 1); // one latent line
    expect(ns.bb.entries()).toEqual([]);
    const r = scrub(sys.bus);
    expect(r.records).toEqual([{ start: ns.dataStart + 100 * 512 + 64, length: 64 }]);
    expect(sys.bus.firmware.entries()).toEqual(r.records);
    expect(sys.bus.badrange.entries()).toEqual(r.records);
    expect(ns.bb.entries()).toEqual([[100, 1, true]]);
    expect(ns.regionBb.entries()).toEqual([[ns.dataOffset / 512 + 100, 1, true]]);
  });

  it('a short scrub returns only what the firmware already knows (injected), not latent poison', async () => {
    const { sys, ns } = await oneNamespace(kind);
    sys.media.poison(ns.dataStart + 8192, 64);
    injectError(ns, { block: 40, count: 2 });
    const r = scrub(sys.bus, { short: true });
    expect(r.polls).toEqual([]); // the cached list comes back at once
    expect(r.records).toEqual([{ start: ns.dataStart + 40 * 512, length: 256 }, { start: ns.dataStart + 41 * 512, length: 256 }]);
    expect(ns.bb.entries()).toEqual([[40, 2, true]]);
    scrub(sys.bus);
    expect(ns.bb.entries()).toEqual([[16, 1, true], [40, 2, true]]);
  });

  it('a scrub of a range leaves poison outside it alone', async () => {
    const { sys, ns } = await oneNamespace(kind);
    sys.media.poison(ns.dataStart + 4096, 64);
    sys.media.poison(ns.dataStart + 65536, 64);
    scrub(sys.bus, { range: { start: ns.dataStart, length: 8192 } });
    expect(ns.bb.entries()).toEqual([[8, 1, true]]);
  });
});

it('scrub options are checked', async () => {
  const { sys } = await oneNamespace('table');
  expect(() => scrub(sys.bus, { short: 1 as unknown as boolean })).toThrow(/short must be a boolean/);
  expect(() => scrub(sys.bus, { range: { start: 0, length: sys.media.size + 1 } })).toThrow(/range.length must be an integer/);
  expect(arsStatus(sys.bus).completed).toBe(0);
});
