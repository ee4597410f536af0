/**
 * A job file, checked against the option table (options.ts) and resolved: defaults filled
 * in, sizes in bytes, durations in ms. The whole file is checked before anything runs, and
 * every problem is reported, one line each, naming the field path (`jobs[0].bs`), the value
 * and what is allowed, with did-you-mean for unknown keys (src/core/suggest.ts).
 *
 *   { "global": {job options}, "device": {...}, "poison": {...}, "jobs": [{job options}, ...] }
 *
 * Precedence of a job option: command-line flag > the job's own value > global > default.
 */
import { parseSize } from '../core/units.js';
import { describe } from '../core/validate.js';
import { defaultDataOffset } from '../nvdimm/config.js';
import type { BadblocksKind } from '../badblocks/kinds.js';
import type { KernelVersion } from '../kernel/profiles.js';
import { didYouMean } from '../core/suggest.js';
import {
  MAX_ARRIVALS_PER_S, OPTIONS, optionRow, optionsOf, type HandlingMode, type IoPath, type OnError, type OptionRow, type OptionSection,
  type PoisonPattern, type RwMode, type SyncMode,
} from './options.js';
import { parseDurationMs, parseInterval, parseRate, type Interval, type Rate } from './values.js';

export interface DeviceSpec {
  readonly size: number;
  readonly badblocks: BadblocksKind;
  readonly kernel: KernelVersion;
  readonly clearLatencyMs: number;
  readonly arsMs: number;
  readonly eadr: boolean;
}

export interface PoisonSpec {
  readonly density: number;
  readonly pattern: PoisonPattern;
  readonly clusterLines: number;
  readonly arrival: Rate | null;
  readonly latent: boolean;
  readonly scrub: Interval | null;
}

/** One job, resolved: every option has its value. */
export interface JobSpec {
  readonly name: string;
  readonly rw: RwMode;
  readonly rwmixread: number;
  readonly bs: number;
  /** Bytes of the target the workers use (worker w: slice w of numjobs). */
  readonly span: number;
  readonly numjobs: number;
  readonly runtimeMs: number;
  /** Ops per worker, or null for a time-bounded job. */
  readonly ops: number | null;
  readonly path: IoPath;
  readonly mode: HandlingMode;
  readonly onError: OnError;
  readonly sync: SyncMode;
  readonly fsyncInterval: number;
  readonly powerFail: Interval | null;
  /** Keep the block ledger and verify content (ledger.ts, verify.ts). */
  readonly verify: boolean;
  readonly seed: number;
  readonly latSample: number;
  readonly device: DeviceSpec;
  readonly poison: PoisonSpec;
}

/** A job file that failed the checks: every problem, one per line. */
export class JobFileError extends RangeError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} problems in the job file:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

const SECTIONS = ['global', 'device', 'poison', 'jobs'] as const;
const NAME_RE = /^[A-Za-z0-9_.-]{1,48}$/;
export const MAX_JOBS = 64;
/** The end of each target is kept clean for the workers' warm-up (engine.ts). */
export const WARM_BYTES = 1024 * 1024;

type Raw = Record<string, unknown>;

/** Values given on the command line, by option name (they override the file). */
export type Overrides = Readonly<Record<string, unknown>>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks and resolves a parsed job file (and command-line overrides).
 * @throws {JobFileError} listing every problem, when there is any.
 */
export function resolveJobFile(file: unknown, overrides: Overrides = {}): JobSpec[] {
  const problems: string[] = [];
  const report = (path: string, msg: string): void => { problems.push(`${path}: ${msg}`); };
  if (!isObject(file)) throw new JobFileError([`the job file must be a JSON object such as {"jobs": [{"rw": "randread"}]}, got ${describe(file)}`]);
  for (const key of Object.keys(file)) {
    if (!(SECTIONS as readonly string[]).includes(key)) report(key, `unknown section${didYouMean(key, SECTIONS)}; sections: ${SECTIONS.join(', ')}`);
  }
  const section = (name: 'global' | 'device' | 'poison'): Raw => {
    const v = file[name];
    if (v === undefined) return {};
    if (!isObject(v)) {
      report(name, `must be an object, got ${describe(v)}`);
      return {};
    }
    return v;
  };
  const global = section('global');
  const deviceRaw = section('device');
  const poisonRaw = section('poison');
  checkKeys('global', global, 'job', report);
  checkKeys('device', deviceRaw, 'device', report);
  checkKeys('poison', poisonRaw, 'poison', report);
  for (const key of Object.keys(overrides)) {
    if (!OPTIONS.some((o) => o.name === key)) report(`--${key}`, `unknown option${didYouMean(key, OPTIONS.map((o) => o.name))}`);
  }
  checkConflicts('global', global, report);
  checkConflicts('--', overrides, report);
  const over = (s: OptionSection): Raw => Object.fromEntries(Object.entries(overrides).filter(([k]) => optionRow(s, k) !== undefined));

  /** Each option of section `s` from the last layer that sets it, else its default. */
  const values = (s: OptionSection, layers: readonly (readonly [string, Raw])[]): Map<string, unknown> => {
    const out = new Map<string, unknown>();
    for (const row of optionsOf(s)) {
      let raw: unknown = row.default;
      let at = `${layers[0]![0]}.${row.name}`;
      for (const [where, layer] of layers) {
        if (layer[row.name] === undefined) continue;
        raw = layer[row.name];
        at = where === '--' ? `--${row.name}` : `${where}.${row.name}`;
      }
      if (raw === undefined) continue;
      try {
        out.set(row.name, parseValue(row, raw));
      } catch (err) {
        report(at, `${(err as Error).message}, got ${describe(raw)}`);
      }
    }
    return out;
  };
  const dv = values('device', [['device', deviceRaw], ['--', over('device')]]);
  const pv = values('poison', [['poison', poisonRaw], ['--', over('poison')]]);
  const device: DeviceSpec = {
    size: num(dv, 'size'), badblocks: dv.get('badblocks') as BadblocksKind, kernel: dv.get('kernel') as KernelVersion,
    clearLatencyMs: num(dv, 'clear_latency'), arsMs: num(dv, 'ars_time'), eadr: dv.get('eadr') === true,
  };
  const poison: PoisonSpec = {
    density: num(pv, 'density'), pattern: pv.get('pattern') as PoisonPattern, clusterLines: num(pv, 'cluster_lines'),
    arrival: (pv.get('arrival') as Rate | undefined) ?? null, latent: pv.get('latent') === true,
    scrub: (pv.get('scrub') as Interval | undefined) ?? null,
  };

  const jobsRaw = file['jobs'];
  const jobs: JobSpec[] = [];
  if (!Array.isArray(jobsRaw) || jobsRaw.length === 0 || jobsRaw.length > MAX_JOBS) {
    report('jobs', `must be a list of 1..${MAX_JOBS} jobs such as [{"rw": "randread"}], got ${describe(jobsRaw)}`);
  } else {
    jobsRaw.forEach((j, i) => {
      const path = `jobs[${i}]`;
      if (!isObject(j)) {
        report(path, `must be an object of job options, got ${describe(j)}`);
        return;
      }
      checkKeys(path, j, 'job', report);
      checkConflicts(path, j, report);
      const v = values('job', [['global', global], [path, j], ['--', over('job')]]);
      const job = assembleJob(path, i, v, device, poison, report);
      if (job !== undefined) {
        if (jobs.some((x) => x.name === job.name)) report(`${path}.name`, `${JSON.stringify(job.name)} is already the name of another job`);
        jobs.push(job);
      }
    });
  }
  if (problems.length > 0) throw new JobFileError([...new Set(problems)]);
  return jobs;
}

function num(m: Map<string, unknown>, k: string): number {
  return (m.get(k) as number | undefined) ?? NaN;
}

/**
 * Options that cannot be given together in one object (a job, global, or the flags): each
 * pair bounds the same thing, and the second would be silently ignored. Across layers the
 * usual precedence applies (a job's `ops` over a global `runtime` is a normal override).
 */
export const CONFLICTS: readonly (readonly [string, string, string])[] = [
  ['runtime', 'ops', 'both bound the job: with ops the runtime would be ignored'],
];

function checkConflicts(path: string, obj: Raw, report: (p: string, m: string) => void): void {
  for (const [a, b, why] of CONFLICTS) {
    if (obj[a] === undefined || obj[b] === undefined) continue;
    const at = path === '--' ? `--${a}` : `${path}.${a}`;
    report(at, `give ${a} or ${b}, not both (${why}), got ${a} ${describe(obj[a])} and ${b} ${describe(obj[b])}`);
  }
}

/** Unknown keys of `obj` (an object of `section` options) with did-you-mean. */
function checkKeys(path: string, obj: Raw, section: OptionSection, report: (p: string, m: string) => void): void {
  const names = optionsOf(section).map((o) => o.name);
  for (const key of Object.keys(obj)) {
    if (names.includes(key)) continue;
    const elsewhere = OPTIONS.find((o) => o.name === key);
    if (elsewhere !== undefined) {
      const where = elsewhere.section === 'job' ? 'global or a job' : `the ${elsewhere.section} section`;
      report(`${path}.${key}`, `is a ${elsewhere.section} option: put it in ${where}`);
    } else {
      report(`${path}.${key}`, `unknown ${section} option${didYouMean(key, names)}; options: ${names.join(', ')}`);
    }
  }
}

/**
 * One value of `row`, in the row's resolved unit.
 * @throws {RangeError|TypeError} saying what is allowed (the caller adds the path and value).
 */
export function parseValue(row: OptionRow, v: unknown): unknown {
  const range = (x: number, unit = row.unit): number => {
    const min = row.min ?? -Infinity;
    const max = row.max ?? Infinity;
    if (!(x >= min && x <= max)) throw new RangeError(`must be in [${min}, ${max}]${unit ? ` ${unit}` : ''}`);
    return x;
  };
  switch (row.type) {
    case 'size': {
      let bytes: number;
      try {
        bytes = parseSize(row.name, v);
      } catch {
        throw new RangeError('must be a size such as 4096, "4k", "1m" or "4KiB" (binary units)');
      }
      range(bytes, 'bytes');
      if (row.multipleOf !== undefined && bytes % row.multipleOf !== 0) throw new RangeError(`must be a multiple of ${row.multipleOf} bytes`);
      return bytes;
    }
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new TypeError(`must be a whole number in [${row.min}, ${row.max}]`);
      return range(v);
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`must be a number in [${row.min}, ${row.max}]${row.unit ? ` (${row.unit})` : ''}`);
      return range(v);
    case 'duration':
      return range(parseDurationMs(v), 'ms');
    case 'interval': {
      const i = parseInterval(v);
      if ('ms' in i && i.ms <= 0 && row.name === 'scrub') throw new RangeError('must be a positive interval such as "500ms" or "2000ops"');
      if ('ops' in i && i.ops <= 0) throw new RangeError('must be a positive op count such as "5000ops"');
      return i;
    }
    case 'rate': {
      const r = parseRate(v);
      if ('perMs' in r && r.perMs * 1000 > MAX_ARRIVALS_PER_S) throw new RangeError(`must be at most ${MAX_ARRIVALS_PER_S}/s in wall time (the main thread injects every 5 ms)`);
      if ('perOp' in r && r.perOp > 1) throw new RangeError('must be at most one event per op ("1/1ops") in logical time');
      return r;
    }
    case 'enum':
      if (typeof v !== 'string' || !row.values!.includes(v)) {
        throw new RangeError(`must be one of ${row.values!.join(', ')}${typeof v === 'string' ? didYouMean(v, row.values!) : ''}`);
      }
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw new TypeError('must be true or false');
      return v;
    case 'string':
      if (typeof v !== 'string' || !NAME_RE.test(v)) throw new RangeError('must be 1..48 characters of A-Z a-z 0-9 _ . -');
      return v;
  }
}

/** Bytes of the target of `path` on a device of `size` bytes: the fsdax data (two members for dm). */
export function targetBytes(path: IoPath, size: number): number {
  if (path === 'dm') {
    const half = size / 2;
    return 2 * (half - defaultDataOffset('fsdax', half));
  }
  return size - defaultDataOffset('fsdax', size);
}

function assembleJob(path: string, index: number, v: Map<string, unknown>, device: DeviceSpec, poison: PoisonSpec, report: (p: string, m: string) => void): JobSpec | undefined {
  const ioPath = v.get('path') as IoPath | undefined;
  const mode = v.get('mode') as HandlingMode | undefined;
  const bs = num(v, 'bs');
  const numjobs = num(v, 'numjobs');
  // A value already reported bad leaves the job unassembled (no cascade of follow-on problems).
  const name = (v.get('name') as string | undefined) ?? `job${index}`;
  if (ioPath === undefined || mode === undefined || v.get('rw') === undefined || Number.isNaN(bs) || Number.isNaN(numjobs)) {
    return { name } as JobSpec;
  }
  const onError = (v.get('on_error') as OnError | undefined) ?? (mode === 'failfast' ? 'give-up' : 'recovery-write');
  if (mode.startsWith('recovery-read') && ioPath !== 'dax') report(`${path}.mode`, `${mode} is a DAX read policy: it needs path dax, got path ${ioPath}`);
  if (onError === 'punch-hole' && ioPath !== 'dax' && ioPath !== 'mmap') report(`${path}.on_error`, `punch-hole punches a file: it needs path dax or mmap, got path ${ioPath}`);
  const powerFail = (v.get('power_fail') as Interval | undefined) ?? null;
  const verify = (v.get('verify') as boolean | undefined) ?? (powerFail !== null && ioPath !== 'null');
  if (verify && ioPath === 'null') report(`${path}.verify`, 'path null moves no data: there is nothing to verify (set verify to false, or choose another path)');
  if (ioPath === 'dm' && device.size % (4 * 1024 * 1024) !== 0) report('device.size', `path dm splits the device into two namespaces: a multiple of 4MiB, got ${device.size}`);
  let span = num(v, 'span');
  if (Number.isFinite(device.size) && !Number.isNaN(bs)) {
    const max = targetBytes(ioPath, device.size) - WARM_BYTES;
    if (Number.isNaN(span)) span = Math.max(0, max);
    if (span > max) report(`${path}.span`, `must be at most ${max} bytes on a ${device.size}-byte device (its ${ioPath === 'dm' ? 'dm device' : 'fsdax data'} less ${WARM_BYTES} bytes kept for warm-up), got ${span}`);
    if (sliceBytes({ span, numjobs, bs }) === 0) report(`${path}.span`, `must hold at least one bs (${bs}, rounded up to whole pages) per worker (${numjobs}), got ${span}`);
  }
  return {
    name, rw: v.get('rw') as RwMode, rwmixread: num(v, 'rwmixread'), bs, span, numjobs, runtimeMs: num(v, 'runtime'),
    ops: (v.get('ops') as number | undefined) ?? null, path: ioPath, mode, onError, sync: v.get('sync') as SyncMode,
    fsyncInterval: num(v, 'fsync_interval'), powerFail, verify,
    seed: num(v, 'seed'), latSample: num(v, 'lat_sample'), device, poison,
  };
}

/**
 * Bytes of each worker's slice of the span: whole bs and whole pages (a slice is a file on
 * the dax and mmap paths), so the span's tail past numjobs slices is unused.
 */
export function sliceBytes(job: Pick<JobSpec, 'span' | 'numjobs' | 'bs'>): number {
  const unit = job.bs % 4096 === 0 ? job.bs : job.bs * (4096 / gcd(job.bs, 4096));
  return Math.floor(job.span / job.numjobs / unit) * unit;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The warm-up area of worker w: [start, start + bytes) past the span (pages, possibly 0 bytes). */
export function warmArea(targetBytes: number, numjobs: number, w: number): { start: number; bytes: number } {
  const bytes = Math.floor(WARM_BYTES / numjobs / 4096) * 4096;
  return { start: targetBytes - WARM_BYTES + w * bytes, bytes };
}

/**
 * Whether the job's outcome is a function of its seed: bounded by ops, with every poison
 * arrival, scrub and power failure in logical time (ops), not wall time.
 */
export function isDeterministic(job: JobSpec): boolean {
  const p = job.poison;
  // On dm a worker's slice is striped over both members, so its logical-time scrub covers the
  // whole bus (poison.ts): with several workers it finds the others' latent poison at its own
  // op index, which depends on the interleaving.
  const dmScrub = job.path === 'dm' && job.numjobs > 1 && p.scrub !== null && p.latent;
  return job.ops !== null
    && (p.arrival === null || 'perOp' in p.arrival || p.arrival.perMs === 0)
    && (p.scrub === null || 'ops' in p.scrub)
    && (job.powerFail === null || 'ops' in job.powerFail)
    && !dmScrub;
}
