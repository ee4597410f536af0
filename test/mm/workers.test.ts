/**
 * The mm paths from worker threads (DESIGN.md "The one rule of shared state"): a process
 * created, mapped and faulted in a worker is found by a memory failure the main thread runs,
 * and the reverse; a machine check consumed in a worker unmaps the main thread's mapping;
 * files on a dm device resolve the same in a worker that registered the same table; two
 * workers faulting and failing pages at once leave counters that add up.
 *
 * The workers run fixtures/mm-worker.mjs, which loads the BUILT library from dist/ (Node 20
 * workers cannot load .ts): `npm run build` must have run. Expected signals follow the
 * reference cases named in each title (§6.1; M-1, M-2, F-6).
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createMmSystem } from '../../src/mm/system.js';
import { createProcess, mmap, type Mapping } from '../../src/mm/process.js';
import { load } from '../../src/mm/access.js';
import { memoryFailureEvent } from '../../src/mm/events.js';
import { readSignals } from '../../src/mm/signals.js';
import { createDm } from '../../src/dm/device.js';
import { RpcWorker } from '../helpers/rpc-worker.js';

const FIXTURE = new URL('./fixtures/mm-worker.mjs', import.meta.url);
const BUILT = fileURLToPath(new URL('../../dist/src/mm/index.js', import.meta.url));
const MIB = 1024 * 1024;
const A = 0x7f0000000000;
const PROC = 2 ** 40;

type Setup = Awaited<ReturnType<typeof setup>>;

/** A process of the main thread mapping the file with PTEs. */
function mainMapping(s: Setup): { main: ReturnType<typeof createProcess>; map: Mapping } {
  const main = createProcess(s.mm, 'M');
  return { main, map: mmap(s.mm, main, s.file) as Mapping };
}

async function setup(o: { type: 'xfs' | 'ext4'; dm?: boolean }) {
  const namespaces = [{ name: 'pmem0', size: 64 * MIB, mode: 'fsdax' as const }, ...(o.dm ? [{ name: 'pmem1', size: 64 * MIB, mode: 'fsdax' as const }] : [])];
  const s = await createMmSystem({ namespaces, model: { time: 'virtual' }, maxThreads: 4 }, { fs: { type: o.type } });
  let dev: Parameters<typeof s.fs.createFile>[0]['dev'] = s.system.namespaces[0]!;
  if (o.dm) {
    const dm = createDm('dm0', [{ type: 'stripe', devs: [s.system.namespaces[0]!, s.system.namespaces[1]!], chunk: 16 }]);
    s.mm.addDm(dm);
    dev = dm;
  }
  const file = s.fs.createFile({ dev, name: 'f', pgoff: 512, pages: 64 });
  if ('errno' in file) throw new Error(file.errno);
  return { ...s, file };
}

describe('the mm paths from worker threads', () => {
  let workers: RpcWorker[] = [];

  beforeAll(() => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` before these tests`);
  });

  afterEach(async () => {
    await Promise.all(workers.map((w) => w.terminate()));
    workers = [];
  });

  /** A worker attached to `s` (terminated after the test). */
  async function startWorker(s: Setup, extra: Record<string, unknown> = {}, barrier = new SharedArrayBuffer(4)): Promise<RpcWorker> {
    const w = new RpcWorker(FIXTURE, { handle: s.system.handle, barrier, ...extra });
    workers.push(w);
    await w.started;
    return w;
  }

  it('M-1 across threads: a worker\'s early-kill process gets BUS_MCEERR_AO when the main thread consumes poison; its page table is unmapped', async () => {
    const s = await setup({ type: 'xfs' });
    try {
      const w = await startWorker(s);
      const { main, map } = mainMapping(s);
      // The worker's process is the second one created: its mapping starts at A + 2^40.
      expect(await w.call('spawn', 'W', 'f', true)).toBe(A + PROC);
      expect(await w.call('load', 'W', 3 * 4096)).toMatchObject({ ok: true });
      const ns = s.system.namespaces[0]!;
      s.system.media.poison(ns.spa((512 + 3) * 4096 + 256), 64);
      const r = load(s.mm, map, 3 * 4096 + 256);
      expect(r.ok).toBe(false);
      expect(readSignals(s.mm.region, main.index).log).toEqual([{ signal: 'SIGBUS', code: 'BUS_MCEERR_AR', lsb: 12, addr: A + 3 * 4096 }]);
      expect(await w.call('signals', 'W')).toEqual([{ signal: 'SIGBUS', code: 'BUS_MCEERR_AO', lsb: 12, addr: A + PROC + 3 * 4096 }]);
      // F-6: the worker's next access faults on a page now known bad.
      expect(await w.call('load', 'W', 3 * 4096)).toMatchObject({ ok: false });
      expect((await w.call<unknown[]>('signals', 'W')).at(-1)).toEqual({ signal: 'SIGBUS', code: 'BUS_MCEERR_AR', lsb: 12, addr: A + PROC + 3 * 4096 });
    } finally {
      s.system.detach();
    }
  });

  it('M-2 the other way: a worker consumes poison; the main thread\'s mapping of that page is gone and its next load gets BUS_MCEERR_AR (F-6)', async () => {
    const s = await setup({ type: 'ext4' });
    try {
      const w = await startWorker(s);
      const { main, map } = mainMapping(s);
      expect(load(s.mm, map, 5 * 4096).ok).toBe(true);
      await w.call('spawn', 'W', 'f', false);
      const ns = s.system.namespaces[0]!;
      s.system.media.poison(ns.spa((512 + 5) * 4096 + 64), 64);
      expect(await w.call('load', 'W', 5 * 4096 + 64)).toMatchObject({ ok: false });
      expect(await w.call('signals', 'W')).toEqual([{ signal: 'SIGBUS', code: 'BUS_MCEERR_AR', lsb: 12, addr: A + PROC + 5 * 4096 }]);
      // Late kill: the main process heard nothing, but its page-table entry went.
      expect(readSignals(s.mm.region, main.index).log).toEqual([]);
      expect(load(s.mm, map, 5 * 4096).ok).toBe(false);
      expect(readSignals(s.mm.region, main.index).log).toEqual([{ signal: 'SIGBUS', code: 'BUS_MCEERR_AR', lsb: 12, addr: A + 5 * 4096 }]);
    } finally {
      s.system.detach();
    }
  });

  it('§6.5 a file on a dm device in a worker that registered the same table: its faults land on the members; a range failure on pmem1 reaches it through xfs', async () => {
    const s = await setup({ type: 'xfs', dm: true });
    try {
      s.mm.memoryFailurePolicy = 'range';
      const w = await startWorker(s, { dm: { name: 'dm0', chunk: 16 } });
      await w.call('spawn', 'W', 'f', true);
      // File page 2 = dm page 514: chunk 257 (2 pages a chunk) -> pmem1, member page 128 * 2 = 256.
      expect(await w.call('load', 'W', 2 * 4096)).toMatchObject({ ok: true });
      const r = memoryFailureEvent(s.mm, s.system.namespaces[1]!, 256 * 4096, 4096);
      expect(r).toMatchObject({ calls: 1 });
      expect(await w.call('signals', 'W')).toEqual([{ signal: 'SIGBUS', code: 'BUS_MCEERR_AO', lsb: 12, addr: A + 2 * 4096 }]);
      expect(s.mm.counters().rmapLookups).toBeGreaterThan(0);
    } finally {
      s.system.detach();
    }
  });

  it('two workers faulting and loading poisoned pages at once: every poisoned page signals its consumer once, every clean page reads', async () => {
    const s = await setup({ type: 'xfs' });
    try {
      const barrier = new SharedArrayBuffer(4);
      const a = new RpcWorker(FIXTURE, { handle: s.system.handle, barrier });
      const b = new RpcWorker(FIXTURE, { handle: s.system.handle, barrier });
      workers = [a, b];
      await Promise.all([a.started, b.started]);
      await a.call('spawn', 'WA', 'f', false);
      await b.call('spawn', 'WB', 'f', false);
      const ns = s.system.namespaces[0]!;
      // Every 4th page of the file has a poisoned first line: 16 of 64.
      for (let k = 0; k < 64; k += 4) s.system.media.poison(ns.spa((512 + k) * 4096), 64);
      const [ra, rb] = await Promise.all([
        a.call<{ ok: number; signalled: number }>('loadPages', { name: 'WA', first: 0, pages: 64, parties: 2 }),
        b.call<{ ok: number; signalled: number }>('loadPages', { name: 'WB', first: 0, pages: 64, parties: 2 }),
      ]);
      expect(ra).toEqual({ ok: 48, signalled: 16 });
      expect(rb).toEqual({ ok: 48, signalled: 16 });
      // Whichever worker consumed a page first ran memory_failure; the other met the page known
      // bad at its fault (F-6) or consumed it too before that: 16 AR signals each, at page addresses.
      const sa = await a.call<{ code: string; addr: number }[]>('signals', 'WA');
      const sb = await b.call<{ code: string; addr: number }[]>('signals', 'WB');
      expect(sa.map((x) => x.addr)).toEqual(Array.from({ length: 16 }, (_, i) => A + i * 4 * 4096));
      expect(sb.map((x) => x.addr)).toEqual(Array.from({ length: 16 }, (_, i) => A + PROC + i * 4 * 4096));
      expect(new Set([...sa, ...sb].map((x) => x.code))).toEqual(new Set(['BUS_MCEERR_AR']));
      expect(s.mm.region.held()).toBe(false);
    } finally {
      s.system.detach();
    }
  });
});
