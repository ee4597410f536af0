/**
 * Worker side of a job (piscina task; main side: engine.ts). Loaded BUILT from
 * dist/src/workload/worker.js: on Node 20 a worker thread cannot load .ts.
 *
 * One task per worker per job: attach to the job's system (instantiating the wasm module
 * once on the shared memory), open the path's engine, warm up on the clean area at the end
 * of the target (untimed), wait at the start barrier, run the op loop over this worker's
 * slice of the span until the op bound or the stop flag, and return counters, compressed
 * latency histograms and this thread's CPU time.
 *
 * The op loop is the hot path of the `null` engine's measurement: per op it draws an
 * offset, calls the engine and counts; the stop flag is read once per STOP_CHECK_OPS ops and
 * the clock only for sampled ops (lat_sample), because a timer read costs more than a 4 KiB
 * copy here.
 */
import { attachSystem, type System } from '../nvdimm/system.js';
import { dataFile, openEngine, warmFile, type IoEngine } from './io.js';
import { mulberry32, streamSeed } from './rng.js';
import { cpuSince, threadCpu } from './cpu.js';
import { encodeHistogram, LatencyRecorder, newHistogram } from './latency.js';
import { poisonEvent, scrubRange } from './poison.js';
import { BlockLedger } from './ledger.js';
import { sliceBytes, targetBytes, warmArea, type JobSpec } from './spec.js';
import {
  BARRIER_TIMEOUT_MS, CONTROL_BYTES, CTL_DONE, CTL_GO, CTL_READY, CTL_STOP, REGION_KIND_WORKLOAD, STOP_CHECK_OPS,
  type DirectionCounters, type WorkerResult, type WorkerTask,
} from './protocol.js';

/** Ops (at most) and time (at most) of the warm-up. */
const WARM_OPS = 50_000;
const WARM_MS = 60;

/**
 * The op loop's state. A class, so that the warm-up's state and the timed run's have one
 * hidden class and the loop JIT-compiled during warm-up stays monomorphic for the run.
 */
class Loop {
  readonly read: DirectionCounters = counters();
  readonly write: DirectionCounters = counters();
  readonly readHist = new LatencyRecorder();
  readonly writeHist = new LatencyRecorder();
  seq = 0;
  writes = 0;
  signals = 0;
  recovered = 0;
  notReturned = 0;
  constructor(
    readonly job: JobSpec,
    readonly engine: IoEngine,
    readonly system: System,
    readonly ctl: Int32Array,
    /** First byte and blocks of the area the ops use. */
    readonly base: number,
    readonly blocks: number,
    readonly rand: () => number,
    /** verify: the block ledger (null during the warm-up, which is outside the span). */
    readonly ledger: BlockLedger | null = null,
    /** Target offset of the engine's file byte 0 (dax skipped ranges are file offsets). */
    readonly fileStart = 0,
  ) {}
}

function counters(): DirectionCounters {
  return { ios: 0, ioBytes: 0, goodBytes: 0, errors: {} };
}

/** The control words of the job (protocol.ts). */
function controlWords(system: System): Int32Array {
  const r = system.extraRegions.find((x) => x.kind === REGION_KIND_WORKLOAD);
  if (r === undefined) throw new Error('workload: the system has no control region');
  return new Int32Array(system.context.u8.buffer, r.base, CONTROL_BYTES / 4);
}

/**
 * The rest of a read that delivered `good` < bs bytes: count the error, apply the remedy
 * (on_error) and retry once. Returns the bytes finally delivered as good data.
 */
function readFailed(l: Loop, off: number, good: number): number {
  const { engine: e, job } = l;
  const bs = job.bs;
  const errors = l.read.errors;
  errors[e.errno] = (errors[e.errno] ?? 0) + 1;
  if (e.errno === 'SIGBUS') l.signals += e.signals;
  let repaired = false;
  const v = l.ledger;
  // verify: the remedy rewrites the pages with what they should hold (a replica's copy).
  const pageStart = Math.floor(off / 4096) * 4096;
  const pageLen = Math.ceil((off + bs) / 4096) * 4096 - pageStart;
  const remedy = job.onError === 'recovery-write' || job.onError === 'punch-hole';
  if (v !== null && remedy) v.beforeRestore(pageStart, pageLen);
  if (job.onError === 'recovery-write') repaired = e.recoveryWrite(off, bs);
  else if (job.onError === 'punch-hole') repaired = e.punchHole(off, bs);
  if (v !== null && remedy) v.afterRestore(pageStart, pageLen, repaired);
  if (repaired && e.read(off, bs) === bs) {
    if (v !== null) v.checkRead(off / bs, off, bs, e.skipped, l.fileStart);
    l.recovered += bs - good;
    return bs;
  }
  l.notReturned += bs - good;
  return good;
}

/** A write, its errors and its sync. Returns the bytes written. */
function writeOp(l: Loop, off: number): number {
  const { engine: e, job, ledger } = l;
  const version = ledger === null ? 0 : ledger.beforeWrite(off / job.bs);
  const w = e.write(off, job.bs);
  if (ledger !== null) ledger.afterWrite(off / job.bs, version, w);
  if (w < job.bs) l.write.errors[e.errno] = (l.write.errors[e.errno] ?? 0) + 1;
  if (job.sync === 'o_sync' || (job.sync === 'fsync' && ++l.writes % job.fsyncInterval === 0)) {
    e.sync();
    if (ledger !== null) ledger.synced();
  }
  return w;
}

/**
 * The op loop: until `limit` ops, the stop flag (checked every STOP_CHECK_OPS ops) or,
 * when `untilMs` is finite, that time. Poison arrivals and scrubs in logical time happen
 * at their op indices, in this worker's slice. Counts live in locals during the loop (the
 * null op is ~15 ns: property updates would be a visible share of it) and are added to
 * `l` at the end.
 */
function opLoop(l: Loop, limit: number, untilMs: number, t: WorkerTask, slice: readonly [number, number], prand: () => number): { injected: number; scrubs: number; byDeadline: boolean } {
  const { job, engine, ctl } = l;
  const rw = job.rw;
  const bs = job.bs;
  const random = rw === 'randread' || rw === 'randwrite' || rw === 'randrw';
  const fixedRead = rw === 'read' || rw === 'randread';
  const mixed = rw === 'randrw';
  const mix = job.rwmixread / 100;
  const lat = job.latSample;
  const { arrivalEveryOps, scrubEveryOps } = t;
  const failAt = t.failAtOp ?? -1;
  const spaOf = (off: number): number => engine.spaOf(off);
  const { base, blocks, rand, ledger } = l;
  let injected = 0;
  let scrubs = 0;
  let reads = 0;
  let readGood = 0;
  let writes = 0;
  let writeGood = 0;
  // A countdown, not i % lat: an integer division costs several ns, a third of the null
  // op. lat 0 (off): -1, which never counts down to 0 within any run.
  let sampleIn = lat === 0 ? -1 : 1;
  let byDeadline = false;
  let i = 0;
  try {
    for (; i < limit; i++) {
      if ((i & (STOP_CHECK_OPS - 1)) === 0) {
        if (Atomics.load(ctl, CTL_STOP) !== 0) break;
        if (untilMs !== Infinity && performance.now() >= untilMs) {
          byDeadline = true;
          break;
        }
      }
      if (arrivalEveryOps !== 0 && i % arrivalEveryOps === arrivalEveryOps - 1) {
        injected += poisonEvent(l.system, spaOf, job.poison, prand, slice[0], slice[1], job.verify);
      }
      if (scrubEveryOps !== 0 && i % scrubEveryOps === scrubEveryOps - 1) {
        scrubs += scrubRange(l.system, spaOf, slice[0], slice[1], job.path !== 'dm');
      }
      if (i === failAt) {
        // A crash: the thread ends without answering its task (process.exit in a worker ends only the worker).
        if (t.failHow === 'exit') process.exit(1);
        throw new Error(`injected failure at op ${i} (failAtOp test hook)`);
      }
      const off = base + (random ? Math.floor(rand() * blocks) : l.seq++ % blocks) * bs;
      const isRead = mixed ? rand() < mix : fixedRead;
      const sampled = --sampleIn === 0;
      const t0 = sampled ? performance.now() : 0;
      if (isRead) {
        reads++;
        const good = engine.read(off, bs);
        if (ledger !== null) ledger.checkRead(off / bs, off, good, engine.skipped, l.fileStart);
        readGood += good === bs ? bs : readFailed(l, off, good);
      } else {
        writes++;
        writeGood += writeOp(l, off);
      }
      if (sampled) {
        sampleIn = lat;
        (isRead ? l.readHist : l.writeHist).record((performance.now() - t0) * 1e6);
      }
    }
  } finally {
    l.read.ios += reads;
    l.read.ioBytes += reads * bs;
    l.read.goodBytes += readGood;
    l.write.ios += writes;
    l.write.ioBytes += writes * bs;
    l.write.goodBytes += writeGood;
  }
  return { injected, scrubs, byDeadline };
}

/** Waits for GO (timed waits that also watch STOP). Returns false when told to stop first. */
function startBarrier(ctl: Int32Array): boolean {
  Atomics.add(ctl, CTL_READY, 1);
  Atomics.notify(ctl, CTL_READY);
  const deadline = performance.now() + BARRIER_TIMEOUT_MS;
  while (Atomics.load(ctl, CTL_GO) === 0) {
    if (Atomics.load(ctl, CTL_STOP) !== 0) return false;
    if (performance.now() > deadline) throw new Error(`no start signal within ${BARRIER_TIMEOUT_MS} ms`);
    Atomics.wait(ctl, CTL_GO, 0, 20);
  }
  return true;
}

/** The piscina task (see the header). */
export default async function runWorker(t: WorkerTask): Promise<WorkerResult> {
  const system = await attachSystem(t.handle);
  try {
    const { job, worker } = t;
    const ctl = controlWords(system);
    const sliceLen = sliceBytes(job);
    const slice = [worker * sliceLen, sliceLen] as const;
    const warm = warmArea(targetBytes(job.path, job.device.size), job.numjobs, worker);
    const files = job.path === 'dax' || job.path === 'mmap';
    const open = (name: string, start: number): IoEngine => openEngine(job.path, system, {
      mode: job.mode, buf: system.bus.ioBuffer, process: name, ...(files ? { file: { name, start } } : {}),
    });
    const engine = open(dataFile(worker), slice[0]);
    const warmEngine = files ? open(warmFile(worker), warm.start) : engine;
    // Warm-up, untimed, on the clean area past the span: the same loop, so the JIT has
    // compiled what the timed run executes; then its writes are made durable and forgotten.
    const l = new Loop(job, warmEngine, system, ctl, warm.start, Math.floor(warm.bytes / job.bs), mulberry32(streamSeed(job.seed, worker, 9)));
    // Two calls: the first gets the loop optimised on stack (OSR), the second enters the optimised function.
    const warmTask = { ...t, arrivalEveryOps: 0, scrubEveryOps: 0, failAtOp: -1 };
    if (l.blocks > 0) for (let k = 0; k < 2; k++) opLoop(l, WARM_OPS, performance.now() + WARM_MS, warmTask, slice, () => 0);
    warmEngine.sync();
    const ledger = job.verify ? new BlockLedger(system, system.bus.ioBuffer, job.device.eadr) : null;
    const warmed = new Loop(job, engine, system, ctl, slice[0], sliceLen / job.bs, mulberry32(streamSeed(job.seed, worker, 0)), ledger, files ? slice[0] : 0);
    const prand = mulberry32(streamSeed(job.seed, worker, 1));
    if (!startBarrier(ctl)) return emptyResult(worker);
    const cpu0 = threadCpu();
    const t0 = performance.now();
    let loop: { injected: number; scrubs: number; byDeadline: boolean };
    try {
      loop = opLoop(warmed, t.opsLimit ?? Infinity, t.deadlineMs === null ? Infinity : t0 + t.deadlineMs, t, slice, prand);
    } finally {
      Atomics.add(ctl, CTL_DONE, 1);
      Atomics.notify(ctl, CTL_DONE);
    }
    const loopNs = (performance.now() - t0) * 1e6;
    const cpu = cpuSince(cpu0);
    return {
      worker, read: warmed.read, write: warmed.write,
      readHist: encodeHistogram(warmed.readHist.toHistogram()), writeHist: encodeHistogram(warmed.writeHist.toHistogram()),
      signals: warmed.signals, bytesRecovered: warmed.recovered, bytesNotReturned: warmed.notReturned,
      injectedLines: loop.injected, scrubs: loop.scrubs, byDeadline: loop.byDeadline, loopNs, cpu,
      ...(ledger === null ? {} : { reads: { ...ledger.counts, evidence: ledger.evidence } }),
    };
  } finally {
    system.detach();
  }
}

function emptyResult(worker: number): WorkerResult {
  const e = encodeHistogram(newHistogram());
  return {
    worker, read: counters(), write: counters(), readHist: e, writeHist: e, signals: 0, bytesRecovered: 0,
    bytesNotReturned: 0, injectedLines: 0, scrubs: 0, byDeadline: false, loopNs: 0, cpu: { user_ms: 0, system_ms: 0 },
  };
}
