/**
 * The value syntaxes of job options, beyond sizes (src/core/units.ts parseSize, fio's binary
 * suffixes plus IEC):
 *
 *   duration   "2s", "500ms", "250us", "10000ns", "1.5s"; a bare number is milliseconds
 *   interval   a duration, or an op count "5000ops" (logical time: the worker's op index)
 *   rate       "20/s", "0.5/ms", or "1/1000ops" (events per op count, logical time)
 *
 * Each parser returns the value in the unit its name says and throws a RangeError whose
 * message names the accepted forms; the caller (spec.ts) prefixes the field path.
 */

/** An instant or a period, in wall time or in logical time (a worker's op index). */
export type Interval = { readonly ms: number } | { readonly ops: number };
/** Events per millisecond of wall time, or per op of logical time. */
export type Rate = { readonly perMs: number } | { readonly perOp: number };

const DURATION_RE = /^\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(ns|us|µs|ms|s|m|min)?\s*$/i;
const MS_PER: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1e3, m: 60e3, min: 60e3 };

/** Milliseconds of a duration (a number is milliseconds). @throws {RangeError} naming the forms. */
export function parseDurationMs(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const m = typeof value === 'string' ? DURATION_RE.exec(value) : null;
  if (m === null) throw new RangeError('must be a duration such as "2s", "500ms", "250us" or a number of ms');
  return Number(m[1]) * MS_PER[(m[2] ?? 'ms').toLowerCase()]!;
}

const OPS_RE = /^\s*(\d+)\s*ops\s*$/i;

/** An interval: a duration, or "Nops". @throws {RangeError} naming the forms. */
export function parseInterval(value: unknown): Interval {
  const m = typeof value === 'string' ? OPS_RE.exec(value) : null;
  if (m !== null) return { ops: Number(m[1]) };
  try {
    return { ms: parseDurationMs(value) };
  } catch {
    throw new RangeError('must be a duration such as "500ms" or "2s", or an op count such as "5000ops"');
  }
}

const RATE_RE = /^\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*\/\s*(?:(\d+)\s*ops|(\d*)\s*(ns|us|ms|s|min))\s*$/i;

/** A rate: "20/s", "1/100ms", "1/1000ops". @throws {RangeError} naming the forms. */
export function parseRate(value: unknown): Rate {
  const m = typeof value === 'string' ? RATE_RE.exec(value) : null;
  if (m === null) throw new RangeError('must be a rate such as "20/s", "1/100ms" or "1/1000ops" (per op count: logical time)');
  const n = Number(m[1]);
  if (m[2] !== undefined) {
    const per = Number(m[2]);
    if (per === 0) throw new RangeError('must be a rate over a non-zero op count, such as "1/1000ops"');
    return { perOp: n / per };
  }
  const count = m[3] === '' || m[3] === undefined ? 1 : Number(m[3]);
  const ms = count * MS_PER[m[4]!.toLowerCase()]!;
  if (ms === 0) throw new RangeError('must be a rate over a non-zero time, such as "20/s"');
  return { perMs: n / ms };
}

/** The interval as written back in reports: "500ms", "5000ops". */
export function formatInterval(i: Interval): string {
  return 'ops' in i ? `${i.ops}ops` : formatMs(i.ms);
}

export function formatMs(ms: number): string {
  if (ms === 0) return '0';
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  if (ms >= 1 && Number.isInteger(ms)) return `${ms}ms`;
  if (ms * 1000 >= 1 && Number.isInteger(ms * 1000)) return `${ms * 1000}us`;
  return `${Math.round(ms * 1e6)}ns`;
}

export function formatRate(r: Rate): string {
  if ('perOp' in r) return r.perOp === 0 ? '0/s' : `1/${Math.round(1 / r.perOp)}ops`;
  return `${+(r.perMs * 1000).toPrecision(6)}/s`;
}
