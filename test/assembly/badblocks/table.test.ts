/**
 * assembly/badblocks/table.ts: the kernel's badblocks table (Linux 6.15+), through the
 * compiled module and the TS facade.
 *
 * 1. Every trace of the kernel's own code (test/fixtures/badblocks-traces/edge, random) must
 *    be reproduced field for field, within the contract of the traces' README.
 * 2. The acceptance cases BB-1..BB-41 and S-1..S-5 of the reference (§9.1-§9.5); expected
 *    values are the reference's text.
 * 3. Properties against a per-sector model (fixed seeds), huge lengths, and a lock-free
 *    reader on garbage memory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { expectTornReadsEnd } from './torn-reader.js';
import { createBadblocks, type Badblocks, type BadblocksEntry } from '../../../src/badblocks/badblocks.js';
import { replayTrace } from '../../../src/badblocks/replay.js';
import { KernelError } from '../../../src/core/errors.js';

const TRACES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/badblocks-traces');

const A = (start: number, len: number): BadblocksEntry => [start, len, true];
const U = (start: number, len: number): BadblocksEntry => [start, len, false];

/** Structures created by a test, detached after it. */
const open: Badblocks[] = [];
afterEach(() => {
  for (const bb of open.splice(0)) bb.detach();
});

/**
 * A table holding exactly `entries` (checked), with `changed` reset to 0 as the reference's
 * cases assume ("changed starts at 0 unless stated").
 */
async function table(entries: readonly BadblocksEntry[] = [], options: { shift?: number; maxEntries?: number } = {}): Promise<Badblocks> {
  const bb = await createBadblocks({ kind: 'table', ...options });
  open.push(bb);
  for (const [s, n, acked] of entries) expect(bb.set(s, n, acked)).toBe(true);
  expect(bb.entries()).toEqual(entries);
  bb.clearChanged();
  return bb;
}

/** Acked single-sector entries (2i, 1) for i = 0..k-1. */
const singles = (k: number): BadblocksEntry[] => Array.from({ length: k }, (_, i) => A(2 * i, 1));

// ---------------------------------------------------------------------------------------
// 1. Kernel traces
// ---------------------------------------------------------------------------------------

/**
 * Traces the README puts outside the contract, and what replay must say about them:
 * refused arguments (the kernel's later state cannot be compared), lengths on which the
 * kernel never returns (per-sector answer), shift > 0 (skipped unless asked).
 */
const OUTSIDE: Record<string, 'refused' | 'timeout' | 'skipped'> = {
  '35-negative-len-set': 'refused',
  '36-negative-len-clear-check': 'refused',
  '38-huge-len-clear-2pow32-empty': 'timeout',
  '39-huge-len-check-2pow32-nonempty': 'timeout',
  '40-huge-start-54bit': 'refused',
  '41-start-near-u64-wrap': 'refused',
  '42-shift3-unaligned-set': 'skipped',
  '43-shift3-aligned': 'skipped',
  '44-shift3-clear-rounding': 'skipped',
  '45-shift3-check-first-bad-units': 'skipped',
  '52-ack-value-2': 'refused',
};

describe('kernel traces (block/badblocks.c, 6.15+)', () => {
  for (const dir of ['edge', 'random']) {
    const files = readdirSync(join(TRACES, dir)).filter((f) => f.endsWith('.jsonl')).sort();
    it(`${dir}/ holds the traces`, () => {
      expect(files.length).toBe(dir === 'edge' ? 53 : 18);
    });
    for (const file of files) {
      const name = file.replace(/\.jsonl$/, '');
      it(`${dir}/${name}`, async () => {
        const r = await replayTrace(readFileSync(join(TRACES, dir, file), 'utf8'), { kind: 'table' });
        expect(r.mismatch).toBeNull();
        const outside = dir === 'edge' ? OUTSIDE[name] : undefined;
        if (outside === 'skipped') {
          expect(r.state).toBe('skipped');
          return;
        }
        expect(r.state).toBe('match');
        if (outside === undefined) {
          // Inside the contract every line is compared; only show's page cut is noted.
          expect(r.compared).toBe(r.lines);
          for (const n of r.notes) expect(n.reason).toMatch(/^compared the first page/);
        } else if (outside === 'timeout') {
          expect(r.compared).toBe(r.lines);
          expect(r.notes.some((n) => n.reason.includes('per-sector answer'))).toBe(true);
        } else {
          expect(r.notes.some((n) => n.reason.includes('which the API refuses'))).toBe(true);
        }
      });
    }
  }
});

// ---------------------------------------------------------------------------------------
// 2. Reference acceptance cases (§9.1-§9.5)
// ---------------------------------------------------------------------------------------

describe('§9.1 badblocks — set', () => {
  it('BB-1 acked set overlapping the tail of an acked entry extends it', async () => {
    const bb = await table([A(100, 8)]);
    expect(bb.set(104, 8, true)).toBe(true);
    expect(bb.entries()).toEqual([A(100, 12)]);
    expect(bb.changed).toBe(true);
  });

  it('BB-2 unacked set overlapping an acked entry keeps only the uncovered part unacked', async () => {
    const bb = await table([A(100, 8)]);
    expect(bb.set(104, 8, false)).toBe(true);
    expect(bb.entries()).toEqual([A(100, 8), U(108, 4)]);
    expect(bb.unackedExist).toBe(true);
  });

  it('BB-3 acked set over the tail of an unacked entry overwrites it', async () => {
    const bb = await table([U(100, 8)]);
    expect(bb.set(104, 8, true)).toBe(true);
    expect(bb.entries()).toEqual([U(100, 4), A(104, 8)]);
  });

  it('BB-4 acked set inside unacked entry splits into 3', async () => {
    const bb = await table([U(100, 16)]);
    expect(bb.set(104, 4, true)).toBe(true);
    expect(bb.entries()).toEqual([U(100, 4), A(104, 4), U(108, 8)]);
    expect(bb.count).toBe(3);
  });

  it('BB-5 unacked set inside an acked entry is absorbed and does not set changed', async () => {
    const bb = await table([A(100, 16)]);
    expect(bb.unackedExist).toBe(false);
    expect(bb.set(104, 4, false)).toBe(true);
    expect(bb.entries()).toEqual([A(100, 16)]);
    expect(bb.changed).toBe(false);
    expect(bb.unackedExist).toBe(false);
  });

  it('BB-6 adjacent acked set front-merges', async () => {
    const bb = await table([A(100, 8)]);
    expect(bb.set(108, 8, true)).toBe(true);
    expect(bb.entries()).toEqual([A(100, 16)]);
  });

  it('BB-7 adjacent set of different ack does not merge', async () => {
    const bb = await table([A(100, 8)]);
    expect(bb.set(108, 8, false)).toBe(true);
    expect(bb.entries()).toEqual([A(100, 8), U(108, 8)]);
  });

  it('BB-8 insert before the first entry, then behind-merge', async () => {
    const bb = await table([A(100, 8)]);
    expect(bb.set(92, 8, true)).toBe(true);
    expect(bb.entries()).toEqual([A(92, 16)]);
  });

  it('BB-9 a range inserted exactly before the next entry merges with it (6.15 fix)', async () => {
    const bb = await table();
    expect(bb.set(0, 10, true)).toBe(true);
    expect(bb.set(30, 10, true)).toBe(true);
    expect(bb.set(20, 10, true)).toBe(true);
    expect(bb.entries()).toEqual([A(0, 10), A(20, 20)]);
  });

  it('BB-10 a 1300-sector set is stored as 512 + 512 + 276', async () => {
    const bb = await table();
    expect(bb.set(0, 1300, true)).toBe(true);
    expect(bb.entries()).toEqual([A(0, 512), A(512, 512), A(1024, 276)]);
  });

  it('BB-11 front merge is capped at 512 sectors', async () => {
    const bb = await table([A(0, 512)]);
    expect(bb.set(512, 1, true)).toBe(true);
    expect(bb.entries()).toEqual([A(0, 512), A(512, 1)]);
  });

  it('BB-12 a merge that passes 512 leaves the excess as a new entry', async () => {
    const bb = await table([A(0, 500)]);
    expect(bb.set(490, 30, true)).toBe(true);
    expect(bb.entries()).toEqual([A(0, 512), A(512, 8)]);
  });

  it('BB-13 a set covering several acked entries merges them all', async () => {
    const bb = await table([A(10, 5), A(20, 5), A(30, 5)]);
    expect(bb.set(0, 40, true)).toBe(true);
    expect(bb.entries()).toEqual([A(0, 40)]);
  });

  it('BB-14 unacked set over mixed entries keeps acked sectors acked', async () => {
    const bb = await table([A(100, 8), U(120, 8)]);
    expect(bb.set(96, 40, false)).toBe(true);
    expect(bb.entries()).toEqual([U(96, 4), A(100, 8), U(108, 28)]);
  });

  it('BB-15 acked set over mixed entries makes one acked entry and clears unacked_exist', async () => {
    const bb = await table([A(100, 8), U(120, 8)]);
    expect(bb.unackedExist).toBe(true);
    expect(bb.set(96, 40, true)).toBe(true);
    expect(bb.entries()).toEqual([A(96, 40)]);
    expect(bb.unackedExist).toBe(false);
  });

  it('BB-16 overwrite at an unacked entry start combines with the acked entry before', async () => {
    const bb = await table([A(100, 8), U(108, 8)]);
    expect(bb.set(108, 4, true)).toBe(true);
    expect(bb.entries()).toEqual([A(100, 12), U(112, 4)]);
  });

  it('BB-17 unacked set over an acked entry only adds its uncovered tail', async () => {
    const bb = await table([A(100, 8)]);
    expect(bb.set(100, 16, false)).toBe(true);
    expect(bb.entries()).toEqual([A(100, 8), U(108, 8)]);
  });

  it('BB-18 acked set at an unacked entry start splits head acked / tail unacked', async () => {
    const bb = await table([U(0, 8)]);
    expect(bb.set(0, 4, true)).toBe(true);
    expect(bb.entries()).toEqual([A(0, 4), U(4, 4)]);
  });

  it('BB-19 zero-length set and clear return false and change nothing', async () => {
    const bb = await table([A(100, 8), U(200, 8)]);
    for (const s of [0, 100, 104, 108, 200, 300]) {
      expect(bb.set(s, 0, true)).toBe(false);
      expect(bb.set(s, 0, false)).toBe(false);
      expect(bb.clear(s, 0)).toBe(false);
    }
    expect(bb.entries()).toEqual([A(100, 8), U(200, 8)]);
    expect(bb.changed).toBe(false);
  });

  it('BB-20 disabled table (shift -1): set and clear fail, show is empty', async () => {
    const bb = await table([], { shift: -1 });
    expect(bb.shift).toBe(-1);
    expect(bb.set(10, 10, true)).toBe(false);
    expect(bb.clear(10, 10)).toBe(false);
    expect(bb.show()).toBe('');
    expect(bb.show(true)).toBe('');
    expect(bb.entries()).toEqual([]);
    expect(bb.changed).toBe(false);
  });
});

describe('§9.2 badblocks — clear', () => {
  it('BB-21 clear in the middle splits the entry', async () => {
    const bb = await table([A(100, 16)]);
    expect(bb.clear(104, 4)).toBe(true);
    expect(bb.entries()).toEqual([A(100, 4), A(108, 8)]);
  });

  it('BB-22 clear over the head shrinks the entry from the front', async () => {
    const bb = await table([A(100, 16)]);
    expect(bb.clear(96, 8)).toBe(true);
    expect(bb.entries()).toEqual([A(104, 12)]);
  });

  it('BB-23 clear over the tail truncates the entry', async () => {
    const bb = await table([A(100, 16)]);
    expect(bb.clear(112, 8)).toBe(true);
    expect(bb.entries()).toEqual([A(100, 12)]);
  });

  it('BB-24 clear spanning several entries removes them all', async () => {
    const bb = await table([A(100, 16), A(200, 8)]);
    expect(bb.clear(90, 200)).toBe(true);
    expect(bb.entries()).toEqual([]);
    expect(bb.count).toBe(0);
  });

  it('BB-25 clear on an empty table succeeds and sets changed', async () => {
    const bb = await table();
    expect(bb.clear(0, 8)).toBe(true);
    expect(bb.changed).toBe(true);
  });

  it('BB-26 clearing the last unacked entry clears unacked_exist', async () => {
    const bb = await table([U(100, 8)]);
    expect(bb.unackedExist).toBe(true);
    expect(bb.clear(100, 8)).toBe(true);
    expect(bb.entries()).toEqual([]);
    expect(bb.unackedExist).toBe(false);
  });
});

describe('§9.3 badblocks — check', () => {
  it('BB-27 an unacked overlap gives -1; first_bad is the first overlapping entry', async () => {
    const bb = await table([A(100, 8), U(120, 8)]);
    expect(bb.check(96, 40)).toEqual({ rc: -1, firstBad: 100, badSectors: 8 });
  });

  it('BB-28 first_bad is the whole first entry even when it starts before the query', async () => {
    const bb = await table([A(100, 8), A(120, 8)]);
    expect(bb.check(104, 40)).toEqual({ rc: 1, firstBad: 100, badSectors: 8 });
  });

  it('BB-29 queries adjacent to an entry are clean', async () => {
    const bb = await table([A(100, 8)]);
    expect(bb.check(108, 12)).toEqual({ rc: 0 });
    expect(bb.check(92, 8)).toEqual({ rc: 0 });
  });

  it('BB-30 the last sector of an entry is bad, the next is not', async () => {
    const bb = await table([A(100, 8)]);
    expect(bb.check(107, 1)).toEqual({ rc: 1, firstBad: 100, badSectors: 8 });
    expect(bb.check(108, 1)).toEqual({ rc: 0 });
  });

  it('BB-31 a zero-length check at a bad sector reports it', async () => {
    const bb = await table([A(100, 8)]);
    expect(bb.check(100, 0)).toEqual({ rc: 1, firstBad: 100, badSectors: 8 });
  });

  it('BB-32 -1 wins over 1; first_bad/bad_sectors describe the first (acked) entry', async () => {
    const bb = await table([A(100, 16), U(130, 4)]);
    expect(bb.check(110, 30)).toEqual({ rc: -1, firstBad: 100, badSectors: 16 });
  });
});

describe('§9.4 badblocks — full table (count = 512)', () => {
  it('BB-33 on a full table a set fails even when already covered', async () => {
    const full = singles(512);
    const bb = await table(full);
    expect(bb.count).toBe(512);
    expect(bb.set(0, 1, true)).toBe(false);
    expect(bb.entries()).toEqual(full);
    expect(bb.changed).toBe(false);
  });

  it('BB-34 on a full table a new range fails, no change', async () => {
    const full = singles(512);
    const bb = await table(full);
    expect(bb.set(10000, 1, true)).toBe(false);
    expect(bb.entries()).toEqual(full);
    expect(bb.changed).toBe(false);
  });

  it('BB-35 on a full table a clear that deletes an entry succeeds', async () => {
    const bb = await table(singles(512));
    expect(bb.clear(0, 1)).toBe(true);
    expect(bb.count).toBe(511);
    expect(bb.entries()).toEqual(singles(512).slice(1));
  });

  it('BB-36 on a full table a clear needing a split fails unchanged; a front clear succeeds', async () => {
    const start = [...singles(511), A(2000, 16)];
    const bb = await table(start);
    expect(bb.count).toBe(512);
    expect(bb.clear(2004, 4)).toBe(false);
    expect(bb.entries()).toEqual(start);
    expect(bb.changed).toBe(false);
    expect(bb.clear(2000, 4)).toBe(true);
    expect(bb.entries()).toEqual([...singles(511), A(2004, 12)]);
  });

  it('BB-37 a split may take the last free slot', async () => {
    const bb = await table([...singles(510), A(2000, 16)]);
    expect(bb.count).toBe(511);
    expect(bb.clear(2004, 4)).toBe(true);
    expect(bb.entries()).toEqual([...singles(510), A(2000, 4), A(2008, 8)]);
    expect(bb.count).toBe(512);
  });

  it('BB-38 a set that fills the table midway fails but keeps the piece it stored', async () => {
    const bb = await table(singles(511));
    expect(bb.set(5000, 1100, true)).toBe(false);
    expect(bb.entries()).toEqual([...singles(511), A(5000, 512)]);
    expect(bb.count).toBe(512);
    expect(bb.changed).toBe(true);
  });

  it('BB-39 a full table fails fast instead of merging to make room (6.15)', async () => {
    const start = [...singles(510), A(2100, 10), A(2200, 10)];
    const bb = await table(start);
    expect(bb.count).toBe(512);
    expect(bb.set(2000, 500, true)).toBe(false);
    expect(bb.entries()).toEqual(start);
    expect(bb.changed).toBe(false);
  });

  it('the capacity is a parameter: maxEntries 4 fills after 4 entries', async () => {
    const bb = await table([A(0, 1), A(2, 1), A(4, 1), A(6, 1)], { maxEntries: 4 });
    expect(bb.set(100, 1, true)).toBe(false);
    expect(bb.set(0, 1, true)).toBe(false);
    expect(bb.count).toBe(4);
    // 8192 slots, as on 64 KiB-page kernels: a 1 MiB set is 2048 entries of 512.
    const big = await table([], { maxEntries: 8192 });
    expect(big.set(0, 2048 * 512, true)).toBe(true);
    expect(big.count).toBe(2048);
  });
});

describe('§1.4 / §1.10 rules the BB cases leave implicit', () => {
  it('an acked overwrite may take the last free slot (6.15; 6.7-6.14 needed count + extra < 512)', async () => {
    const bb = await table([...singles(510), U(2000, 16)]);
    expect(bb.count).toBe(511);
    expect(bb.set(2000, 4, true)).toBe(true);
    expect(bb.entries()).toEqual([...singles(510), A(2000, 4), U(2004, 12)]);
    expect(bb.count).toBe(512);
    // Full now: the same overwrite one entry on needs a slot and fails, unchanged.
    bb.clearChanged();
    expect(bb.set(2008, 4, true)).toBe(false);
    expect(bb.entries()).toEqual([...singles(510), A(2000, 4), U(2004, 12)]);
    expect(bb.changed).toBe(false);
  });

  it('a set stopped by a full table keeps its piece and skips the behind merge', async () => {
    const bb = await table([...singles(509), A(2000, 10), A(3000, 10)]);
    expect(bb.count).toBe(511);
    // The gap piece [1990, 2000) takes the last slot; the next round finds the table full.
    expect(bb.set(1990, 1100, true)).toBe(false);
    expect(bb.entries()).toEqual([...singles(509), A(1990, 10), A(2000, 10), A(3000, 10)]);
    expect(bb.changed).toBe(true);
  });
});

describe('§9.5 badblocks — ack_all, sysfs', () => {
  it('BB-40 ack_all acknowledges everything and merges the neighbours (6.15)', async () => {
    const bb = await table([U(100, 8), A(108, 8)]);
    expect(bb.changed).toBe(false);
    bb.ackAll();
    expect(bb.entries()).toEqual([A(100, 16)]);
    expect(bb.unackedExist).toBe(false);
  });

  it('BB-41 ack_all is a no-op while changed is set', async () => {
    const bb = await createBadblocks({ kind: 'table' });
    open.push(bb);
    expect(bb.set(100, 8, false)).toBe(true);
    expect(bb.set(108, 8, true)).toBe(true);
    expect(bb.changed).toBe(true);
    bb.ackAll();
    expect(bb.entries()).toEqual([U(100, 8), A(108, 8)]);
    expect(bb.unackedExist).toBe(true);
  });

  it('S-1 writing "100 8\\n" records an acked entry and reads back', async () => {
    const bb = await table();
    expect(bb.store('100 8\n')).toBe(6);
    expect(bb.entries()).toEqual([A(100, 8)]);
    expect(bb.show()).toBe('100 8\n');
  });

  it('S-2 the newline is optional; anything else after the length, or length <= 0, is EINVAL', async () => {
    const bb = await table();
    expect(bb.store('100 8')).toBe(5);
    expect(bb.entries()).toEqual([A(100, 8)]);
    for (const bad of ['100 8 \n', '100 8x', '100', '100 0', '100 -5']) {
      let err: unknown;
      try {
        bb.store(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(KernelError);
      expect((err as KernelError).code, bad).toBe('EINVAL');
    }
    expect(bb.entries()).toEqual([A(100, 8)]);
  });

  it('S-3 only the first line of a write is used; the whole length is returned', async () => {
    const bb = await table();
    expect(bb.store('100 8\n200 8\n')).toBe(12);
    expect(bb.entries()).toEqual([A(100, 8)]);
  });

  it('S-4 a 1000-sector write is shown as 512 + 488', async () => {
    const bb = await table();
    expect(bb.store('100 1000\n')).toBe(9);
    expect(bb.entries()).toEqual([A(100, 512), A(612, 488)]);
    expect(bb.show()).toBe('100 512\n612 488\n');
  });

  it('S-5 a write on a full table is ENOSPC, covered or not', async () => {
    const full = singles(512);
    const bb = await table(full);
    for (const text of ['0 1\n', '10000 1\n']) {
      let err: unknown;
      try {
        bb.store(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(KernelError);
      expect((err as KernelError).code, text).toBe('ENOSPC');
    }
    expect(bb.entries()).toEqual(full);
  });
});

// ---------------------------------------------------------------------------------------
// 3. Properties, huge lengths, torn reads
// ---------------------------------------------------------------------------------------

/** Table invariants I1..I2 and the entry encoding limits. */
function expectInvariants(bb: Badblocks): BadblocksEntry[] {
  const entries = bb.entries();
  expect(bb.count).toBe(entries.length);
  let end = -1;
  for (const [s, n] of entries) {
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(512);
    expect(s).toBeGreaterThanOrEqual(end);
    end = s + n;
  }
  return entries;
}

/** Per-sector model: 0 good, 1 bad unacked, 2 bad acked (the oracle of reference §7.4). */
function modelOf(entries: readonly BadblocksEntry[], size: number): Uint8Array {
  const m = new Uint8Array(size);
  for (const [s, n, acked] of entries) m.fill(acked ? 2 : 1, s, s + n);
  return m;
}

type Cmd =
  | { op: 'set'; s: number; n: number; acked: boolean }
  | { op: 'clear'; s: number; n: number }
  | { op: 'check'; s: number; n: number }
  | { op: 'ackAll' }
  | { op: 'clearChanged' };

describe('per-sector model (fast-check, fixed seed)', () => {
  const SPACE = 4096;
  const range = fc.record({ s: fc.integer({ min: 0, max: SPACE - 1 }), n: fc.integer({ min: 1, max: 700 }) })
    .map(({ s, n }) => ({ s, n: Math.min(n, SPACE + 700 - s) }));
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(range, fc.boolean()).map(([r, acked]) => ({ op: 'set' as const, ...r, acked })) },
    { weight: 3, arbitrary: range.map((r) => ({ op: 'clear' as const, ...r })) },
    { weight: 3, arbitrary: fc.tuple(range, fc.boolean()).map(([r, z]) => ({ op: 'check' as const, s: r.s, n: z ? 0 : r.n })) },
    { weight: 1, arbitrary: fc.constant({ op: 'ackAll' as const }) },
    { weight: 1, arbitrary: fc.constant({ op: 'clearChanged' as const }) },
  );

  it('set/clear/check/ack_all keep the per-sector meaning and the table invariants', async () => {
    // 8192 slots over 4096 + 700 sectors: the table can never fill, so every set succeeds.
    await fc.assert(fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 80 }), async (cmds) => {
      const bb = await createBadblocks({ kind: 'table', maxEntries: 8192 });
      try {
        const size = SPACE + 700;
        const model = new Uint8Array(size);
        for (const c of cmds) {
          if (c.op === 'set') {
            expect(bb.set(c.s, c.n, c.acked)).toBe(true);
            for (let i = c.s; i < c.s + c.n; i++) model[i] = c.acked ? 2 : Math.max(model[i]!, 1);
          } else if (c.op === 'clear') {
            expect(bb.clear(c.s, c.n)).toBe(true);
            expect(bb.changed).toBe(true);
            model.fill(0, c.s, c.s + c.n);
          } else if (c.op === 'check') {
            const r = bb.check(c.s, c.n);
            const slice = model.subarray(c.s, c.s + Math.max(c.n, 1));
            const want = slice.includes(1) ? -1 : slice.includes(2) ? 1 : 0;
            expect(r.rc).toBe(want);
            if (r.rc !== 0) {
              // The lowest overlapping entry, whole.
              const end = c.s + Math.max(c.n, 1);
              const first = bb.entries().find(([a, l]) => a < end && a + l > c.s)!;
              expect([r.firstBad, r.badSectors]).toEqual([first[0], first[1]]);
            }
          } else if (c.op === 'ackAll') {
            const active = !bb.changed && bb.unackedExist;
            bb.ackAll();
            if (active) {
              for (let i = 0; i < size; i++) if (model[i] === 1) model[i] = 2;
              expect(bb.unackedExist).toBe(false);
            }
          } else {
            bb.clearChanged();
            expect(bb.changed).toBe(false);
          }
          const entries = expectInvariants(bb);
          expect(modelOf(entries, size)).toEqual(model);
          // "There probably are unacked blocks": never false while one exists.
          if (model.includes(1)) expect(bb.unackedExist).toBe(true);
        }
      } finally {
        bb.detach();
      }
    }), { seed: 0x5eed, numRuns: 60 });
  });
});

describe('huge lengths never loop per sector', () => {
  const MAX = 2 ** 53;

  it('a (2^53 - 1)-sector set fills the table with 512-sector entries and fails', async () => {
    const bb = await table();
    expect(bb.set(0, MAX - 1, true)).toBe(false);
    const entries = expectInvariants(bb);
    expect(entries).toEqual(Array.from({ length: 512 }, (_, i) => A(512 * i, 512)));
    expect(bb.changed).toBe(true);
    expect(bb.check(0, MAX - 1)).toEqual({ rc: 1, firstBad: 0, badSectors: 512 });
    expect(bb.check(512 * 512, MAX - 512 * 512)).toEqual({ rc: 0 });
    expect(bb.clear(0, MAX - 1)).toBe(true);
    expect(bb.entries()).toEqual([]);
  });

  it('ranges ending exactly at 2^53 are accepted; past it they are refused', async () => {
    const bb = await table();
    expect(bb.set(MAX - 10, 10, false)).toBe(true);
    expect(bb.entries()).toEqual([U(MAX - 10, 10)]);
    expect(bb.check(MAX - 1, 1)).toEqual({ rc: -1, firstBad: MAX - 10, badSectors: 10 });
    expect(() => bb.set(MAX - 10, 11, true)).toThrow(RangeError);
    expect(() => bb.check(-1, 1)).toThrow(RangeError);
    expect(bb.clear(MAX - 5, 5)).toBe(true);
    expect(bb.entries()).toEqual([U(MAX - 10, 5)]);
  });

  it('a 2^32-sector check and clear give the per-sector answer (the kernel hangs)', async () => {
    const bb = await table([A(100, 10), U(2 ** 32 + 5, 3)]);
    expect(bb.check(0, 2 ** 32)).toEqual({ rc: 1, firstBad: 100, badSectors: 10 });
    expect(bb.check(0, 2 ** 33)).toEqual({ rc: -1, firstBad: 100, badSectors: 10 });
    expect(bb.clear(0, 2 ** 32 + 6)).toBe(true);
    expect(bb.entries()).toEqual([U(2 ** 32 + 6, 2)]);
  });
});

describe('lock-free reader', () => {
  it('check and entries end, inside the table, on any memory content (torn reads)', async () => {
    expectTornReadsEnd(await table());
  });
});
