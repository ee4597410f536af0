/**
 * Failure-range translation between a dm device and its members (reference §6.5, §6.1):
 * worked examples both ways and a fast-check property (fixed seed) that the two are
 * inverses on every covered byte.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createDm, type DmDevice } from '../../src/dm/device.js';
import { dmMemberRanges, dmRangesOfMember } from '../../src/dm/failure.js';
import type { DmTargetSpec } from '../../src/dm/table.js';
import type { Namespace } from '../../src/nvdimm/namespace.js';
import { named, threeNamespaces, type DmSetup } from './helpers.js';

describe('dm <-> member ranges (§6.5)', () => {
  it('§6.5 stripe chunk 16 (8 KiB) over pmem0 and pmem1 from sector 128: dm bytes [4096, 20480) -> three pieces', async () => {
    const s = await threeNamespaces();
    const dm = createDm('st', [{ type: 'stripe', devs: [s.pmem0, { dev: s.pmem1, start: 128 }], chunk: 16 }]);
    // chunk 0 [0, 8192) -> pmem0 [0, 8192): the part [4096, 8192)
    // chunk 1 [8192, 16384) -> pmem1 member chunk 0 = byte 128*512 = 65536
    // chunk 2 [16384, 24576) -> pmem0 member chunk 1 = byte 8192: the part [16384, 20480) -> [8192, 12288)
    // (pmem0's two pieces are contiguous on pmem0 but not adjacent in dm order: not merged)
    expect(named(dmMemberRanges(dm, 4096, 16384))).toEqual([
      { ns: 'pmem0', offset: 4096, len: 4096 },
      { ns: 'pmem1', offset: 65536, len: 8192 },
      { ns: 'pmem0', offset: 8192, len: 4096 },
    ]);
  });

  it('§6.5 the reverse: one dm range per member chunk, sorted', async () => {
    const s = await threeNamespaces();
    const dm = createDm('st', [{ type: 'stripe', devs: [s.pmem0, { dev: s.pmem1, start: 128 }], chunk: 16 }]);
    // pmem0 [0, 16384) = member chunks 0 and 1 = dm chunks 0 and 2
    expect(dmRangesOfMember(dm, s.pmem0, 0, 16384)).toEqual([{ offset: 0, len: 8192 }, { offset: 16384, len: 8192 }]);
    // pmem1 [65536 + 100, +8192): member chunk 0 from byte 100 -> dm chunk 1 at 8192 + 100, 8092 B;
    // member chunk 1's first 100 B -> dm chunk 3 at 24576
    expect(dmRangesOfMember(dm, s.pmem1, 65536 + 100, 8192)).toEqual([{ offset: 8292, len: 8092 }, { offset: 24576, len: 100 }]);
    // bytes before pmem1's start are not in the table
    expect(dmRangesOfMember(dm, s.pmem1, 0, 65536)).toEqual([]);
    expect(dmRangesOfMember(dm, s.pmem2, 0, 4096)).toEqual([]);
  });

  it('§6.5 linear targets that continue each other on one member merge both ways', async () => {
    const s = await threeNamespaces();
    const dm = createDm('lin', [{ type: 'linear', dev: s.pmem0, start: 0, len: 16 }, { type: 'linear', dev: s.pmem0, start: 16, len: 16 }]);
    expect(named(dmMemberRanges(dm, 0, 16384))).toEqual([{ ns: 'pmem0', offset: 0, len: 16384 }]);
    expect(dmRangesOfMember(dm, s.pmem0, 1000, 10000)).toEqual([{ offset: 1000, len: 10000 }]);
  });

  it('§6.5 error-target bytes have no member: left out', async () => {
    const s = await threeNamespaces();
    const dm = createDm('err', [
      { type: 'linear', dev: s.pmem0, start: 8, len: 16 },
      { type: 'error', len: 16 },
      { type: 'linear', dev: s.pmem1, start: 0, len: 16 },
    ]);
    // dm [4096, 20480): pmem0 [8*512 + 4096, +4096), error [8192, 16384), pmem1 [0, 4096)
    expect(named(dmMemberRanges(dm, 4096, 16384))).toEqual([{ ns: 'pmem0', offset: 8192, len: 4096 }, { ns: 'pmem1', offset: 0, len: 4096 }]);
    expect(dmMemberRanges(dm, 8192, 8192)).toEqual([]);
    expect(dmRangesOfMember(dm, s.pmem1, 0, 8192)).toEqual([{ offset: 16384, len: 8192 }]);
  });

  it('DESIGN.md "Bad input": both directions name the argument, the value and the allowed range', async () => {
    const s = await threeNamespaces();
    const dm = createDm('b', [{ type: 'linear', dev: s.pmem0, start: 0, len: 16 }]);
    expect(() => dmMemberRanges(dm, 8193, 0)).toThrow('dmOffsetBytes must be an integer byte offset in [0, 8192] (dm device b holds 8192 bytes), got 8193');
    expect(() => dmMemberRanges(dm, 4096, 4097)).toThrow(
      'lenBytes must be an integer byte count in [0, 4096] (dmOffsetBytes 4096 + lenBytes must stay inside dm device b\'s 8192 bytes), got 4097');
    expect(() => dmRangesOfMember(dm, {} as Namespace, 0, 1)).toThrow('ns must be a Namespace, got a Object');
    expect(() => dmRangesOfMember(dm, s.pmem0, -1, 1)).toThrow(/^nsOffsetBytes must be an integer byte offset in \[0, 6291456\] \(namespace pmem0 holds 6291456 data bytes\), got -1$/);
  });
});

// ---- property: the two directions are inverses on covered bytes ----

type Iv = [number, number];

/** Sorted, merged half-open intervals. */
function norm(ivs: Iv[]): Iv[] {
  const out: Iv[] = [];
  for (const [a, b] of ivs.filter(([a, b]) => a < b).sort((u, v) => u[0] - v[0])) {
    const last = out[out.length - 1];
    if (last && last[1] >= a) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function intersect(ivs: Iv[], [a, b]: Iv): Iv[] {
  return norm(ivs.map(([x, y]): Iv => [Math.max(x, a), Math.min(y, b)]));
}

type TSpec =
  | { type: 'linear'; ns: number; gap: number; pages: number }
  | { type: 'stripe'; devs: { ns: number; gap: number }[]; chunkShift: number; chunksPerMember: number }
  | { type: 'error'; pages: number };

const targetArb: fc.Arbitrary<TSpec> = fc.oneof(
  fc.record({ type: fc.constant('linear' as const), ns: fc.nat(2), gap: fc.nat(3), pages: fc.integer({ min: 1, max: 6 }) }),
  fc.record({
    type: fc.constant('stripe' as const),
    devs: fc.array(fc.record({ ns: fc.nat(2), gap: fc.nat(2) }), { minLength: 2, maxLength: 3 }),
    chunkShift: fc.integer({ min: 3, max: 5 }),
    chunksPerMember: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ type: fc.constant('error' as const), pages: fc.integer({ min: 1, max: 3 }) }),
);

/** A valid table: each namespace's ranges are handed out from a cursor, so they never overlap. */
function build(s: DmSetup, specs: TSpec[]): { dm: DmDevice; mapped: Map<Namespace, Iv[]>; errors: Iv[] } {
  const nss = [s.pmem0, s.pmem1, s.pmem2];
  const cursor = [0, 0, 0];
  const mapped = new Map<Namespace, Iv[]>(nss.map((n) => [n, []]));
  const errors: Iv[] = [];
  const targets: DmTargetSpec[] = [];
  let begin = 0;
  for (const t of specs) {
    if (t.type === 'linear') {
      const start = cursor[t.ns]! + t.gap * 8;
      const len = t.pages * 8;
      cursor[t.ns] = start + len;
      mapped.get(nss[t.ns]!)!.push([start * 512, (start + len) * 512]);
      targets.push({ type: 'linear', dev: nss[t.ns]!, start, len });
      begin += len;
    } else if (t.type === 'stripe') {
      const chunk = 2 ** t.chunkShift;
      const width = chunk * t.chunksPerMember;
      const devs = t.devs.map((d) => {
        const start = cursor[d.ns]! + d.gap * 8;
        cursor[d.ns] = start + width;
        mapped.get(nss[d.ns]!)!.push([start * 512, (start + width) * 512]);
        return { dev: nss[d.ns]!, start };
      });
      targets.push({ type: 'stripe', devs, chunk, len: width * devs.length });
      begin += width * devs.length;
    } else {
      errors.push([begin * 512, (begin + t.pages * 8) * 512]);
      targets.push({ type: 'error', len: t.pages * 8 });
      begin += t.pages * 8;
    }
  }
  return { dm: createDm('prop', targets), mapped, errors };
}

/** [a, b) minus the error intervals. */
function minus([a, b]: Iv, holes: Iv[]): Iv[] {
  const out: Iv[] = [];
  let at = a;
  for (const [x, y] of norm(holes)) {
    if (y <= at || x >= b) continue;
    if (x > at) out.push([at, x]);
    at = Math.max(at, y);
  }
  if (at < b) out.push([at, b]);
  return norm(out);
}

describe('inverse property (fast-check, fixed seed)', () => {
  it('§6.5 dm -> members -> dm gives back the covered part of the range; members -> dm -> members gives back the mapped part', async () => {
    const s = await threeNamespaces();
    await fc.assert(fc.property(
      fc.array(targetArb, { minLength: 1, maxLength: 5 }),
      fc.nat(), fc.nat(), fc.nat(2), fc.nat(), fc.nat(),
      (specs, r1, r2, which, r3, r4) => {
        const { dm, mapped, errors } = build(s, specs);
        // dm range -> member ranges -> dm ranges
        const off = r1 % (dm.dataBytes + 1);
        const len = r2 % (dm.dataBytes - off + 1);
        const back: Iv[] = [];
        for (const m of dmMemberRanges(dm, off, len)) {
          expect(m.len).toBeGreaterThan(0);
          for (const d of dmRangesOfMember(dm, m.ns, m.offset, m.len)) back.push([d.offset, d.offset + d.len]);
        }
        expect(norm(back)).toEqual(minus([off, off + len], errors));
        // member range -> dm ranges -> member ranges
        const ns = [s.pmem0, s.pmem1, s.pmem2][which]!;
        const span = 2048 * 512; // beyond every cursor the generator can reach (5 targets * 336 sectors at most)
        const mOff = r3 % span;
        const mLen = r4 % (span - mOff + 1);
        const forth: Iv[] = [];
        const ranges = dmRangesOfMember(dm, ns, mOff, mLen);
        ranges.forEach((d, i) => {
          if (i > 0) expect(d.offset).toBeGreaterThan(ranges[i - 1]!.offset + ranges[i - 1]!.len - 1);
          for (const m of dmMemberRanges(dm, d.offset, d.len)) {
            expect(m.ns.name).toBe(ns.name);
            forth.push([m.offset, m.offset + m.len]);
          }
        });
        expect(norm(forth)).toEqual(intersect(norm(mapped.get(ns)!), [mOff, mOff + mLen]));
      },
    ), { seed: 0xd11, numRuns: 300 });
  });
});
