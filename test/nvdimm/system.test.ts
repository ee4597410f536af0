/**
 * createSystem / attachSystem: layout, shared state seen from a second attachment, the
 * clock, extra regions for later layers, and bad input (DESIGN.md "Bad input").
 */
import { describe, it, expect } from 'vitest';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { createSystem, attachSystem, type SystemHandle } from '../../src/nvdimm/system.js';
import { REGION_KIND_BUS } from '../../src/nvdimm/state.js';
import { machineCheck } from '../../src/nvdimm/mce.js';
import { reconfigureNamespace } from '../../src/nvdimm/lifecycle.js';
import { injectError } from '../../src/nvdimm/inject.js';

describe('createSystem', () => {
  it('lays the regions out back to back, with data offsets per mode', async () => {
    const sys = await createSystem({ namespaces: [{ size: '4MiB' }, { name: 'fast', size: '8MiB', mode: 'fsdax' }, { size: '2MiB', mode: 'devdax', dataOffset: 8192 }] });
    expect(sys.media.size).toBe(14 * 1024 * 1024);
    expect(sys.namespaces.map((n) => [n.name, n.regionStart, n.mode, n.dataOffset])).toEqual([
      ['pmem0', 0, 'raw', 0],
      ['fast', 4 * 1024 * 1024, 'fsdax', 2 * 1024 * 1024],
      ['pmem2', 12 * 1024 * 1024, 'devdax', 8192],
    ]);
    expect(sys.namespace('fast').dataStart).toBe(6 * 1024 * 1024);
    expect(sys.namespace('fast').spa(512)).toBe(6 * 1024 * 1024 + 512);
    expect(() => sys.namespace('nope')).toThrow(/namespace "nope" does not exist; namespaces: pmem0, fast, pmem2/);
    expect(sys.context.layout.regions[0]!.kind).toBe(REGION_KIND_BUS);
  });

  it('gives later layers their extra regions, zeroed, after the nvdimm ones', async () => {
    const sys = await createSystem({ namespaces: [{ size: '2MiB' }], extraRegions: [{ kind: 0xf5, bytes: 10000, param: 7 }, { kind: 0xf6, bytes: 4096 }] });
    expect(sys.extraRegions.map((r) => [r.kind, r.bytes, r.param])).toEqual([[0xf5, 12288, 7], [0xf6, 4096, 0]]);
    const r = sys.extraRegions[0]!;
    expect(sys.context.u8.subarray(r.base, r.base + r.bytes).every((b) => b === 0)).toBe(true);
    const other = await attachSystem(sys.handle);
    expect(other.extraRegions).toEqual(sys.extraRegions);
  });

  it('rejects bad options naming the field', async () => {
    await expect(createSystem({ namespaces: [] })).rejects.toThrow(/namespaces must be a list of 1\.\.8 namespaces/);
    await expect(createSystem({ namespaces: [{ size: '3MiB' }] })).rejects.toThrow(/namespaces\[0\]\.size must be a multiple of 2 MiB/);
    await expect(createSystem({ namespaces: [{ size: '2MiB', clearUnit: 300 }] })).rejects.toThrow(/namespaces\[0\]\.clearUnit must be a power of two/);
    await expect(createSystem({ namespaces: [{ size: '2MiB', mceLsb: 13 }] })).rejects.toThrow(/namespaces\[0\]\.mceLsb/);
    await expect(createSystem({ namespaces: [{ size: '2MiB' }], maxThreads: 0 })).rejects.toThrow(/maxThreads/);
    await expect(createSystem({ namespaces: [{ size: '2MiB' }], model: { time: 'fast' as 'real' } })).rejects.toThrow(/model\.time/);
    await expect(createSystem({ namespaces: [{ size: '2GiB' }, { size: '2GiB' }] })).rejects.toThrow(/namespaces: sizes add up to 4294967296 bytes/);
    await expect(createSystem(null as unknown as { namespaces: [] })).rejects.toThrow(TypeError);
  });

  it('a second attachment sees the same state: badblocks, lists, counters, live settings', async () => {
    const sys = await createSystem({ namespaces: [{ size: '4MiB', mode: 'fsdax' }] });
    const other = await attachSystem(sys.handle);
    expect(other.context.tid).not.toBe(sys.context.tid);
    const ns = sys.namespaces[0]!;
    injectError(ns, { block: 7, count: 1, notify: true });
    machineCheck(sys.bus, ns.dataStart + 64 * 512);
    const ons = other.namespaces[0]!;
    expect(ons.bb.entries()).toEqual([[7, 1, true], [64, 1, true]]);
    expect(other.bus.firmware.entries()).toEqual(sys.bus.firmware.entries());
    expect(other.bus.counters()).toEqual(sys.bus.counters());
    reconfigureNamespace(ns, { mode: 'raw' });
    expect([ons.mode, ons.dataOffset, ons.enables]).toEqual(['raw', 0, 2]);
    other.detach();
  });

  it('the handle is structured-cloneable (it crosses postMessage)', async () => {
    const sys = await createSystem({ namespaces: [{ size: '2MiB' }] });
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(sys.handle);
    const got = receiveMessageOnPort(port2)!.message as SystemHandle;
    port1.close();
    const other = await attachSystem(got);
    sys.namespaces[0]!.bb.set(5, 1, true);
    expect(other.namespaces[0]!.bb.entries()).toEqual([[5, 1, true]]);
    await expect(attachSystem({} as SystemHandle)).rejects.toThrow(/handle must be a System\.handle/);
  });
});

describe('clock', () => {
  it('virtual time: advance and modelled durations move one shared clock', async () => {
    const sys = await createSystem({ namespaces: [{ size: '2MiB' }] });
    const other = await attachSystem(sys.handle);
    expect(sys.clock.now()).toBe(0);
    sys.clock.advance(1500);
    other.clock.spend(250);
    expect(other.clock.now()).toBe(1_500_000_250);
    expect(sys.clock.now()).toBe(1_500_000_250);
    expect(() => sys.clock.advance(-1)).toThrow(/ms must be an integer milliseconds/);
  });

  it('real time: a modelled duration is spent (busy-waited), and now() follows the wall clock', async () => {
    const sys = await createSystem({ namespaces: [{ size: '2MiB' }], model: { time: 'real' } });
    const t0 = performance.now();
    const c0 = sys.clock.now();
    sys.clock.spend(3e6); // 3 ms
    expect(performance.now() - t0).toBeGreaterThanOrEqual(3);
    expect(sys.clock.now() - c0).toBeGreaterThanOrEqual(3e6);
  });
});
