/**
 * Worker side of the reader-scaling benchmark: attaches to the shared structure, waits for
 * the start signal, then either checks in batches (reader) or sets and clears one run at a
 * paced rate (writer) until told to stop, and reports what it did.
 *
 * Control words (Int32Array over a SharedArrayBuffer, shared with the main side only):
 *   CTL_READY  workers that attached     CTL_GO  1 = start     CTL_STOP 1 = stop
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachShared, type SharedHandle } from '../../src/core/shared.js';

export const CTL_READY = 0;
export const CTL_GO = 1;
export const CTL_STOP = 2;

export interface BbThreadData {
  readonly handle: SharedHandle;
  readonly base: number;
  readonly role: 'reader' | 'writer';
  readonly control: SharedArrayBuffer;
  /** Reader: address and count of u64 query starts. Writer: the sector it sets and clears. */
  readonly queries: number;
  readonly nQueries: number;
  readonly len: number;
  /** Writer: updates per second. */
  readonly rate: number;
}

function run(d: BbThreadData): { ops: number; ns: number } {
  const ctx = attachShared(d.handle);
  const ctl = new Int32Array(d.control);
  Atomics.add(ctl, CTL_READY, 1);
  Atomics.notify(ctl, CTL_READY);
  while (Atomics.load(ctl, CTL_GO) === 0) Atomics.wait(ctl, CTL_GO, 0, 50);
  const t0 = process.hrtime.bigint();
  let ops = 0;
  if (d.role === 'reader') {
    const batch = 2048;
    while (Atomics.load(ctl, CTL_STOP) === 0) {
      ctx.wasm.bench_bb_check(d.base, d.queries, d.nQueries, d.len, batch, ops);
      ops += batch;
    }
  } else {
    const periodNs = 1e9 / d.rate;
    while (Atomics.load(ctl, CTL_STOP) === 0) {
      // Alternate set and clear of one gap run, so the structure's size stays fixed.
      if (ops % 2 === 0) ctx.wasm.badblocks_set(d.base, d.queries, d.len, 1);
      else ctx.wasm.badblocks_clear(d.base, d.queries, d.len);
      ops++;
      const next = t0 + BigInt(Math.round(ops * periodNs));
      const waitMs = Number(next - process.hrtime.bigint()) / 1e6;
      if (waitMs > 0) Atomics.wait(ctl, CTL_STOP, 0, waitMs);
    }
  }
  const ns = Number(process.hrtime.bigint() - t0);
  ctx.detach();
  return { ops, ns };
}

parentPort?.postMessage(run(workerData as BbThreadData));
