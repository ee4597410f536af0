/**
 * Worker threads on one system (DESIGN.md "The one rule of shared state"): a worker attached
 * with the handle runs the block read path, consumes latent poison, and the machine check it
 * handles is visible to the main thread; two workers clearing poison at once stay consistent
 * under the device mutex.
 *
 * The workers run fixtures/system-worker.mjs, which loads the BUILT library from dist/ (Node
 * 20 workers cannot load .ts): `npm run build` must have run.
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSystem, type System } from '../../src/nvdimm/system.js';
import { knownBad } from './helpers.js';
import { RpcWorker } from '../helpers/rpc-worker.js';

const FIXTURE = new URL('./fixtures/system-worker.mjs', import.meta.url);
const BUILT = fileURLToPath(new URL('../../dist/src/nvdimm/system.js', import.meta.url));

class SystemWorker extends RpcWorker {
  constructor(sys: System, barrier: SharedArrayBuffer) {
    super(FIXTURE, { handle: sys.handle, barrier });
  }

  ready(): Promise<number> {
    return this.started;
  }
}

describe('worker threads on one system', () => {
  let workers: SystemWorker[] = [];

  beforeAll(() => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` before these tests`);
  });

  afterEach(async () => {
    await Promise.all(workers.map((w) => w.worker.terminate()));
    workers = [];
  });

  it('a worker\'s read over latent poison runs the MCE path; the main thread sees the new badblocks entry', async () => {
    const sys = await createSystem({ namespaces: [{ size: '4MiB', mode: 'fsdax' }], maxThreads: 4 });
    const ns = sys.namespaces[0]!;
    sys.media.poison(ns.dataStart + 100 * 512 + 64, 1); // P-8's latent line
    const w = new SystemWorker(sys, new SharedArrayBuffer(4));
    workers = [w];
    const tid = await w.ready();
    expect(tid).not.toBe(sys.context.tid);
    const r = await w.call<{ ok: boolean; errno: string; cause: string; bytesDone: number }>('read', 0, 96, 4096);
    expect(r).toMatchObject({ ok: false, errno: 'EIO', cause: 'mce', bytesDone: 0 });
    expect(ns.bb.entries()).toEqual([[100, 1, true]]);
    expect(sys.bus.badrange.entries()).toEqual([{ start: ns.dataStart + 100 * 512 + 64, length: 64 }]);
    expect(sys.context.wasm.page_flags(ns.pfn(12))).toBe(3); // HWPoison | not present
    expect(sys.bus.counters()).toMatchObject({ mce: 1, memoryFailure: 1, nospecNotPresent: 1 });
  });

  it('regression: the device mutex excludes while a waiter parks (V8 Liftoff lost the owner id across atomic.wait)', async () => {
    const sys = await createSystem({ namespaces: [{ size: '2MiB' }], maxThreads: 4, extraRegions: [{ kind: 0x7e57, bytes: 4096 }] });
    const barrier = new SharedArrayBuffer(4);
    const a = new SystemWorker(sys, barrier);
    const b = new SystemWorker(sys, barrier);
    workers = [a, b];
    await Promise.all([a.ready(), b.ready()]);
    const rounds = 3000;
    const notHeld = await Promise.all([a, b].map((w) => w.call<number>('hammerLock', { rounds, holdUs: 20, parties: 2 })));
    expect(notHeld).toEqual([0, 0]);
    expect(new Uint32Array(sys.context.u8.buffer, sys.extraRegions[0]!.base, 1)[0]).toBe(2 * rounds);
  });

  it('two workers clearing different bad pages at once: every write lands, bb ends empty, counters add up', async () => {
    const sys = await createSystem({ namespaces: [{ size: '8MiB', mode: 'raw' }], maxThreads: 4 });
    const ns = sys.namespaces[0]!;
    const pages = Array.from({ length: 64 }, (_, i) => i * 16); // every other page, sectors i*16
    for (const s of pages) knownBad(ns, s, 8);
    expect(ns.bb.count).toBe(64);
    const barrier = new SharedArrayBuffer(4);
    const a = new SystemWorker(sys, barrier);
    const b = new SystemWorker(sys, barrier);
    workers = [a, b];
    await Promise.all([a.ready(), b.ready()]);
    const even = pages.filter((_, i) => i % 2 === 0);
    const odd = pages.filter((_, i) => i % 2 === 1);
    const [ra, rb] = await Promise.all([
      a.call('writeAll', { ns: 0, sectors: even, fill: 0xa1, parties: 2 }),
      b.call('writeAll', { ns: 0, sectors: odd, fill: 0xb2, parties: 2 }),
    ]);
    expect(ra).toEqual({ written: 32, readBack: 32 });
    expect(rb).toEqual({ written: 32, readBack: 32 });
    expect(ns.bb.entries()).toEqual([]);
    expect(ns.regionBb.entries()).toEqual([]);
    expect(sys.bus.badrange.entries()).toEqual([]);
    expect(sys.bus.counters()).toMatchObject({ clearCalls: 64, clearedBytes: 64 * 4096 });
    expect(sys.media.isPoisoned(ns.dataStart, ns.dataBytes)).toBe(false);
  });
});
