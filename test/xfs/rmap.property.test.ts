/**
 * Property test of the reverse map (fast-check, fixed seeds): random insert / remove / query
 * / clear sequences over two small devices against a per-page model (a Map from device page
 * to its owner and file page). After every step:
 *
 *   - the records equal the model's maximal runs (same owner, touching on the device and,
 *     for a file, continuing in the file), so they are sorted, non-overlapping and
 *     maximally merged; check() finds nothing wrong;
 *   - an insert overlapping a used page throws RangeError and changes nothing;
 *   - an insert or remove returns false, changing nothing, exactly when the result would
 *     need more records than the capacity;
 *   - a query visits exactly the model's runs overlapping the range.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { OWNER_LOG, OWNER_META, isNonInodeOwner } from '../../src/xfs/rmap-region.js';
import type { Rmap, RmapRecord } from '../../src/xfs/rmap.js';
import { makeRmap, rec } from './helpers.js';

const DEVICES = [64, 48];
const OWNERS = [0, 1, 2, OWNER_META, OWNER_LOG];

/** Per device: page -> [owner, file page]. */
type Model = Map<number, [number, number]>[];

type Op =
  | { t: 'insert'; dev: number; start: number; pages: number; owner: number; shift: number }
  | { t: 'remove'; dev: number; start: number; pages: number }
  | { t: 'query'; dev: number; start: number; pages: number }
  | { t: 'clear'; dev: number };

const range = (dev: number, maxLen: number): fc.Arbitrary<{ start: number; pages: number }> =>
  fc.nat(DEVICES[dev]! - 1).chain((start) => fc.integer({ min: 1, max: Math.min(maxLen, DEVICES[dev]! - start) }).map((pages) => ({ start, pages })));

const opArb: fc.Arbitrary<Op> = fc.nat(1).chain((dev) => fc.oneof(
  // file page = device page + shift: two inserts of one owner with the same shift continue each other when they touch
  { arbitrary: fc.record({ r: range(dev, 8), owner: fc.constantFrom(...OWNERS), shift: fc.constantFrom(0, 0, 3) }).map(({ r, owner, shift }): Op => ({ t: 'insert', dev, ...r, owner, shift })), weight: 6 },
  { arbitrary: range(dev, 12).map((r): Op => ({ t: 'remove', dev, ...r })), weight: 3 },
  { arbitrary: range(dev, 20).map((r): Op => ({ t: 'query', dev, ...r })), weight: 2 },
  { arbitrary: fc.constant<Op>({ t: 'clear', dev }), weight: 1 },
));

/** The model's maximal runs on `dev`: what the records must be. */
function runs(model: Model, dev: number): RmapRecord[] {
  const out: RmapRecord[] = [];
  const pages = [...model[dev]!.keys()].sort((a, b) => a - b);
  for (const p of pages) {
    const [owner, fo] = model[dev]!.get(p)!;
    const last = out[out.length - 1];
    if (last !== undefined && last.owner === owner && last.startPage + last.pages === p &&
        (isNonInodeOwner(owner) || last.fileOffsetPages + last.pages === fo)) {
      out[out.length - 1] = { ...last, pages: last.pages + 1 };
    } else {
      out.push(rec(dev, p, 1, owner, fo));
    }
  }
  return out;
}

const total = (model: Model): number => DEVICES.reduce((a, _, d) => a + runs(model, d).length, 0);
const clone = (model: Model): Model => model.map((m) => new Map(m));

function expectSame(rmap: Rmap, model: Model): void {
  DEVICES.forEach((_, d) => expect(rmap.records(d)).toEqual(runs(model, d)));
  expect(rmap.count).toBe(total(model));
  expect(rmap.check()).toEqual([]);
}

function step(rmap: Rmap, model: Model, op: Op, capacity: number): Model {
  const m = model[op.dev]!;
  switch (op.t) {
    case 'insert': {
      const fo = isNonInodeOwner(op.owner) ? 0 : op.start + op.shift;
      const r = rec(op.dev, op.start, op.pages, op.owner, fo);
      let used = false;
      for (let p = op.start; p < op.start + op.pages; p++) used ||= m.has(p);
      if (used) {
        expect(() => rmap.insert(r)).toThrow(RangeError);
        return model;
      }
      const next = clone(model);
      for (let p = 0; p < op.pages; p++) next[op.dev]!.set(op.start + p, [op.owner, isNonInodeOwner(op.owner) ? 0 : fo + p]);
      const fits = total(next) <= capacity;
      expect(rmap.insert(r)).toBe(fits);
      return fits ? next : model;
    }
    case 'remove': {
      const next = clone(model);
      for (let p = op.start; p < op.start + op.pages; p++) next[op.dev]!.delete(p);
      const fits = total(next) <= capacity;
      expect(rmap.remove(op.dev, op.start, op.pages)).toBe(fits);
      return fits ? next : model;
    }
    case 'query': {
      const want = runs(model, op.dev).filter((r) => r.startPage < op.start + op.pages && op.start < r.startPage + r.pages);
      const seen: RmapRecord[] = [];
      expect(rmap.query(op.dev, op.start, op.pages, (r) => { seen.push(r); })).toBe(want.length);
      expect(seen).toEqual(want);
      return model;
    }
    case 'clear': {
      expect(rmap.clear(op.dev)).toBe(runs(model, op.dev).length);
      const next = clone(model);
      next[op.dev]!.clear();
      return next;
    }
  }
}

describe('rmap against a per-page model (fast-check, fixed seeds)', () => {
  for (const { capacity, seed } of [{ capacity: 6, seed: 0x726d6170 }, { capacity: 64, seed: 42 }]) {
    it(`capacity ${capacity}: records equal the model's maximal runs after every step`, () => {
      fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 120, size: 'max' }), (ops) => {
        const { rmap, ctx } = makeRmap(capacity, DEVICES);
        let model: Model = DEVICES.map(() => new Map());
        try {
          for (const op of ops) {
            model = step(rmap, model, op, capacity);
            expectSame(rmap, model);
          }
        } finally {
          ctx.detach();
        }
      }), { seed, numRuns: 150, endOnFailure: true });
    });
  }
});
