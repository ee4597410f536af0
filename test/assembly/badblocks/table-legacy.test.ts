/**
 * assembly/badblocks/table-legacy.ts: the kernel's badblocks table before the 6.7 rewrite,
 * through the compiled module and the TS facade (debug and release builds).
 *
 * 1. Every trace of the old kernel code (test/fixtures/badblocks-traces/legacy/edge, random;
 *    the directories are read, so added traces are replayed too) must be reproduced field
 *    for field, raw return codes included.
 * 2. The reference's legacy cases L-1..L-6 (§9.5) and the return codes of §1.9; expected
 *    values are the reference's text, the old kernel code, or the traces (cited).
 * 3. A lock-free reader on garbage memory ends inside the table.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectTornReadsEnd } from './torn-reader.js';
import { createBadblocks, type Badblocks, type BadblocksEntry } from '../../../src/badblocks/badblocks.js';
import { replayTrace } from '../../../src/badblocks/replay.js';

const LEGACY = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/badblocks-traces/legacy');

const A = (start: number, len: number): BadblocksEntry => [start, len, true];
const U = (start: number, len: number): BadblocksEntry => [start, len, false];

const open: Badblocks[] = [];
afterEach(() => {
  for (const bb of open.splice(0)) bb.detach();
});

/**
 * A legacy table holding exactly `entries` (each set into a gap, which the old code stores
 * as asked), with `changed` reset to 0 as the reference's cases assume.
 */
async function legacy(entries: readonly BadblocksEntry[] = [], options: { shift?: number; maxEntries?: number } = {}): Promise<Badblocks> {
  const bb = await createBadblocks({ kind: 'table-legacy', ...options });
  open.push(bb);
  for (const [s, n, acked] of entries) expect(bb.setRaw(s, n, acked)).toBe(0);
  expect(bb.entries()).toEqual(entries);
  bb.clearChanged();
  return bb;
}

/** Acked single-sector entries (2i, 1) for i = 0..k-1. */
const singles = (k: number): BadblocksEntry[] => Array.from({ length: k }, (_, i) => A(2 * i, 1));

// ---------------------------------------------------------------------------------------
// 1. Traces of the old kernel code
// ---------------------------------------------------------------------------------------

/**
 * Lines the API refuses (README "Which cases are inside the contract": negative lengths,
 * starts at or past 2^53, ack 2). The old kernel applied them, so the replay stops comparing
 * there, noting it. Every other line of every legacy trace is compared, shift > 0 included
 * (the old code rounded as documented).
 */
const REFUSED = new Set(['35-negative-len-set', '36-negative-len-clear-check', '40-huge-start-54bit', '41-start-near-u64-wrap', '52-ack-value-2']);

describe('kernel traces (block/badblocks.c, <= 6.6)', () => {
  for (const dir of ['edge', 'random']) {
    const files = readdirSync(join(LEGACY, dir)).filter((f) => f.endsWith('.jsonl')).sort();
    it(`legacy/${dir}/ holds traces`, () => {
      expect(files.length).toBeGreaterThan(0);
    });
    for (const file of files) {
      const name = file.replace(/\.jsonl$/, '');
      it(`legacy/${dir}/${name}`, async () => {
        const r = await replayTrace(readFileSync(join(LEGACY, dir, file), 'utf8'), { kind: 'table-legacy' });
        expect(r.mismatch).toBeNull();
        expect(r.state).toBe('match');
        if (REFUSED.has(name)) {
          expect(r.notes.some((n) => n.reason.includes('which the API refuses'))).toBe(true);
        } else {
          expect(r.compared).toBe(r.lines);
          for (const n of r.notes) expect(n.reason).toMatch(/^compared the first page/);
        }
      });
    }
  }

  it('the 6.15 table does not reproduce them (the traces tell the two apart)', async () => {
    const text = readFileSync(join(LEGACY, 'edge/16-maxlen-split-1200.jsonl'), 'utf8');
    expect((await replayTrace(text, { kind: 'table' })).state).toBe('mismatch');
  });
});

// ---------------------------------------------------------------------------------------
// 2. Reference cases (§9.5 L-1..L-6, §1.9)
// ---------------------------------------------------------------------------------------

describe('§9.5 legacy (<= 6.6) cases', () => {
  it('L-1 an unacked set inside an acked entry downgrades the whole entry', async () => {
    const bb = await legacy([A(100, 16)]);
    expect(bb.setRaw(104, 4, false)).toBe(0);
    expect(bb.entries()).toEqual([U(100, 16)]);
    expect(bb.unackedExist).toBe(true);
  });

  it('L-2 a set covering an entry from its start takes the new ack; inside, the AND', async () => {
    const up = await legacy([U(100, 8)]);
    expect(up.set(100, 16, true)).toBe(true);
    expect(up.entries()).toEqual([A(100, 16)]);
    const down = await legacy([A(100, 8)]);
    expect(down.set(100, 16, false)).toBe(true);
    expect(down.entries()).toEqual([U(100, 16)]);
    const inside = await legacy([U(100, 16)]);
    expect(inside.set(104, 4, true)).toBe(true);
    expect(inside.entries()).toEqual([U(100, 16)]);
  });

  it('L-3 a set over three entries merges with one neighbour and loses sectors', async () => {
    const bb = await legacy([A(10, 5), A(20, 5), A(30, 5)]);
    expect(bb.set(0, 40, true)).toBe(true);
    expect(bb.entries()).toEqual([A(0, 25), A(30, 5)]);
    // Sectors 25..29 and 35..39 were set and are not bad.
    expect(bb.check(25, 5)).toEqual({ rc: 0 });
    expect(bb.check(35, 5)).toEqual({ rc: 0 });
  });

  it('L-4 a 1300-sector set is stored in reverse order', async () => {
    const bb = await legacy();
    expect(bb.set(0, 1300, true)).toBe(true);
    expect(bb.entries()).toEqual([A(1024, 276), A(512, 512), A(0, 512)]);
    expect(bb.show()).toBe('1024 276\n512 512\n0 512\n');
  });

  it('L-5 the final combine needs a sum below 512 (strict)', async () => {
    const bb = await legacy([A(0, 256), A(300, 256)]);
    expect(bb.set(256, 44, true)).toBe(true);
    expect(bb.entries()).toEqual([A(0, 300), A(300, 256)]);
  });

  it('L-6 adjacent entries of different ack merge, ANDing the flags', async () => {
    const bb = await legacy([U(100, 8)]);
    expect(bb.set(108, 8, true)).toBe(true);
    expect(bb.entries()).toEqual([U(100, 16)]);
  });
});

describe('§1.9 return codes and bookkeeping', () => {
  it('set returns 0 on success and 1 out of space, keeping what fit; changed always set', async () => {
    const bb = await legacy(singles(511));
    // 1100 sectors at 5000: the first 512-sector piece takes the last slot, the rest is lost.
    expect(bb.setRaw(5000, 1100, true)).toBe(1);
    expect(bb.count).toBe(512);
    expect(bb.entries().at(-1)).toEqual(A(5000, 512));
    expect(bb.changed).toBe(true);
    bb.clearChanged();
    expect(bb.setRaw(10000, 1, true)).toBe(1);
    expect(bb.changed).toBe(true);
    expect(bb.count).toBe(512);
  });

  it('clear returns 0, and -ENOSPC (-28) for a split on a full table, which changes nothing', async () => {
    const bb = await legacy([...singles(511), A(2000, 16)]);
    const before = bb.entries();
    expect(bb.clearRaw(2004, 4)).toBe(-28);
    expect(bb.entries()).toEqual(before);
    // The old code jumps past `bb->changed = 1` on this path (`goto out`).
    expect(bb.changed).toBe(false);
    expect(bb.clearRaw(2000, 4)).toBe(0);
    expect(bb.entries().at(-1)).toEqual(A(2004, 12));
    expect(bb.changed).toBe(true);
  });

  it('BB-20 (pre-6.7) a disabled table\'s set returns 0 = success and changes nothing', async () => {
    const bb = await legacy([], { shift: -1 });
    expect(bb.setRaw(10, 10, true)).toBe(0);
    expect(bb.changed).toBe(false);
    expect(bb.show()).toBe('');
  });

  it('ack_all acknowledges every entry without merging neighbours (merging came in 6.15, BB-40)', async () => {
    const bb = await legacy([U(100, 8), A(200, 8)]);
    expect(bb.set(108, 8, false)).toBe(true);
    expect(bb.entries()).toEqual([U(100, 16), A(200, 8)]);
    bb.clearChanged();
    bb.ackAll();
    expect(bb.entries()).toEqual([A(100, 16), A(200, 8)]);
    expect(bb.unackedExist).toBe(false);
  });

  it('tableSlots() keeps offsets past 2^53 exact (legacy/random/000: "18014398509481983,370,1")', async () => {
    // The table of legacy/random/000-small-dense.jsonl around line 48, and its set there:
    // the combine's length goes negative and BB_MAKE spills it into the offset bits.
    const bb = await legacy([A(645, 27), A(673, 65), A(1002, 13)]);
    expect(bb.set(645, 959, true)).toBe(true);
    expect(bb.tableSlots()).toEqual([[645n, 512, true], [18014398509481983n, 370, true]]);
    expect(bb.show()).toBe('645 512\n18014398509481983 370\n');
  });
});

// ---------------------------------------------------------------------------------------
// 3. Lock-free reader
// ---------------------------------------------------------------------------------------

describe('lock-free reader', () => {
  it('check and entries end, inside the table, on any memory content (torn reads)', async () => {
    expectTornReadsEnd(await legacy(), (b) => expect(b.tableSlots().length).toBeLessThanOrEqual(512));
  });
});
