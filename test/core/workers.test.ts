/**
 * Real worker threads on one media (DESIGN.md "The one rule of shared state"): two workers
 * attach with the handle passed in workerData, get distinct thread ids, see each other's
 * writes and poison, and fence only their own pending lines (reference §5.3: sfence orders
 * only the issuing CPU's write-backs).
 *
 * The workers run test/core/fixtures/media-worker.mjs, which loads the BUILT library from
 * dist/ (Node 20 workers cannot load .ts): `npm run build` must have run.
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createMedia, type Media } from '../../src/core/media.js';
import { RpcWorker } from '../helpers/rpc-worker.js';

const FIXTURE = new URL('./fixtures/media-worker.mjs', import.meta.url);
const BUILT = fileURLToPath(new URL('../../dist/src/core/media.js', import.meta.url));
const LOST = 'LOSTLINE'.repeat(8);

/** The parent side of the fixture's { id, op, args } protocol. */
class MediaWorker extends RpcWorker {
  constructor(media: Media, barrier: SharedArrayBuffer) {
    super(FIXTURE, { handle: media.handle, barrier });
  }

  ready(): Promise<number> {
    return this.started;
  }
}

/** What the fixture's `hammer` op stores on `line` in round `round` for writer `tag`. */
function lineBytes(tag: number, line: number, round: number): Uint8Array {
  const b = new Uint8Array(64);
  for (let i = 0; i < 64; i++) b[i] = (tag * 31 + line * 7 + round * 13 + i) & 0xff;
  return b;
}

const bytes = (len: number, fill: number): Uint8Array => new Uint8Array(len).map((_, i) => (fill + i) & 0xff | 1);

describe('two worker threads on one media', () => {
  let workers: MediaWorker[] = [];

  beforeAll(() => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` before these tests`);
  });

  afterEach(async () => {
    await Promise.all(workers.map((w) => w.worker.terminate()));
    workers = [];
  });

  async function start(size = 64 * 1024): Promise<{ media: Media; a: MediaWorker; b: MediaWorker }> {
    const media = await createMedia({ size, maxThreads: 4 });
    const barrier = new SharedArrayBuffer(8);
    const a = new MediaWorker(media, barrier);
    const b = new MediaWorker(media, barrier);
    workers = [a, b];
    await Promise.all([a.ready(), b.ready()]);
    return { media, a, b };
  }

  it('both workers get thread ids distinct from each other and from the main thread', async () => {
    const { media, a, b } = await start();
    expect(new Set([media.threadId, a.threadId, b.threadId]).size).toBe(3);
    for (const id of [a.threadId, b.threadId]) {
      expect(id).toBeGreaterThanOrEqual(0);
      expect(id).toBeLessThan(4);
    }
    expect(await a.call('threadId')).toBe(a.threadId);
    // The lines a worker makes pending carry its id.
    await a.call('writeFlushcache', 64, bytes(1, 1));
    expect(media.lineState(64)).toEqual({ state: 'pending', owner: a.threadId });
  });

  it('each worker sees the other\'s writes and poison', async () => {
    const { media, a, b } = await start();
    const da = bytes(300, 7);
    await a.call('writeFlushcache', 1000, da);
    expect(await b.call('read', 1000, 300)).toEqual(da);
    const db = bytes(50, 9);
    await b.call('write', 5000, db);
    expect(await a.call('read', 5000, 50)).toEqual(db);
    expect(media.read(5000, 50)).toEqual(db);

    await b.call('poison', 8192 + 100, 1); // line at 8192+64
    expect(await a.call('isPoisoned', 8192, 4096)).toBe(true);
    expect(await a.call('firstPoisoned', 0, media.size)).toBe(8192 + 64);
    const r = await a.call<{ data: Uint8Array; notCopied: number }>('readMc', 8192, 4096);
    expect(r.notCopied).toBe(4096 - 64);
    await a.call('unpoison', 8192, 4096);
    expect(await b.call('isPoisoned', 0, media.size)).toBe(false);

    await a.call('setMceNospec', 3);
    expect((await b.call<{ notCopied: number }>('readMc', 3 * 4096 + 5, 10)).notCopied).toBe(10);
  });

  it('one worker\'s fence does not make the other worker\'s pending lines durable', async () => {
    const { media, a, b } = await start();
    await a.call('writeFlushcache', 0, bytes(130, 1)); // lines 0, 1, 2
    await b.call('writeFlushcache', 640, bytes(64, 2)); // line 10
    await b.call('writeFlushcache', 192, bytes(10, 3)); // line 3
    expect(await a.call('fence')).toBe(3 * 64);
    for (const off of [0, 64, 128]) expect(media.lineState(off)).toEqual({ state: 'durable' });
    expect(media.lineState(640)).toEqual({ state: 'pending', owner: b.threadId });
    expect(await a.call('lineState', 192)).toEqual({ state: 'pending', owner: b.threadId });
    expect(await a.call('fence')).toBe(0);
    // A power failure now (workers quiescent) loses only b's two lines.
    expect(media.powerFail()).toEqual({ lostBytes: 2 * 64 });
    expect(new TextDecoder().decode(media.read(640, 64))).toBe(LOST);
    expect(new TextDecoder().decode(media.read(192, 64))).toBe(LOST);
    expect(media.read(0, 130)).toEqual(bytes(130, 1));
    expect(await b.call('fence')).toBe(0);
  });

  it('concurrent flushcache on interleaved lines: fences of one worker never retire the other\'s lines', async () => {
    const { media, a, b } = await start();
    // Even lines for a, odd lines for b: every 8-line state word holds both workers' lines.
    const lines = Array.from({ length: 128 }, (_, i) => i);
    const even = lines.filter((l) => l % 2 === 0);
    const odd = lines.filter((l) => l % 2 === 1);
    const rounds = 300;
    const [madeA, madeB] = await Promise.all([
      a.call<number>('hammer', { tag: 1, lines: even, rounds, plainFirst: false, fenceEachRound: true, parties: 2 }),
      b.call<number>('hammer', { tag: 2, lines: odd, rounds, plainFirst: false, fenceEachRound: false, parties: 2 }),
    ]);
    expect(madeA).toBe(rounds * even.length * 64);
    expect(madeB).toBe(0);
    for (const l of even) expect(media.lineState(l * 64), `line ${l}`).toEqual({ state: 'durable' });
    for (const l of odd) expect(media.lineState(l * 64), `line ${l}`).toEqual({ state: 'pending', owner: b.threadId });
    for (const l of even) expect(media.read(l * 64, 64)).toEqual(lineBytes(1, l, rounds - 1));
    for (const l of odd) expect(media.read(l * 64, 64)).toEqual(lineBytes(2, l, rounds - 1));
    expect(await b.call('fence')).toBe(odd.length * 64);
    expect(media.volatileBytes(0, media.size)).toBe(0);
  });

  it('concurrent dirty → pending → fence cycles on interleaved lines: no state update is lost', async () => {
    const { media, a, b } = await start();
    // Both workers fence every round while the other rewrites its own state bytes in the
    // same 8-line words: a fence that wrote back a stale word would revert the other's fresh
    // DIRTY/PENDING bytes, and that worker's next fence would then retire fewer lines.
    const lines = Array.from({ length: 64 }, (_, i) => i);
    const even = lines.filter((l) => l % 2 === 0);
    const odd = lines.filter((l) => l % 2 === 1);
    const rounds = 3000;
    const [madeA, madeB] = await Promise.all([
      a.call<number>('hammer', { tag: 1, lines: even, rounds, plainFirst: true, fenceEachRound: true, parties: 2 }),
      b.call<number>('hammer', { tag: 2, lines: odd, rounds, plainFirst: true, fenceEachRound: true, parties: 2 }),
    ]);
    expect(madeA).toBe(rounds * even.length * 64);
    expect(madeB).toBe(rounds * odd.length * 64);
    expect(media.volatileBytes(0, media.size)).toBe(0);
    for (const l of even) expect(media.read(l * 64, 64)).toEqual(lineBytes(1, l, rounds - 1));
    for (const l of odd) expect(media.read(l * 64, 64)).toEqual(lineBytes(2, l, rounds - 1));
  });
});
