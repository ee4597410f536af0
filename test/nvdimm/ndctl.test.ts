/**
 * End-to-end cases that mirror ndctl's tests (reference §7.1, §9.12; E-1, E-2, E-4, E-5,
 * E-6), through the API.
 */
import { it, expect } from 'vitest';
import { describeKinds, oneNamespace } from './helpers.js';
import { injectError, injectStatus, uninjectError } from '../../src/nvdimm/inject.js';
import { scrub } from '../../src/nvdimm/ars.js';
import { arsCap, nvdimmClearPoison } from '../../src/nvdimm/clear.js';
import { disableRegion, enableNamespace, enableRegion, reconfigureNamespace } from '../../src/nvdimm/lifecycle.js';
import { pmemRead, pmemWrite } from '../../src/pmem/block.js';

describeKinds('ndctl', (kind) => {
  it('E-1 (inject-error.sh) no-notify inject shows in status only; uninject; notify + scrub -> 42 8; 8 x 512-byte writes clear all', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    injectError(ns, { block: 42, count: 8 });
    expect(injectStatus(ns)).toEqual([{ block: 42, count: 8 }]);
    expect(ns.bb.show()).toBe('');
    uninjectError(ns, { block: 42, count: 8 });
    expect(injectStatus(ns)).toEqual([]);
    injectError(ns, { block: 42, count: 8, notify: true });
    scrub(sys.bus);
    expect(ns.bb.show()).toBe('42 8\n');
    for (let i = 0; i < 8; i++) {
      expect(pmemWrite(ns, 42 + i, new Uint8Array(512))).toEqual({ ok: true, bytes: 512 });
    }
    expect(ns.bb.show()).toBe('');
    expect(injectStatus(ns)).toEqual([]);
  });

  it('E-2 (clear.sh) raw error at R/512/2 moves to R/512/2 - (R-F)/512 in fsdax; a write clears it; region re-enable keeps it clear', async () => {
    const { sys, ns } = await oneNamespace(kind, { size: '8MiB', mode: 'raw' });
    const R = ns.size;
    const rawSector = R / 512 / 2;
    injectError(ns, { block: rawSector, count: 1 });
    scrub(sys.bus);
    expect(ns.bb.entries()).toEqual([[rawSector, 1, true]]);
    expect(pmemRead(ns, rawSector, 512)).toMatchObject({ ok: false, errno: 'EIO' });

    expect(reconfigureNamespace(ns, { mode: 'fsdax' })).toEqual({ ok: true });
    const F = ns.dataBytes;
    const fsdaxSector = rawSector - (R - F) / 512;
    expect(fsdaxSector).toBe(4096);
    expect(ns.bb.entries()).toEqual([[fsdaxSector, 1, true]]);

    expect(pmemWrite(ns, fsdaxSector, new Uint8Array(512).fill(9))).toEqual({ ok: true, bytes: 512 });
    expect(ns.bb.entries()).toEqual([]);
    disableRegion(ns);
    expect(enableRegion(ns)).toEqual({ ok: true });
    expect(ns.bb.entries()).toEqual([]);
    expect(ns.regionBb.entries()).toEqual([]);
    expect(pmemRead(ns, fsdaxSector, 512)).toMatchObject({ ok: true, bytes: 512 });
  });

  it('E-4 (daxdev-errors) CLEAR_ERROR over the ARS_CAP range of an 8-block error -> cleared == length, region bb empty', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'devdax' });
    const mid = ns.dataSectors / 2;
    injectError(ns, { block: mid, count: 8, notify: true });
    const entries = ns.regionBb.entries();
    expect(entries).toEqual([[ns.dataOffset / 512 + mid, 8, true]]);
    const [sector, len] = entries[0]!;
    const cap = arsCap(sys.bus, ns.regionStart + sector * 512, len * 512);
    expect(nvdimmClearPoison(sys.bus, cap.start, cap.length)).toEqual({ ok: true, cleared: cap.length });
    expect(ns.regionBb.entries()).toEqual([]);
    expect(sys.media.isPoisoned(ns.dataStart + mid * 512, 4096)).toBe(false);
  });

  it('E-5 (pfn-meta-errors) 32 bad blocks inside the memmap reservation are gone after the next namespace enable', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    const metaStart = 8192 / 512;
    const first = (metaStart + ns.dataOffset / 512) / 2; // middle of [0x2000, dataoff)
    injectError(ns, { block: first, count: 32, raw: true });
    scrub(sys.bus);
    expect(ns.regionBb.entries()).toEqual([[first, 32, true]]);
    expect(ns.bb.entries()).toEqual([]); // before the data start: not the block device's
    expect(enableNamespace(ns)).toEqual({ ok: true });
    expect(ns.regionBb.entries()).toEqual([]);
    expect(sys.media.isPoisoned(ns.regionStart + first * 512, 32 * 512)).toBe(false);
    expect(injectStatus(ns, { raw: true })).toEqual([]);
    // The raw view shows no badblocks either.
    expect(reconfigureNamespace(ns, { mode: 'raw' })).toEqual({ ok: true });
    expect(ns.bb.entries()).toEqual([]);
  });

  it('E-5 a memmap clear that falls short fails the probe with EIO and leaves the namespace disabled', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax', fwClearMax: 2048 });
    injectError(ns, { block: 1000, count: 1, raw: true, notify: true });
    expect(enableNamespace(ns)).toEqual({ ok: false, errno: 'EIO' });
    expect(ns.alive).toBe(false);
    expect(pmemRead(ns, 0, 512)).toMatchObject({ ok: false, errno: 'ENXIO' });
    void sys;
  });
});

it('E-6 (table) 600 non-adjacent single-sector ranges: 512 stored, 88 dropped and counted; dropped sectors behave like latent poison', async () => {
  const { sys, ns } = await oneNamespace('table', { mode: 'raw' });
  for (let i = 0; i < 600; i++) injectError(ns, { block: 2 * i, count: 1 });
  scrub(sys.bus);
  expect(ns.bb.count).toBe(512);
  expect(ns.populateStats().bb).toMatchObject({ lastRanges: 600, lastDropped: 88 });
  expect(ns.populateStats().regionBb).toMatchObject({ lastRanges: 600, lastDropped: 88 });
  const last = ns.bb.entries().at(-1)!;
  expect(last).toEqual([1022, 1, true]); // list order: the first 512 ranges were kept
  const dropped = 2 * 599;
  expect(ns.bb.check(dropped, 1)).toEqual({ rc: 0 });
  // P-8 behaviour: a read fails through copy_mc; a write succeeds without clearing.
  expect(pmemRead(ns, dropped, 512)).toMatchObject({ ok: false, errno: 'EIO', cause: 'mce' });
  const clears = sys.bus.counters().clearCalls;
  expect(pmemWrite(ns, dropped, new Uint8Array(512).fill(3))).toEqual({ ok: true, bytes: 512 });
  expect(sys.bus.counters().clearCalls).toBe(clears);
  expect(sys.media.isPoisoned(ns.dataStart + dropped * 512, 512)).toBe(true);
});
