/**
 * paths suite: what failfast and recovery cost on one thread, per I/O path.
 *
 * One 64 MiB fsdax namespace with a 4 MiB file (file page k = device page k) per kernel
 * profile: 6.15 (recovery write) and 5.18 (no recovery: DAX writes over poison fail).
 * Every op works at byte offset 1 MiB, 4 KiB or 64 KiB long, *clean* or *poisoned*: one
 * 64-byte line in the middle of the range holds poison that a scrub made known, so the
 * namespace badblocks hold its sector (as after ARS). Rows:
 *
 *   block read  failfast                 pmem_submit_bio read: EIO on a known-bad sector
 *   block write recovery                 pmem write: clear poison first, then write
 *   dax pread   failfast                 dax_iomap_rw read (kernel: the chunk fails)
 *   dax pread   recovery-read-page       good pages before the bad one
 *   dax pread   recovery-read-line       every good line, poisoned lines skipped
 *   dax pwrite  failfast                 5.18: EIO on a known-bad page
 *   dax pwrite  recovery                 5.19+: DAX_RECOVERY_WRITE, clear, write
 *   copy_mc / flushcache                 the bare copies of the same size (reference)
 *
 * The caller's buffer (a read's `out`, a write's data) is a view of the running system's
 * I/O buffer, made once per size: the user's buffer lives in the memory the copy targets, as
 * copy_mc_to_user's destination does, so each path moves its bytes with one wasm copy.
 *
 * A recovery write clears the poison it meets, so its poisoned samples are one call each
 * with the poison re-made (scrubbed) before the sample, untimed. Time is virtual: the
 * modelled firmware clear latency is not spent, it is read off the clock and reported in
 * its own column, beside the measured split: badblocks lookup (the same check alone),
 * copies (the bare copy alone) and the rest (the path's own work).
 */
import { createFsdaxSystem, type DaxFile, type FsDax } from '../../src/dax/fs.js';
import { daxPread, daxPwrite } from '../../src/dax/iomap.js';
import { pmemRead, pmemWrite } from '../../src/pmem/block.js';
import { scrub } from '../../src/nvdimm/ars.js';
import type { System } from '../../src/nvdimm/system.js';
import type { Namespace } from '../../src/nvdimm/namespace.js';
import type { KernelVersion } from '../../src/kernel/profiles.js';
import { formatSize } from '../../src/core/units.js';
import { measureBatched, type BatchedTask } from '../lib/batch.js';
import { formatTable, type BenchRow, type SuiteResult, type TargetCheck } from '../lib/rows.js';

const MIB = 1024 * 1024;
/** Where every op works: 1 MiB into the file (device pages 256..). */
const AT = MIB;
export const PATH_SIZES = [4096, 65536] as const;

type Variant = 'clean' | 'poisoned';
interface Setup {
  readonly system: System;
  readonly fs: FsDax;
  readonly ns: Namespace;
  readonly file: DaxFile;
}

async function setup(kernel: KernelVersion): Promise<Setup> {
  const { system, fs } = await createFsdaxSystem({
    namespaces: [{ name: 'pmem0', size: 64 * MIB, mode: 'fsdax', kernel }],
    model: { time: 'virtual' },
    maxThreads: 2,
  });
  const ns = system.namespaces[0]!;
  const file = fs.createFile({ ns, name: 'f', pgoff: 0, pages: 1024 });
  if (!('pages' in file)) throw new Error(`paths suite: cannot create the file (${file.errno})`);
  // Real data everywhere, durable, so reads copy real bytes.
  const fill = new Uint8Array(4 * MIB).fill(0xa5);
  const w = daxPwrite(file, 0, fill);
  if (!w.ok) throw new Error(`paths suite: cannot fill the file (${w.errno})`);
  file.fsync();
  return { system, fs, ns, file };
}

/** Media offset of file byte `off` (file page k = device page k of the data area). */
const spaOf = (s: Setup, off: number): number => s.ns.spa(off);
/** The poisoned line of a range: the middle, line-aligned. */
const poisonOffset = (len: number): number => AT + Math.floor(len / 2 / 64) * 64;

/** Makes one line of [AT, AT+len) poisoned and known (scrubbed into badblocks), or all clean. */
function arrange(s: Setup, len: number, v: Variant): void {
  s.system.media.unpoison(spaOf(s, AT), len);
  s.ns.bb.clear(AT / 512, len / 512);
  if (v === 'poisoned') {
    s.system.media.poison(spaOf(s, poisonOffset(len)), 64);
    const r = scrub(s.system.bus, {});
    if (!r.ok) throw new Error('paths suite: scrub failed');
  }
}

export interface PathsSuiteOptions {
  readonly timeMs: number;
  readonly rounds: number;
  readonly sizes?: readonly number[];
}

export function pathRowName(path: string, mode: string, len: number, v: Variant): string {
  return `${path} ${mode} ${formatSize(len)}${v === 'poisoned' ? ' poisoned' : ''}`;
}

interface Op {
  readonly path: string;
  readonly mode: string;
  /** The kernel profile whose system runs it. */
  readonly kernel: KernelVersion;
  /** Whether a call undoes the poisoned arrangement (a write that clears). */
  readonly clears: boolean;
  /** One call over `len` bytes; `buf` is a view of exactly `len` bytes of s's I/O buffer. */
  readonly run: (s: Setup, len: number, buf: Uint8Array) => unknown;
  /** The bare copy it is compared with, and whether the lookup is a read's or a write's. */
  readonly copy: 'copy_mc' | 'flushcache';
}

const OPS: readonly Op[] = [
  { path: 'block read', mode: 'failfast', kernel: '6.15', clears: false, copy: 'copy_mc', run: (s, len, buf) => pmemRead(s.ns, AT / 512, len, { out: buf }) },
  { path: 'block write', mode: 'recovery', kernel: '6.15', clears: true, copy: 'flushcache', run: (s, _len, buf) => pmemWrite(s.ns, AT / 512, buf) },
  { path: 'dax pread', mode: 'failfast', kernel: '6.15', clears: false, copy: 'copy_mc', run: (s, len, buf) => daxPread(s.file, AT, len, { policy: 'off', out: buf }) },
  { path: 'dax pread', mode: 'recovery-read-page', kernel: '6.15', clears: false, copy: 'copy_mc', run: (s, len, buf) => daxPread(s.file, AT, len, { policy: 'page', out: buf }) },
  { path: 'dax pread', mode: 'recovery-read-line', kernel: '6.15', clears: false, copy: 'copy_mc', run: (s, len, buf) => daxPread(s.file, AT, len, { policy: 'line', out: buf }) },
  { path: 'dax pwrite', mode: 'failfast', kernel: '5.18', clears: false, copy: 'flushcache', run: (s, _len, buf) => daxPwrite(s.file, AT, buf) },
  { path: 'dax pwrite', mode: 'recovery', kernel: '6.15', clears: true, copy: 'flushcache', run: (s, _len, buf) => daxPwrite(s.file, AT, buf) },
];

export async function runPathsSuite(options: PathsSuiteOptions): Promise<SuiteResult> {
  const sizes = options.sizes ?? PATH_SIZES;
  const systems: Record<string, Setup> = { '6.15': await setup('6.15'), '5.18': await setup('5.18') };
  const rows: BenchRow[] = [];
  const ratios: Record<string, number> = {};
  // Per system and size, a view of that system's I/O buffer (see the header), made once.
  const views = new Map<string, Uint8Array>();
  const bufFor = (kernel: KernelVersion, len: number): Uint8Array => {
    const key = `${kernel} ${len}`;
    let v = views.get(key);
    if (v === undefined) views.set(key, v = systems[kernel]!.system.bus.ioBuffer.subarray(0, len));
    return v;
  };

  /** Clean bare-copy times by size, to price the bytes a poisoned-variant call moved. */
  const cleanCopy = new Map<string, number>();
  for (const len of sizes) {
    for (const v of ['clean', 'poisoned'] as const) {
      const s = systems['6.15']!;
      const wasm = s.system.context.wasm;
      arrange(s, len, v);
      arrange(systems['5.18']!, len, v);
      // References: the bare copies and the badblocks check of the same range.
      const io = s.system.context.ioBuf;
      const src = s.system.context.layout.mediaBase + spaOf(s, AT);
      const bbQuery = s.system.context.ioBuf + 256 * 1024;
      new BigUint64Array(s.system.context.u8.buffer, bbQuery, 1)[0] = BigInt(AT / 512);
      const refs: BatchedTask[] = [
        { name: `copy_mc ${formatSize(len)}${v === 'poisoned' ? ' poisoned' : ''}`, fn: (k) => wasm.bench_copy_mc(io, len, src, len, len, len, k) },
        { name: `flushcache ${formatSize(len)}`, fn: (k) => wasm.bench_flushcache(src, len, io, len, len, len, k), beforeEach: () => { wasm.pmem_wmb(); } },
        { name: `badblocks lookup ${formatSize(len)}${v === 'poisoned' ? ' poisoned' : ''}`, fn: (k) => wasm.bench_bb_check(s.ns.bb.base, bbQuery, 1, len / 512, k, 0) },
      ];
      const refResults = await measureBatched(refs, { timeMs: options.timeMs, rounds: options.rounds });
      const [mc, fc, lookup] = refResults.map((r) => r.nsPerCall) as [number, number, number];
      if (v === 'clean') {
        cleanCopy.set(`mc ${len}`, mc);
        cleanCopy.set(`fc ${len}`, fc);
      }
      arrange(s, len, v); // the flushcache reference wrote over the range's media
      rows.push(...refResults.slice(0, 2).map((r, i) => ({
        name: r.name, unit: 'ns/op', value: r.nsPerCall, range: `± ${r.rme.toFixed(1)}%`,
        params: { path: i === 0 ? 'copy_mc' : 'flushcache', mode: 'reference', size: len, poisoned: i === 0 && v === 'poisoned' ? 1 : 0 },
      })));

      const tasks: BatchedTask[] = OPS.map((op) => {
        const sys = systems[op.kernel]!;
        const rearm = op.clears && v === 'poisoned';
        const buf = bufFor(op.kernel, len);
        return {
          name: pathRowName(op.path, op.mode, len, v),
          fn: (k: number) => { for (let i = 0; i < k; i++) op.run(sys, len, buf); },
          // The call clears the poison: remake it before each sample (untimed) and after it, so
          // the tasks measured next (and the next round) meet the same arrangement.
          ...(rearm ? { maxBatch: 1, beforeEach: () => arrange(sys, len, v), afterEach: () => arrange(sys, len, v) } : {}),
        };
      });
      const results = await measureBatched(tasks, { timeMs: options.timeMs, rounds: options.rounds });
      results.forEach((r, i) => {
        const op = OPS[i]!;
        const sys = systems[op.kernel]!;
        // Modelled time of one call: the clock's advance (firmware clears), with the
        // arrangement remade first so the call meets the same state as when measured.
        arrange(sys, len, v);
        const t0 = sys.system.clock.now();
        const out = op.run(sys, len, bufFor(op.kernel, len)) as { ok: boolean; errno?: string; bytes?: number; bytesDone?: number; data?: Uint8Array };
        const modelled = sys.system.clock.now() - t0;
        arrange(sys, len, v);
        // The copy part: the bare clean copy's time per byte, times the bytes this call moved
        // (a failed call moves only what came before the failure).
        const moved = out.ok ? (out.bytes ?? len) : (out.bytesDone ?? out.data?.length ?? 0);
        const perByte = (op.copy === 'copy_mc' ? cleanCopy.get(`mc ${len}`) ?? mc : cleanCopy.get(`fc ${len}`) ?? fc) / len;
        const copy = perByte * moved;
        const look = v === 'poisoned' ? lookup : 0;
        rows.push({
          name: r.name, unit: 'ns/op', value: r.nsPerCall + modelled, range: `± ${r.rme.toFixed(1)}%`,
          params: { path: op.path, mode: op.mode, size: len, poisoned: v === 'poisoned' ? 1 : 0, kernel: op.kernel },
          time_split: { measured: r.nsPerCall, modelled },
          extra: `measured ${r.nsPerCall.toFixed(0)} ns (badblocks lookup ~${look.toFixed(0)}, copy ~${copy.toFixed(0)}, ` +
            `rest ${(r.nsPerCall - look - copy).toFixed(0)}) + modelled clear ${modelled.toFixed(0)} ns; ` +
            `result ${out.ok ? `${out.bytes ?? len} bytes` : `${out.errno} after ${moved} bytes`}; kernel ${op.kernel}`,
        });
        ratios[`measured ${r.name}`] = r.nsPerCall;
        ratios[`modelled ${r.name}`] = modelled;
      });
      ratios[`copy_mc ${formatSize(len)} ${v}`] = mc;
      ratios[`flushcache ${formatSize(len)} ${v}`] = fc;
      ratios[`lookup ${formatSize(len)} ${v}`] = lookup;
    }
  }
  for (const s of Object.values(systems)) s.system.detach();
  return { suite: 'paths', rows, ratios, checks: pathsTargets(ratios) };
}

export function pathsTargets(ratios: Record<string, number>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const pread = ratios[`measured ${pathRowName('dax pread', 'failfast', 65536, 'clean')}`];
  const mc = ratios['copy_mc 64KiB clean'];
  if (pread !== undefined && mc !== undefined) {
    checks.push({ name: 'clean 64KiB dax pread / copy_mc 64KiB', value: pread / mc, target: '<= 1.25x', met: pread / mc <= 1.25 });
  }
  return checks;
}

export function formatPathsTable(result: SuiteResult): string {
  const lines: (string | number)[][] = [];
  for (const row of result.rows) {
    if (row.name.startsWith('copy_mc') || row.name.startsWith('flushcache')) continue;
    const measured = result.ratios[`measured ${row.name}`] ?? NaN;
    const modelled = result.ratios[`modelled ${row.name}`] ?? NaN;
    lines.push([row.name, measured, modelled, row.value]);
  }
  const size = (n: number): string => formatSize(n);
  const overhead = [4096, 65536].map((n) => {
    const p = result.ratios[`measured ${pathRowName('dax pread', 'failfast', n, 'clean')}`];
    const c = result.ratios[`copy_mc ${size(n)} clean`];
    return p !== undefined && c !== undefined ? `dax pread ${size(n)}: ${(p - c).toFixed(0)} ns over a bare copy_mc (${c.toFixed(0)} ns)` : '';
  }).filter(Boolean);
  return formatTable(['ns/op', 'measured', 'modelled clear', 'total'], lines) +
    (overhead.length ? `\n\nper-call overhead of the DAX read path:\n  ${overhead.join('\n  ')}` : '');
}
