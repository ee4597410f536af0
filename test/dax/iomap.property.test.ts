/**
 * Property test of fs-dax file I/O (fixed seed): random latent and known poison, random
 * preads (in every read policy), pwrites, punch-holes, fsyncs and allocator switches on one
 * file, against a model of the file's contents. After every step:
 *
 *   - no read returns a poisoned byte as data: every byte delivered (outside `skipped`)
 *     lies on a line the hardware does not report poisoned (the recovery invariant);
 *   - every byte delivered equals what was last written there (zeros for never-written
 *     bytes, punched ranges and holes);
 *   - a read or write comes back short or failed only when the range is in trouble: hardware
 *     poison, a known-bad sector or a page out of the kernel direct map;
 *   - `line` never fails and always covers the whole request;
 *   - after fsync nothing of the file is volatile; fsck finds the filesystem consistent.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { BADBLOCKS_KINDS, knownBad, pattern } from '../nvdimm/helpers.js';
import { daxPread, daxPwrite } from '../../src/dax/iomap.js';
import { READ_POLICIES, type ReadPolicy, type DaxFile } from '../../src/dax/fs.js';
import type { FileRange } from '../../src/dax/blocks.js';
import { fileAt10, type FileSetup } from './helpers.js';

const PAGES = 16;
const SIZE = PAGES * 4096;
/** Device pages the poison lands on: around the file (pages 10-25) and the low free pages `other` allocates from. */
const DEV_PAGES = 40;

type Op =
  | { t: 'latent'; page: number; line: number }
  | { t: 'known'; sector: number; count: number }
  | { t: 'pread'; off: number; len: number; policy: ReadPolicy }
  | { t: 'pwrite'; off: number; len: number; seed: number }
  | { t: 'punch'; off: number; len: number }
  | { t: 'fsync' }
  | { t: 'allocator'; other: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('latent' as const), page: fc.nat(DEV_PAGES - 1), line: fc.nat(63) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('known' as const), sector: fc.nat(DEV_PAGES * 8 - 1), count: fc.integer({ min: 1, max: 8 }) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('pread' as const), off: fc.nat(SIZE - 1), len: fc.integer({ min: 1, max: 20000 }), policy: fc.constantFrom(...READ_POLICIES) }), weight: 5 },
  { arbitrary: fc.record({ t: fc.constant('pwrite' as const), off: fc.nat(SIZE - 1), len: fc.integer({ min: 1, max: 20000 }), seed: fc.nat(1000) }), weight: 4 },
  // Page-aligned writes make recovery writes (and whole-page punches) common.
  { arbitrary: fc.record({ t: fc.constant('pwrite' as const), off: fc.nat(PAGES - 1).map((p) => p * 4096), len: fc.integer({ min: 1, max: 4 }).map((n) => n * 4096), seed: fc.nat(1000) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('punch' as const), off: fc.nat(SIZE - 1), len: fc.integer({ min: 1, max: 16384 }) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('fsync' as const) }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('allocator' as const), other: fc.boolean() }), weight: 1 },
);

/** Device ranges (SPA) behind file bytes [off, off+len): mapped parts only. */
function deviceRanges(file: DaxFile, off: number, len: number): { spa: number; length: number }[] {
  const out: { spa: number; length: number }[] = [];
  for (const e of file.extents()) {
    const a = Math.max(off, e.offset);
    const b = Math.min(off + len, e.offset + e.length);
    if (a >= b || e.pgoff === null) continue;
    out.push({ spa: file.dev.ns!.dataStart + e.pgoff * 4096 + (a - e.offset), length: b - a });
  }
  return out;
}

/** Hardware poison, a known-bad sector, or a kernel-unmapped page behind file bytes [off, off+len). */
function troubled(s: FileSetup, off: number, len: number): boolean {
  return deviceRanges(s.file, off, len).some(({ spa, length }) => {
    if (s.sys.media.isPoisoned(spa, length)) return true;
    const sector = Math.floor((spa - s.ns.dataStart) / 512);
    if (s.ns.bb.check(sector, Math.ceil((spa + length - s.ns.dataStart) / 512) - sector).rc !== 0) return true;
    for (let p = Math.floor(spa / 4096); p * 4096 < spa + length; p++) if ((s.sys.context.wasm.page_flags(p) & 2) !== 0) return true;
    return false;
  });
}

/** The delivered ranges of a read: [off, off+bytes) minus `skipped`. */
function delivered(off: number, bytes: number, skipped: readonly FileRange[]): FileRange[] {
  const out: FileRange[] = [];
  let at = off;
  for (const k of skipped) {
    if (k.offset > at) out.push({ offset: at, length: k.offset - at });
    at = k.offset + k.length;
  }
  if (off + bytes > at) out.push({ offset: at, length: off + bytes - at });
  return out;
}

/** The first file offset where `got` (read at `off`) differs from the model, or -1: small failure messages. */
function firstMismatch(got: Uint8Array, model: Uint8Array, off: number): number {
  for (let i = 0; i < got.length; i++) if (got[i] !== model[off + i]) return off + i;
  return -1;
}

function checkRead(s: FileSetup, model: Uint8Array, off: number, len: number, policy: ReadPolicy): void {
  const want = Math.min(len, SIZE - off);
  const r = daxPread(s.file, off, len, { policy });
  if (policy === 'line') expect(r).toMatchObject({ ok: true, bytes: want });
  if (!r.ok || r.bytes < want) expect(troubled(s, off, want)).toBe(true);
  if (!r.ok) {
    expect(['EIO', 'EFAULT']).toContain(r.errno);
    return;
  }
  expect(r.data.length).toBe(r.bytes);
  if (policy !== 'line') expect(r.skipped).toEqual([]);
  for (const d of delivered(off, r.bytes, r.skipped)) {
    expect({ policy, range: d, mismatchAt: firstMismatch(r.data.subarray(d.offset - off, d.offset - off + d.length), model, d.offset) }).toEqual({ policy, range: d, mismatchAt: -1 });
    for (const dev of deviceRanges(s.file, d.offset, d.length)) expect(s.sys.media.isPoisoned(dev.spa, dev.length)).toBe(false);
  }
}

function run(s: FileSetup, model: Uint8Array, op: Op): void {
  switch (op.t) {
    case 'latent':
      s.sys.media.poison(s.ns.dataStart + op.page * 4096 + op.line * 64, 1);
      return;
    case 'known':
      knownBad(s.ns, op.sector, op.count);
      return;
    case 'pread':
      checkRead(s, model, op.off, op.len, op.policy);
      return;
    case 'pwrite': {
      const len = Math.min(op.len, SIZE - op.off);
      const data = pattern(len, op.seed + 1);
      const r = daxPwrite(s.file, op.off, data);
      if (!r.ok || r.bytes < len) expect(troubled(s, op.off, len)).toBe(true);
      if (r.ok) model.set(data.subarray(0, r.bytes), op.off);
      else expect(['EIO', 'EFAULT']).toContain(r.errno);
      return;
    }
    case 'punch': {
      const r = s.file.punchHole(op.off, op.len);
      if (r.ok) model.fill(0, op.off, Math.min(SIZE, op.off + op.len));
      else {
        expect(r.errno).toBe('EIO');
        for (const z of r.zeroed) model.fill(0, z.offset, z.offset + z.length);
      }
      return;
    }
    case 'fsync':
      s.file.fsync();
      expect(s.file.volatileBytes()).toBe(0);
      return;
    case 'allocator':
      s.fs.allocator = op.other ? 'other' : 'same';
  }
}

describe('fs-dax file I/O: model-based property (fixed seed)', () => {
  for (const kind of BADBLOCKS_KINDS) {
    it(`${kind}: reads never deliver poison and always deliver the last data written`, async () => {
      await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60 }), fc.constantFrom(6, 9, 12), async (ops, mceLsb) => {
        const s = await fileAt10(kind, { mceLsb }, {}, PAGES);
        const model = new Uint8Array(SIZE);
        try {
          for (const op of ops) run(s, model, op);
          checkRead(s, model, 0, SIZE, 'line');
          expect(s.fs.fsck()).toEqual([]);
        } finally {
          s.sys.detach();
        }
      }), { seed: 0x5eed, numRuns: 40 });
    });
  }
});
