/**
 * What the report renderers read off a workload job (src/workload/result.ts): its path,
 * mode and poison density from the resolved config, goodput and latency percentiles from
 * the fio-like sections. One place, so the terminal, Markdown and HTML agree.
 */
import { percentileKey, type DirectionStats, type JobResult } from '../workload/result.js';
import { formatTable } from './table.js';

/** The percentiles the tables and charts show, as numbers. */
export const SHOWN_PERCENTILES = [50, 90, 99, 99.9] as const;

/** A latency percentile of a direction in ns, or NaN when not sampled. */
export function percentile(d: DirectionStats, p: number): number {
  return d.clat_ns.N > 0 ? d.clat_ns.percentile[percentileKey(p)] ?? NaN : NaN;
}

const get = (o: unknown, key: string): unknown =>
  o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;

/** Facets of a job's config, with fallbacks for configs lacking a field. */
export function jobFacets(j: JobResult): { path: string; mode: string; rw: string; bs: number; density: number } {
  const c = j.config;
  const poison = get(c, 'poison');
  const density = Number(get(poison, 'density') ?? get(c, 'density') ?? 0);
  return {
    path: String(get(c, 'path') ?? '?'),
    mode: String(get(c, 'mode') ?? '?'),
    rw: String(get(c, 'rw') ?? '?'),
    bs: Number(get(c, 'bs') ?? NaN),
    density: Number.isFinite(density) ? density : 0,
  };
}

/** Good bytes per second, both directions. */
export const goodputBytesPerSec = (j: JobResult): number => j.read.bw_bytes + j.write.bw_bytes;

/** Failed operations, both directions, as `EIO=3 EHWPOISON=1` (or `none`). */
export function errorText(j: JobResult): string {
  const all: Record<string, number> = {};
  for (const d of [j.read, j.write]) for (const [k, v] of Object.entries(d.errors)) all[k] = (all[k] ?? 0) + v;
  const parts = Object.entries(all).filter(([, v]) => v > 0).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(' ') : 'none';
}

/** Header and cells of the job table (terminal and Markdown render the same columns). */
export function jobTable(jobs: readonly JobResult[]): { header: string[]; rows: (string | number)[][] } {
  const us = (ns: number): number => ns / 1000;
  const header = ['job', 'path', 'mode', 'rw', 'density', 'read MB/s', 'read IOPS', 'read p50 µs', 'read p99 µs', 'read p99.9 µs',
    'write MB/s', 'write p99 µs', 'errors', 'lost B', 'measured ms', 'modelled ms'];
  const rows = jobs.map((j) => {
    const f = jobFacets(j);
    return [j.name, f.path, f.mode, f.rw, f.density.toExponential(1), j.read.bw_bytes / 1e6, j.read.iops,
      us(percentile(j.read, 50)), us(percentile(j.read, 99)), us(percentile(j.read, 99.9)),
      j.write.bw_bytes / 1e6, us(percentile(j.write, 99)), errorText(j), String(j.poison.bytes_lost),
      j.time_split.measured_ns / 1e6, j.time_split.modelled_ns / 1e6];
  });
  return { header, rows };
}

/** The terminal table of workload jobs (goodput in MB/s of good data, latencies in µs). */
export function formatJobsTable(jobs: readonly JobResult[]): string {
  const t = jobTable(jobs);
  // path, mode, rw and errors are words: left-aligned.
  return formatTable(t.header, t.rows.map((r) => r.map((c) => (typeof c === 'number' && Number.isNaN(c) ? '-' : c))), [1, 2, 3, 12]);
}
