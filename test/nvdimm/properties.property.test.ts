/**
 * Invariants of the poison stack under random operation sequences (fast-check, fixed seeds):
 *
 * 1. firmware error list ⊆ hardware poison: every line a firmware record touches is
 *    poisoned (injection poisons what it records, scrubs record what is poisoned, clears and
 *    uninjects forget what they clean). It holds on a legacy bus too: its clears touch
 *    neither (N-6).
 * 2. after a long scrub, badblocks ⊇ firmware list (sectors rounded outward) unless the
 *    structure refused ranges, which populate then counts (E-6);
 * 3. partial clears leave pmem->bb conservative: a sector leaves the namespace bb only when
 *    none of its lines is poisoned any more (P-6, D-10). Not on a legacy bus, whose clears
 *    pretend (N-6);
 * 4. block reads never deliver poisoned bytes: no line of the delivered bytes is poisoned,
 *    and the bytes equal a plain model of what was written (a firmware clear turns the
 *    poisoned lines it cleans into zeros; an uninject leaves their content).
 */
import { it, expect } from 'vitest';
import fc from 'fast-check';
import { BADBLOCKS_KINDS } from './helpers.js';
import { createSystem, type System } from '../../src/nvdimm/system.js';
import type { Namespace } from '../../src/nvdimm/namespace.js';
import { injectError, uninjectError } from '../../src/nvdimm/inject.js';
import { scrub } from '../../src/nvdimm/ars.js';
import { nvdimmClearPoison } from '../../src/nvdimm/clear.js';
import { pmemRead, pmemWrite } from '../../src/pmem/block.js';
import { daxRecoveryWrite, daxZeroPageRange } from '../../src/dax/super.js';
import type { BadblocksKind } from '../../src/badblocks/kinds.js';
import { badblocksSectors, firmwareNotInBadblocks, firmwareNotPoisoned } from '../../src/nvdimm/invariants.js';

/** Operations stay in the first SPAN_SECTORS sectors of the data so that they interact. */
const SPAN_SECTORS = 32;
const SPAN = SPAN_SECTORS * 512;
const LINE = 64;

type Op =
  | { op: 'inject'; block: number; count: number; notify: boolean; saturate: boolean }
  | { op: 'uninject'; block: number; count: number }
  | { op: 'latent'; offset: number; len: number }
  | { op: 'scrub'; short: boolean }
  | { op: 'clear'; units: number; count: number }
  | { op: 'write'; sector: number; sectors: number; seed: number }
  | { op: 'read'; sector: number; sectors: number }
  | { op: 'recovery'; pgoff: number; pages: number; seed: number }
  | { op: 'zero'; pgoff: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('inject' as const), block: fc.integer({ min: 0, max: SPAN_SECTORS - 8 }), count: fc.integer({ min: 1, max: 8 }), notify: fc.boolean(), saturate: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('uninject' as const), block: fc.integer({ min: 0, max: SPAN_SECTORS - 8 }), count: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('latent' as const), offset: fc.integer({ min: 0, max: SPAN - 1 }), len: fc.integer({ min: 1, max: 700 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('scrub' as const), short: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('clear' as const), units: fc.integer({ min: 0, max: SPAN / 256 - 1 }), count: fc.integer({ min: 1, max: 16 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('write' as const), sector: fc.integer({ min: 0, max: SPAN_SECTORS - 16 }), sectors: fc.integer({ min: 1, max: 16 }), seed: fc.nat() }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('read' as const), sector: fc.integer({ min: 0, max: SPAN_SECTORS - 16 }), sectors: fc.integer({ min: 1, max: 16 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('recovery' as const), pgoff: fc.integer({ min: 0, max: SPAN / 4096 - 2 }), pages: fc.integer({ min: 1, max: 2 }), seed: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('zero' as const), pgoff: fc.integer({ min: 0, max: SPAN / 4096 - 1 }) }) },
);

const platformArb = fc.record({
  kind: fc.constantFrom(...BADBLOCKS_KINDS),
  mode: fc.constantFrom('raw' as const, 'fsdax' as const),
  clearUnit: fc.constantFrom(256, 512, 4096),
  // Mostly partial clears: limits below a page, and below the clear unit (0 bytes cleared).
  fwClearMax: fc.constantFrom(undefined, 256, 256, 1024, 2048, 2048, 4096),
  mceLsb: fc.constantFrom(6, 9, 12),
  kernel: fc.constantFrom('5.18' as const, '6.15' as const),
  legacyBus: fc.boolean(),
});
type Platform = (typeof platformArb extends fc.Arbitrary<infer P> ? P : never) & { badblocksMaxEntries?: number };

function bytes(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < len; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Per-line poison of the span (data-relative lines). */
function poisonedLines(sys: System, ns: Namespace): boolean[] {
  const { wasm } = sys.context;
  const first = ns.dataStart / LINE;
  return Array.from({ length: SPAN / LINE }, (_, i) => (wasm.poison_find_lines(first + i, first + i + 1) >>> 0) === first + i);
}


/** Runs `ops`, checking the invariants after each; returns whether any populate dropped ranges. */
async function run(p: Platform, ops: Op[]): Promise<boolean> {
  let dropped = false;
  const sys = await createSystem({
    maxThreads: 1, ioBufferBytes: 64 * 1024,
    namespaces: [{ size: '4MiB', badblocks: p.kind as BadblocksKind, mode: p.mode, clearUnit: p.clearUnit, mceLsb: p.mceLsb, kernel: p.kernel, legacyBus: p.legacyBus, ...(p.fwClearMax ? { fwClearMax: p.fwClearMax } : {}), ...(p.badblocksMaxEntries ? { badblocksMaxEntries: p.badblocksMaxEntries } : {}) }],
  });
  const ns = sys.namespaces[0]!;
  // Non-zero content everywhere, so that a clear that loses (zeroes) data is visible.
  const model = bytes(SPAN, 99).map((b) => b | 1); // the data bytes a correct read must return
  sys.media.write(ns.dataStart, model);
  for (const [i, o] of ops.entries()) {
    const where = `op ${i} ${JSON.stringify(o)} on ${JSON.stringify(p)}`;
    const poisonBefore = poisonedLines(sys, ns);
    const bbBefore = badblocksSectors(ns.bb);
    let landed: { offset: number; data: Uint8Array } | undefined;
    switch (o.op) {
      case 'inject': injectError(ns, o); break;
      case 'uninject': uninjectError(ns, o); break;
      case 'latent': {
        const len = Math.min(o.len, SPAN - o.offset);
        sys.media.write(ns.dataStart + o.offset, bytes(len, o.offset)); // the content being lost
        model.set(bytes(len, o.offset), o.offset);
        sys.media.poison(ns.dataStart + o.offset, len);
        break;
      }
      case 'scrub': scrub(sys.bus, { short: o.short }); break;
      case 'clear': {
        const unit = p.clearUnit;
        const start = Math.floor(o.units * 256 / unit) * unit;
        nvdimmClearPoison(sys.bus, ns.dataStart + start, Math.min(o.count * unit, SPAN - start) || unit);
        break;
      }
      case 'write': {
        const data = bytes(o.sectors * 512, o.seed);
        const w = pmemWrite(ns, o.sector, data);
        // A failed bio keeps the segments written before the failing one (P-7).
        landed = { offset: o.sector * 512, data: data.subarray(0, w.ok ? w.bytes : w.bytesDone) };
        break;
      }
      case 'recovery': {
        const data = bytes(o.pages * 4096, o.seed);
        if (daxRecoveryWrite(ns, o.pgoff, 0, data) === data.length) landed = { offset: o.pgoff * 4096, data };
        break;
      }
      case 'zero':
        if (daxZeroPageRange(ns, o.pgoff, 1).ok) landed = { offset: o.pgoff * 4096, data: new Uint8Array(4096) };
        break;
      case 'read': {
        const r = pmemRead(ns, o.sector, o.sectors * 512);
        const delivered = r.ok ? r.bytes : r.bytesDone;
        expect(r.data.length, where).toBe(delivered);
        if (delivered > 0) {
          // 4. nothing delivered is poisoned, and it is what was written.
          expect(sys.media.isPoisoned(ns.dataStart + o.sector * 512, delivered), where).toBe(false);
          expect(r.data, where).toEqual(model.subarray(o.sector * 512, o.sector * 512 + delivered));
        }
        break;
      }
    }
    // Model: a firmware clear zeroes the poisoned lines it cleans (not an uninject); then the data lands.
    if (o.op !== 'uninject') {
      const after = poisonedLines(sys, ns);
      after.forEach((bad, l) => { if (poisonBefore[l] && !bad) model.fill(0, l * LINE, (l + 1) * LINE); });
    }
    if (landed) model.set(landed.data, landed.offset);

    // 1. firmware list ⊆ hardware poison.
    expect(firmwareNotPoisoned(sys.bus), `${where}: firmware records not poisoned`).toEqual([]);
    // 2. after a long scrub, badblocks ⊇ firmware list unless ranges were dropped.
    if (o.op === 'scrub' && !o.short) {
      const cover = firmwareNotInBadblocks(ns);
      dropped ||= cover.dropped.bb > 0 || cover.dropped.regionBb > 0;
      expect(cover.gaps, `${where}: firmware sectors missing from the badblocks`).toEqual([]);
    }
    // 3. pmem->bb stays conservative: a sector leaves it only when it is clean.
    if (!p.legacyBus) {
      const now = badblocksSectors(ns.bb);
      const poison = poisonedLines(sys, ns);
      for (const s of bbBefore) {
        if (!now.has(s) && s < SPAN_SECTORS) {
          expect(poison.slice(s * 8, s * 8 + 8).some(Boolean), `${where}: sector ${s} left bb while poisoned`).toBe(false);
        }
      }
    }
  }
  sys.detach();
  return dropped;
}

it('poison invariants hold over random operation sequences (firmware ⊆ poison, scrub ⊆ bb, conservative clears, clean reads)', async () => {
  await fc.assert(fc.asyncProperty(platformArb, fc.array(opArb, { minLength: 1, maxLength: 40 }), async (p, ops) => { await run(p, ops); }), { seed: 20261122, numRuns: 150 });
});

it('the same invariants with the table full (E-6): a 4-entry table, scattered single-sector poison', async () => {
  let filled = 0;
  const scattered = fc.array(fc.integer({ min: 0, max: SPAN_SECTORS / 2 - 1 }).map((k) => ({ op: 'inject' as const, block: 2 * k, count: 1, notify: false, saturate: false })), { minLength: 12, maxLength: 40 }).filter((a) => new Set(a.map((o) => o.block)).size > 4);
  const platform = platformArb.map((p) => ({ ...p, kind: 'table' as BadblocksKind, badblocksMaxEntries: 4 }));
  await fc.assert(fc.asyncProperty(platform, scattered, fc.array(opArb, { maxLength: 20 }), async (p, injects, ops) => {
    if (await run(p, [...injects, { op: 'scrub', short: false }, ...ops])) filled++;
  }), { seed: 7, numRuns: 20 });
  expect(filled).toBe(20); // every run overflowed the table and had ranges dropped
});
