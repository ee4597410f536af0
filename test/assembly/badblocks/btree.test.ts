/**
 * btree badblocks (assembly/badblocks/btree.ts) against the per-sector model, plus its
 * structural validator (btree_validate through the raw exports) after every kind of change.
 */
import { describe, it, expect } from 'vitest';
import { Worker } from 'node:worker_threads';
import { createBadblocks, type Badblocks } from '../../../src/badblocks/badblocks.js';
import { instantiate } from '../../../src/core/wasm.js';
import { checkRunKind, runAgainstModel } from '../../badblocks/run-kind-properties.js';
import { SectorModel } from '../../badblocks/sector-model.js';

/** btree_validate for `b`, through a second instance on the same memory (no slot needed). */
function validator(b: Badblocks): () => number {
  const wasm = instantiate(b.handle.module, b.handle.memory);
  return () => wasm.btree_validate(b.base);
}

/** Seeded PRNG (mulberry32): integers in [0, n). */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

function shuffle<T>(xs: T[], r: (n: number) => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = r(i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

function expectLike(b: Badblocks, m: SectorModel, where: string): void {
  expect({ changed: b.changed, unackedExist: b.unackedExist, count: b.count, entries: b.entries() }, where)
    .toEqual({ changed: m.changed, unackedExist: m.unackedExist, count: m.entries().length, entries: m.entries() });
}

describe('btree badblocks', () => {
  it('matches the per-sector model on random operation sequences (fixed seeds)', async () => {
    await checkRunKind('btree');
  });

  it('BB-5 an unacked set inside an acked run changes nothing, not even changed', async () => {
    const b = await createBadblocks({ kind: 'btree' });
    b.set(100, 16, true);
    b.clearChanged();
    expect(b.set(104, 4, false)).toBe(true);
    expect(b.entries()).toEqual([[100, 16, true]]);
    expect(b.changed).toBe(false);
    b.detach();
  });

  it('runs longer than 512 sectors stay one entry', async () => {
    await runAgainstModel('btree', [
      { op: 'set', s: 10, n: 5000, acked: true },
      { op: 'check', s: 4000, n: 8 },
      { op: 'set', s: 5010, n: 1300, acked: false },
      { op: 'set', s: 6310, n: 700, acked: true },
      { op: 'check', s: 0, n: 8000 },
      { op: 'clear', s: 2000, n: 600 },
      { op: 'check', s: 1999, n: 0 },
    ]);
    const b = await createBadblocks({ kind: 'btree' });
    const valid = validator(b);
    b.set(0, 1300, true);
    expect(b.entries()).toEqual([[0, 1300, true]]);
    // Lengths up to 2^53 are one run, and no operation walks them block by block.
    b.set(2 ** 40, 2 ** 52, true);
    b.set(2 ** 40 + 2 ** 52, 2 ** 30, true);
    expect(b.entries()).toEqual([[0, 1300, true], [2 ** 40, 2 ** 52 + 2 ** 30, true]]);
    expect(b.check(2 ** 51, 0)).toEqual({ rc: 1, firstBad: 2 ** 40, badSectors: 2 ** 52 + 2 ** 30 });
    b.clear(2 ** 41, 2 ** 45);
    expect(b.entries()).toEqual([
      [0, 1300, true], [2 ** 40, 2 ** 41 - 2 ** 40, true], [2 ** 41 + 2 ** 45, 2 ** 40 + 2 ** 52 + 2 ** 30 - 2 ** 41 - 2 ** 45, true],
    ]);
    expect(valid()).toBe(0);
    b.detach();
  });

  it('keeps every structural invariant through many random operations', async () => {
    const b = await createBadblocks({ kind: 'btree' });
    const valid = validator(b);
    const model = new SectorModel();
    const r = rng(7);
    const span = 40_000;
    let most = 0;
    // A growing phase (mostly sets) then a shrinking one (mostly clears): splits up to three
    // levels, then borrows and merges back down.
    for (let i = 0; i < 6000; i++) {
      const growing = i < 3000;
      const s = r(span);
      const n = r(40) === 0 ? r(400) : r(growing ? 6 : 150);
      const where = `op ${i}`;
      const k = r(20);
      if (k < (growing ? 14 : 3)) {
        const acked = r(3) !== 0;
        expect(b.set(s, n, acked), where).toBe(model.set(s, n, acked));
      } else if (k < 17) {
        expect(b.clear(s, n), where).toBe(model.clear(s, n));
      } else if (k < 19) {
        expect(b.check(s, n), where).toEqual(model.check(s, n));
      } else {
        b.clearChanged();
        model.clearChanged();
        if (r(4) === 0) {
          b.ackAll();
          model.ackAll();
        }
      }
      expect(valid(), where).toBe(0);
      expect(b.count, where).toBe(model.entries().length);
      most = Math.max(most, b.count);
      if (i % 200 === 199) expectLike(b, model, where);
    }
    expect(most).toBeGreaterThan(930); // more than 31 full leaves: three levels
    expect(b.count).toBeLessThan(most / 4);
    b.detach();
  });

  it('a 200,000-run tree built in random order, then thinned at random, validates and answers like the model', async () => {
    const b = await createBadblocks({ kind: 'btree' });
    const valid = validator(b);
    const model = new SectorModel();
    const r = rng(2024);
    // A far unacked run first: the model's unacked scan then stops at its first entry.
    const far = 1e9;
    expect(b.set(far, 3, false)).toBe(model.set(far, 3, false));
    const runs = 200_000;
    const order = shuffle(Array.from({ length: runs }, (_, i) => i), r);
    for (const i of order) {
      const s = i * 10 + r(3);
      const n = 1 + r(5);
      const acked = r(4) !== 0;
      expect(b.set(s, n, acked)).toBe(model.set(s, n, acked));
    }
    expect(valid()).toBe(0);
    expect(b.count).toBe(runs + 1);
    expect(b.entries()).toEqual(model.entries());
    // Thin: whole-run clears, partial clears (splits), and sets bridging neighbours.
    let done = 0;
    for (const i of shuffle(Array.from({ length: runs }, (_, j) => j), r).slice(0, 120_000)) {
      if (++done % 5000 === 0) expect(valid(), `after ${done} thinning ops`).toBe(0);
      const k = r(6);
      if (k < 4) expect(b.clear(i * 10, 10)).toBe(model.clear(i * 10, 10));
      else if (k < 5) expect(b.clear(i * 10 + 2, 1)).toBe(model.clear(i * 10 + 2, 1));
      else expect(b.set(i * 10 + 4, 8, true)).toBe(model.set(i * 10 + 4, 8, true));
    }
    expect(valid()).toBe(0);
    expectLike(b, model, 'after thinning');
    for (let q = 0; q < 20_000; q++) {
      const s = r(runs * 10 + 10);
      const n = r(8) === 0 ? r(200) : r(9);
      expect(b.check(s, n), `check ${s} ${n}`).toEqual(model.check(s, n));
    }
    b.detach();
  });

  it('merges runs across leaf boundaries (bridging sets and ackAll)', async () => {
    const b = await createBadblocks({ kind: 'btree' });
    const valid = validator(b);
    const model = new SectorModel();
    // 300 separate runs span at least ten leaves; filling the gaps in order bridges each
    // pair of neighbours, including the pairs that sit in different leaves.
    for (let i = 0; i < 300; i++) expect(b.set(i * 10, 5, true)).toBe(model.set(i * 10, 5, true));
    for (let i = 0; i < 299; i++) {
      expect(b.set(i * 10 + 5, 5, true)).toBe(model.set(i * 10 + 5, 5, true));
      expect(valid(), `bridge ${i}`).toBe(0);
      expect(b.count).toBe(model.entries().length);
    }
    expectLike(b, model, 'bridged');
    expect(b.entries()).toEqual([[0, 2995, true]]);
    // Alternating acks: 600 touching runs, then ackAll merges all of them into one.
    const c = await createBadblocks({ kind: 'btree' });
    const validC = validator(c);
    const m2 = new SectorModel();
    for (const i of shuffle(Array.from({ length: 600 }, (_, j) => j), rng(5))) {
      expect(c.set(i * 4, 4, i % 2 === 0)).toBe(m2.set(i * 4, 4, i % 2 === 0));
    }
    expect(validC()).toBe(0);
    expect(c.count).toBe(600);
    c.clearChanged();
    m2.clearChanged();
    c.ackAll();
    m2.ackAll();
    expect(validC()).toBe(0);
    expectLike(c, m2, 'after ackAll');
    // Clearing every other run from the right, then re-setting, walks merges and borrows.
    for (let i = 599; i >= 0; i -= 2) expect(c.clear(i * 4, 4)).toBe(m2.clear(i * 4, 4));
    expect(validC()).toBe(0);
    for (let i = 1; i < 600; i += 2) expect(c.set(i * 4, 4, false)).toBe(m2.set(i * 4, 4, false));
    expect(validC()).toBe(0);
    expectLike(c, m2, 'refilled');
    // One unacked set over everything fills only the gaps (stretches between acked runs).
    expect(c.set(0, 2400, false)).toBe(m2.set(0, 2400, false));
    expect(validC()).toBe(0);
    expectLike(c, m2, 'unacked over all');
    b.detach();
    c.detach();
  });

  it('capacity is exact in runs: an operation that would exceed it fails and changes nothing', async () => {
    const cap = 40;
    const b = await createBadblocks({ kind: 'btree', maxEntries: cap });
    const valid = validator(b);
    for (let i = 0; i < cap; i++) expect(b.set(i * 10, 5, i % 3 !== 0)).toBe(true);
    expect(b.count).toBe(cap);
    b.clearChanged();
    const before = b.entries();
    // A new run, a split by an acked set, a split by a clear (BB-14): all need a run more.
    expect(b.set(1000, 5, true)).toBe(false);
    expect(b.set(1, 2, true)).toBe(false); // inside unacked [0, 5)
    expect(b.clear(11, 2)).toBe(false);
    // An unacked set whose gaps would each become a run.
    expect(b.set(0, 400, false)).toBe(false);
    expect(b.entries()).toEqual(before);
    expect(b.changed).toBe(false);
    expect(valid()).toBe(0);
    // Growing a run, bridging two, clearing a whole run: no run more, so they succeed.
    expect(b.set(15, 3, true)).toBe(true);
    expect(b.count).toBe(cap);
    expect(b.set(45, 5, true)).toBe(true); // [40, 45) and [50, 55) are both acked: one run
    expect(b.count).toBe(cap - 1);
    expect(b.clear(70, 10)).toBe(true);
    expect(b.count).toBe(cap - 2);
    // Exactly at the limit: two free runs allow a split into three.
    expect(b.set(61, 2, true)).toBe(true); // inside unacked [60, 65)
    expect(b.count).toBe(cap);
    expect(valid()).toBe(0);
    b.detach();
  });

  it('capacity: random operations on a small arena succeed exactly when the model stays within it', async () => {
    // 481 runs: 32 leaves at worst, two internal levels; more sets and fewer long ranges keep
    // the count near it.
    const arenas = [[1, 1500, 4, 12], [3, 1500, 4, 12], [31, 1500, 4, 12], [64, 1500, 4, 12], [481, 4000, 6, 80]] as const;
    for (const [cap, span, setBelow, longOneIn] of arenas) {
      const b = await createBadblocks({ kind: 'btree', maxEntries: cap });
      const valid = validator(b);
      let model = new SectorModel();
      const r = rng(cap);
      let failures = 0;
      for (let i = 0; i < 3000; i++) {
        const s = r(span);
        const n = r(longOneIn) === 0 ? r(300) : r(8);
        const k = r(8);
        const trial = model.clone();
        const where = `cap ${cap} op ${i}`;
        let got: boolean;
        let want: boolean;
        if (k < setBelow) {
          const acked = r(2) === 0;
          got = b.set(s, n, acked);
          want = trial.set(s, n, acked);
        } else if (k < 7) {
          got = b.clear(s, n);
          want = trial.clear(s, n);
        } else {
          b.clearChanged();
          trial.clearChanged();
          got = want = true;
        }
        const after = trial.entries().length;
        if (after > cap) {
          expect(got, where).toBe(false);
          failures++;
        } else {
          expect(got, where).toBe(want);
          model = trial;
        }
        expect(valid(), where).toBe(0);
        expect({ changed: b.changed, unackedExist: b.unackedExist }, where)
          .toEqual({ changed: model.changed, unackedExist: model.unackedExist });
        if (after <= cap) expect(b.count, where).toBe(after);
        if (after > cap || i % 10 === 0) expectLike(b, model, where);
      }
      expect(failures).toBeGreaterThan(0);
      b.detach();
    }
  });

  it('lock-free checks and entries stay exact while a writer splits, merges and regrows the tree', async () => {
    const b = await createBadblocks({ kind: 'btree' });
    const valid = validator(b);
    // Runs no writer touches, far right of the writer's range: they move between leaves as
    // the writer's runs split and merge the nodes around them.
    const stable = new SectorModel();
    for (let k = 0; k < 200; k++) {
      expect(b.set(1e7 + k * 100, 10 + (k % 7), k % 3 !== 0)).toBe(true);
      stable.set(1e7 + k * 100, 10 + (k % 7), k % 3 !== 0);
    }
    const queries: [number, number][] = [];
    const r = rng(11);
    for (let q = 0; q < 400; q++) queries.push([1e7 + r(20_100), r(5) === 0 ? r(400) : r(12)]);
    const expected = queries.map(([s, n]) => stable.check(s, n));
    const stableEntries = stable.entries();
    // Workers cannot load .ts on Node 20: they use the built module (npm run build).
    const dist = new URL('../../../dist/src/badblocks/badblocks.js', import.meta.url).href;
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        const { attachBadblocks } = await import(workerData.dist);
        const { handle, role, queries, expected, stableEntries, control } = workerData;
        const ctl = new Int32Array(control);
        const bb = await attachBadblocks(handle);
        // Start together: [1] counts ready workers, the last one opens [2].
        if (Atomics.add(ctl, 1, 1) === 2) { Atomics.store(ctl, 2, 1); Atomics.notify(ctl, 2); }
        while (Atomics.load(ctl, 2) === 0) Atomics.wait(ctl, 2, 0, 20);
        let checks = 0, bad = 0, lists = 0, loops = 0, firstBad = null;
        if (role === 'writer') {
          let x = 12345;
          const rand = (n) => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % n; };
          // Short pauses (a wait on [3], which never changes) let the readers in between.
          for (let round = 0; round < 4; round++) {
            for (let i = 0; i < 6000; i++) {
              bb.set(rand(300000), 1 + rand(12), rand(3) !== 0);
              if (i % 16 === 0) Atomics.wait(ctl, 3, 0, 0.02);
            }
            for (let i = 0; i < 400; i++) bb.clear(rand(300000), rand(3000));
            bb.clear(0, 300000 - round * 80000);
          }
          Atomics.store(ctl, 0, 1);
        } else {
          while (Atomics.load(ctl, 0) === 0) {
            for (let q = 0; q < queries.length; q++) {
              const got = bb.check(queries[q][0], queries[q][1]);
              checks++;
              if (JSON.stringify(got) !== JSON.stringify(expected[q])) { bad++; firstBad ??= { q, got }; }
              // A query into the writer's range: any answer, but it must come back.
              const w = bb.check(queries[q][0] - 1e7 + 100000, queries[q][1]);
              if (w.rc !== 0 && w.rc !== 1 && w.rc !== -1) bad++;
            }
            if (++loops % 8 !== 1) continue;
            const e = bb.entries().filter((x) => x[0] >= 1e7);
            lists++;
            if (JSON.stringify(e) !== JSON.stringify(stableEntries)) { bad++; firstBad ??= { entries: e.length }; }
          }
        }
        bb.detach();
        parentPort.postMessage({ checks, bad, lists, firstBad });
      })();`;
    const control = new SharedArrayBuffer(16);
    const workers = ['writer', 'reader', 'reader'].map((role) => new Worker(code, {
      eval: true, workerData: { dist, handle: b.handle, role, queries, expected, stableEntries, control },
    }));
    const results = await Promise.all(workers.map((w) => new Promise<{ checks: number; bad: number; lists: number; firstBad: unknown }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    })));
    await Promise.all(workers.map((w) => w.terminate()));
    for (const res of results.slice(1)) {
      expect(res.firstBad).toBe(null);
      expect(res.bad).toBe(0);
      expect(res.checks).toBeGreaterThan(2000);
      expect(res.lists).toBeGreaterThan(5);
    }
    expect(valid()).toBe(0);
    expect(b.entries().filter((x) => x[0] >= 1e7)).toEqual(stableEntries);
    b.detach();
  });

  it('builds 1,000,000 runs', async () => {
    const b = await createBadblocks({ kind: 'btree' });
    const valid = validator(b);
    const r = rng(1);
    const runs = 1_000_000;
    const order = shuffle(Array.from({ length: runs }, (_, i) => i), r);
    for (const i of order) b.set(i * 4, 2, (i & 7) !== 0);
    expect(b.count).toBe(runs);
    expect(valid()).toBe(0);
    // Checks inside a few windows, against a model holding the runs of that window.
    for (const w0 of [0, 123_000, 999_000]) {
      const local = new SectorModel();
      for (let i = w0; i < w0 + 1000; i++) local.set(i * 4, 2, (i & 7) !== 0);
      for (let q = 0; q < 500; q++) {
        const s = w0 * 4 + r(3900);
        const n = r(6) === 0 ? r(90) : r(5);
        expect(b.check(s, n), `check ${s} ${n}`).toEqual(local.check(s, n));
      }
    }
    b.detach();
  });
});
