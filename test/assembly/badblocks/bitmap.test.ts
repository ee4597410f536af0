import { describe, it, expect } from 'vitest';
import { createBadblocks } from '../../../src/badblocks/badblocks.js';
import { checkRunKind, runAgainstModel } from '../../badblocks/run-kind-properties.js';

describe('bitmap badblocks', () => {
  it('matches the per-sector model on random operation sequences (fixed seeds)', async () => {
    await checkRunKind('bitmap');
  });

  it('BB-5 an unacked set inside an acked run changes nothing, not even changed', async () => {
    const b = await createBadblocks({ kind: 'bitmap' });
    b.set(100, 16, true);
    b.clearChanged();
    expect(b.set(104, 4, false)).toBe(true);
    expect(b.entries()).toEqual([[100, 16, true]]);
    expect(b.changed).toBe(false);
  });

  it('runs longer than 512 sectors stay one entry', async () => {
    await runAgainstModel('bitmap', [{ op: 'set', s: 10, n: 5000, acked: true }, { op: 'check', s: 4000, n: 8 }]);
    const b = await createBadblocks({ kind: 'bitmap' });
    b.set(0, 1300, true);
    expect(b.entries()).toEqual([[0, 1300, true]]);
  });

  it('a range past the capacity records the part inside and returns false', async () => {
    const b = await createBadblocks({ kind: 'bitmap', capacitySectors: 1000 });
    expect(b.set(990, 20, true)).toBe(false);
    expect(b.entries()).toEqual([[990, 10, true]]);
    expect(b.check(995, 100)).toEqual({ rc: 1, firstBad: 990, badSectors: 10 });
  });

  it('word boundaries: runs across 32-sector words merge and split correctly', async () => {
    const b = await createBadblocks({ kind: 'bitmap' });
    b.set(30, 4, true);
    b.set(34, 30, true);
    b.set(64, 1, false);
    expect(b.entries()).toEqual([[30, 34, true], [64, 1, false]]);
    expect(b.count).toBe(2);
    b.clear(31, 1);
    expect(b.entries()).toEqual([[30, 1, true], [32, 32, true], [64, 1, false]]);
    expect(b.count).toBe(3);
  });
});
