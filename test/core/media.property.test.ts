/**
 * Property tests of the media core against the plain models in media-model.ts (fixed seeds):
 *   (a) copy_mc / readMc over random offsets and lengths up to 2 MiB with random poison and
 *       not-present pages: bytes not copied, the data, and firstPoisoned match the model;
 *   (b) persistence: random write / writeFlushcache / flush / fence / powerFail sequences
 *       from several logical threads (Media objects attached to one memory, each with its
 *       own thread id) match the model line by line, including the final bytes.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { createMedia, attachMedia, Media } from '../../src/core/media.js';
import { createShared } from '../../src/core/shared.js';
import {
  CopyModel, PersistModel, LINE_BYTES, PAGE_BYTES, seededBytes, firstDifference,
} from './media-model.js';

const MiB = 1024 * 1024;

describe('copy_mc matches the fragile-copy model', () => {
  const SIZE = 4 * MiB;
  const MAX_LEN = 2 * MiB;
  const content = seededBytes(SIZE, 42);
  /** The default I/O buffer (2 MiB: one chunk) and a 4 KiB one (many chunks). */
  let medias: Media[] = [];

  beforeAll(async () => {
    const whole = await createMedia({ size: SIZE });
    const chunked = new Media(createShared({ mediaBytes: SIZE, ioBufferBytes: PAGE_BYTES }));
    medias = [whole, chunked];
    for (const m of medias) m.write(0, content);
  });

  /** A position near the copy (so poison often lands inside it), clipped to the media. */
  const near = (off: number, len: number, frac: number): number =>
    Math.min(SIZE - 1, Math.max(0, off - 2048 + Math.floor(frac * (len + 4096))));

  // Uniform in [0, 1] (fc.double is uniform over bit patterns, i.e. mostly tiny values).
  const fraction = fc.integer({ min: 0, max: 1 << 20 }).map((n) => n / (1 << 20));
  const copyCase = fc.record({
    len: fc.oneof(fc.integer({ min: 0, max: MAX_LEN }), fc.integer({ min: 0, max: 300 })),
    offSeed: fc.nat(),
    poison: fc.array(fc.record({ frac: fraction, len: fc.integer({ min: 1, max: 600 }) }), { maxLength: 5 }),
    unmapped: fc.oneof(fc.constant([]), fc.array(fraction, { maxLength: 2 })),
  });

  it('notCopied, data and firstPoisoned equal the model (200 runs, seed 42)', () => {
    fc.assert(fc.property(copyCase, ({ len, offSeed, poison, unmapped }) => {
      const off = offSeed % (SIZE - len + 1);
      const model = new CopyModel();
      const pfns: number[] = [];
      for (const p of poison) {
        const at = near(off, len, p.frac);
        const n = Math.min(p.len, SIZE - at);
        model.poison(at, n);
        for (const m of medias) m.poison(at, n);
      }
      for (const frac of unmapped) {
        const pfn = Math.floor(near(off, len, frac) / PAGE_BYTES);
        pfns.push(pfn);
        model.unmappedPages.add(pfn);
        for (const m of medias) m.setMceNospec(pfn);
      }
      try {
        const notCopied = model.notCopied(off, len);
        const expected = content.subarray(off, off + len - notCopied);
        for (const m of medias) {
          const r = m.readMc(off, len);
          expect(r.notCopied).toBe(notCopied);
          expect(r.data.length).toBe(expected.length);
          expect(firstDifference(r.data, expected)).toBe(-1);
          expect(m.firstPoisoned(off, len)).toBe(model.firstPoisoned(off, len));
          expect(m.isPoisoned(off, len)).toBe(model.firstPoisoned(off, len) >= 0);
        }
      } finally {
        for (const m of medias) {
          m.unpoison(0, SIZE);
          for (const pfn of pfns) m.clearMceNospec(pfn);
        }
      }
    }), { seed: 42, numRuns: 200 });
  });

  it('poisoned lines are exactly the lines the poisoned ranges touch (100 runs, seed 7)', () => {
    const m = medias[0]!;
    fc.assert(fc.property(
      fc.array(fc.record({ at: fc.integer({ min: 0, max: 64 * 1024 - 1 }), len: fc.integer({ min: 0, max: 300 }) }), { maxLength: 6 }),
      (ranges) => {
        const model = new CopyModel();
        try {
          for (const { at, len } of ranges) {
            model.poison(at, len);
            m.poison(at, len);
          }
          for (let line = 0; line < 1024; line++) {
            expect(m.isPoisoned(line * LINE_BYTES, LINE_BYTES), `line ${line}`).toBe(model.poisoned.has(line));
          }
        } finally {
          m.unpoison(0, SIZE);
        }
      }), { seed: 7, numRuns: 100 });
  });
});

type Op =
  | { readonly op: 'write' | 'writeFlushcache'; readonly t: number; readonly off: number; readonly len: number; readonly seed: number }
  | { readonly op: 'flush'; readonly t: number; readonly off: number; readonly len: number }
  | { readonly op: 'fence'; readonly t: number }
  | { readonly op: 'powerFail'; readonly t: number };

describe('persistence matches the per-line model across logical threads', () => {
  const SIZE = 16 * 1024; // 256 lines
  const THREADS = 3;

  const thread = fc.integer({ min: 0, max: THREADS - 1 });
  const range = fc.tuple(fc.integer({ min: 0, max: SIZE }), fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 2000 })))
    .map(([off, len]) => ({ off, len: Math.min(len, SIZE - off) }));
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ t: thread, r: range, seed: fc.nat() }).map(({ t, r, seed }) => ({ op: 'write' as const, t, ...r, seed })) },
    { weight: 4, arbitrary: fc.record({ t: thread, r: range, seed: fc.nat() }).map(({ t, r, seed }) => ({ op: 'writeFlushcache' as const, t, ...r, seed })) },
    { weight: 3, arbitrary: fc.record({ t: thread, r: range }).map(({ t, r }) => ({ op: 'flush' as const, t, ...r })) },
    { weight: 3, arbitrary: thread.map((t) => ({ op: 'fence' as const, t })) },
    { weight: 1, arbitrary: thread.map((t) => ({ op: 'powerFail' as const, t })) },
  );

  async function threadsOn(eADR: boolean): Promise<Media[]> {
    const first = await createMedia({ size: SIZE, eADR, maxThreads: THREADS });
    const rest = await Promise.all(Array.from({ length: THREADS - 1 }, () => attachMedia(first.handle)));
    const all = [first, ...rest];
    expect(new Set(all.map((m) => m.threadId)).size).toBe(THREADS);
    return all;
  }

  /** Runs `ops` on the media and the model and compares after every step. */
  function check(threads: Media[], eADR: boolean, ops: readonly Op[]): void {
    const m0 = threads[0]!;
    // Start each run from a quiescent memory: a power failure leaves every line durable and
    // every log empty; the model starts from whatever bytes that left.
    m0.powerFail();
    const model = new PersistModel(m0.read(0, SIZE), eADR);
    const compareStates = (step: string): void => {
      for (let line = 0; line < SIZE / LINE_BYTES; line++) {
        const got = m0.lineState(line * LINE_BYTES);
        const want = model.lineState(line);
        if (got.state !== want.state || (got.state === 'pending' && want.state === 'pending' && got.owner !== want.owner)) {
          expect(got, `${step}: line ${line}`).toEqual(want);
        }
      }
      expect(m0.volatileBytes(0, SIZE), step).toBe(model.volatileBytes());
    };
    compareStates('start');
    ops.forEach((o, i) => {
      const m = threads[o.t]!;
      const tid = m.threadId;
      const step = `op ${i} ${JSON.stringify(o)}`;
      switch (o.op) {
        case 'write': {
          const data = seededBytes(o.len, o.seed);
          m.write(o.off, data);
          model.write(tid, o.off, data);
          break;
        }
        case 'writeFlushcache': {
          const data = seededBytes(o.len, o.seed);
          m.writeFlushcache(o.off, data);
          model.writeFlushcache(tid, o.off, data);
          break;
        }
        case 'flush':
          m.flush(o.off, o.len);
          model.flush(tid, o.off, o.len);
          break;
        case 'fence':
          expect(m.fence(), step).toBe(model.fence(tid));
          break;
        case 'powerFail':
          expect(m.powerFail().lostBytes, step).toBe(model.powerFail());
          break;
      }
      compareStates(step);
    });
    expect(firstDifference(m0.read(0, SIZE), model.bytes)).toBe(-1);
    // What a power failure now would lose, and the bytes it leaves.
    expect(m0.powerFail().lostBytes).toBe(model.powerFail());
    expect(firstDifference(m0.read(0, SIZE), model.bytes)).toBe(-1);
  }

  it('ADR: states, fence results, lost bytes and final bytes equal the model (200 runs, seed 42)', async () => {
    const threads = await threadsOn(false);
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => check(threads, false, ops)),
      { seed: 42, numRuns: 200 });
  });

  it('eADR: the same sequences keep every line durable and lose nothing (50 runs, seed 43)', async () => {
    const threads = await threadsOn(true);
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => check(threads, true, ops)),
      { seed: 43, numRuns: 50 });
  });

  it('a handwritten sequence: interleaved threads on the same lines', async () => {
    const threads = await threadsOn(false);
    check(threads, false, [
      { op: 'writeFlushcache', t: 0, off: 10, len: 100, seed: 1 },
      { op: 'write', t: 1, off: 60, len: 10, seed: 2 },
      { op: 'flush', t: 2, off: 0, len: 256 },
      { op: 'writeFlushcache', t: 1, off: 200, len: 100, seed: 3 },
      { op: 'fence', t: 0 },
      { op: 'fence', t: 2 },
      { op: 'write', t: 0, off: 250, len: 1, seed: 4 },
      { op: 'flush', t: 0, off: 0, len: 512 },
      { op: 'fence', t: 1 },
    ]);
  });
});
