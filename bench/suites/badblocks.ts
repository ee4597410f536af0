/**
 * badblocks suite: which structure wins at which scale.
 *
 * Setup per (kind, N): N acknowledged runs of 8 sectors, one every 32 sectors
 * (run r = [32r, 32r+8)), inserted in seeded random order. Queries are 8 sectors, uniform
 * over the runs (seeded): a *hit* starts inside a run, a *miss* lies wholly in a gap
 * ([32r+8, 32r+32)). `set` adds a new 8-sector run in a gap ([32r+16, 32r+24)) and `clear`
 * removes it again, so N stays fixed: each sample sets (or clears) k distinct positions and
 * the untimed hook undoes it. Every call goes through the exported operation (rounding,
 * seqlock or mutex, the kind's work), batched (bench/lib/batch.ts).
 *
 * The comparison library is @flatten-js/interval-tree, what a user would otherwise pick:
 * check = intersect_any([s, s+len-1]) (closed intervals), set = insert, clear = remove.
 *
 * Reader scaling (bench/workers/bb-reader.ts): 1 and 2 threads checking the same structure,
 * with and without a writer thread doing 1,000 updates per second.
 */
import IntervalTree from '@flatten-js/interval-tree';
import { createShared, type ThreadContext } from '../../src/core/shared.js';
import { badblocksRegion, initBadblocks, type Badblocks } from '../../src/badblocks/badblocks.js';
import { isTableKind, type BadblocksKind } from '../../src/badblocks/kinds.js';
import { measureBatched, type BatchedTask, type BatchedResult } from '../lib/batch.js';
import { mulberry32, shuffled } from '../lib/rng.js';
import { formatTable, type BenchRow, type SuiteResult, type TargetCheck } from '../lib/rows.js';
import { readerScaling, type ScalingResult } from './badblocks-scaling.js';

export const BB_SIZES = [16, 512, 10_000, 100_000, 1_000_000] as const;
export const RUN_PERIOD = 32;
export const RUN_LEN = 8;
export const QUERY_LEN = 8;
const QUERIES = 1 << 16;
const SCRATCH_KIND = 0xbe0b;
type Op = 'check-hit' | 'check-miss' | 'set' | 'clear';
const OPS: readonly Op[] = ['check-hit', 'check-miss', 'set', 'clear'];
type Subject = BadblocksKind | 'flatten-js';

export interface BadblocksSuiteOptions {
  readonly timeMs: number;
  readonly rounds: number;
  readonly sizes?: readonly number[];
  readonly scalingMs?: number;
  /** Largest N flatten-js is built at (sizing: its 1,000,000-run tree takes ~15 s to build). */
  readonly flattenMaxN?: number;
}

export function bbRowName(op: Op, subject: Subject, n: number): string {
  return `badblocks ${op} ${subject} n=${n}`;
}

/**
 * The kinds measured at size n: the tables (6.15 and pre-6.7) only up to their 512 entries
 * (the kernel's maximum). The runs never touch, so both tables hold the same n entries.
 */
function subjectsAt(n: number): Subject[] {
  return n <= 512 ? ['table', 'table-legacy', 'itree', 'btree', 'bitmap', 'flatten-js'] : ['itree', 'btree', 'bitmap', 'flatten-js'];
}

/** Seeded query starts: hits inside runs, misses in gaps, new-run positions in gaps. */
export function makeQueries(n: number, seed: number): { hit: Float64Array; miss: Float64Array; fresh: Float64Array } {
  const rand = mulberry32(seed);
  const q = Math.min(QUERIES, Math.max(n, 1024));
  const hit = new Float64Array(q);
  const miss = new Float64Array(q);
  for (let i = 0; i < q; i++) {
    const r = Math.floor(rand() * n);
    hit[i] = r * RUN_PERIOD + Math.floor(rand() * RUN_LEN);
    miss[i] = r * RUN_PERIOD + RUN_LEN + Math.floor(rand() * (RUN_PERIOD - RUN_LEN - QUERY_LEN + 1));
  }
  const order = shuffled(n, rand);
  const fresh = new Float64Array(n);
  for (let i = 0; i < n; i++) fresh[i] = order[i]! * RUN_PERIOD + 16;
  return { hit, miss, fresh };
}

interface Built {
  ctx: ThreadContext;
  bb: Badblocks;
  base: number;
  scratch: number;
}

/** A structure of `kind` with n runs, plus a scratch region for query arrays. */
function buildStructure(kind: BadblocksKind, n: number, seed: number): Built {
  const opts = kind === 'bitmap'
    ? { kind, capacitySectors: n * RUN_PERIOD + RUN_PERIOD }
    : isTableKind(kind) ? { kind, maxEntries: 8192 } : { kind };
  const region = badblocksRegion(opts);
  const ctx = createShared({ mediaBytes: 0, maxThreads: 4, ioBufferBytes: 4096, regions: [region, { kind: SCRATCH_KIND, bytes: 3 * 8 * Math.max(QUERIES, n) }] });
  const base = ctx.layout.regions[0]!.base;
  const scratch = ctx.layout.regions[1]!.base;
  const bb = initBadblocks(ctx, base, opts);
  const order = shuffled(n, mulberry32(seed));
  const starts = new BigUint64Array(ctx.u8.buffer, scratch, n);
  for (let i = 0; i < n; i++) starts[i] = BigInt(order[i]! * RUN_PERIOD);
  ctx.wasm.bench_bb_set(base, scratch, n, RUN_LEN, n, 0);
  if (bb.count !== n) throw new Error(`${kind}: building ${n} runs left ${bb.count}`);
  return { ctx, bb, base, scratch };
}

function writeStarts(ctx: ThreadContext, at: number, values: Float64Array): void {
  const u = new BigUint64Array(ctx.u8.buffer, at, values.length);
  for (let i = 0; i < values.length; i++) u[i] = BigInt(values[i]!);
}

/** Bytes the structure needs per run at this size. */
function bytesPerRun(kind: BadblocksKind, b: Built, n: number): number {
  const region = b.ctx.layout.regions[0]!;
  switch (kind) {
    case 'table':
    case 'table-legacy': return 8;
    case 'itree': return 64;
    case 'bitmap': return (region.bytes - 128) / n;
    case 'btree': return b.ctx.wasm.btree_bytes_used(b.base) / n;
  }
}

function kindTasks(kind: BadblocksKind, b: Built, n: number, q: ReturnType<typeof makeQueries>): BatchedTask[] {
  const { ctx, base, scratch } = b;
  const hitAt = scratch;
  const missAt = scratch + QUERIES * 8;
  const freshAt = scratch + 2 * QUERIES * 8;
  writeStarts(ctx, hitAt, q.hit);
  writeStarts(ctx, missAt, q.miss);
  writeStarts(ctx, freshAt, q.fresh);
  const w = ctx.wasm;
  let from = 0;
  const free = isTableKind(kind) ? 8192 - n : n;
  const maxBatch = Math.max(1, Math.min(n, free));
  // set: a sample sets k fresh runs, the untimed hook clears them. clear: the hook sets the
  // k runs the sample then clears. Either way N is back to n after every sample.
  return [
    { name: bbRowName('check-hit', kind, n), fn: (k) => w.bench_bb_check(base, hitAt, q.hit.length, QUERY_LEN, k, (from += k)) },
    { name: bbRowName('check-miss', kind, n), fn: (k) => w.bench_bb_check(base, missAt, q.miss.length, QUERY_LEN, k, (from += k)) },
    {
      name: bbRowName('set', kind, n), maxBatch,
      fn: (k) => w.bench_bb_set(base, freshAt, n, RUN_LEN, k, from),
      afterEach: (k) => { w.bench_bb_clear(base, freshAt, n, RUN_LEN, k, from); from += k; },
    },
    {
      name: bbRowName('clear', kind, n), maxBatch,
      beforeEach: (k) => { w.bench_bb_set(base, freshAt, n, RUN_LEN, k, from); },
      fn: (k) => w.bench_bb_clear(base, freshAt, n, RUN_LEN, k, from),
      afterEach: (k) => { from += k; },
    },
  ];
}

function flattenTasks(n: number, q: ReturnType<typeof makeQueries>): { tasks: BatchedTask[]; bytesPerRun: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const tree = new IntervalTree<number>();
  const order = shuffled(n, mulberry32(7));
  for (let i = 0; i < n; i++) {
    const s = order[i]! * RUN_PERIOD;
    tree.insert([s, s + RUN_LEN - 1], s);
  }
  gc?.();
  const bytes = (process.memoryUsage().heapUsed - before) / n;
  let qi = 0;
  let fi = 0;
  const check = (arr: Float64Array) => (k: number): number => {
    let hits = 0;
    for (let i = 0; i < k; i++) {
      const s = arr[qi++ % arr.length]!;
      if (tree.intersect_any([s, s + QUERY_LEN - 1])) hits++;
    }
    return hits;
  };
  const setK = (k: number): void => {
    for (let i = 0; i < k; i++) { const s = q.fresh[(fi + i) % n]!; tree.insert([s, s + RUN_LEN - 1], s); }
  };
  const clearK = (k: number): void => {
    for (let i = 0; i < k; i++) { const s = q.fresh[(fi + i) % n]!; tree.remove([s, s + RUN_LEN - 1], s); }
  };
  const maxBatch = Math.max(1, n);
  return {
    bytesPerRun: bytes,
    tasks: [
      { name: bbRowName('check-hit', 'flatten-js', n), fn: check(q.hit) },
      { name: bbRowName('check-miss', 'flatten-js', n), fn: check(q.miss) },
      { name: bbRowName('set', 'flatten-js', n), maxBatch, fn: setK, afterEach: (k) => { clearK(k); fi += k; } },
      { name: bbRowName('clear', 'flatten-js', n), maxBatch, beforeEach: setK, fn: clearK, afterEach: (k) => { fi += k; } },
    ],
  };
}

export async function runBadblocksSuite(options: BadblocksSuiteOptions): Promise<SuiteResult> {
  const sizes = options.sizes ?? BB_SIZES;
  const rows: BenchRow[] = [];
  const ratios: Record<string, number> = {};
  const ns = new Map<string, number>();
  for (const n of sizes) {
    const q = makeQueries(n, 1000 + n);
    for (const subject of subjectsAt(n).filter((s) => s !== 'flatten-js' || n <= (options.flattenMaxN ?? Infinity))) {
      let results: BatchedResult[];
      let perRun: number;
      if (subject === 'flatten-js') {
        const f = flattenTasks(n, q);
        results = await measureBatched(f.tasks, { timeMs: options.timeMs, rounds: options.rounds });
        perRun = f.bytesPerRun;
      } else {
        const b = buildStructure(subject, n, 42 + n);
        results = await measureBatched(kindTasks(subject, b, n, q), { timeMs: options.timeMs, rounds: options.rounds });
        if (b.bb.count !== n) throw new Error(`${subject} n=${n}: the benchmark changed N to ${b.bb.count}`);
        perRun = bytesPerRun(subject, b, n);
        b.ctx.detach();
      }
      for (const r of results) {
        ns.set(r.name, r.nsPerCall);
        rows.push({
          name: r.name, unit: 'ns/op', value: r.nsPerCall, range: `± ${r.rme.toFixed(1)}%`,
          params: { kind: subject, n, op: OPS[results.indexOf(r)]! },
          extra: `${r.samples} samples of ${r.batch} calls; ${perRun.toFixed(1)} bytes/run` +
            (subject !== 'flatten-js' && isTableKind(subject) && r.name.includes(' set ') ? '; table of 8192 slots so sets have room' : ''),
        });
      }
      ratios[`bytes/run ${subject} n=${n}`] = perRun;
    }
    for (const op of ['check-hit', 'check-miss'] as const) {
      const bt = ns.get(bbRowName(op, 'btree', n));
      const fj = ns.get(bbRowName(op, 'flatten-js', n));
      if (bt !== undefined && fj !== undefined) ratios[`flatten-js/btree ${op} n=${n}`] = fj / bt;
    }
  }
  const scaling = await readerScaling({ durationMs: options.scalingMs ?? 400 });
  for (const s of scaling) addScaling(s, rows, ratios);
  return { suite: 'badblocks', rows, ratios, checks: badblocksTargets(ratios, rows) };
}

function addScaling(s: ScalingResult, rows: BenchRow[], ratios: Record<string, number>): void {
  rows.push({
    name: `badblocks check-miss ${s.kind} n=${s.n} readers=${s.readers}${s.writer ? ' writer=1000/s' : ''}`,
    unit: 'ns/op', value: 1e9 / (s.checksPerSec / s.readers),
    params: { kind: s.kind, n: s.n, op: 'check-miss', readers: s.readers, writer_per_s: s.writer ? 1000 : 0 },
    extra: `${Math.round(s.checksPerSec)} checks/s in total over ${s.readers} thread(s)` + (s.writer ? `, ${s.writerUpdates} writer updates` : ''),
  });
  ratios[`checks/s ${s.kind} readers=${s.readers}${s.writer ? ' writer' : ''}`] = s.checksPerSec;
}

/** The targets on merged figures. */
export function badblocksTargets(ratios: Record<string, number>, rows: readonly BenchRow[]): TargetCheck[] {
  const value = (name: string): number | undefined => rows.find((r) => r.name === name)?.value;
  const checks: TargetCheck[] = [];
  for (const op of ['check-hit', 'check-miss'] as const) {
    const t = value(bbRowName(op, 'table', 512));
    if (t !== undefined) checks.push({ name: `table ${op} n=512 ns`, value: t, target: '<= 50 ns', met: t <= 50 });
    const b = value(bbRowName(op, 'btree', 1_000_000));
    if (b !== undefined) checks.push({ name: `btree ${op} n=1000000 ns`, value: b, target: '<= 250 ns', met: b <= 250 });
    const r = ratios[`flatten-js/btree ${op} n=1000000`];
    if (r !== undefined) checks.push({ name: `btree vs flatten-js ${op} n=1000000`, value: r, target: '>= 10x faster', met: r >= 10 });
  }
  for (const kind of ['table', 'itree', 'btree', 'bitmap']) {
    const one = ratios[`checks/s ${kind} readers=1`];
    const two = ratios[`checks/s ${kind} readers=2`];
    const twoW = ratios[`checks/s ${kind} readers=2 writer`];
    if (one && two) checks.push({ name: `${kind} 2 readers / 1 reader`, value: two / one, target: '>= 1.8x', met: two / one >= 1.8 });
    if (two && twoW) checks.push({ name: `${kind} readers' loss with a 1000/s writer`, value: 1 - twoW / two, target: '< 10%', met: 1 - twoW / two < 0.1 });
  }
  return checks;
}

export function formatBadblocksTable(result: SuiteResult): string {
  const byName = new Map(result.rows.map((r) => [r.name, r.value]));
  const lines: (string | number)[][] = [];
  const sizes = [...new Set(result.rows.map((r) => /n=(\d+)$/.exec(r.name)?.[1]).filter((x): x is string => !!x))];
  for (const n of sizes) {
    for (const subject of ['table', 'table-legacy', 'itree', 'btree', 'bitmap', 'flatten-js']) {
      const v = (op: Op): number => byName.get(`badblocks ${op} ${subject} n=${n}`) ?? NaN;
      if (OPS.every((op) => Number.isNaN(v(op)))) continue;
      lines.push([`${subject} n=${n}`, v('check-hit'), v('check-miss'), v('set'), v('clear'), result.ratios[`bytes/run ${subject} n=${n}`] ?? NaN]);
    }
  }
  const scaling = result.rows.filter((r) => r.name.includes('readers='))
    .map((r) => [r.name.replace('badblocks check-miss ', ''), r.value, r.extra ?? ''] as (string | number)[]);
  return formatTable(['ns/op', 'check-hit', 'check-miss', 'set', 'clear', 'bytes/run'], lines) +
    '\n\nreader scaling (ns per check per thread; smaller is better)\n' +
    formatTable(['config', 'ns/check', 'detail'], scaling);
}
