/**
 * dm's dax_operations (reference §6.5, §4.2, §3.4, §3.5; D-1..D-8, D-11, P-9, F-8):
 * I/O-unit clamping, the error target, poison through a target, mixed recovery.
 */
import { describe, it, expect } from 'vitest';
import { createDm } from '../../src/dm/device.js';
import {
  dmDaxDirectAccess, dmDaxDirectAccessPages, dmDaxErrno, dmDaxRecoveryWrite, dmDaxZeroPageRange, DM_ERR_EIO, DM_ERR_EOPNOTSUPP,
} from '../../src/dm/dax.js';
import { DAX_ACCESS, DAX_ERR_ENXIO, DAX_ERR_POISONED, DAX_RECOVERY_WRITE } from '../../src/dax/super.js';
import { disableNamespace } from '../../src/nvdimm/lifecycle.js';
import { knownBad, memberBytes, named, pattern, threeNamespaces } from './helpers.js';

describe('dm_dax_direct_access: I/O-unit clamping (§6.5 max_io_len)', () => {
  it('§6.5 stripe chunk 16 (2 pages): a request crossing a chunk gets only the pages to the chunk end', async () => {
    const s = await threeNamespaces();
    const dm = createDm('st', [{ type: 'stripe', devs: [s.pmem0, s.pmem1], chunk: 16 }]);
    // pgoff 1 = sector 8: chunk 0, offset 8 -> 8 sectors = 1 page left; member pmem0 page 1
    expect(named(dmDaxDirectAccess(dm, 1, 8, DAX_ACCESS))).toEqual({
      ok: true, pages: 1, spa: s.pmem0.dataStart + 4096, pfn: (s.pmem0.dataStart + 4096) / 4096, target: 0, ns: 'pmem0', nsPgoff: 1,
    });
    // pgoff 2 = sector 16: chunk 1 -> pmem1 sector 0, a whole chunk (2 pages) left
    expect(named(dmDaxDirectAccess(dm, 2, 8, DAX_ACCESS))).toMatchObject({ ok: true, pages: 2, ns: 'pmem1', nsPgoff: 0, spa: s.pmem1.dataStart });
    // pgoff 5 = sector 40: chunk 2, offset 8 -> pmem0 sector 16 + 8 = 24 = page 3; 1 page left
    expect(named(dmDaxDirectAccess(dm, 5, 100, DAX_ACCESS))).toMatchObject({ ok: true, pages: 1, ns: 'pmem0', nsPgoff: 3 });
    expect(dmDaxDirectAccessPages(dm, 1, 8, false)).toBe(1);
    expect(dmDaxDirectAccessPages(dm, 2, 8, false)).toBe(2);
  });

  it('§6.5 stripe chunk 64 (8 pages) over 3 members: pgoff 13 (chunk 1, page 5 of 8) with nr 10 -> 3', async () => {
    const s = await threeNamespaces();
    const dm = createDm('st3', [{ type: 'stripe', devs: [s.pmem0, s.pmem1, s.pmem2], chunk: 64 }]);
    // sector 104: c 1, o 40 -> pmem1 sector 40 = page 5; (64 - 40)/8 = 3 pages left
    expect(named(dmDaxDirectAccess(dm, 13, 10, DAX_ACCESS))).toMatchObject({ ok: true, pages: 3, ns: 'pmem1', nsPgoff: 5 });
    expect(dmDaxDirectAccess(dm, 13, 2, DAX_ACCESS)).toMatchObject({ ok: true, pages: 2 });
  });

  it('§6.5 linear: clamped at the target end (the boundary page)', async () => {
    const s = await threeNamespaces();
    const dm = createDm('lin', [
      { type: 'linear', dev: s.pmem0, start: 1024, len: 2048 },
      { type: 'linear', dev: s.pmem1, start: 4096, len: 1024 },
    ]);
    // pgoff 250 -> pmem0 page 128 + 250 = 378; pages 250..255 remain in target 0
    expect(named(dmDaxDirectAccess(dm, 250, 20, DAX_ACCESS))).toMatchObject({ ok: true, pages: 6, ns: 'pmem0', nsPgoff: 378, spa: s.pmem0.dataStart + 378 * 4096 });
    expect(named(dmDaxDirectAccess(dm, 256, 20, DAX_ACCESS))).toMatchObject({ ok: true, pages: 20, ns: 'pmem1', nsPgoff: 512 });
  });

  it('§4.2 D-6 through dm: nr < 0 -> EINVAL; nr 0 -> ERANGE; a disabled member -> ENXIO; a table without DAX -> EOPNOTSUPP', async () => {
    const s = await threeNamespaces([{}, {}, { mode: 'raw' }]);
    const dm = createDm('d6', [{ type: 'linear', dev: s.pmem0, start: 0, len: 64 }]);
    expect(dmDaxDirectAccess(dm, 0, -1, DAX_ACCESS)).toEqual({ ok: false, errno: 'EINVAL' });
    expect(dmDaxDirectAccess(dm, 0, 0, DAX_ACCESS)).toEqual({ ok: false, errno: 'ERANGE' });
    const raw = createDm('raw', [{ type: 'linear', dev: s.pmem2, start: 0, len: 64 }]);
    expect(dmDaxDirectAccess(raw, 0, 1, DAX_ACCESS)).toEqual({ ok: false, errno: 'EOPNOTSUPP' });
    expect(dmDaxDirectAccessPages(raw, 0, 1, false)).toBe(DM_ERR_EOPNOTSUPP);
    expect(dmDaxErrno(raw, 0, DM_ERR_EOPNOTSUPP)).toBe('EOPNOTSUPP');
    disableNamespace(s.pmem0);
    expect(dmDaxDirectAccess(dm, 0, 1, DAX_ACCESS)).toEqual({ ok: false, errno: 'ENXIO' });
    expect(dmDaxDirectAccessPages(dm, 0, 1, false)).toBe(DAX_ERR_ENXIO);
    expect(dmDaxErrno(dm, 0, DAX_ERR_ENXIO)).toBe('ENXIO');
  });
});

describe('error target (§6.5 io_err_dax_direct_access)', () => {
  it('§6.5 direct_access on an error page -> EIO in either mode; zero_page_range -> EIO; recovery_write -> 0', async () => {
    const s = await threeNamespaces();
    const dm = createDm('err', [{ type: 'linear', dev: s.pmem0, start: 0, len: 64 }, { type: 'error', len: 64 }]);
    expect(dmDaxDirectAccess(dm, 8, 1, DAX_ACCESS)).toEqual({ ok: false, errno: 'EIO' });
    expect(dmDaxDirectAccess(dm, 15, 4, DAX_RECOVERY_WRITE)).toEqual({ ok: false, errno: 'EIO' });
    expect(dmDaxDirectAccessPages(dm, 8, 1, false)).toBe(DM_ERR_EIO);
    expect(dmDaxErrno(dm, 8, DM_ERR_EIO)).toBe('EIO');
    expect(dmDaxZeroPageRange(dm, 8, 1)).toEqual({ ok: false, errno: 'EIO' });
    expect(dmDaxRecoveryWrite(dm, 8, 0, pattern(4096))).toBe(0);
    // the linear page just before is fine, and is clamped to its target
    expect(dmDaxDirectAccess(dm, 6, 8, DAX_ACCESS)).toMatchObject({ ok: true, pages: 2 });
  });
});

describe('poison through a linear target (§9.8 D-1..D-4, D-8, D-11, P-9)', () => {
  // dm = pmem0 from sector 800 (page 100); the reference's bb [(100,8,A)] in dm sectors is
  // pmem0 sectors [900, 908).
  const setup = async (kernel?: '5.19') => {
    const s = await threeNamespaces(kernel ? [{ kernel }] : []);
    knownBad(s.pmem0, 900, 8);
    const dm = createDm('lin', [{ type: 'linear', dev: s.pmem0, start: 800, len: 2048 }]);
    return { s, dm };
  };

  it('D-1 direct_access(pgoff 10, nr 8, DAX_ACCESS) (dm sectors 80-143 = pmem0 880-943) -> EHWPOISON', async () => {
    const { dm } = await setup();
    expect(dmDaxDirectAccess(dm, 10, 8, DAX_ACCESS)).toEqual({ ok: false, errno: 'EHWPOISON' });
    expect(dmDaxDirectAccessPages(dm, 10, 8, false)).toBe(DAX_ERR_POISONED);
    expect(dmDaxErrno(dm, 10, DAX_ERR_POISONED)).toBe('EHWPOISON');
  });

  it('D-2 same with DAX_RECOVERY_WRITE -> 3: ceil((900 - 880) * 512 / 4096) on the member', async () => {
    const { dm } = await setup();
    expect(named(dmDaxDirectAccess(dm, 10, 8, DAX_RECOVERY_WRITE))).toMatchObject({ ok: true, pages: 3, ns: 'pmem0', nsPgoff: 110 });
    expect(dmDaxDirectAccessPages(dm, 10, 8, true)).toBe(3);
  });

  it('D-4 DAX_ACCESS(pgoff 14, nr 4) -> 4 (member bb non-empty, no hit -> exactly nr)', async () => {
    const { dm } = await setup();
    expect(dmDaxDirectAccess(dm, 14, 4, DAX_ACCESS)).toMatchObject({ ok: true, pages: 4, nsPgoff: 114 });
  });

  it('D-11 kernel 5.19 member: D-1 returns EIO', async () => {
    const { dm } = await setup('5.19');
    expect(dmDaxDirectAccess(dm, 10, 8, DAX_ACCESS)).toEqual({ ok: false, errno: 'EIO' });
    expect(dmDaxErrno(dm, 10, DAX_ERR_POISONED)).toBe('EIO');
  });

  it('D-8 recovery_write(dm pgoff 12, 4096) clears pmem0 sectors 896-903, writes, bb -> [(904,4,A)]', async () => {
    const { s, dm } = await setup();
    const data = pattern(4096, 8);
    expect(dmDaxRecoveryWrite(dm, 12, 0, data)).toBe(4096);
    expect(s.pmem0.bb.entries()).toEqual([[904, 4, true]]);
    expect(memberBytes(s, s.pmem0, 112 * 4096, 4096)).toEqual(data);
  });

  it('D-9 recovery_write(dm pgoff 12, 2048 bytes) -> 0, nothing changes', async () => {
    const { s, dm } = await setup();
    expect(dmDaxRecoveryWrite(dm, 12, 0, pattern(2048))).toBe(0);
    expect(s.pmem0.bb.entries()).toEqual([[900, 8, true]]);
  });

  it('P-9 dax_zero_page_range(dm pgoff 12, 1) zeroes pmem0 page 112 and clears its poison -> bb [(904,4,A)]; nr 2 -> EIO', async () => {
    const { s, dm } = await setup();
    expect(dmDaxZeroPageRange(dm, 12, 2)).toEqual({ ok: false, errno: 'EIO' });
    expect(dmDaxZeroPageRange(dm, 12, 1)).toEqual({ ok: true });
    expect(s.pmem0.bb.entries()).toEqual([[904, 4, true]]);
    expect(memberBytes(s, s.pmem0, 112 * 4096, 4096).every((b) => b === 0)).toBe(true);
  });
});

describe('poison through a striped target (§9.8 D-1, D-2, D-3)', () => {
  // chunk 8 (one page) over pmem0, pmem1: dm page 2k = pmem0 page k, dm page 2k + 1 = pmem1 page k.
  it('D-1/D-3 pmem1 bb [(96,8,A)] = its page 12 = dm page 25: ACCESS -> EHWPOISON, RECOVERY -> 1; dm page 24 (pmem0) is clean', async () => {
    const s = await threeNamespaces();
    knownBad(s.pmem1, 96, 8);
    const dm = createDm('st', [{ type: 'stripe', devs: [s.pmem0, s.pmem1], chunk: 8 }]);
    // dm page 25 = sector 200: c 25, o 0 -> stripe 1, member sector 12*8 = 96 -> pmem1 page 12
    expect(dmDaxDirectAccess(dm, 25, 4, DAX_ACCESS)).toEqual({ ok: false, errno: 'EHWPOISON' });
    expect(named(dmDaxDirectAccess(dm, 25, 4, DAX_RECOVERY_WRITE))).toMatchObject({ ok: true, pages: 1, ns: 'pmem1', nsPgoff: 12 });
    // a request from page 24 is clamped to its one-page chunk before it could reach page 25
    expect(named(dmDaxDirectAccess(dm, 24, 4, DAX_ACCESS))).toMatchObject({ ok: true, pages: 1, ns: 'pmem0', nsPgoff: 12 });
    expect(dmDaxDirectAccessPages(dm, 25, 4, false)).toBe(DAX_ERR_POISONED);
    expect(dmDaxDirectAccessPages(dm, 25, 4, true)).toBe(1);
  });
});

describe('mixed recovery: pmem0 normal, pmem1 noRecovery (§6.5, §4.3, F-8)', () => {
  // dm pages [0, 128) = pmem0 pages [0, 128); dm pages [128, 256) = pmem1 pages [0, 128).
  // Each member: bb [(100,8,A)] (its page 12 holds sectors 100-103 of it).
  const setup = async () => {
    const s = await threeNamespaces([{}, { noRecovery: true }]);
    knownBad(s.pmem0, 100, 8);
    knownBad(s.pmem1, 100, 8);
    const dm = createDm('mix', [{ type: 'linear', dev: s.pmem0, start: 0, len: 1024 }, { type: 'linear', dev: s.pmem1, start: 0, len: 1024 }]);
    return { s, dm };
  };

  it('§6.5 per-target (merged): a bad page on pmem0 is written and cleared; one on pmem1 returns 0', async () => {
    const { s, dm } = await setup();
    const data = pattern(4096, 3);
    expect(dmDaxRecoveryWrite(dm, 12, 0, data, 'per-target')).toBe(4096);
    expect(s.pmem0.bb.entries()).toEqual([[104, 4, true]]);
    expect(memberBytes(s, s.pmem0, 12 * 4096, 4096)).toEqual(data);
    // pmem1 still hands the bad page out for recovery (direct_access answers per member) ...
    expect(named(dmDaxDirectAccess(dm, 140, 1, DAX_RECOVERY_WRITE))).toMatchObject({ ok: true, pages: 1, ns: 'pmem1', nsPgoff: 12 });
    // ... but has no recovery_write: 0, nothing written, bb unchanged (F-8)
    expect(dmDaxRecoveryWrite(dm, 140, 0, data, 'per-target')).toBe(0);
    expect(s.pmem1.bb.entries()).toEqual([[100, 8, true]]);
    expect(memberBytes(s, s.pmem1, 12 * 4096, 4096)).not.toEqual(data);
  });

  it('F-8 all-or-nothing: the device offers no recovery_write, so both pages return 0', async () => {
    const { s, dm } = await setup();
    expect(dmDaxRecoveryWrite(dm, 12, 0, pattern(4096, 3), 'all-or-nothing')).toBe(0);
    expect(dmDaxRecoveryWrite(dm, 140, 0, pattern(4096, 3), 'all-or-nothing')).toBe(0);
    expect(s.pmem0.bb.entries()).toEqual([[100, 8, true]]);
    expect(s.pmem1.bb.entries()).toEqual([[100, 8, true]]);
  });

  it('D-8 all-or-nothing over members that all support recovery behaves like per-target', async () => {
    const s = await threeNamespaces();
    knownBad(s.pmem2, 100, 8);
    const dm = createDm('ok', [{ type: 'linear', dev: s.pmem0, start: 0, len: 1024 }, { type: 'linear', dev: s.pmem2, start: 0, len: 1024 }]);
    expect(dmDaxRecoveryWrite(dm, 140, 0, pattern(4096, 4), 'all-or-nothing')).toBe(4096);
    expect(s.pmem2.bb.entries()).toEqual([[104, 4, true]]);
  });

  it('§4.5 a kernel 5.18 member has no recovery_write: 0 under either policy', async () => {
    const s = await threeNamespaces([{ kernel: '5.18' }]);
    knownBad(s.pmem0, 100, 8);
    const dm = createDm('old', [{ type: 'linear', dev: s.pmem0, start: 0, len: 1024 }]);
    expect(dmDaxRecoveryWrite(dm, 12, 0, pattern(4096), 'per-target')).toBe(0);
    expect(s.pmem0.bb.entries()).toEqual([[100, 8, true]]);
  });

  it('recovery_write on a clean page is a plain copy through the target (§3.5 step 2)', async () => {
    const s = await threeNamespaces();
    const dm = createDm('st', [{ type: 'stripe', devs: [s.pmem0, s.pmem1], chunk: 8 }]);
    // dm page 3 = chunk 3 -> pmem1 chunk 1 = pmem1 page 1
    expect(dmDaxRecoveryWrite(dm, 3, 100, pattern(300, 9))).toBe(300);
    expect(memberBytes(s, s.pmem1, 4096 + 100, 300)).toEqual(pattern(300, 9));
  });
});

describe('bad input (DESIGN.md "Bad input")', () => {
  it('DESIGN.md "Bad input": direct_access, zero_page_range and recovery_write name the argument, the value and the range', async () => {
    const s = await threeNamespaces();
    const dm = createDm('in', [{ type: 'stripe', devs: [s.pmem0, s.pmem1], chunk: 16, len: 64 }]);
    expect(() => dmDaxDirectAccess(dm, 8, 1, DAX_ACCESS)).toThrow('pgoff must be an integer page in [0, 7] (dm device in has 8 pages), got 8');
    expect(() => dmDaxDirectAccess(dm, 0, 1.5, DAX_ACCESS)).toThrow(/^nr must be an integer pages in \[-\d+, \d+\], got 1.5$/);
    expect(() => dmDaxDirectAccess(dm, 0, 1, 'read' as typeof DAX_ACCESS)).toThrow(`mode must be 'access' or 'recovery-write', got "read"`);
    expect(() => dmDaxZeroPageRange(dm, 0, -1)).toThrow(/^nr must be an integer pages in \[0, \d+\], got -1$/);
    expect(() => dmDaxRecoveryWrite(dm, 0, 4096, pattern(1))).toThrow('off must be an integer byte offset inside the page in [0, 4095], got 4096');
    expect(() => dmDaxRecoveryWrite(dm, 0, 0, 'x' as unknown as Uint8Array)).toThrow('data must be a Uint8Array, got "x"');
    // pgoff 1 is the last page of chunk 0: 4096 - 10 bytes fit after off 10
    expect(() => dmDaxRecoveryWrite(dm, 1, 10, pattern(4096))).toThrow(
      'data.length must be an integer bytes in [0, 4086] (the write must end inside the I/O unit of pgoff 1: 4086 bytes from off), got 4096');
    expect(() => dmDaxRecoveryWrite(dm, 0, 0, pattern(1), 'never' as 'per-target')).toThrow(`dmRecovery must be 'per-target' or 'all-or-nothing', got "never"`);
  });
});
