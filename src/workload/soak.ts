/**
 * The soak (`npm run soak`, bench/soak.ts): every I/O path and every badblocks structure at
 * once, for a bounded time, with poison arriving, scrubs running, power failures, and the
 * invariants checked all along. Rounds of the device set below run back to back until the
 * duration is spent; in a round each device is one workload job (its own simulated system,
 * its own worker pool), all jobs at once:
 *
 *   device        path   badblocks                        why
 *   block-table   block  table (6.15)                     poison dense enough to fill the 512-entry table
 *   dax-itree     dax    itree                            incl. recovery-read-line
 *   mmap-btree    mmap   btree                            SIGBUS, memory_failure, punch-hole
 *   dm-bitmap     dm     bitmap                           a stripe over two namespaces
 *   block-legacy  block  table-legacy (kernel 5.19)       the pre-6.7 table
 *
 * Each round draws, per device and from the seed, the mode, the remedy, the sync policy,
 * latent or known poison, wall-time or logical-time arrivals and scrubs; every other round
 * ends in a power failure (then the reboot and the block verification of verify.ts). Every
 * job verifies content (option verify): a read that delivers other bytes than those last
 * written, or an acknowledged block not intact after a power failure, fails it.
 *
 * Invariants, on the main thread (engine.ts JobInspector):
 *   while the workers run, every CHECK_MS per job —
 *     firmware ⊆ hardware                   (src/nvdimm/invariants.ts)
 *     bb ⊇ firmware                         unless the structure dropped ranges (a full
 *                                           table: the drops are counted and reported)
 *   when a job ends (workers quiescent), after a completed long scrub —
 *     the two above, again
 *     no lock held: every mutex owner word is 0 (device, badblocks x2 per namespace, fs,
 *                                           rmap, mm)
 *     counters add up: ios x bs = io bytes per direction; errors <= ios; read io bytes =
 *       good bytes + bytes not returned; bytes recovered <= good read bytes; ARS completed
 *       <= started; every worker reported; after a power failure the blocks' lost bytes =
 *       what the media lost (verify.ts)
 *   and the job itself must complete without error.
 *
 * The first violation stops the soak (the running jobs are aborted); the report names the
 * invariant, the device, the round and the evidence. A watchdog bounds the whole run: if the
 * jobs have not returned DURATION + WATCHDOG_SLACK_MS after the start, the soak fails with
 * "watchdog".
 *
 * The legacy table can lose sectors and downgrade acks by design (reference §1.9): its
 * coverage gaps are counted as a known deviation, not as a violation.
 */
import { arsStart, arsStatus } from '../nvdimm/ars.js';
import { firmwareNotInBadblocks, firmwareNotPoisoned } from '../nvdimm/invariants.js';
import type { System } from '../nvdimm/system.js';
import { BUS_MUTEX } from '../nvdimm/state.js';
import { REGION_KIND_FSDAX } from '../dax/fs-region.js';
import { REGION_KIND_MM } from '../mm/region.js';
import { REGION_KIND_RMAP } from '../xfs/rmap-region.js';
import { mulberry32 } from '../core/rng.js';
import { runJob, type JobInspector, type JobView } from './engine.js';
import { resolveJobFile, type JobSpec } from './spec.js';
import type { JobResult } from './result.js';

/** A named device of the soak (see the header). */
interface SoakDevice {
  readonly name: string;
  readonly path: 'block' | 'dax' | 'mmap' | 'dm';
  readonly badblocks: 'table' | 'itree' | 'btree' | 'bitmap';
  readonly kernel: '6.15' | '5.19';
  readonly density: number;
  /** Poison placement when not drawn: uniform single lines fill the table (distinct sectors). */
  readonly pattern?: 'uniform';
}

export const SOAK_DEVICES: readonly SoakDevice[] = [
  { name: 'block-table', path: 'block', badblocks: 'table', kernel: '6.15', density: 4e-3, pattern: 'uniform' },
  { name: 'dax-itree', path: 'dax', badblocks: 'itree', kernel: '6.15', density: 5e-4 },
  { name: 'mmap-btree', path: 'mmap', badblocks: 'btree', kernel: '6.15', density: 5e-4 },
  { name: 'dm-bitmap', path: 'dm', badblocks: 'bitmap', kernel: '6.15', density: 5e-4 },
  { name: 'block-legacy', path: 'block', badblocks: 'table', kernel: '5.19', density: 5e-4 },
];

export const DEFAULT_SOAK_MS = 120_000;
/** Rounds last a fifth of the duration, within these bounds. */
const MIN_ROUND_MS = 1000;
const MAX_ROUND_MS = 10_000;
/** Invariant checks per job while it runs: at most one per this many ms. */
const CHECK_MS = 200;
/** The watchdog fires this long after the duration. */
export const WATCHDOG_SLACK_MS = 60_000;

export interface SoakOptions {
  readonly durationMs: number;
  readonly seed?: number;
  /** One line per round and per failure (progress on stderr). */
  readonly onProgress?: (line: string) => void;
  /** Aborting ends the soak early (Ctrl-C): its report says so and passes nothing. */
  readonly signal?: AbortSignal;
  /**
   * Test hook: break an invariant on purpose, to show it is caught. `firmware-record`: a
   * firmware record over clean media in the first job's first check; `held-lock`: the device
   * mutex looks held when the first job ends.
   */
  readonly inject?: 'firmware-record' | 'held-lock';
  /** Test hook: the watchdog's slack instead of WATCHDOG_SLACK_MS. */
  readonly watchdogSlackMs?: number;
}

export interface SoakViolation {
  readonly invariant: string;
  readonly device: string;
  readonly round: number;
  readonly evidence: string;
}

/** Per device, over every round. */
export interface SoakDeviceTotals {
  readonly device: string;
  jobs: number;
  ops: number;
  errors: number;
  clears: number;
  scrubs: number;
  injectedLines: number;
  powerFailures: number;
  blocksVerified: number;
  readsChecked: number;
  bytesLostPowerFail: number;
  /** Ranges a full table refused at populates (the namespaces' cumulative counts at each job's end). */
  droppedRanges: number;
  /** Coverage checks that found a structure full (its gaps expected, not counted as violations). */
  fullChecks: number;
  /** Coverage gaps the legacy table's known sector loss explains. */
  legacyGaps: number;
}

export interface SoakReport {
  readonly passed: boolean;
  /** 'completed', 'violation', 'aborted' or 'watchdog'. */
  readonly outcome: 'completed' | 'violation' | 'aborted' | 'watchdog';
  readonly durationMs: number;
  readonly elapsedMs: number;
  readonly seed: number;
  readonly rounds: number;
  /** Invariant checks made (each check covers one invariant on one job). */
  readonly checks: number;
  readonly devices: readonly SoakDeviceTotals[];
  readonly violation?: SoakViolation;
}

/** The job file of `device` in round `round` (every choice drawn from `rand`). */
export function soakJobFile(device: SoakDevice, round: number, runtimeMs: number, rand: () => number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const modes = device.path === 'dax' ? ['failfast', 'recovery', 'recovery-read-line'] : ['failfast', 'recovery'];
  const mode = pick(modes);
  const onError = mode === 'failfast' ? 'give-up' : device.path === 'mmap' || device.path === 'dax' ? pick(['recovery-write', 'punch-hole']) : 'recovery-write';
  const logical = rand() < 0.5;
  const powerFail = round % 2 === 1;
  return {
    global: {
      name: `${device.name}.r${round}`, rw: 'randrw', rwmixread: 60, bs: '4k', numjobs: 2, runtime: `${runtimeMs}ms`,
      path: device.path, mode, on_error: onError, sync: pick(['none', 'fsync', 'o_sync']), fsync_interval: 8,
      verify: true, seed: Math.floor(rand() * 2 ** 32), lat_sample: 0,
      ...(powerFail ? { power_fail: `${runtimeMs}ms` } : {}),
    },
    device: { size: '16MiB', badblocks: device.badblocks, kernel: device.kernel, clear_latency: '2us', ars_time: '20ms' },
    poison: {
      density: device.density, pattern: device.pattern ?? pick(['uniform', 'clustered']), cluster_lines: 4, latent: rand() < 0.5,
      arrival: logical ? '1/400ops' : '100/s', scrub: logical ? '1500ops' : '250ms',
    },
    jobs: [{}],
  };
}

/** Every mutex owner word of `system` that is not 0, as "name=owner". */
export function heldLocks(system: System): string[] {
  const u8 = system.context.u8;
  const i32 = new Int32Array(u8.buffer);
  const held: string[] = [];
  const word = (name: string, addr: number): void => {
    const owner = Atomics.load(i32, addr / 4);
    if (owner !== 0) held.push(`${name}=${owner}`);
  };
  word('device mutex', system.bus.state.base + BUS_MUTEX);
  for (const ns of system.namespaces) {
    if (ns.bb.mutexOwner !== -1) held.push(`${ns.name} bb mutex=${ns.bb.mutexOwner + 1}`);
    if (ns.regionBb.mutexOwner !== -1) held.push(`${ns.name} region bb mutex=${ns.regionBb.mutexOwner + 1}`);
  }
  // The fs, rmap and mm regions keep their mutex at +4 (fs-region.ts, rmap-region.ts, region.ts).
  for (const r of system.context.layout.regions) {
    const name = r.kind === REGION_KIND_FSDAX ? 'fs mutex' : r.kind === REGION_KIND_RMAP ? 'rmap mutex' : r.kind === REGION_KIND_MM ? 'mm mutex' : null;
    if (name !== null) word(name, r.base + 4);
  }
  return held;
}

/** Failed operations of a direction, all errnos together. */
const sum = (e: Readonly<Record<string, number>>): number => Object.values(e).reduce((a, b) => a + b, 0);

/** The counter identities of a finished job (see the header); the first that fails, or null. */
export function countersAddUp(job: JobSpec, r: JobResult, ars: { started: number; completed: number }): string | null {
  const p = r.poison;
  const notReturned = p.bytes_lost - (p.bytes_lost_power_fail ?? 0);
  const checks: [boolean, string][] = [
    [r.read.io_bytes === r.read.total_ios * job.bs, `read io_bytes ${r.read.io_bytes} != total_ios ${r.read.total_ios} x bs ${job.bs}`],
    [r.write.io_bytes === r.write.total_ios * job.bs, `write io_bytes ${r.write.io_bytes} != total_ios ${r.write.total_ios} x bs ${job.bs}`],
    [sum(r.read.errors) <= r.read.total_ios, `read errors ${sum(r.read.errors)} > read ios ${r.read.total_ios}`],
    [sum(r.write.errors) <= r.write.total_ios, `write errors ${sum(r.write.errors)} > write ios ${r.write.total_ios}`],
    [r.read.io_bytes === r.read.good_bytes + notReturned, `read io_bytes ${r.read.io_bytes} != good ${r.read.good_bytes} + not returned ${notReturned}`],
    [p.bytes_recovered <= r.read.good_bytes, `bytes_recovered ${p.bytes_recovered} > good read bytes ${r.read.good_bytes}`],
    [ars.completed <= ars.started, `ARS completed ${ars.completed} > started ${ars.started}`],
    [r.cpu.length === job.numjobs, `${r.cpu.length} of ${job.numjobs} workers reported`],
    [r.integrity !== undefined, 'the job verified nothing (verify was on)'],
  ];
  if (r.integrity !== undefined && r.integrity.after === 'power_fail') {
    checks.push([r.integrity.bytes_lost === (p.bytes_lost_power_fail ?? 0), `blocks lost ${r.integrity.bytes_lost} bytes, the media ${p.bytes_lost_power_fail ?? 0}`]);
  }
  return checks.find(([ok]) => !ok)?.[1] ?? null;
}

/** Waits (busy, bounded) for a long scrub of the whole bus to complete. False when it did not within `ms`. */
function completedScrub(system: System, ms: number): boolean {
  const until = performance.now() + ms;
  while (!arsStart(system.bus).ok) {
    if (performance.now() > until) return false;
  }
  while (arsStatus(system.bus).running) {
    if (performance.now() > until) return false;
  }
  return true;
}

class Stop extends Error {}

/** Runs the soak (see the header). Never throws for a violation: the report says it. */
export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const seed = o.seed ?? 1;
  const rand = mulberry32(seed);
  const begin = performance.now();
  const roundMs = Math.min(MAX_ROUND_MS, Math.max(MIN_ROUND_MS, Math.floor(o.durationMs / 5)));
  const totals: SoakDeviceTotals[] = SOAK_DEVICES.map((d) => ({
    device: d.name, jobs: 0, ops: 0, errors: 0, clears: 0, scrubs: 0, injectedLines: 0, powerFailures: 0,
    blocksVerified: 0, readsChecked: 0, bytesLostPowerFail: 0, droppedRanges: 0, fullChecks: 0, legacyGaps: 0,
  }));
  let checks = 0;
  let rounds = 0;
  let violation: SoakViolation | undefined;
  let injected = false;
  const abort = new AbortController();
  const onAbort = (): void => abort.abort();
  o.signal?.addEventListener('abort', onAbort);
  let watchdogFired = false;
  const watchdog = setTimeout(() => {
    watchdogFired = true;
    abort.abort();
  }, o.durationMs + (o.watchdogSlackMs ?? WATCHDOG_SLACK_MS));
  watchdog.unref();

  const fail = (v: SoakViolation): never => {
    violation ??= v;
    abort.abort();
    throw new Stop(v.invariant);
  };

  /** Invariants 1 and 2 on a job's system; `where` for the evidence. */
  const coverage = (v: JobView, device: SoakDevice, t: SoakDeviceTotals, round: number): void => {
    checks += 2;
    const bad = firmwareNotPoisoned(v.system.bus);
    if (bad.length > 0) {
      fail({ invariant: 'firmware ⊆ hardware', device: device.name, round, evidence: `${bad.length} firmware record(s) over media that is not poisoned, first SPA [${bad[0]!.start}, +${bad[0]!.length})` });
    }
    for (const ns of v.system.namespaces) {
      const c = firmwareNotInBadblocks(ns);
      if (c.dropped.bb + c.dropped.regionBb > 0) t.fullChecks++;
      if (c.gaps.length === 0) continue;
      if (device.kernel !== '6.15') {
        t.legacyGaps += c.gaps.length;
        continue;
      }
      const g = c.gaps[0]!;
      fail({ invariant: 'bb ⊇ firmware', device: device.name, round, evidence: `${ns.name}: sector ${g.sector} of the ${g.structure === 'bb' ? 'namespace bb' : 'region bb'} missing, firmware record SPA [${g.record.start}, +${g.record.length}), no range dropped` });
    }
  };

  try {
    // Set-up and verification around each round's run time (the last round's), so that the
    // soak ends near its duration rather than a round's overhead past it.
    let overheadMs = 0;
    for (let round = 0; ; round++) {
      const roundStart = performance.now();
      const left = o.durationMs - (roundStart - begin) - overheadMs;
      if (left < Math.min(MIN_ROUND_MS, o.durationMs) / 2 || abort.signal.aborted) break;
      const runtimeMs = Math.max(200, Math.min(roundMs, Math.floor(left)));
      rounds++;
      o.onProgress?.(`soak: round ${round}, ${SOAK_DEVICES.length} devices for ${(runtimeMs / 1000).toFixed(1)} s${round % 2 === 1 ? ', ending in a power failure' : ''}`);
      const runs = SOAK_DEVICES.map(async (device, d) => {
        const t = totals[d]!;
        const job = resolveJobFile(soakJobFile(device, round, runtimeMs, rand))[0]!;
        let lastCheck = 0;
        const inspect: JobInspector = {
          tick: (v) => {
            if (o.inject === 'firmware-record' && !injected) {
              injected = true;
              // A record over the clean warm-up area at the end of the first namespace's data.
              const ns = v.system.namespaces[0]!;
              const spa = ns.dataStart + ns.dataBytes - 4096;
              v.system.bus.state.lock(() => v.system.bus.firmware.addLocked(spa, 64));
            }
            const now = performance.now();
            if (now - lastCheck < CHECK_MS) return;
            lastCheck = now;
            try {
              coverage(v, device, t, round);
            } catch (err) {
              if (!(err instanceof Stop)) throw err;
            }
          },
          end: (v, r) => {
            try {
              if (!completedScrub(v.system, 10_000)) fail({ invariant: 'scrub completes', device: device.name, round, evidence: 'a long scrub did not complete within 10 s' });
              coverage(v, device, t, round);
              for (const ns of v.system.namespaces) {
                const st = ns.populateStats();
                t.droppedRanges += st.bb.droppedTotal + st.regionBb.droppedTotal;
              }
              if (o.inject === 'held-lock' && !injected) {
                injected = true;
                const i32 = new Int32Array(v.system.context.u8.buffer);
                const at = (v.system.bus.state.base + BUS_MUTEX) / 4;
                Atomics.store(i32, at, 42);
                const held = heldLocks(v.system);
                Atomics.store(i32, at, 0);
                fail({ invariant: 'no lock held at exit', device: device.name, round, evidence: held.join(', ') });
              }
              const held = heldLocks(v.system);
              if (held.length > 0) fail({ invariant: 'no lock held at exit', device: device.name, round, evidence: held.join(', ') });
              const c = v.system.bus.counters();
              const bad = countersAddUp(v.job, r, { started: c.arsStarted, completed: c.arsCompleted });
              if (bad !== null) fail({ invariant: 'counters add up', device: device.name, round, evidence: bad });
            } catch (err) {
              if (!(err instanceof Stop)) throw err;
            }
          },
        };
        const { result, error } = await runJob(job, { signal: abort.signal, inspect });
        t.jobs++;
        t.ops += result.read.total_ios + result.write.total_ios;
        t.errors += sum(result.read.errors) + sum(result.write.errors);
        t.clears += result.poison.clears;
        t.scrubs += result.poison.scrubs;
        t.injectedLines += result.poison.injected_lines;
        if (result.stopped_by === 'power_fail') t.powerFailures++;
        t.blocksVerified += result.integrity?.blocks_verified ?? 0;
        t.readsChecked += result.integrity?.reads_checked ?? 0;
        t.bytesLostPowerFail += result.poison.bytes_lost_power_fail ?? 0;
        if (error !== undefined && !abort.signal.aborted) {
          const integrity = result.integrity !== undefined && result.integrity.violations > 0;
          try {
            fail({ invariant: integrity ? 'integrity' : 'job completes', device: device.name, round, evidence: error });
          } catch (err) {
            if (!(err instanceof Stop)) throw err;
          }
        }
      });
      await Promise.all(runs);
      overheadMs = Math.max(0, performance.now() - roundStart - runtimeMs);
      if (violation !== undefined) break;
    }
  } finally {
    clearTimeout(watchdog);
    o.signal?.removeEventListener('abort', onAbort);
  }
  const outcome = violation !== undefined ? 'violation' : watchdogFired ? 'watchdog' : o.signal?.aborted ? 'aborted' : 'completed';
  return {
    passed: outcome === 'completed', outcome, durationMs: o.durationMs, elapsedMs: performance.now() - begin, seed, rounds, checks,
    devices: totals, ...(violation !== undefined ? { violation } : {}),
  };
}

/** The report in words: one line per device, then the verdict. */
export function formatSoak(r: SoakReport): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const lines = [`soak: ${(r.elapsedMs / 1000).toFixed(1)} s of ${(r.durationMs / 1000).toFixed(0)} s, ${r.rounds} round(s), seed ${r.seed}, ${n(r.checks)} invariant checks`];
  for (const d of r.devices) {
    lines.push(`  ${d.device.padEnd(13)} ${d.jobs} jobs, ${n(d.ops)} ops, ${n(d.errors)} errors, ${n(d.injectedLines)} lines poisoned, ${n(d.clears)} clears, ` +
      `${n(d.scrubs)} scrubs, ${d.powerFailures} power failures (${n(d.bytesLostPowerFail)} bytes of unacknowledged writes lost), ` +
      `${n(d.blocksVerified)} blocks verified, ${n(d.readsChecked)} reads checked` +
      (d.droppedRanges > 0 ? `, table full: ${n(d.droppedRanges)} range refusals at populates (each revalidation offers every range again), ${n(d.fullChecks)} coverage checks excused` : '') +
      (d.legacyGaps > 0 ? `, ${n(d.legacyGaps)} sectors the legacy table lost (known, §1.9)` : ''));
  }
  if (r.violation !== undefined) {
    const v = r.violation;
    lines.push(`soak: FAIL: invariant "${v.invariant}" violated on ${v.device} in round ${v.round}: ${v.evidence}`);
  } else if (r.outcome === 'watchdog') {
    lines.push(`soak: FAIL: watchdog: the jobs did not finish within ${(r.durationMs / 1000).toFixed(0)} s + the slack`);
  } else if (r.outcome === 'aborted') {
    lines.push('soak: stopped before the end (aborted); nothing is claimed');
  } else {
    lines.push('soak: PASS: every invariant held (firmware ⊆ hardware; bb ⊇ firmware after scrubs, full tables counted; no lock held at exit; counters add up; content intact)');
  }
  return lines.join('\n') + '\n';
}
