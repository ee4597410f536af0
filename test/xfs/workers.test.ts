/**
 * The reverse map from worker threads (DESIGN.md "The one rule of shared state"): a worker
 * attached to the same memory reads the records the main thread wrote and writes records the
 * main thread reads; two workers inserting interleaved pages at once, under the rmap mutex,
 * leave one sorted, merged map.
 *
 * The workers run fixtures/rmap-worker.mjs, which loads the BUILT library from dist/ (Node 20
 * workers cannot load .ts): `npm run build` must have run.
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OWNER_META } from '../../src/xfs/rmap-region.js';
import { RpcWorker } from '../helpers/rpc-worker.js';
import { makeRmap, rec, type RmapSetup } from './helpers.js';

const FIXTURE = new URL('./fixtures/rmap-worker.mjs', import.meta.url);
const BUILT = fileURLToPath(new URL('../../dist/src/xfs/index.js', import.meta.url));

class RmapWorker extends RpcWorker {
  constructor(s: RmapSetup, barrier: SharedArrayBuffer) {
    super(FIXTURE, { handle: s.ctx.handle, barrier });
  }
}

describe('the reverse map from worker threads', () => {
  let workers: RmapWorker[] = [];

  beforeAll(() => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` before these tests`);
  });

  afterEach(async () => {
    await Promise.all(workers.map((w) => w.terminate()));
    workers = [];
  });

  it('a worker reads the records the main thread wrote, and the main thread reads the worker\'s', async () => {
    const s = makeRmap(64, [64, 48]);
    s.rmap.insert(rec(0, 0, 2, OWNER_META));
    s.rmap.insert(rec(0, 10, 4, 1, 0));
    s.rmap.insert(rec(0, 14, 4, 2, 7));
    s.rmap.insert(rec(1, 5, 3, 1, 4));
    const w = new RmapWorker(s, new SharedArrayBuffer(4));
    workers = [w];
    expect(await w.started).not.toBe(s.ctx.tid);
    expect(await w.call('records', 0)).toEqual([rec(0, 0, 2, OWNER_META), rec(0, 10, 4, 1, 0), rec(0, 14, 4, 2, 7)]);
    expect(await w.call('records', 1)).toEqual([rec(1, 5, 3, 1, 4)]);
    expect(await w.call('query', 0, 12, 4)).toEqual({ visited: 2, seen: [rec(0, 10, 4, 1, 0), rec(0, 14, 4, 2, 7)] });
    // The worker writes: it continues file 1 on dev 1 (a merge) and removes the middle of file 2.
    expect(await w.call('insert', rec(1, 8, 2, 1, 7))).toBe(true);
    expect(await w.call('remove', 0, 15, 2)).toBe(true);
    expect(s.rmap.records(1)).toEqual([rec(1, 5, 5, 1, 4)]);
    expect(s.rmap.records(0)).toEqual([rec(0, 0, 2, OWNER_META), rec(0, 10, 4, 1, 0), rec(0, 14, 1, 2, 7), rec(0, 17, 1, 2, 10)]);
    // Bad input from a worker fails there, naming the field.
    await expect(w.call('insert', rec(2, 0, 1, 1, 0))).rejects.toThrow(/rec\.dev must be an integer device index in \[0, 1\]/);
    expect(s.rmap.check()).toEqual([]);
    expect(s.rmap.held()).toBe(false);
  });

  it('two workers inserting interleaved pages at once leave one merged record (the mutex serialises them)', async () => {
    const pages = 4000;
    const s = makeRmap(pages, [pages]);
    const barrier = new SharedArrayBuffer(4);
    const even = new RmapWorker(s, barrier);
    const odd = new RmapWorker(s, barrier);
    workers = [even, odd];
    await Promise.all([even.started, odd.started]);
    const half = pages / 2;
    const [a, b] = await Promise.all([
      even.call('insertPages', { dev: 0, first: 0, step: 2, count: half, owner: 5, parties: 2 }),
      odd.call('insertPages', { dev: 0, first: 1, step: 2, count: half, owner: 5, parties: 2 }),
    ]);
    expect([a, b]).toEqual([half, half]);
    // File page = device page for every insert, so all 4000 pages continue each other.
    expect(s.rmap.records(0)).toEqual([rec(0, 0, pages, 5, 0)]);
    expect(s.rmap.count).toBe(1);
    expect(s.rmap.check()).toEqual([]);
  });
});
