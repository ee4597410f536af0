/**
 * Reader scaling of the badblocks structures: 1 and 2 reader threads run lock-free checks
 * (check-miss queries) against one structure in the shared memory, with and without a
 * writer thread setting and clearing a run 1,000 times per second. Reported as checks per
 * second over all readers; the structure and queries are those of the main suite.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { createShared } from '../../src/core/shared.js';
import { badblocksRegion, initBadblocks } from '../../src/badblocks/badblocks.js';
import type { BadblocksKind } from '../../src/badblocks/kinds.js';
import { mulberry32, shuffled } from '../lib/rng.js';
import { CTL_GO, CTL_READY, CTL_STOP, type BbThreadData } from '../workers/bb-thread.js';

export interface ScalingResult {
  readonly kind: BadblocksKind;
  readonly n: number;
  readonly readers: number;
  readonly writer: boolean;
  readonly checksPerSec: number;
  readonly writerUpdates: number;
}

const WORKER = fileURLToPath(new URL('../workers/bb-thread.js', import.meta.url));
const KINDS: readonly [BadblocksKind, number][] = [['table', 512], ['itree', 10_000], ['btree', 10_000], ['bitmap', 10_000]];

export async function readerScaling(options: { durationMs: number }): Promise<ScalingResult[]> {
  const out: ScalingResult[] = [];
  for (const [kind, n] of KINDS) {
    const opts = kind === 'bitmap' ? { kind, capacitySectors: n * 32 + 32 } : { kind };
    const ctx = createShared({ mediaBytes: 0, maxThreads: 6, ioBufferBytes: 4096, regions: [badblocksRegion(opts), { kind: 0xbe0b, bytes: 8 * 65536 }] });
    const base = ctx.layout.regions[0]!.base;
    const scratch = ctx.layout.regions[1]!.base;
    const bb = initBadblocks(ctx, base, opts);
    const rand = mulberry32(9 + n);
    for (const r of shuffled(n, rand)) bb.set(r * 32, 8, true);
    const q = new BigUint64Array(ctx.u8.buffer, scratch, 65536);
    for (let i = 0; i < q.length; i++) q[i] = BigInt(Math.floor(rand() * n) * 32 + 8 + Math.floor(rand() * 17));
    for (const writer of [false, true]) {
      for (const readers of [1, 2]) {
        const control = new SharedArrayBuffer(16);
        const ctl = new Int32Array(control);
        const common = { handle: ctx.handle, base, control, len: 8, rate: 1000 };
        const workers: Worker[] = [];
        for (let i = 0; i < readers; i++) {
          workers.push(new Worker(WORKER, { workerData: { ...common, role: 'reader', queries: scratch, nQueries: q.length } satisfies BbThreadData }));
        }
        // The writer's run lies in a gap of run 0: [16, 24).
        if (writer) workers.push(new Worker(WORKER, { workerData: { ...common, role: 'writer', queries: 16, nQueries: 0 } satisfies BbThreadData }));
        const results = workers.map((w) => new Promise<{ ops: number; ns: number }>((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }));
        while (Atomics.load(ctl, CTL_READY) < workers.length) await new Promise((r) => setTimeout(r, 5));
        Atomics.store(ctl, CTL_GO, 1);
        Atomics.notify(ctl, CTL_GO);
        await new Promise((r) => setTimeout(r, options.durationMs));
        Atomics.store(ctl, CTL_STOP, 1);
        Atomics.notify(ctl, CTL_STOP);
        const done = await Promise.all(results);
        await Promise.all(workers.map((w) => w.terminate()));
        const readerDone = done.slice(0, readers);
        const checksPerSec = readerDone.reduce((s, r) => s + r.ops / (r.ns / 1e9), 0);
        out.push({ kind, n, readers, writer, checksPerSec, writerUpdates: writer ? done[readers]!.ops : 0 });
      }
    }
    ctx.detach();
  }
  return out;
}
