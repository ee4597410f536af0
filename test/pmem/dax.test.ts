/**
 * pmem's dax_operations below the DAX core (reference §3.3-§3.5; P-9, D-7 arithmetic,
 * recovery_write's edge paths).
 */
import { describe, it, expect } from 'vitest';
import { describeKinds, oneNamespace, knownBad, pattern } from '../nvdimm/helpers.js';
import { pmemDaxZeroPageRange, pmemDirectAccess, pmemRecoveryWrite, recoveryPagesBeforeBad, DAX_ACCESS } from '../../src/pmem/dax.js';

describe('recovery page count (u64 arithmetic, §3.4)', () => {
  it('D-7 an entry ahead of sector: ceil((first_bad - sector)*512 / 4096)', () => {
    expect(recoveryPagesBeforeBad(100, 80)).toBe(3);
    expect(recoveryPagesBeforeBad(96, 96)).toBe(0);
    expect(recoveryPagesBeforeBad(97, 96)).toBe(1);
  });
  it('D-7 an entry d sectors before sector: 1 <= d <= 7 wraps to 0; d >= 8 gives about 2^52', () => {
    for (let d = 1; d <= 7; d++) expect(recoveryPagesBeforeBad(96 - d, 96)).toBe(0);
    expect(recoveryPagesBeforeBad(80, 88)).toBe(2 ** 52 - 1);
    expect(recoveryPagesBeforeBad(0, 160)).toBe(2 ** 52 - 20);
  });
});

describeKinds('pmem dax ops', (kind) => {
  it('P-9 dax_zero_page_range(pgoff 12, 1) with bb [(100,8,A)] clears 4096 B at sector 96 -> bb [(104,4,A)]; only the zeroed page', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    knownBad(ns, 100, 8);
    expect(pmemDaxZeroPageRange(ns, 12, 1)).toEqual({ ok: true });
    expect(ns.bb.entries()).toEqual([[104, 4, true]]);
    expect(sys.media.isPoisoned(ns.dataStart + 96 * 512, 4096)).toBe(false);
    expect(sys.media.isPoisoned(ns.dataStart + 104 * 512, 4 * 512)).toBe(true);
    expect(sys.media.read(ns.dataStart + 96 * 512, 4096).every((b) => b === 0)).toBe(true);
  });

  it('recovery_write on a clean range is a plain copy at any offset', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax' });
    knownBad(ns, 100, 8);
    expect(pmemRecoveryWrite(ns, 20, 100, pattern(300, 6))).toBe(300);
    expect(sys.media.read(ns.dataStart + 20 * 4096 + 100, 300)).toEqual(pattern(300, 6));
    expect(sys.bus.counters().clearCalls).toBe(0);
  });

  it('recovery_write when the firmware clears 0 bytes writes anyway and leaves bb alone (§3.5 step 4)', async () => {
    const { sys, ns } = await oneNamespace(kind, { mode: 'fsdax', fwClearMax: 100 });
    knownBad(ns, 96, 1);
    expect(pmemRecoveryWrite(ns, 12, 0, pattern(4096, 7))).toBe(4096);
    expect(sys.bus.counters()).toMatchObject({ clearCalls: 1, clearedBytes: 0 });
    expect(ns.bb.entries()).toEqual([[96, 1, true]]);
    expect(sys.media.read(ns.dataStart + 12 * 4096, 4096)).toEqual(pattern(4096, 7));
  });

  it('direct_access arguments are checked', async () => {
    const { ns } = await oneNamespace(kind);
    expect(() => pmemDirectAccess(ns, ns.dataPages, 1, DAX_ACCESS)).toThrow(/pgoff must be an integer/);
    expect(() => pmemDirectAccess(ns, 0, 1, 'read' as typeof DAX_ACCESS)).toThrow(/mode must be/);
    expect(() => pmemRecoveryWrite(ns, 0, 4096, pattern(1))).toThrow(/off must be an integer/);
  });
});
