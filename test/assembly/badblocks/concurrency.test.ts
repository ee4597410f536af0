/**
 * Readers racing a writer (issue: "every answer a reader got must be one that some consistent
 * state could give"). A writer thread applies a fixed random op sequence and bumps an epoch after each op; two reader threads check a fixed set of queries and
 * record the epochs around each check. Afterwards the same ops are replayed on one thread,
 * recording every query's answer in every state; each recorded answer must equal the answer
 * of a state the check could have seen: at least `before` ops applied (the epoch lags the
 * writer by at most the op in progress) and at most `after + 1`.
 */
import { describe, it, expect } from 'vitest';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { createBadblocks, type Badblocks } from '../../../src/badblocks/badblocks.js';
import { ALL_BADBLOCKS_KINDS, isTableKind, type BadblocksKind } from '../../../src/badblocks/kinds.js';

type Op = ['set', number, number, boolean] | ['clear', number, number];
const WORKER = fileURLToPath(new URL('./fixtures/bb-concurrency-worker.mjs', import.meta.url));

function opSequence(seed: number, count: number): Op[] {
  let x = seed;
  const rand = (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  const ops: Op[] = [];
  for (let i = 0; i < count; i++) {
    const s = rand(2000);
    const n = 1 + rand(700);
    ops.push(rand(3) === 0 ? ['clear', s, n] : ['set', s, n, rand(2) === 0]);
  }
  return ops;
}

const QUERIES: [number, number][] = Array.from({ length: 24 }, (_, i) => [i * 97, 1 + ((i * 37) % 300)]);

function apply(bb: Badblocks, o: Op): void {
  if (o[0] === 'set') bb.set(o[1], o[2], o[3]);
  else bb.clear(o[1], o[2]);
}

async function race(kind: BadblocksKind): Promise<void> {
  // A table large enough never to fill: fullness is not what this test is about.
  const opts = isTableKind(kind) ? { kind, maxEntries: 8192 } : { kind };
  const bb = await createBadblocks(opts);
  const ops = opSequence(7, 1000);
  const control = new SharedArrayBuffer(32);
  const ctl = new Int32Array(control);
  const workers = [
    new Worker(WORKER, { workerData: { handle: bb.handle, role: 'writer', ops, queries: QUERIES, control, maxRecords: 0 } }),
    ...[0, 1].map(() => new Worker(WORKER, { workerData: { handle: bb.handle, role: 'reader', ops: [], queries: QUERIES, control, maxRecords: 200_000 } })),
  ];
  const done = workers.map((w) => new Promise<{ records: number[][] }>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  }));
  while (Atomics.load(ctl, 0) < workers.length) await new Promise((r) => setTimeout(r, 5));
  Atomics.store(ctl, 1, 1);
  Atomics.notify(ctl, 1);
  const results = await Promise.all(done);
  await Promise.all(workers.map((w) => w.terminate()));

  // Every query's answer in every state 0..ops.length, on one thread.
  const ref = await createBadblocks(opts);
  const answers: string[][] = [];
  const snapshot = (): string[] => QUERIES.map(([s, n]) => {
    const r = ref.check(s, n);
    return r.rc === 0 ? '0' : `${r.rc},${r.firstBad},${r.badSectors}`;
  });
  answers.push(snapshot());
  for (const o of ops) {
    apply(ref, o);
    answers.push(snapshot());
  }
  expect(bb.entries()).toEqual(ref.entries());

  let checked = 0;
  let overlapped = 0;
  for (const { records } of results.slice(1)) {
    for (const [q, rc, first, len, before, after] of records as [number, number, number, number, number, number][]) {
      const got = rc === 0 ? '0' : `${rc},${first},${len}`;
      const hi = Math.min(after + 1, ops.length);
      let ok = false;
      for (let i = before; i <= hi && !ok; i++) ok = answers[i]![q] === got;
      expect(ok, `query ${q} got ${got} between states ${before} and ${hi}`).toBe(true);
      checked++;
      if (after > before) overlapped++;
    }
  }
  // The test means something only if checks really ran during updates.
  expect(checked).toBeGreaterThan(1000);
  expect(overlapped).toBeGreaterThan(20);
  bb.detach();
  ref.detach();
}

describe('badblocks readers racing a writer', () => {
  // table-legacy too: its answers are wrong by design, but a reader must still see a
  // consistent state of them (same seqlock + mutex protocol).
  for (const kind of ALL_BADBLOCKS_KINDS) {
    it(`${kind}: every check answer matches a consistent state`, async () => {
      await race(kind);
    });
  }
});
