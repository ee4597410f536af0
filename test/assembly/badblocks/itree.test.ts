import { describe, it, expect } from 'vitest';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { createBadblocks, type Badblocks, type BadblocksEntry } from '../../../src/badblocks/badblocks.js';
import { attachShared, type ThreadContext } from '../../../src/core/shared.js';
import { SLOT_SCRATCH } from '../../../src/core/layout.js';
import { checkRunKind, runAgainstModel, opArb } from '../../badblocks/run-kind-properties.js';
import { SectorModel } from '../../badblocks/sector-model.js';
import { mulberry32 } from '../../../bench/lib/rng.js';

/** itree_validate() codes (assembly/badblocks/itree.ts V_*), named for failure messages. */
const VALIDATE_CODES = [
  'ok', 'index', 'parent', 'root-red', 'red-red', 'black-height', 'subtree-last', 'order',
  'not-maximal', 'run', 'count', 'unacked', 'free', 'depth',
] as const;

/** Calls the debug-only validator through the raw wasm exports of a second attachment. */
function withValidator<T>(bb: Badblocks, body: (validate: () => string, ctx: ThreadContext) => T): T {
  const ctx = attachShared(bb.handle);
  try {
    return body(() => VALIDATE_CODES[ctx.wasm.itree_validate(bb.base)] ?? `code ${ctx.wasm.itree_validate(bb.base)}`, ctx);
  } finally {
    ctx.detach();
  }
}

/** Seeded PRNG (mulberry32, shared with the benchmarks): the large tests need millions of draws, cheaper than fast-check. */
const rng = mulberry32;

function shuffled(n: number, rand: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

function state(bb: Badblocks): { entries: BadblocksEntry[]; changed: boolean; unackedExist: boolean; count: number } {
  return { entries: bb.entries(), changed: bb.changed, unackedExist: bb.unackedExist, count: bb.count };
}

function modelState(m: SectorModel): { entries: BadblocksEntry[]; changed: boolean; unackedExist: boolean; count: number } {
  const entries = m.entries();
  return { entries, changed: m.changed, unackedExist: m.unackedExist, count: entries.length };
}

describe('itree badblocks', () => {
  it('matches the per-sector model on random operation sequences (fixed seeds)', async () => {
    await checkRunKind('itree');
  });

  it('BB-5 an unacked set inside an acked run changes nothing, not even changed', async () => {
    const b = await createBadblocks({ kind: 'itree' });
    const m = new SectorModel();
    b.set(100, 16, true); m.set(100, 16, true);
    b.clearChanged(); m.clearChanged();
    expect(b.set(104, 4, false)).toBe(m.set(104, 4, false));
    expect(state(b)).toEqual(modelState(m));
    b.detach();
  });

  it('the numbered cases of the design comment give the model\'s runs', async () => {
    // One sequence per case picture in itree.ts, each checked against the model.
    const cases: Parameters<typeof runAgainstModel>[1][] = [
      [{ op: 'set', s: 0, n: 10, acked: true }, { op: 'set', s: 2, n: 4, acked: true }],                      // 1
      [{ op: 'set', s: 2, n: 4, acked: true }],                                                               // 2
      [{ op: 'set', s: 0, n: 3, acked: true }, { op: 'set', s: 4, n: 2, acked: false }, { op: 'set', s: 7, n: 2, acked: true },
        { op: 'set', s: 11, n: 2, acked: false }, { op: 'set', s: 2, n: 9, acked: true }],                    // 3
      [{ op: 'set', s: 0, n: 5, acked: false }, { op: 'set', s: 9, n: 5, acked: false }, { op: 'set', s: 2, n: 9, acked: true }], // 4
      [{ op: 'set', s: 0, n: 10, acked: false }, { op: 'set', s: 2, n: 4, acked: true }],                     // 5
      [{ op: 'set', s: 0, n: 10, acked: true }, { op: 'clearChanged' }, { op: 'set', s: 2, n: 4, acked: false }], // 6
      [{ op: 'set', s: 0, n: 2, acked: false }, { op: 'set', s: 4, n: 3, acked: true }, { op: 'set', s: 12, n: 2, acked: false },
        { op: 'set', s: 17, n: 1, acked: true }, { op: 'set', s: 1, n: 19, acked: false }],                   // 8
      [{ op: 'set', s: 0, n: 4, acked: true }, { op: 'clearChanged' }, { op: 'clear', s: 10, n: 4 }],         // 9
      [{ op: 'set', s: 0, n: 4, acked: true }, { op: 'set', s: 5, n: 2, acked: false }, { op: 'set', s: 8, n: 4, acked: true },
        { op: 'clear', s: 2, n: 8 }],                                                                         // 10
      [{ op: 'set', s: 0, n: 10, acked: false }, { op: 'clear', s: 2, n: 4 }],                                // 11
      [{ op: 'set', s: 0, n: 2, acked: false }, { op: 'set', s: 2, n: 3, acked: true }, { op: 'set', s: 5, n: 2, acked: false },
        { op: 'set', s: 9, n: 2, acked: false }, { op: 'clearChanged' }, { op: 'ackAll' }],                   // 12
    ];
    for (const ops of cases) await runAgainstModel('itree', ops);
  });

  it('runs longer than 512 sectors stay one entry, and lengths near 2^53 cost one node', async () => {
    await runAgainstModel('itree', [
      { op: 'set', s: 10, n: 5000, acked: true }, { op: 'check', s: 4000, n: 8 },
      { op: 'set', s: 5010, n: 1300, acked: true }, { op: 'set', s: 7000, n: 2000, acked: false },
      { op: 'clear', s: 8000, n: 1 }, { op: 'check', s: 6000, n: 3000 },
    ]);
    const b = await createBadblocks({ kind: 'itree' });
    b.set(0, 1300, true);
    expect(b.entries()).toEqual([[0, 1300, true]]);
    // Too long for the per-sector model: expected values from the per-sector rules (§1.3-§1.5).
    const big = 2 ** 53 - 20;
    expect(b.set(10, big, false)).toBe(true);
    expect(b.entries()).toEqual([[0, 1300, true], [1300, big + 10 - 1300, false]]);
    expect(b.check(2 ** 52, 8)).toEqual({ rc: -1, firstBad: 1300, badSectors: big + 10 - 1300 });
    expect(b.clear(2 ** 52, 1)).toBe(true);
    expect(b.entries()).toEqual([[0, 1300, true], [1300, 2 ** 52 - 1300, false], [2 ** 52 + 1, big + 10 - 2 ** 52 - 1, false]]);
    expect(b.count).toBe(3);
    b.detach();
  });

  it('red-black and interval invariants hold after every one of many random operations', async () => {
    const profiles = [
      { span: 4096, maxLen: 40, ops: 3000, seed: 11 },
      { span: 60000, maxLen: 700, ops: 3000, seed: 12 },
      { span: 512, maxLen: 8, ops: 3000, seed: 13 },
    ];
    for (const p of profiles) {
      const ops = fc.sample(opArb(p.span, p.maxLen), { seed: p.seed, numRuns: p.ops });
      const b = await createBadblocks({ kind: 'itree' });
      const m = new SectorModel();
      let peak = 0;
      withValidator(b, (validate) => {
        ops.forEach((o, i) => {
          const where = `seed ${p.seed} op ${i} ${JSON.stringify(o)}`;
          switch (o.op) {
            case 'set': expect(b.set(o.s, o.n, o.acked), where).toBe(m.set(o.s, o.n, o.acked)); break;
            case 'clear': expect(b.clear(o.s, o.n), where).toBe(m.clear(o.s, o.n)); break;
            case 'check': expect(b.check(o.s, o.n), where).toEqual(m.check(o.s, o.n)); break;
            case 'ackAll': b.ackAll(); m.ackAll(); break;
            case 'clearChanged': b.clearChanged(); m.clearChanged(); break;
          }
          expect(validate(), where).toBe('ok');
          peak = Math.max(peak, b.count);
          if (i % 50 === 49) expect(state(b), where).toEqual(modelState(m));
        });
      });
      expect(state(b)).toEqual(modelState(m));
      // The sequences must have built real trees, not a handful of nodes.
      expect(peak).toBeGreaterThan(p.span === 512 ? 30 : 100);
      b.detach();
    }
  });

  it('a 200,000-run tree built in random order validates and answers like the model', async () => {
    const rand = rng(200_000);
    const n = 200_000;
    const b = await createBadblocks({ kind: 'itree' });
    const m = new SectorModel();
    // Disjoint runs with gaps of 2..3 sectors; the first one inserted is unacked, so the model's
    // unacked_exist rescan stops at once (it walks its map in insertion order).
    const order = shuffled(n, rand);
    order.forEach((k, j) => {
      const len = 1 + (k % 2);
      const acked = j === 0 ? false : rand() < 0.5;
      expect(b.set(4 * k, len, acked)).toBe(m.set(4 * k, len, acked));
    });
    withValidator(b, (validate) => expect(validate()).toBe('ok'));
    expect(b.count).toBe(n);
    for (let q = 0; q < 4000; q++) {
      const s = Math.floor(rand() * 4 * n + 10) - 5;
      const len = Math.floor(rand() * 40);
      expect(b.check(Math.max(0, s), len), `check(${s}, ${len})`).toEqual(m.check(Math.max(0, s), len));
    }
    expect(b.entries()).toEqual(m.entries());
    // Mutations inside the big tree: merges, splits and erases with rebalancing.
    for (let q = 0; q < 300; q++) {
      const s = Math.floor(rand() * 4 * n);
      const len = 1 + Math.floor(rand() * 30);
      const r = rand();
      if (r < 0.4) expect(b.set(s, len, true)).toBe(m.set(s, len, true));
      else if (r < 0.7) expect(b.set(s, len, false)).toBe(m.set(s, len, false));
      else expect(b.clear(s, len)).toBe(m.clear(s, len));
    }
    withValidator(b, (validate) => expect(validate()).toBe('ok'));
    expect(state(b)).toEqual(modelState(m));
    b.detach();
  });

  it('arena full: clear needing a split and sets needing nodes fail and change nothing; merges still work', async () => {
    const b = await createBadblocks({ kind: 'itree', maxEntries: 3 });
    let m = new SectorModel();
    const ok = (what: () => boolean, model: (mm: SectorModel) => boolean): void => {
      const next = m.clone();
      expect(what()).toBe(model(next));
      m = next;
      expect(state(b)).toEqual(modelState(m));
    };
    const refused = (what: () => boolean): void => {
      expect(what()).toBe(false);
      expect(state(b)).toEqual(modelState(m)); // nothing changed, `changed` included
    };
    ok(() => b.set(10, 5, true), (x) => x.set(10, 5, true));
    ok(() => b.set(30, 5, false), (x) => x.set(30, 5, false));
    ok(() => b.set(50, 5, true), (x) => x.set(50, 5, true));
    b.clearChanged(); m.clearChanged();
    refused(() => b.set(70, 5, true));           // a fourth run
    refused(() => b.clear(31, 2));               // §1.5: split on a full structure
    refused(() => b.set(32, 1, true));           // case 5 needs two nodes
    ok(() => b.set(15, 5, true), (x) => x.set(15, 5, true));    // extension: no node needed
    refused(() => b.set(33, 2, true));           // case 4 here leaves four runs
    ok(() => b.set(30, 5, true), (x) => x.set(30, 5, true));    // a whole run changes ack in place
    ok(() => b.set(20, 30, true), (x) => x.set(20, 30, true));  // case 3 merges all three
    ok(() => b.set(70, 5, false), (x) => x.set(70, 5, false));  // the freed nodes are reused
    ok(() => b.clear(12, 2), (x) => x.clear(12, 2));            // a split now fits
    refused(() => b.clear(40, 1));
    withValidator(b, (validate) => expect(validate()).toBe('ok'));
    b.detach();
  });

  it('arena full: an operation succeeds iff the runs it leaves fit the arena (random, vs the model)', async () => {
    for (const [cap, seed] of [[1, 21], [4, 22], [8, 23]] as const) {
      const ops = fc.sample(opArb(300, 40), { seed, numRuns: 1500 });
      const b = await createBadblocks({ kind: 'itree', maxEntries: cap });
      let m = new SectorModel();
      let refusals = 0;
      withValidator(b, (validate) => {
        ops.forEach((o, i) => {
          const where = `cap ${cap} op ${i} ${JSON.stringify(o)}`;
          if (o.op === 'set' || o.op === 'clear') {
            const next = m.clone();
            const want = o.op === 'set' ? next.set(o.s, o.n, o.acked) : next.clear(o.s, o.n);
            const got = o.op === 'set' ? b.set(o.s, o.n, o.acked) : b.clear(o.s, o.n);
            if (next.entries().length > cap) {
              refusals++;
              expect(got, where).toBe(false);
            } else {
              expect(got, where).toBe(want);
              m = next;
            }
          } else if (o.op === 'check') {
            expect(b.check(o.s, o.n), where).toEqual(m.check(o.s, o.n));
          } else if (o.op === 'ackAll') {
            b.ackAll(); m.ackAll();
          } else {
            b.clearChanged(); m.clearChanged();
          }
          expect(state(b), where).toEqual(modelState(m));
          expect(validate(), where).toBe('ok');
        });
      });
      expect(refusals).toBeGreaterThan(20);
      b.detach();
    }
  });

  it('a 1,000,000-run tree builds, validates and answers checks', async () => {
    const n = 1_000_000;
    const rand = rng(1_000_000);
    const b = await createBadblocks({ kind: 'itree' });
    const m = new SectorModel();
    // The first run inserted is unacked, so the model's unacked_exist rescan stops at once.
    let mismatches = 0;
    for (const k of shuffled(n, rand)) {
      const acked = k % 3 !== 0 && m.bad.size > 0;
      if (b.set(3 * k, 1 + (k % 2), acked) !== m.set(3 * k, 1 + (k % 2), acked)) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(b.count).toBe(n);
    withValidator(b, (validate) => expect(validate()).toBe('ok'));
    for (let q = 0; q < 2000; q++) {
      const s = Math.floor(rand() * 3 * n);
      const len = Math.floor(rand() * 10);
      expect(b.check(s, len), `check(${s}, ${len})`).toEqual(m.check(s, len));
    }
    b.detach();
  });

  it('readers end on a corrupted arena (cycles, wild links) without trapping', async () => {
    const cap = 64;
    const nodeAddr = (bb: Badblocks, i: number): number => bb.base + 128 + i * 64;
    // Targeted: a right link into a node whose left link is itself, so an in-order successor
    // walk would descend forever without its step bound.
    for (let seed = 0; seed < 12; seed++) {
      const r = rng(1000 + seed);
      const bb = await createBadblocks({ kind: 'itree', maxEntries: cap });
      for (let k = 0; k < 40; k++) bb.set(10 * k, 3, k % 3 !== 0);
      const i = 1 + Math.floor(r() * 40);
      const j = 1 + Math.floor(r() * 40);
      const results = await runProbes(bb, [{
        writes: [[nodeAddr(bb, i) + 4, 4, j], [nodeAddr(bb, j), 4, j]],
        calls: [['entries', 0, 1000], ['check', 0, 400], ['entries', 10 * i, 1000]],
      }]);
      expect(results[0]).toBeLessThanOrEqual(1000);
      expect([0, 1, -1]).toContain(results[1]);
      withValidator(bb, (validate) => expect(validate()).not.toBe('ok'));
      bb.detach();
    }
    // Random scribbles over links, keys and subtree_last, as a torn read might see them.
    const b = await createBadblocks({ kind: 'itree', maxEntries: cap });
    for (let k = 0; k < 40; k++) b.set(10 * k, 3, k % 2 === 0);
    const rand = rng(7);
    const link = (): number => (rand() < 0.9 ? Math.floor(rand() * (cap + 1)) : Math.floor(rand() * 2 ** 32));
    const probes: Probe[] = [];
    for (let round = 0; round < 50; round++) {
      const writes: Probe['writes'] = [];
      for (let w = 0; w < 20; w++) {
        const i = 1 + Math.floor(rand() * cap);
        const field = Math.floor(rand() * 5);
        if (field < 3) writes.push([nodeAddr(b, i) + field * 4, 4, field === 2 ? (link() * 2) % 2 ** 32 : link()]);
        else writes.push([nodeAddr(b, i) + 16 + (field - 3) * 24, 8, Math.floor(rand() * 500)]);
      }
      if (round % 10 === 0) writes.push([nodeAddr(b, 1), 4, 1]); // a self-loop
      const calls: Probe['calls'] = [];
      for (let q = 0; q < 50; q++) {
        calls.push(['check', Math.floor(rand() * 500), Math.floor(rand() * 50)]);
        calls.push(['entries', Math.floor(rand() * 400), 100]);
      }
      probes.push({ writes, calls });
    }
    const results = await runProbes(b, probes);
    expect(results).toHaveLength(50 * 100);
    results.forEach((v, k) => {
      if (k % 2 === 0) expect([0, 1, -1]).toContain(v);
      else expect(v).toBeLessThanOrEqual(100);
    });
    withValidator(b, (validate) => expect(validate()).not.toBe('ok'));
    b.detach();
  });

  it('lock-free readers in another thread always see a whole state while a writer rotates the tree', async () => {
    const b = await createBadblocks({ kind: 'itree' });
    // Static runs the reader probes: their answer never changes.
    const statics: [number, number, boolean][] = [];
    for (let k = 0; k < 4000; k++) {
      const run: [number, number, boolean] = [100 * k, 5, k % 2 === 0];
      statics.push(run);
      b.set(run[0], run[1], run[2]);
    }
    const done = new Int32Array(new SharedArrayBuffer(4));
    const { module, memory } = b.handle;
    const worker = new Worker(READER_SRC, {
      eval: true,
      workerData: { module, memory, base: b.base, scratch: SLOT_SCRATCH, statics, iterations: 200_000, done },
    });
    const result = new Promise<{ checks: number; wrong: string[] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    // The writer: insert and remove runs in the gaps (never touching a static run), which
    // rotates and recolours all over the tree, and sometimes clear + restore a static run's
    // neighbourhood entirely outside it.
    const rand = rng(99);
    let writes = 0;
    const deadline = Date.now() + 20_000;
    while (Atomics.load(done, 0) === 0 && Date.now() < deadline) {
      const k = Math.floor(rand() * 4000);
      const s = 100 * k + 10 + Math.floor(rand() * 70);
      const len = 1 + Math.floor(rand() * 10);
      b.set(s, len, rand() < 0.5);
      b.clear(s, len);
      writes++;
    }
    const { checks, wrong } = await result;
    await worker.terminate();
    expect(wrong).toEqual([]);
    expect(checks).toBeGreaterThan(0);
    expect(writes).toBeGreaterThan(100);
    withValidator(b, (validate) => expect(validate()).toBe('ok'));
    expect(b.entries()).toEqual(statics);
    b.detach();
  });
});

/**
 * The reader thread (plain JS: a worker cannot load .ts on Node 20). It instantiates the module
 * on the shared memory, attaches, and checks random static runs with badblocks_check; every
 * answer must be that run, whole, whatever the writer is doing.
 */
const READER_SRC = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, base, scratch, statics, iterations, done } = workerData;
const inst = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm abort'); } } });
const w = inst.exports;
const tid = w.attach();
if (tid < 0) throw new Error('attach failed: ' + tid);
const out = new Float64Array(memory.buffer, (w.thread_slot() >>> 0) + scratch, 2);
let seed = 12345;
const rand = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 4294967296; };
const wrong = [];
let checks = 0;
for (let i = 0; i < iterations && wrong.length < 10; i++) {
  const [s, n, acked] = statics[Math.floor(rand() * statics.length)];
  const qs = s + Math.floor(rand() * n);
  const rc = w.badblocks_check(base, qs, 1 + Math.floor(rand() * (s + n - qs)));
  checks++;
  if (rc !== (acked ? 1 : -1) || out[0] !== s || out[1] !== n) {
    wrong.push('check in [' + s + ',' + n + '): rc ' + rc + ' first ' + out[0] + ' len ' + out[1]);
  }
}
w.detach();
Atomics.store(done, 0, 1);
parentPort.postMessage({ checks, wrong });
`;

/** Raw stores into the shared memory, then raw reader calls, run by runProbes() in a worker. */
interface Probe {
  writes: [addr: number, bytes: 4 | 8, value: number][];
  calls: [op: 'check' | 'entries', a: number, b: number][];
}

/**
 * Runs `probes` in a worker thread, so that a reader that never ends fails the test (timeout,
 * worker terminated) instead of hanging it, and a wasm trap (a read outside memory) rejects.
 * Returns each call's result: check's rc, entries' count.
 */
function runProbes(bb: Badblocks, probes: Probe[], timeoutMs = 20_000): Promise<number[]> {
  const worker = new Worker(PROBE_SRC, { eval: true, workerData: { ...bb.handle, base: bb.base, probes } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`a reader did not end within ${timeoutMs} ms`));
    }, timeoutMs);
    worker.once('message', (m: number[]) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

const PROBE_SRC = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, base, probes } = workerData;
const w = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm abort'); } } }).exports;
if (w.attach() < 0) throw new Error('attach failed');
const dv = new DataView(memory.buffer);
const io = w.thread_iobuf() >>> 0;
const out = [];
for (const p of probes) {
  for (const [addr, bytes, v] of p.writes) {
    if (bytes === 4) dv.setUint32(addr, v, true); else dv.setBigUint64(addr, BigInt(v), true);
  }
  for (const [op, a, b] of p.calls) {
    out.push(op === 'check' ? w.badblocks_check(base, a, b) : (w.badblocks_entries(base, a, io, b) >>> 0));
  }
}
w.detach();
parentPort.postMessage(out);
`;
