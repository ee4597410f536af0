/**
 * Property tests shared by the run kinds (itree, btree, bitmap): random operation sequences
 * (fixed seeds) against the per-sector model. After every operation the return value,
 * `changed`, `unackedExist` and `count` (= number of maximal runs) must equal the model's;
 * every few operations `entries()` (the maximal runs) and random checks are compared too.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { createBadblocks, type Badblocks } from '../../src/badblocks/badblocks.js';
import type { BadblocksKind } from '../../src/badblocks/kinds.js';
import { SectorModel } from './sector-model.js';

type Op =
  | { op: 'set'; s: number; n: number; acked: boolean }
  | { op: 'clear'; s: number; n: number }
  | { op: 'check'; s: number; n: number }
  | { op: 'ackAll' }
  | { op: 'clearChanged' };

/** Operations over [0, span) with lengths 0..maxLen: small spans give heavy overlap. */
export function opArb(span: number, maxLen: number): fc.Arbitrary<Op> {
  const s = fc.integer({ min: 0, max: span - 1 });
  const n = fc.integer({ min: 0, max: maxLen });
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('set' as const), s, n, acked: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('clear' as const), s, n }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('check' as const), s, n }) },
    { weight: 1, arbitrary: fc.constant({ op: 'ackAll' as const }) },
    { weight: 1, arbitrary: fc.constant({ op: 'clearChanged' as const }) },
  );
}

function expectSame(bb: Badblocks, model: SectorModel, where: string): void {
  expect({ changed: bb.changed, unackedExist: bb.unackedExist, count: bb.count }, where)
    .toEqual({ changed: model.changed, unackedExist: model.unackedExist, count: model.entries().length });
}

export async function runAgainstModel(kind: BadblocksKind, ops: Op[], bb?: Badblocks): Promise<void> {
  const b = bb ?? await createBadblocks({ kind });
  const model = new SectorModel();
  try {
    ops.forEach((o, i) => {
      const where = `op ${i} ${JSON.stringify(o)}`;
      switch (o.op) {
        case 'set': expect(b.set(o.s, o.n, o.acked), where).toBe(model.set(o.s, o.n, o.acked)); break;
        case 'clear': expect(b.clear(o.s, o.n), where).toBe(model.clear(o.s, o.n)); break;
        case 'check': expect(b.check(o.s, o.n), where).toEqual(model.check(o.s, o.n)); break;
        case 'ackAll': b.ackAll(); model.ackAll(); break;
        case 'clearChanged': b.clearChanged(); model.clearChanged(); break;
      }
      expectSame(b, model, where);
      if (i % 8 === 7) expect(b.entries(), where).toEqual(model.entries());
    });
    expect(b.entries()).toEqual(model.entries());
  } finally {
    if (!bb) b.detach();
  }
}

/** The standard battery: dense overlap, long runs over 512, sparse, all with fixed seeds. */
export async function checkRunKind(kind: BadblocksKind, numRuns = 40): Promise<void> {
  const profiles = [
    { name: 'small-dense', span: 256, maxLen: 64, len: 120, seed: 1 },
    { name: 'long-runs', span: 4096, maxLen: 1300, len: 80, seed: 2 },
    { name: 'boundary', span: 2048, maxLen: 520, len: 100, seed: 3 },
  ];
  for (const p of profiles) {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb(p.span, p.maxLen), { minLength: 1, maxLength: p.len }), async (ops) => {
        await runAgainstModel(kind, ops);
      }),
      { seed: p.seed, numRuns, endOnFailure: true },
    );
  }
}
