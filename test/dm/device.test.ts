/**
 * A dm device over namespaces: linear translation, the boundary between two targets,
 * resolvePage, capability flags (reference §6.5).
 */
import { describe, it, expect } from 'vitest';
import { createDm, DM_ERROR_TARGET } from '../../src/dm/device.js';
import { disableNamespace } from '../../src/nvdimm/lifecycle.js';
import { named, threeNamespaces } from './helpers.js';

describe('linear targets (§6.5 linear_map_sector: + physical_start)', () => {
  // Target 0: pmem0 sectors [1024, 3072) at dm [0, 2048); target 1: pmem1 sectors [4096, 5120) at dm [2048, 3072).
  const table = async () => {
    const s = await threeNamespaces();
    const dm = createDm('lin', [
      { type: 'linear', dev: s.pmem0, start: 1024, len: 2048 },
      { type: 'linear', dev: s.pmem1, start: 4096, len: 1024 },
    ]);
    return { s, dm };
  };

  it('§6.5 targets are laid end to end: sectors, bytes and pages add up', async () => {
    const { dm } = await table();
    expect(dm.sectors).toBe(3072);
    expect(dm.dataBytes).toBe(3072 * 512);
    expect(dm.dataPages).toBe(384);
    expect(dm.targets.map((t) => [t.type, t.begin, t.len])).toEqual([['linear', 0, 2048], ['linear', 2048, 1024]]);
  });

  it('§6.5 dm sector -> member sector = start + (sector - begin); the I/O unit is the target end', async () => {
    const { dm } = await table();
    expect(named(dm.mapSector(0))).toEqual({ target: 0, ns: 'pmem0', nsSector: 1024, sectorsLeftInIoUnit: 2048 });
    expect(named(dm.mapSector(1000))).toEqual({ target: 0, ns: 'pmem0', nsSector: 2024, sectorsLeftInIoUnit: 1048 });
    expect(named(dm.mapSector(2047))).toEqual({ target: 0, ns: 'pmem0', nsSector: 3071, sectorsLeftInIoUnit: 1 });
    expect(named(dm.mapSector(2048))).toEqual({ target: 1, ns: 'pmem1', nsSector: 4096, sectorsLeftInIoUnit: 1024 });
    expect(named(dm.mapSector(3071))).toEqual({ target: 1, ns: 'pmem1', nsSector: 5119, sectorsLeftInIoUnit: 1 });
  });

  it('§6.5 pgoff translation: dm page p -> member page (start + 8p - 8*begin) / 8; the boundary page', async () => {
    const { dm } = await table();
    // page 0 -> pmem0 page 1024/8 = 128, 256 pages to the target end
    expect(named(dm.resolvePage(0))).toEqual({ ok: true, target: 0, ns: 'pmem0', nsPgoff: 128, pagesLeftInIoUnit: 256 });
    // page 255, the last of target 0 -> pmem0 page 128 + 255 = 383, 1 page left
    expect(named(dm.resolvePage(255))).toEqual({ ok: true, target: 0, ns: 'pmem0', nsPgoff: 383, pagesLeftInIoUnit: 1 });
    // page 256, the first of target 1 -> pmem1 page 4096/8 = 512, 128 pages left
    expect(named(dm.resolvePage(256))).toEqual({ ok: true, target: 1, ns: 'pmem1', nsPgoff: 512, pagesLeftInIoUnit: 128 });
    expect(named(dm.resolvePage(383))).toEqual({ ok: true, target: 1, ns: 'pmem1', nsPgoff: 639, pagesLeftInIoUnit: 1 });
  });

  it('§6.5 resolvePage fills the caller\'s object (hot path) and answers EIO on an error target (dm-target.c)', async () => {
    const s = await threeNamespaces();
    const dm = createDm('e', [{ type: 'linear', dev: s.pmem0, start: 0, len: 16 }, { type: 'error', len: 8 }]);
    const out = { ok: true as const, target: -1, ns: s.pmem2, nsPgoff: -1, pagesLeftInIoUnit: -1 };
    expect(dm.resolvePage(1, out) === out).toBe(true);
    expect(named(out)).toEqual({ ok: true, target: 0, ns: 'pmem0', nsPgoff: 1, pagesLeftInIoUnit: 1 });
    expect(dm.resolvePage(2)).toBe(DM_ERROR_TARGET);
    expect(DM_ERROR_TARGET).toEqual({ ok: false, errno: 'EIO' });
    expect(dm.mapSector(20)).toEqual({ target: 1, ns: null, nsSector: 4, sectorsLeftInIoUnit: 4 });
  });

  it('DESIGN.md "Bad input": mapSector/resolvePage name the argument, the value and the range', async () => {
    const { dm } = await table();
    expect(() => dm.mapSector(3072)).toThrow('sector must be an integer sector in [0, 3071] (dm device lin has 3072 sectors), got 3072');
    expect(() => dm.resolvePage(-1)).toThrow('pgoff must be an integer page in [0, 383] (dm device lin has 384 pages), got -1');
    expect(() => dm.resolvePage(1.5)).toThrow(RangeError);
  });
});

describe('capability flags (§6.5 dm_table_supports_dax)', () => {
  it('§6.5 linear + error over fsdax members is DAX-capable (io_err_dax_direct_access exists)', async () => {
    const s = await threeNamespaces();
    expect(createDm('a', [{ type: 'linear', dev: s.pmem0, start: 0, len: 8 }, { type: 'error', len: 8 }]).dax).toBe(true);
    expect(createDm('b', [{ type: 'error', len: 8 }]).dax).toBe(true);
  });

  it('§6.5 a raw member has no dax device: the table is block-only', async () => {
    const s = await threeNamespaces([{}, { mode: 'raw' }]);
    const dm = createDm('r', [{ type: 'linear', dev: s.pmem0, start: 0, len: 8 }, { type: 'linear', dev: s.pmem1, start: 0, len: 8 }]);
    expect(dm.dax).toBe(false);
    expect(dm.hasRecoveryWrite('per-target')).toBe(false);
  });

  it('§4.5 hasRecoveryWrite: per-target when the kernel has it; all-or-nothing only when every member does', async () => {
    const s = await threeNamespaces([{}, { noRecovery: true }, { kernel: '5.18' }]);
    const mixed = createDm('m', [{ type: 'linear', dev: s.pmem0, start: 0, len: 8 }, { type: 'linear', dev: s.pmem1, start: 0, len: 8 }]);
    expect(mixed.hasRecoveryWrite('per-target')).toBe(true);
    expect(mixed.hasRecoveryWrite('all-or-nothing')).toBe(false);
    expect(mixed.hasRecoveryWrite()).toBe(true);
    const plain = createDm('p', [{ type: 'linear', dev: s.pmem0, start: 0, len: 8 }, { type: 'error', len: 8 }]);
    expect(plain.hasRecoveryWrite('all-or-nothing')).toBe(true);
    const old = createDm('o', [{ type: 'linear', dev: s.pmem2, start: 0, len: 8 }]);
    expect(old.hasRecoveryWrite('per-target')).toBe(false);
    expect(() => mixed.hasRecoveryWrite('sometimes' as 'per-target')).toThrow(`dmRecovery must be 'per-target' or 'all-or-nothing', got "sometimes"`);
  });

  it('§4.2 alive (dax_alive on every member): every member enabled; members listed once, in table order', async () => {
    const s = await threeNamespaces();
    const dm = createDm('x', [
      { type: 'linear', dev: s.pmem1, start: 0, len: 8 },
      { type: 'stripe', devs: [s.pmem0, { dev: s.pmem1, start: 8 }], chunk: 8, len: 16 },
    ]);
    expect(dm.members.map((m) => m.name)).toEqual(['pmem1', 'pmem0']);
    expect(dm.alive).toBe(true);
    disableNamespace(s.pmem0);
    expect(dm.alive).toBe(false);
  });

  it('DESIGN.md "one rule of shared state": targets are read-only configuration', async () => {
    const s = await threeNamespaces();
    const dm = createDm('ro', [{ type: 'linear', dev: s.pmem0, start: 0, len: 8 }]);
    expect(Object.isFrozen(dm.targets)).toBe(true);
    expect(Object.isFrozen(dm.targets[0])).toBe(true);
  });
});
