/**
 * memory-failure suite: what one failure event costs as the failed range grows, Linux's
 * per-page memory_failure() against the ranged alternative (reference §6; src/mm).
 *
 * Stacks (each its own system, built once):
 *   xfs-rmap  xfs with the reverse map: pmem -> holder -> rmap walk -> mf_dax_kill_procs
 *   ext4      no holder: the generic page->mapping path per page
 *   dm2       xfs with the reverse map on a 2-member linear dm table: the event is
 *             injected on the dm device and split per member (src/dm); per-page, dm has no
 *             holder to forward to, so each page takes the generic path; range, dm forwards
 *             each member range to xfs as dm pages (src/mm/notify.ts)
 * Mappers (every stack): one 1 GiB file (a 64 MiB one in --smoke) mapped by two early-kill
 * processes, A with PMD entries over every 2 MiB unit, B with PTEs over its first 64 pages,
 * all faulted in before each sample (untimed). On dm2 the file spans both members.
 *
 * One sample = one memoryFailureEvent over [0, size) of the file's pages (64 B fails one
 * page). Each sample re-arms the mappings first (faults, untimed); the event is timed with
 * performance.now() (an event takes microseconds to seconds, far above the ~40 ns timer
 * read). Rows are medians of the samples in µs (smaller is better), with the work counters
 * of the last sample: memory_failure calls, notifications, rmap lookups, pages unmapped,
 * signals.
 *
 * dm recovery: a linear table over pmem1 (recovery_write) and pmem2 (declared without it),
 * one known-bad page on each; rows time dm_dax_recovery_write of that page under each
 * policy (a refused recovery returns 0 fast: that is failfast) and dm_dax_direct_access
 * failfast; the page is made bad again before each sample (untimed).
 */
import { createMmSystem } from '../../src/mm/system.js';
import { createProcess, mmap, type Mapping } from '../../src/mm/process.js';
import { load } from '../../src/mm/access.js';
import { memoryFailureEvent } from '../../src/mm/events.js';
import type { Mm } from '../../src/mm/mm.js';
import type { MemoryFailurePolicy } from '../../src/mm/mm.js';
import { createDm, dmDaxDirectAccess, dmDaxRecoveryWrite, type DmDevice } from '../../src/dm/index.js';
import type { DaxFile, FsDax } from '../../src/dax/fs.js';
import type { System } from '../../src/nvdimm/system.js';
import { formatSize } from '../../src/core/units.js';
import { formatTable, median, type BenchRow, type SuiteResult, type TargetCheck } from '../lib/rows.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
export const MF_SIZES = [64, 4096, 2 * MIB, GIB] as const;
const POLICIES: readonly MemoryFailurePolicy[] = ['per-page', 'range'];

interface Stack {
  readonly name: 'xfs-rmap' | 'ext4' | 'dm2';
  readonly system: System;
  readonly mm: Mm;
  readonly file?: DaxFile;
  readonly dm?: DmDevice;
  readonly maps: Mapping[];
}

const XFS = { type: 'xfs', rmapbt: true, metaPages: 16 } as const;

/** The file (at device page 512, 2 MiB aligned) on `dm`, else on the first namespace, and its two early-kill mappers. */
function mapFile(name: Stack['name'], system: System, fs: FsDax, mm: Mm, fileBytes: number, dm?: DmDevice): Stack {
  const file = fs.createFile({ dev: dm ?? system.namespaces[0]!, name: 'f', pgoff: 512, pages: fileBytes / 4096 });
  if ('errno' in file) throw new Error(`memory-failure bench: file creation failed: ${file.errno}`);
  const a = createProcess(mm, 'A', { mceKill: 'early' });
  const b = createProcess(mm, 'B', { mceKill: 'early' });
  const ma = mmap(mm, a, file, 'pmd');
  const mb = mmap(mm, b, file, 'pte');
  if ('errno' in ma || 'errno' in mb) throw new Error('memory-failure bench: mmap failed');
  return { name, system, mm, file, ...(dm === undefined ? {} : { dm }), maps: [ma, mb] };
}

async function fileStack(name: 'xfs-rmap' | 'ext4', fileBytes: number): Promise<Stack> {
  const size = fileBytes + 64 * MIB;
  const { system, fs, mm } = await createMmSystem(
    { namespaces: [{ name: 'pmem0', size, mode: 'fsdax' }], model: { time: 'virtual' }, maxThreads: 2 },
    { fs: name === 'xfs-rmap' ? XFS : { type: 'ext4' } },
  );
  return mapFile(name, system, fs, mm, fileBytes);
}

async function dmStack(fileBytes: number): Promise<Stack> {
  // Each member holds half the file plus 32 MiB of data (64 MiB with the data offset).
  const size = fileBytes / 2 + 64 * MIB;
  const { system, fs, mm } = await createMmSystem({
    namespaces: [{ name: 'pmem0', size, mode: 'fsdax' }, { name: 'pmem1', size, mode: 'fsdax' }],
    model: { time: 'virtual' }, maxThreads: 2,
  }, { fs: XFS });
  const [n0, n1] = system.namespaces;
  const half = (fileBytes / 2 + 32 * MIB) / 512;
  const dm = createDm('dm0', [{ type: 'linear', dev: n0!, start: 0, len: half }, { type: 'linear', dev: n1!, start: 0, len: half }]);
  mm.addDm(dm);
  return mapFile('dm2', system, fs, mm, fileBytes, dm);
}

/** Faults every mapping back in (untimed): A one load per 2 MiB unit, B its first 64 pages. */
function rearm(s: Stack, bytes: number): void {
  const [a, b] = s.maps;
  if (a === undefined || b === undefined) return;
  for (let off = 0; off < Math.min(bytes, a.pages * 4096); off += 2 * MIB) load(s.mm, a, off);
  for (let p = 0; p < Math.min(64, b.pages); p++) load(s.mm, b, p * 4096);
}

interface Cell { us: number; calls: number; notifications: number; rmapLookups: number; unmapped: number; signals: number }

function measureEvent(s: Stack, policy: MemoryFailurePolicy, size: number, samples: number): Cell {
  s.mm.memoryFailurePolicy = policy;
  const times: number[] = [];
  let last: Cell | undefined;
  for (let i = 0; i < samples; i++) {
    rearm(s, size);
    const before = s.mm.counters();
    const t0 = performance.now();
    const r = memoryFailureEvent(s.mm, s.dm ?? s.file!.dev.ns!, 512 * 4096, size);
    const t1 = performance.now();
    const after = s.mm.counters();
    times.push((t1 - t0) * 1000);
    last = {
      us: 0, calls: r.calls, notifications: after.notifications - before.notifications,
      rmapLookups: after.rmapLookups - before.rmapLookups, unmapped: after.pagesUnmapped - before.pagesUnmapped,
      signals: after.signals - before.signals,
    };
  }
  return { ...last!, us: median(times) };
}

function dmRecoveryRows(samples: number): Promise<BenchRow[]> {
  return (async () => {
    const { system, mm } = await createMmSystem({
      namespaces: [{ name: 'pmem1', size: 64 * MIB, mode: 'fsdax' }, { name: 'pmem2', size: 64 * MIB, mode: 'fsdax', noRecovery: true }],
      model: { time: 'virtual' }, maxThreads: 2,
    });
    const [n1, n2] = system.namespaces;
    const dm = createDm('dmix', [{ type: 'linear', dev: n1!, start: 0, len: 8192 }, { type: 'linear', dev: n2!, start: 0, len: 8192 }]);
    const data = new Uint8Array(4096).fill(0x5a);
    const rows: BenchRow[] = [];
    const poisonPage = (dmPage: number): void => {
      const ns = dmPage < 1024 ? n1! : n2!;
      const pg = dmPage % 1024;
      ns.bb.set(pg * 8, 8, true);
      system.media.poison(ns.spa(pg * 4096), 64);
    };
    const time = (fn: () => void, arm: () => void): number => {
      const t: number[] = [];
      for (let i = 0; i < samples; i++) {
        arm();
        const t0 = performance.now();
        fn();
        t.push((performance.now() - t0) * 1000);
      }
      return median(t);
    };
    for (const policy of ['per-target', 'all-or-nothing'] as const) {
      for (const [member, page] of [['recovering member', 100], ['member without recovery_write', 1024 + 100]] as const) {
        let got = 0;
        const us = time(() => { got = dmDaxRecoveryWrite(dm, page, 0, data, policy); }, () => poisonPage(page));
        rows.push({
          name: `dm recovery_write 4KiB, ${member}, ${policy}`, unit: 'us', value: us, extra: `returned ${got} (${got === 4096 ? 'recovered' : 'failfast'})`,
          params: { fs: 'dm2', op: 'recovery_write', member, policy, range_bytes: 4096 },
        });
      }
    }
    const us = time(() => { dmDaxDirectAccess(dm, 100, 1, 'access'); }, () => poisonPage(100));
    rows.push({ name: 'dm direct_access failfast (EHWPOISON)', unit: 'us', value: us, params: { fs: 'dm2', op: 'direct_access', range_bytes: 4096 } });
    void mm;
    system.detach();
    return rows;
  })();
}

export async function runMemoryFailureSuite(o: { readonly smoke: boolean }): Promise<SuiteResult> {
  const sizes = o.smoke ? [64, 4096, 2 * MIB, 16 * MIB] : [...MF_SIZES];
  const fileBytes = o.smoke ? 16 * MIB : GIB;
  const stacks = [await fileStack('xfs-rmap', fileBytes), await fileStack('ext4', fileBytes), await dmStack(fileBytes)];
  const rows: BenchRow[] = [];
  for (const s of stacks) {
    for (const size of sizes) {
      for (const policy of POLICIES) {
        const samples = size >= 256 * MIB ? 3 : size >= 2 * MIB ? 5 : 15;
        const c = measureEvent(s, policy, size, samples);
        rows.push({
          name: `memory_failure ${formatSize(size)} ${s.name} ${policy}`, unit: 'us', value: c.us,
          params: { fs: s.name, policy, range_bytes: size },
          extra: `calls ${c.calls}, notifications ${c.notifications}, rmap lookups ${c.rmapLookups}, pages unmapped ${c.unmapped}, signals ${c.signals}`,
        });
      }
    }
    s.system.detach();
  }
  rows.push(...await dmRecoveryRows(o.smoke ? 5 : 25));
  const ratios: Record<string, number> = {};
  for (const r of rows) ratios[r.name] = r.value;
  return { suite: 'memory-failure', rows, checks: [], ratios };
}

export function memoryFailureTargets(): TargetCheck[] {
  return [];
}

export function formatMemoryFailureTable(result: SuiteResult): string {
  return formatTable(['memory-failure (µs per event, smaller is better)', 'µs', 'work'], result.rows.map((r) => [r.name, r.value, r.extra ?? '']));
}
