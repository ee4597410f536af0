/** The terminal rendering of a RunResult (`poisonbench run`); JSON is the canonical form. */
import { formatSize } from '../core/units.js';
import { percentileKey, type DirectionStats, type IntegrityStats, type JobResult, type RunResult } from './result.js';

const MB = 1e6;

function fmtCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function fmtErrors(e: Readonly<Record<string, number>>): string {
  const parts = Object.entries(e).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(' ') : 'none';
}

function direction(name: string, d: DirectionStats): string {
  if (d.total_ios === 0) return `  ${name}: none`;
  const p = d.clat_ns.percentile;
  const lat = d.clat_ns.N === 0 ? 'latency not sampled'
    : `lat ns p50 ${p[percentileKey(50)]} p90 ${p[percentileKey(90)]} p99 ${p[percentileKey(99)]} p99.9 ${p[percentileKey(99.9)]} max ${d.clat_ns.max} (${fmtCount(d.clat_ns.N)} samples)`;
  return `  ${name}: ${fmtCount(d.total_ios)} ops, goodput ${(d.bw_bytes / MB).toFixed(1)} MB/s, ${fmtCount(d.iops)} IOPS, errors ${fmtErrors(d.errors)}; ${lat}`;
}

export function formatJob(j: JobResult): string {
  const c = j.config;
  const p = j.poison;
  const ms = (ns: number): string => `${(ns / 1e6).toFixed(2)} ms`;
  return [
    `job ${j.name}: ${c['path']} ${c['rw']} bs=${formatSize(Number(c['bs']))} numjobs=${j.workers} mode=${c['mode']} on_error=${c['on_error']}; ` +
      `${(j.runtime_ms / 1000).toFixed(2)} s, stopped by ${j.stopped_by ?? '?'}; ${j.deterministic ? 'deterministic (ops-bounded, logical-time poison)' : 'not deterministic (wall-time bounds or poison)'}`,
    direction('read ', j.read),
    direction('write', j.write),
    `  poison: ${p.injected_lines} lines injected, ${p.scrubs} scrubs, ${p.memory_failures} memory_failure, ${p.signals} signals, ` +
      `${p.clears} clears; ${fmtCount(p.bytes_recovered)} bytes recovered, ${fmtCount(p.bytes_lost)} bytes lost` +
      (p.bytes_lost_power_fail ? ` (${fmtCount(p.bytes_lost_power_fail)} at power failure)` : ''),
    `  time: workers ran ${ms(j.time_split.measured_ns + j.time_split.modelled_ns)} in all: measured ${ms(j.time_split.measured_ns)}, modelled clears ${ms(j.time_split.modelled_clear_ns)}` +
      (j.startup_ms !== undefined ? `; untimed start-up ${j.startup_ms.toFixed(0)} ms (system, pool, attach, warm-up)` : ''),
    ...(j.integrity === undefined ? [] : [formatIntegrity(j.integrity)]),
    `  cpu: ${j.cpu.map((w) => `worker ${w.worker} user ${w.user_ms} ms sys ${w.system_ms} ms`).join('; ') || 'none'}`,
  ].join('\n');
}

function formatIntegrity(i: IntegrityStats): string {
  const when = i.after === 'power_fail' ? 'after the power failure and reboot' : 'at the end of the run';
  const lost = i.after === 'power_fail' ? `${fmtCount(i.blocks_lost)} unacknowledged lost ${fmtCount(i.bytes_lost)} bytes, ` : '';
  const head = `  integrity (${when}): ${fmtCount(i.blocks_verified)} blocks verified, ${fmtCount(i.blocks_durable_ok)} intact, ${lost}` +
    `${fmtCount(i.poisoned_blocks)} poisoned, ${fmtCount(i.torn_blocks)} torn; ${fmtCount(i.reads_checked)} reads checked, ${i.read_mismatches} mismatched; ` +
    `${i.violations === 0 ? 'no violations' : `${i.violations} VIOLATION(S)`}`;
  return [head, ...i.evidence.map((e) => `    ${e}`)].join('\n');
}

/** The jobs of a run added up: ops, bytes, errors and poison outcomes. */
export function formatTotal(jobs: readonly JobResult[]): string {
  const sum = (f: (j: JobResult) => number): number => jobs.reduce((a, j) => a + f(j), 0);
  const errors: Record<string, number> = {};
  for (const j of jobs) for (const d of [j.read, j.write]) for (const [k, v] of Object.entries(d.errors)) errors[k] = (errors[k] ?? 0) + v;
  return `total (${jobs.length} jobs): ${fmtCount(sum((j) => j.read.total_ios + j.write.total_ios))} ops, ` +
    `${fmtCount(sum((j) => j.read.good_bytes + j.write.good_bytes))} good bytes of ${fmtCount(sum((j) => j.read.io_bytes + j.write.io_bytes))}, ` +
    `errors ${fmtErrors(errors)}; ${sum((j) => j.poison.clears)} clears (modelled ${(sum((j) => j.time_split.modelled_clear_ns) / 1e6).toFixed(2)} ms), ` +
    `${fmtCount(sum((j) => j.poison.bytes_recovered))} bytes recovered, ${fmtCount(sum((j) => j.poison.bytes_lost))} bytes lost`;
}

export function formatRun(r: RunResult): string {
  const lines = r.jobs.map(formatJob);
  if (r.jobs.length > 1) lines.push(formatTotal(r.jobs));
  lines.push(`model: ${r.model.map((m) => `${m.name} = ${m.value} ${m.unit}${m.assumed ? ' (assumed)' : ''}`).join(', ')}`);
  const violated = r.jobs.some((j) => (j.integrity?.violations ?? 0) > 0);
  if (!r.complete) lines.push(violated ? `FAILED: ${r.error ?? 'integrity violation'}` : `INCOMPLETE: ${r.error ?? 'stopped early'}; figures are partial`);
  return lines.join('\n') + '\n';
}
