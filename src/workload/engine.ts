/**
 * Main side of a job (worker side: worker.ts). For each job of a file, in order:
 *
 *   1. a fresh simulated system from the device section (fsdax namespace pmem0 with file
 *      "data" over all of it; path dm: pmem0 + pmem1 striped), in `real` time, so modelled
 *      costs (firmware clear latency) are spent busy-waiting and show in throughput;
 *   2. the initial poison (density) over the span;
 *   3. a piscina pool of `numjobs` threads, one task each; every worker attaches, warms up
 *      untimed and waits at the start barrier; the run starts when all are ready (GO);
 *   4. while they run, this thread is the injector and the scrubber for wall-time poison
 *      ("20/s", "500ms"): events are rare (tens per second), so a 5 ms timer tick is exact
 *      enough, needs no thread slot, and leaves both cores of a 2-core machine to the
 *      workers — a dedicated worker would take one of them. Poison in logical time
 *      ("1/1000ops", "2000ops") is injected by each worker at its own op indices instead;
 *   5. stop (runtime over, power failure, a failed worker, an abort), power failure if
 *      asked, counters read and merged (metrics.ts).
 *
 * A failed worker ends the run: the others are told to stop (the control region's stop
 * flag; after a grace period also the memory's stop flag, which makes every lock wait give
 * up), the result says complete=false and names the job and the worker. Nothing hangs: a
 * worker that does not stop within the grace periods is terminated with the pool.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { createFsdaxSystem } from '../dax/fs.js';
import { createMmSystem } from '../mm/system.js';
import type { Mm } from '../mm/mm.js';
import type { System, SystemOptions } from '../nvdimm/system.js';
import { arsStart, arsStatus } from '../nvdimm/ars.js';
import { packageRoot } from '../core/package.js';
import { HEADER_BASE, HDR_STOP } from '../core/layout.js';
import { dataFile, openEngine, warmFile } from './io.js';
import { initialEvents, poisonEvent } from './poison.js';
import { mulberry32, streamSeed } from './rng.js';
import { isDeterministic, sliceBytes, targetBytes, warmArea, type JobSpec } from './spec.js';
import { mergeJob, modelParameters, type JobCounters } from './metrics.js';
import {
  CONTROL_BYTES, CTL_DONE, CTL_GO, CTL_READY, CTL_STOP, REGION_KIND_WORKLOAD, type WorkerResult, type WorkerTask,
} from './protocol.js';
import type { IntegrityStats, JobResult, RunResult } from './result.js';
import { initLedger, ledgerBytes, REGION_KIND_LEDGER } from './ledger.js';
import { sliceSpaOf, verifyBlocks } from './verify.js';
import { rebootSystem } from './reboot.js';

/** What an inspector (the soak, bench/soak.ts) is shown of a running job: main thread only. */
export interface JobView {
  readonly job: JobSpec;
  readonly system: System;
  readonly mm?: Mm;
}

/**
 * Hooks that look at a job's system from the main thread: `tick` between the engine's 5 ms
 * ticks while the workers run (it must be quick and take locks only briefly), `end` once the
 * workers are quiescent, after the power failure, reboot and verification, before the system
 * is released — only for a run that ended as planned (not failed, aborted or stopped hard:
 * its figures are not a result to check). A hook that throws fails the job (its message
 * becomes the job's error).
 */
export interface JobInspector {
  readonly tick?: (v: JobView) => void;
  /** At the end of a job that finished normally. */
  readonly end?: (v: JobView, result: JobResult) => void;
  /** After the job's workers stopped, however it ended, before its system is detached. */
  readonly stopped?: (system: System) => void;
}

export interface RunOptions {
  /** Aborting stops the run within a tick (Ctrl-C); the result is marked incomplete. */
  readonly signal?: AbortSignal;
  /** Called with one line per job started and finished (progress on stderr). */
  readonly onProgress?: (line: string) => void;
  /**
   * Test hook: worker `worker` of every job fails at op `op`: throws (`how` 'throw', the
   * default) or ends its thread at once without answering (`how` 'exit': a crashed worker).
   */
  readonly failWorker?: { readonly worker: number; readonly op: number; readonly how?: 'throw' | 'exit' };
  /** Looks at each job's system while it runs, at its end, and after its workers stopped (the soak's invariant checks; the fault tests' lock check). */
  readonly inspect?: JobInspector;
}

const TICK_MS = 5;
/** After a stop request: grace before the memory's stop flag, then before terminating. */
const STOP_GRACE_MS = 1000;
const KILL_GRACE_MS = 5000;
const READY_TIMEOUT_MS = 60_000;

/** The built worker file (workers load JS from dist/ on Node 20, even when this file is .ts). */
export function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = here.replace(/\.ts$/, '.js').replace(/engine\.js$/, 'worker.js');
  const path = here.endsWith('.js') ? sibling : join(packageRoot(), 'dist', 'src', 'workload', 'worker.js');
  if (!existsSync(path)) throw new Error(`workload: ${path} is missing; run \`npm run build\` first`);
  return path;
}

interface Built {
  readonly system: System;
  readonly ctl: Int32Array;
  /** The mm of an mmap job (its memory_failure calls are counted there). */
  readonly mm?: Mm;
}

/** Step 1 of the header: the job's system, its target and its control region. */
export async function buildSystem(job: JobSpec): Promise<Built> {
  const d = job.device;
  const ns = (name: string, size: number): SystemOptions['namespaces'][number] => ({ name, size, mode: 'fsdax', kernel: d.kernel, badblocks: d.badblocks });
  const logicalScrub = job.poison.scrub !== null && 'ops' in job.poison.scrub;
  const options: SystemOptions = {
    namespaces: job.path === 'dm' ? [ns('pmem0', d.size / 2), ns('pmem1', d.size / 2)] : [ns('pmem0', d.size)],
    // Logical-time scrubs complete at once (a worker cannot wait out a wall-time ARS and stay deterministic).
    model: { time: 'real', clearLatencyNs: Math.round(d.clearLatencyMs * 1e6), arsMs: logicalScrub ? 0 : Math.round(d.arsMs) },
    maxThreads: job.numjobs + 2,
    eADR: d.eadr,
    extraRegions: [
      { kind: REGION_KIND_WORKLOAD, bytes: CONTROL_BYTES },
      ...(job.verify ? [{ kind: REGION_KIND_LEDGER, bytes: ledgerBytes(ledgerBlocks(job)) }] : []),
    ],
  };
  const built = job.path === 'mmap' ? await createMmSystem(options) : await createFsdaxSystem(options);
  const { system, fs } = built;
  if (job.path === 'dax' || job.path === 'mmap') {
    // Worker w's files (io.ts): its slice of the span, and its part of the warm-up area.
    const slice = sliceBytes(job);
    const tb = targetBytes(job.path, d.size);
    for (let w = 0; w < job.numjobs; w++) {
      const warm = warmArea(tb, job.numjobs, w);
      for (const [name, start, bytes] of [[dataFile(w), w * slice, slice], [warmFile(w), warm.start, warm.bytes]] as const) {
        if (bytes === 0) continue;
        const f = fs.createFile({ ns: system.namespaces[0]!, name, pgoff: start / 4096, pages: bytes / 4096 });
        if (!('pages' in f)) throw new Error(`workload: cannot create file ${name} (${f.errno})`);
      }
    }
  }
  if (job.verify) initLedger(system, ledgerBlocks(job), job.bs, streamSeed(job.seed, 1000, 3));
  const region = system.extraRegions.find((r) => r.kind === REGION_KIND_WORKLOAD)!;
  const ctl = new Int32Array(system.context.u8.buffer, region.base, CONTROL_BYTES / 4);
  return 'mm' in built ? { system, ctl, mm: built.mm as Mm } : { system, ctl };
}

/** Blocks of a verifying job's ledger: every worker's slice, in bs blocks. */
function ledgerBlocks(job: JobSpec): number {
  return (job.numjobs * sliceBytes(job)) / job.bs;
}

/** The main thread's map from target bytes to SPA: the files' (dax, mmap), else the device's. */
function mainSpaOf(job: JobSpec, system: System, target: ReturnType<typeof openEngine>): (off: number) => number {
  if (job.path !== 'dax' && job.path !== 'mmap') return (off) => target.spaOf(off);
  const slice = sliceBytes(job);
  const files = Array.from({ length: job.numjobs }, (_, w) => openEngine('dax', system, { mode: 'failfast', buf: system.bus.ioBuffer, file: { name: dataFile(w), start: w * slice } }));
  return sliceSpaOf(files, slice);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function everyOps(rate: JobSpec['poison']['arrival']): number {
  return rate !== null && 'perOp' in rate && rate.perOp > 0 ? Math.max(1, Math.round(1 / rate.perOp)) : 0;
}

/** Runs one job (see the header). Never throws for a worker's failure: the result says it. */
export async function runJob(job: JobSpec, options: RunOptions = {}): Promise<{ result: JobResult; error?: string }> {
  const begin = performance.now();
  const { system, ctl, mm } = await buildSystem(job);
  const pool = new Piscina({ filename: pathToFileURL(workerFile()).href, minThreads: job.numjobs, maxThreads: job.numjobs, idleTimeout: 60_000 });
  const stopAll = (): void => {
    Atomics.store(ctl, CTL_STOP, 1);
    Atomics.notify(ctl, CTL_GO);
  };
  try {
    // The main thread's view of the target, for placing poison: the device (the files lay
    // the target out on it page for page) or the dm device.
    const target = openEngine(job.path === 'dm' ? 'dm' : 'block', system, { mode: job.mode, buf: system.bus.ioBuffer });
    const spaOf = (off: number): number => target.spaOf(off);
    const p = job.poison;
    const prand = mulberry32(streamSeed(job.seed, 1000, 2));
    let injected = 0;
    for (let e = initialEvents(p, job.span); e > 0; e--) injected += poisonEvent(system, spaOf, p, prand, 0, job.span, job.verify);
    const before = system.bus.state.counters();
    const mmBefore = mm?.counters().memoryFailureCalls ?? 0;

    const pf = job.powerFail;
    const pfMs = pf !== null && 'ms' in pf ? pf.ms : Infinity;
    const deadline = Math.min(job.ops === null ? job.runtimeMs : Infinity, pfMs);
    const opsLimit = pf !== null && 'ops' in pf ? Math.min(pf.ops, job.ops ?? Infinity) : job.ops;
    const failures: string[] = [];
    const results: (WorkerResult | undefined)[] = new Array<WorkerResult | undefined>(job.numjobs);
    let settled = 0;
    const tasks = Array.from({ length: job.numjobs }, (_, worker) => {
      const task: WorkerTask = {
        handle: system.handle, job, worker, opsLimit,
        deadlineMs: deadline === Infinity ? null : deadline,
        scrubEveryOps: p.scrub !== null && 'ops' in p.scrub ? p.scrub.ops : 0, arrivalEveryOps: everyOps(p.arrival),
        ...(options.failWorker?.worker === worker ? { failAtOp: options.failWorker.op, failHow: options.failWorker.how ?? 'throw' } : {}),
      };
      return (pool.run(task) as Promise<WorkerResult>).then(
        (r) => { results[worker] = r; },
        (err: unknown) => {
          failures.push(`job ${JSON.stringify(job.name)}: worker ${worker} failed: ${err instanceof Error ? err.message : String(err)}`);
          stopAll();
        },
      ).finally(() => { settled++; });
    });

    // Start barrier: every worker attached and warmed (or one failed).
    const readyBy = performance.now() + READY_TIMEOUT_MS;
    while (Atomics.load(ctl, CTL_READY) < job.numjobs && failures.length === 0 && !options.signal?.aborted) {
      if (performance.now() > readyBy) {
        failures.push(`job ${JSON.stringify(job.name)}: the workers were not ready within ${READY_TIMEOUT_MS} ms`);
        break;
      }
      await sleep(2);
    }
    let stoppedBy: 'runtime' | 'ops' | 'power_fail' | 'error' | 'abort' = job.ops === null ? 'runtime' : 'ops';
    const t0 = performance.now();
    if (failures.length === 0 && !options.signal?.aborted) {
      Atomics.store(ctl, CTL_GO, 1);
      Atomics.notify(ctl, CTL_GO);
    } else {
      stopAll();
    }
    options.onProgress?.(`job ${job.name}: ${job.numjobs} worker(s) on ${job.path}, ${job.ops === null ? `${job.runtimeMs} ms` : `${job.ops} ops each`}`);

    let arrivals = 0;
    let nextScrub = p.scrub !== null && 'ms' in p.scrub ? p.scrub.ms : Infinity;
    let stopAt = Infinity;
    let hardStopped = false;
    while (settled < job.numjobs) {
      await sleep(TICK_MS);
      const elapsed = performance.now() - t0;
      if (Atomics.load(ctl, CTL_STOP) === 0) {
        // The workers stop themselves at the deadline; this is the backstop (a worker stuck
        // in one long op, or not started), with a grace for a main thread short of CPU.
        const reason = failures.length > 0 ? 'error'
          : options.signal?.aborted ? 'abort'
            : elapsed >= deadline + STOP_GRACE_MS ? (deadline === pfMs ? 'power_fail' : 'runtime') : null;
        if (reason !== null) {
          stoppedBy = reason;
          stopAll();
        }
      }
      if (Atomics.load(ctl, CTL_STOP) !== 0) {
        if (stopAt === Infinity) stopAt = performance.now();
        const late = performance.now() - stopAt;
        if (late > STOP_GRACE_MS && !hardStopped) {
          // Workers parked in a lock wait (a failed worker may have held it) give up now.
          Atomics.store(new Int32Array(system.context.u8.buffer), (HEADER_BASE + HDR_STOP) / 4, 1);
          hardStopped = true;
        }
        if (late > STOP_GRACE_MS + KILL_GRACE_MS) {
          failures.push(`job ${JSON.stringify(job.name)}: ${job.numjobs - settled} worker(s) did not stop within ${(STOP_GRACE_MS + KILL_GRACE_MS) / 1000} s; terminated`);
          break;
        }
        continue;
      }
      // Wall-time poison: arrivals due by now, over the whole span.
      if (p.arrival !== null && 'perMs' in p.arrival) {
        for (const due = Math.floor(elapsed * p.arrival.perMs); arrivals < due; arrivals++) {
          injected += poisonEvent(system, spaOf, p, prand, 0, job.span);
        }
      }
      if (elapsed >= nextScrub) {
        arsStart(system.bus);
        nextScrub += (p.scrub as { ms: number }).ms;
      }
      if (p.scrub !== null) arsStatus(system.bus);
      if (options.inspect?.tick !== undefined) {
        try {
          options.inspect.tick(mm === undefined ? { job, system } : { job, system, mm });
        } catch (err) {
          failures.push(`job ${JSON.stringify(job.name)}: ${err instanceof Error ? err.message : String(err)}`);
          stopAll();
        }
      }
    }
    // Every task has settled unless the kill grace ran out (then the pool is destroyed below).
    if (settled === job.numjobs) await Promise.all(tasks);
    // What ended the run, most decisive first (the backstop's reason, set above, stands otherwise).
    if (failures.length > 0) stoppedBy = 'error';
    else if (options.signal?.aborted) stoppedBy = 'abort';
    else if (results.some((r) => r?.byDeadline)) stoppedBy = deadline === pfMs ? 'power_fail' : 'runtime';
    else if (pf !== null && 'ops' in pf && pf.ops < (job.ops ?? Infinity)) stoppedBy = 'power_fail';
    if (p.scrub !== null && !hardStopped) arsStatus(system.bus);
    // A power failure takes every line not yet durable (workers are quiescent now).
    const powerFailed = stoppedBy === 'power_fail' && !hardStopped;
    const powerLost = powerFailed ? system.media.powerFail().lostBytes : 0;
    const after = hardStopped ? before : system.bus.state.counters();
    // Read the workers' ledger stores after their CTL_DONE increments (ledger.ts).
    Atomics.load(ctl, CTL_DONE);
    let integrity: IntegrityStats | undefined;
    // A run that failed or was stopped hard is not verified: its figures are not reported as a result.
    if (job.verify && failures.length === 0 && !hardStopped && stoppedBy !== 'abort') {
      if (powerFailed) rebootSystem(system, mm);
      const done = results.filter((r): r is WorkerResult => r !== undefined);
      const reads = {
        checked: done.reduce((a, r) => a + (r.reads?.checked ?? 0), 0),
        mismatches: done.reduce((a, r) => a + (r.reads?.mismatches ?? 0), 0),
        evidence: done.flatMap((r) => r.reads?.evidence ?? []),
      };
      integrity = verifyBlocks({ system, spaOf: mainSpaOf(job, system, target), powerFailed, powerLostBytes: powerLost, reads });
      if (integrity.violations > 0) {
        failures.push(`job ${JSON.stringify(job.name)}: integrity: ${integrity.violations} violation(s); first: ${integrity.evidence[0] ?? '?'}`);
      }
    }
    const counters: JobCounters = {
      before, after, injectedMain: injected, powerLostBytes: powerLost, wallMs: performance.now() - t0, stoppedBy, startupMs: t0 - begin,
      memoryFailureCalls: mm === undefined || hardStopped ? 0 : mm.counters().memoryFailureCalls - mmBefore,
    };
    const merged = mergeJob(job, results.filter((r): r is WorkerResult => r !== undefined), counters, isDeterministic(job));
    const result: JobResult = integrity === undefined ? merged : { ...merged, integrity };
    if (options.inspect?.end !== undefined && failures.length === 0 && !hardStopped && stoppedBy !== 'abort') {
      try {
        options.inspect.end(mm === undefined ? { job, system } : { job, system, mm }, result);
      } catch (err) {
        failures.push(`job ${JSON.stringify(job.name)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    options.inspect?.stopped?.(system);
    options.onProgress?.(`job ${job.name}: done (${stoppedBy})`);
    return failures.length > 0 ? { result, error: failures.join('; ') } : { result };
  } finally {
    stopAll();
    await pool.destroy();
    system.detach();
  }
}

/** Runs the jobs of a file in order; stops at the first failed job. */
export async function runJobs(jobs: readonly JobSpec[], options: RunOptions = {}): Promise<RunResult> {
  const out: JobResult[] = [];
  for (const job of jobs) {
    const { result, error } = await runJob(job, options);
    out.push(result);
    if (error !== undefined) return { jobs: out, model: modelParameters(jobs), complete: false, error };
    if (options.signal?.aborted) return { jobs: out, model: modelParameters(jobs), complete: false, error: 'stopped (aborted)' };
  }
  return { jobs: out, model: modelParameters(jobs), complete: true };
}
