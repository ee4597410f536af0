/**
 * Simulated processes and their DAX mappings (reference §6.1, §6.2).
 *
 * A process has a name, a machine-check kill mode (prctl(PR_MCE_KILL): the sysctl's default,
 * early or late) and a signal log. It maps whole fs-dax files or whole device-dax namespaces;
 * mappings are never unmapped by munmap here (a process lives for the scenario), only their
 * page-table entries come and go (faults, memory_failure, punch hole).
 *
 * Virtual addresses are deterministic: process i's first mapping is at
 * 0x7f0000000000 + i * 2^40, each further one at the next 1 GiB boundary after the previous
 * mapping's end. File page k of a mapping is at vaddr + k * 4096, so a unit aligned in the
 * file is aligned in the address space (what a PMD or PUD entry needs).
 *
 * Locking: creation takes the mm mutex; the returned objects are configuration.
 */
import type { Refused } from '../core/errno.js';
import { checkChoice, describe } from '../core/validate.js';
import type { DaxFile } from '../dax/fs.js';
import type { DevPage } from '../dax/fs-device.js';
import { MAP_HOLE } from '../dax/fs-region.js';
import type { Namespace } from '../nvdimm/namespace.js';
import type { Mm } from './mm.js';
import {
  M_KIND, M_PAGES, M_PROCESS, M_PTE, M_SHIFT, M_TARGET, M_VADDR, MAP_KIND_DEVDAX, MAP_KIND_FILE, MM_MAPS_LIVE,
  MM_PROCS_LIVE, MM_PTE_USED, P_MCE_KILL, P_STATE, PROC_NAME_MAX, PROC_RUNNING,
} from './region.js';

export const VADDR_BASE = 0x7f0000000000;
export const VADDR_PROCESS_STRIDE = 2 ** 40;
const GIB = 2 ** 30;

/** prctl(PR_MCE_KILL) modes: 'default' follows the sysctl. */
export type MceKill = 'default' | 'early' | 'late';
const MCE_KILL: readonly MceKill[] = ['default', 'early', 'late'];

/** Page sizes a mapping may use: PTE 4 KiB, PMD 2 MiB, PUD 1 GiB. */
export type MapSize = 'pte' | 'pmd' | 'pud';
export const MAP_SIZES: readonly MapSize[] = ['pte', 'pmd', 'pud'];
export const SHIFT_OF: Readonly<Record<MapSize, 12 | 21 | 30>> = { pte: 12, pmd: 21, pud: 30 };

export interface Process {
  readonly index: number;
  readonly name: string;
}

/** One mmap of a whole file or device-dax namespace. */
export interface Mapping {
  readonly index: number;
  readonly process: Process;
  readonly kind: 'file' | 'devdax';
  /** The file (kind 'file'). */
  readonly file?: DaxFile;
  /** The device-dax namespace (kind 'devdax'); null for a file, whose pages may lie on several (a dm device: devPageOf). */
  readonly ns: Namespace | null;
  /** Target index: file-table entry or namespace index. */
  readonly target: number;
  readonly vaddr: number;
  readonly pages: number;
  /** Largest page size the mapping uses (devdax: its alignment; fs-dax: up to PMD, §4.4). */
  readonly maxShift: 12 | 21 | 30;
  /** @internal offset of its page-table bytes in the arena */
  readonly pte: number;
}

const NAME_RE = /^[A-Za-z0-9_.-]+$/;

/**
 * Creates process `name`.
 * @throws {TypeError|RangeError} naming `name` or `mceKill`; {RangeError} when the table is full or the name taken.
 */
export function createProcess(mm: Mm, name: string, options: { readonly mceKill?: MceKill } = {}): Process {
  if (typeof name !== 'string' || !NAME_RE.test(name) || new TextEncoder().encode(name).length > PROC_NAME_MAX) {
    throw new RangeError(`name must be 1..${PROC_NAME_MAX} characters of A-Z a-z 0-9 _ . -, got ${describe(name)}`);
  }
  const mode = checkChoice('mceKill', options.mceKill ?? 'default', MCE_KILL);
  const r = mm.region;
  return r.lock(() => {
    const n = r.word(MM_PROCS_LIVE);
    for (let i = 0; i < n; i++) if (r.procName(i) === name) throw new RangeError(`name ${JSON.stringify(name)} is already a process`);
    if (n >= r.maxProcs) throw new RangeError(`the process table holds ${r.maxProcs} processes (mm.maxProcesses); ${JSON.stringify(name)} would be number ${n + 1}`);
    r.setProcName(n, new TextEncoder().encode(name));
    r.setWord(r.proc(n) + P_MCE_KILL, MCE_KILL.indexOf(mode));
    r.setWord(r.proc(n) + P_STATE, PROC_RUNNING);
    r.setWord(MM_PROCS_LIVE, n + 1);
    return { index: n, name };
  });
}

/** The process named `name`. @throws {RangeError} naming the known processes. */
export function findProcess(mm: Mm, name: string): Process {
  const r = mm.region;
  const n = r.word(MM_PROCS_LIVE);
  for (let i = 0; i < n; i++) if (r.procName(i) === name) return { index: i, name };
  const known = Array.from({ length: n }, (_, i) => r.procName(i));
  throw new RangeError(`no process ${describe(name)}; processes: ${known.join(', ') || '(none)'}`);
}

/** prctl(PR_MCE_KILL, ...) for `proc`. @throws {RangeError} naming `mode`. */
export function prctlMceKill(mm: Mm, proc: Process, mode: MceKill): void {
  checkChoice('mode', mode, MCE_KILL);
  mm.region.lock(() => mm.region.setWord(mm.region.proc(proc.index) + P_MCE_KILL, MCE_KILL.indexOf(mode)));
}

/** task_early_kill without force: the process's own mode, else the sysctl (mm mutex held or not: one word each). */
export function wantsEarlyKill(mm: Mm, proc: number): boolean {
  const mode = mm.region.word(mm.region.proc(proc) + P_MCE_KILL);
  return mode === 1 || (mode === 0 && mm.earlyKill);
}

/**
 * mmap(2) of a whole fs-dax file or device-dax namespace into `proc`, MAP_SHARED.
 * Refusals: ENODEV (a namespace that is not devdax, or dead), ENOMEM (the mapping or
 * page-table tables are full), EIO (the filesystem shut down).
 * @throws {TypeError|RangeError} naming `target` or `size` for bad input.
 */
export function mmap(mm: Mm, proc: Process, target: DaxFile | Namespace, size: MapSize = 'pte'): Mapping | Refused<'ENODEV' | 'ENOMEM' | 'EIO'> {
  checkChoice('size', size, MAP_SIZES);
  const isFile = 'mapBase' in target;
  if (!isFile && !mm.system.namespaces.includes(target)) throw new TypeError(`target must be a DaxFile or one of this system's namespaces, got ${describe(target)}`);
  if (isFile) {
    if (target.fs !== mm.fs) throw new TypeError(`target file ${JSON.stringify(target.name)} belongs to another filesystem than this mm's`);
    target.lock.shared(() => target.assertLive());
    if (target.fs.isShutdown) return { ok: false, errno: 'EIO' };
    target.markIncore();
  } else if (target.mode !== 'devdax' || !target.alive) {
    return { ok: false, errno: 'ENODEV' };
  }
  const ns = isFile ? null : target;
  const pages = isFile ? target.pages : target.dataPages;
  const r = mm.region;
  return r.lock((): Mapping | Refused<'ENOMEM'> => {
    const n = r.word(MM_MAPS_LIVE);
    const used = r.word(MM_PTE_USED);
    if (n >= r.maxMaps || used + pages > r.pteCap) return { ok: false, errno: 'ENOMEM' };
    let vaddr = VADDR_BASE + proc.index * VADDR_PROCESS_STRIDE;
    for (let m = 0; m < n; m++) {
      const at = r.map(m);
      if (r.word(at + M_PROCESS) !== proc.index) continue;
      const end = r.f64(at + M_VADDR) + r.word(at + M_PAGES) * 4096;
      vaddr = Math.max(vaddr, Math.ceil(end / GIB) * GIB);
    }
    const at = r.map(n);
    const kind = isFile ? MAP_KIND_FILE : MAP_KIND_DEVDAX;
    const tgt = target.index;
    const maxShift = SHIFT_OF[size];
    r.setWord(at + M_PROCESS, proc.index);
    r.setWord(at + M_KIND, kind);
    r.setWord(at + M_TARGET, tgt);
    r.setWord(at + M_PAGES, pages);
    r.setWord(at + M_PTE, used);
    r.setWord(at + M_SHIFT, maxShift);
    r.setF64(at + M_VADDR, vaddr);
    r.pte.fill(0, used, used + pages);
    r.setWord(MM_PTE_USED, used + pages);
    r.setWord(MM_MAPS_LIVE, n + 1);
    return {
      index: n, process: proc, kind: isFile ? 'file' : 'devdax', ...(isFile ? { file: target } : {}), ns, target: tgt,
      vaddr, pages, maxShift, pte: used,
    };
  });
}

/**
 * Where page `page` of `map` lives: a devdax namespace's own page, or the file page's block
 * resolved through the file's device (a dm device spreads a file over its members). null
 * for a hole or a page of a dm error target. Fills `out`.
 */
export function devPageOf(map: Mapping, page: number, out: DevPage): DevPage | null {
  if (map.ns !== null) {
    out.ns = map.ns;
    out.nsPgoff = page;
    out.pagesLeft = map.pages - page;
    return out;
  }
  const e = map.file!.mapEntry(page);
  return (e & MAP_HOLE) !== 0 ? null : map.file!.dev.resolve(e, out);
}

/** Mapping words of entry `m`, for the failure path's walk (mm mutex held). */
export function mappingWords(mm: Mm, m: number): { process: number; kind: number; target: number; pages: number; pte: number; vaddr: number } {
  const r = mm.region;
  const at = r.map(m);
  return {
    process: r.word(at + M_PROCESS), kind: r.word(at + M_KIND), target: r.word(at + M_TARGET),
    pages: r.word(at + M_PAGES), pte: r.word(at + M_PTE), vaddr: r.f64(at + M_VADDR),
  };
}
