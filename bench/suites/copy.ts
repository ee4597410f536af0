/**
 * Copy suite: copy_mc, memcpy_flushcache, wasm memory.copy and JS copyWithin on the same
 * shared memory, at 256 B, 4 KiB, 64 KiB and 2 MiB; hot (the same buffers every call) and
 * cold (rotating through 64 MiB of source and destination, far beyond the 1 MiB L2);
 * clean and with one poisoned line in the middle of every source buffer.
 *
 * Each row times exactly the operation it names, batched (bench/lib/batch.ts): copy_mc
 * media -> kernel buffer; memory.copy and copyWithin the same media -> buffer move ignoring
 * poison; flushcache buffer -> media (the write direction it exists for). Throughput is the
 * bytes the call actually moved: a poisoned copy_mc stops at the poisoned line, so it moves
 * half its length (said in the row's `extra`).
 */
import { createShared } from '../../src/core/shared.js';
import { formatSize } from '../../src/core/units.js';
import { measureBatched, type BatchedTask } from '../lib/batch.js';
import { formatTable, type BenchRow, type SuiteResult, type TargetCheck } from '../lib/rows.js';

export const COPY_SIZES = [256, 4096, 65536, 2 * 1024 * 1024] as const;
const MIB = 1024 * 1024;
/** Rotation span of the cold variants: beyond L2 (1 MiB/core) and L3 (32 MiB) here. */
const COLD_SPAN = 64 * MIB;
/** Region kind id for the benchmark's kernel-side buffers (not used by any layer). */
const BENCH_SCRATCH_KIND = 0xbe0c;

export interface CopySuiteOptions {
  readonly timeMs: number;
  readonly rounds: number;
  readonly sizes?: readonly number[];
}

type Op = 'copy_mc' | 'memory.copy' | 'flushcache' | 'copyWithin';
const OPS: readonly Op[] = ['copy_mc', 'memory.copy', 'flushcache', 'copyWithin'];

/** Row name as the issue fixes it: `copy_mc 4KiB`, `... poisoned`, `... cold`. */
export function copyRowName(op: Op, len: number, poisoned: boolean, cold: boolean): string {
  return `${op} ${formatSize(len)}${poisoned ? ' poisoned' : ''}${cold ? ' cold' : ''}`;
}

const nextPow2 = (n: number): number => 2 ** Math.ceil(Math.log2(n));

export async function runCopySuite(options: CopySuiteOptions): Promise<SuiteResult> {
  const sizes = options.sizes ?? COPY_SIZES;
  // Media: source slots [0, COLD_SPAN + 2 MiB), flushcache destinations from 128 MiB.
  const ctx = createShared({
    mediaBytes: 256 * MIB,
    maxThreads: 1,
    regions: [{ kind: BENCH_SCRATCH_KIND, bytes: COLD_SPAN + 4 * MIB }],
  });
  const { wasm, layout, u8 } = ctx;
  const media = layout.mediaBase;
  const flushDst = media + 128 * MIB;
  const scratch = layout.regions[0]!.base;
  u8.fill(0x5a, media, media + COLD_SPAN + 4 * MIB);

  const rows: BenchRow[] = [];
  const ratios: Record<string, number> = {};

  for (const len of sizes) {
    // Slots are `stride` apart (a power of two >= 2*len, >= 4 KiB): disjoint, each used whole.
    const stride = Math.max(4096, nextPow2(2 * len));
    const mid = Math.floor(len / 2 / 64) * 64;
    for (const poisoned of [false, true]) {
      for (const cold of [false, true]) {
        const span = cold ? COLD_SPAN : stride;
        wasm.poison_clear_lines(0, (COLD_SPAN + 4 * MIB) / 64);
        if (poisoned) {
          for (let off = 0; off < span; off += stride) wasm.poison_set_lines((off + mid) / 64, (off + mid) / 64 + 1);
          // flushcache's destinations carry the same poison: writing does not clear it.
          for (let off = 0; off < span; off += stride) {
            const line = (flushDst - media + off + mid) / 64;
            wasm.poison_set_lines(line, line + 1);
          }
        } else {
          wasm.poison_clear_lines((flushDst - media) / 64, (flushDst - media + COLD_SPAN + 4 * MIB) / 64);
        }
        const moved: Record<Op, number> = {
          'copy_mc': poisoned ? mid : len, 'memory.copy': len, 'flushcache': len, 'copyWithin': len,
        };
        let rot = 0;
        const tasks: BatchedTask[] = OPS.map((op) => ({
          name: copyRowName(op, len, poisoned, cold),
          // Cold flushcache destinations never coalesce in the pending log: fence between
          // samples (untimed) so the log never overflows and drains inside a sample.
          ...(op === 'flushcache' ? { beforeEach: (): void => { wasm.pmem_wmb(); } } : {}),
          fn: (k: number): unknown => {
            switch (op) {
              case 'copy_mc': return wasm.bench_copy_mc(scratch, span, media, span, stride, len, k);
              case 'memory.copy': return wasm.bench_memory_copy(scratch, span, media, span, stride, len, k);
              case 'flushcache': return wasm.bench_flushcache(flushDst, span, scratch, span, stride, len, k);
              case 'copyWithin':
                for (let i = 0; i < k; i++, rot++) {
                  const off = (rot * stride) % span;
                  u8.copyWithin(scratch + off, media + off, media + off + len);
                }
                return rot;
            }
          },
        }));
        const results = await measureBatched(tasks, { timeMs: options.timeMs, rounds: options.rounds });
        const gbps = (op: Op): number => moved[op] / results[OPS.indexOf(op)]!.nsPerCall;
        OPS.forEach((op, i) => {
          const r = results[i]!;
          rows.push({
            name: r.name, unit: 'GB/s', value: gbps(op), range: `± ${r.rme.toFixed(1)}%`,
            params: { op, size: len, poisoned: poisoned ? 1 : 0, cold: cold ? 1 : 0 },
            extra: `${r.nsPerCall.toFixed(1)} ns/call, ${r.samples} samples of ${r.batch} calls` +
              (op === 'copy_mc' && poisoned ? `; copies ${mid} of ${len} bytes (stops at the poisoned line)` : ''),
          });
        });
        const variant = `${formatSize(len)}${poisoned ? ' poisoned' : ''}${cold ? ' cold' : ''}`;
        ratios[`copy_mc/memory.copy ${variant}`] = gbps('copy_mc') / gbps('memory.copy');
        ratios[`flushcache/memory.copy ${variant}`] = gbps('flushcache') / gbps('memory.copy');
      }
    }
  }
  ctx.detach();
  return { suite: 'copy', rows, ratios, checks: copyTargets(ratios) };
}

/** The targets, checked on clean copies (hot and cold). */
export function copyTargets(ratios: Record<string, number>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const [key, value] of Object.entries(ratios)) {
    if (key.includes('poisoned')) continue;
    const m = /^(copy_mc|flushcache)\/memory\.copy (\S+)/.exec(key);
    if (!m) continue;
    const [, op, size] = m;
    let min: number | undefined;
    if (op === 'copy_mc') min = size === '256B' ? 0.8 : 0.95;
    else if (size === '4KiB') min = 0.75;
    else if (size === '64KiB' || size === '2MiB') min = 0.9;
    if (min === undefined) continue;
    checks.push({ name: key, value, target: `>= ${min}x memory.copy`, met: value >= min });
  }
  return checks;
}

/** Terminal table of a (possibly merged) copy result. */
export function formatCopyTable(result: SuiteResult): string {
  const byName = new Map(result.rows.map((r) => [r.name, r.value]));
  const lines: (string | number)[][] = [];
  for (const key of Object.keys(result.ratios)) {
    if (!key.startsWith('copy_mc/')) continue;
    const variant = key.slice('copy_mc/memory.copy '.length);
    const [size, ...rest] = variant.split(' ');
    const suffix = rest.length ? ' ' + rest.join(' ') : '';
    const v = (op: Op): number => byName.get(`${op} ${size}${suffix}`) ?? NaN;
    lines.push([variant, v('copy_mc'), v('memory.copy'), v('flushcache'), v('copyWithin'),
      result.ratios[key]!, result.ratios[`flushcache/memory.copy ${variant}`] ?? NaN]);
  }
  return formatTable(['GB/s', 'copy_mc', 'memory.copy', 'flushcache', 'copyWithin', 'mc/copy', 'flush/copy'], lines);
}
