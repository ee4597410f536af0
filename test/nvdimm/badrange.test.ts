/**
 * The bus badrange list's add/forget rules (reference §2.1, drivers/nvdimm/badrange.c).
 * Expected values are worked from the rules in the reference text.
 */
import { describe, it, expect } from 'vitest';
import { oneNamespace } from './helpers.js';
import type { RangeList } from '../../src/nvdimm/badrange.js';
import type { System } from '../../src/nvdimm/system.js';

async function list(capacity = 16): Promise<{ sys: System; l: RangeList }> {
  const { sys } = await oneNamespace('table', {}, { errorListCapacity: capacity });
  return { sys, l: sys.bus.badrange };
}

const add = (sys: System, l: RangeList, s: number, n: number): boolean => sys.bus.state.lock(() => l.addLocked(s, n));
const forget = (sys: System, l: RangeList, s: number, n: number): void => sys.bus.state.lock(() => l.forgetLocked(s, n));
const pairs = (l: RangeList): [number, number][] => l.entries().map((e) => [e.start, e.length]);

describe('badrange_add (§2.1)', () => {
  it('an entry with the same start has its length replaced, even by a shorter one', async () => {
    const { sys, l } = await list();
    add(sys, l, 4096, 64);
    add(sys, l, 4096, 4096);
    expect(pairs(l)).toEqual([[4096, 4096]]);
    add(sys, l, 4096, 256);
    expect(pairs(l)).toEqual([[4096, 256]]);
  });

  it('overlapping entries with different starts are kept as they are, in insertion order', async () => {
    const { sys, l } = await list();
    add(sys, l, 8192, 512);
    add(sys, l, 4096, 8192);
    add(sys, l, 8200, 8);
    expect(pairs(l)).toEqual([[8192, 512], [4096, 8192], [8200, 8]]);
  });

  it('a full list refuses a new range and counts it', async () => {
    const { sys, l } = await list(2);
    expect(add(sys, l, 0, 64)).toBe(true);
    expect(add(sys, l, 128, 64)).toBe(true);
    expect(add(sys, l, 0, 128)).toBe(true); // same start: no new entry needed
    expect(add(sys, l, 256, 64)).toBe(false);
    expect(l.dropped).toBe(1);
    expect(pairs(l)).toEqual([[0, 128], [128, 64]]);
  });

  it('refuses to run without the device mutex', async () => {
    const { l } = await list();
    expect(() => l.addLocked(0, 64)).toThrow(/device mutex must be held/);
  });
});

describe('badrange_forget (§2.1)', () => {
  it('deletes covered entries, trims fronts and tails, keeps the others in order', async () => {
    const { sys, l } = await list();
    add(sys, l, 0, 100);      // tail trimmed by [50, 250)
    add(sys, l, 100, 100);    // covered: deleted
    add(sys, l, 200, 100);    // front trimmed to start at 250
    add(sys, l, 1000, 10);    // untouched
    forget(sys, l, 50, 200);
    expect(pairs(l)).toEqual([[0, 50], [250, 50], [1000, 10]]);
  });

  it('splits an entry when the forgotten range is strictly inside; the right part goes to the tail', async () => {
    const { sys, l } = await list();
    add(sys, l, 0, 4096);
    add(sys, l, 8192, 64);
    forget(sys, l, 1024, 512);
    expect(pairs(l)).toEqual([[0, 1024], [8192, 64], [1536, 2560]]);
  });

  it('a forget whose last byte is the entry\'s first byte leaves the entry whole (kernel test is clr_end > start)', async () => {
    const { sys, l } = await list();
    add(sys, l, 1000, 100);
    forget(sys, l, 900, 101); // [900, 1000] inclusive touches byte 1000
    expect(pairs(l)).toEqual([[1000, 100]]);
    forget(sys, l, 900, 102); // [900, 1001]: now trimmed
    expect(pairs(l)).toEqual([[1002, 98]]);
  });
});
