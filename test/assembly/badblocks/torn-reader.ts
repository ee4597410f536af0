/**
 * Shared by the table kinds' tests (table.test.ts, table-legacy.test.ts): a lock-free reader
 * must end, inside the table, on any memory content (torn reads). The 512 slots are filled
 * with random u64 words and the count with values in and out of range; check and entries
 * must answer in range and never touch the word after the last slot.
 */
import { expect } from 'vitest';
import fc from 'fast-check';
import type { Badblocks } from '../../../src/badblocks/badblocks.js';

/** Runs the property on `bb` (a table of 512 slots); `more` adds kind-specific reads. */
export function expectTornReadsEnd(bb: Badblocks, more: (bb: Badblocks) => void = () => {}): void {
  const { memory } = bb.handle;
  const u32 = new Uint32Array(memory.buffer as ArrayBuffer);
  const slots = new BigUint64Array(memory.buffer as ArrayBuffer, bb.base + 128, 512);
  const after = new BigUint64Array(memory.buffer as ArrayBuffer, bb.base + 128 + 512 * 8, 1);
  const guard = 0x0123456789abcdefn;
  after[0] = guard;
  const countWord = (bb.base + 20) / 4;
  fc.assert(fc.property(
    fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 512, maxLength: 512 }),
    fc.constantFrom(0, 1, 7, 511, 512, 513, 0x7fffffff, 0xffffffff),
    fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 2 ** 40 }),
    (garbage, count, s, n) => {
      slots.set(garbage);
      Atomics.store(u32, countWord, count);
      const r = bb.check(s, n);
      expect([-1, 0, 1]).toContain(r.rc);
      if (r.rc !== 0) {
        expect(r.badSectors).toBeGreaterThanOrEqual(1);
        expect(r.badSectors).toBeLessThanOrEqual(512);
      }
      expect(bb.entries().length).toBeLessThanOrEqual(512);
      more(bb);
    }), { seed: 7, numRuns: 200 });
  expect(after[0]).toBe(guard);
  Atomics.store(u32, countWord, 0);
}
