/**
 * Configuration of the simulated platform: regions, one namespace each, and the model
 * parameters (reference §2, §3; DESIGN.md "Time").
 *
 * Each namespace lives in its own region (as nfit_test's regions do), laid out one after
 * another in the media. Physical addresses ("SPA") are media byte offsets. Inside a region:
 *
 *   region start                                             region end
 *   |<- info block + memmap reservation (fsdax/devdax) ->|<- data ......... ->|
 *   0                                              dataOffset                size
 *
 * Namespace badblocks (`pmem->bb`) count sectors from the data start; region badblocks
 * count sectors from the region start (§2.1).
 *
 * A sparse namespace (`sparse`, sparse.ts) has a logical `size` up to 2^42 and occupies only
 * `spaBytes` (its backing) of the media: the next region starts after the backing, and its
 * SPAs are backing addresses reached through its window table.
 */
import { checkBoolean, checkInteger, checkKeys, describe } from '../core/validate.js';
import { parseSize } from '../core/units.js';
import {
  ALL_BADBLOCKS_KINDS, TABLE_DEFAULT_ENTRIES, TABLE_MAX_ENTRIES, RUNS_MAX_CAPACITY, isTableKind,
  type BadblocksKind,
} from '../badblocks/kinds.js';
import { DEFAULT_KERNEL, kernelProfile, type KernelProfile, type KernelVersion } from '../kernel/profiles.js';
import { resolveSparse, type SparseConfig, type SparseOptions } from './sparse.js';

export type NamespaceMode = 'raw' | 'fsdax' | 'devdax';
export const NAMESPACE_MODES: readonly NamespaceMode[] = ['raw', 'fsdax', 'devdax'];

/** What a user writes (a `device` line, a job file's device section, or the API). */
export interface NamespaceOptions {
  readonly name?: string;
  /** Raw namespace size: bytes or a size string, whole 2 MiB multiples. */
  readonly size: number | string;
  readonly mode?: NamespaceMode;
  /** Bytes before the data start; default 0 for raw, info block + memmap for fsdax/devdax. */
  readonly dataOffset?: number | string;
  /** ARS_CAP clear_err_unit, bytes: a power of two (default 256, as on nfit_test and Optane). */
  readonly clearUnit?: number;
  /** Most bytes one CLEAR_ERROR clears (partial clears); default unlimited. */
  readonly fwClearMax?: number | string;
  /** MCI_MISC address LSB: the MCE blast radius is 1 << mceLsb bytes, 6..12 (default 6). */
  readonly mceLsb?: number;
  readonly kernel?: KernelVersion;
  /**
   * The structure of the namespace's and region's badblocks (default `table`). `table` is
   * the kernel's table of the chosen profile: `table-legacy` (the pre-6.7 algorithm) on
   * 5.18, 5.19 and 6.5, the 6.15 table otherwise. `table-legacy` asks for the old table on
   * any profile; itree/btree/bitmap are never changed.
   */
  readonly badblocks?: BadblocksKind;
  /**
   * Capacity of the namespace's and the region's badblocks structures: table slots (default
   * 512, the kernel's one page; 8192 models 64 KiB-page kernels) or, for itree/btree, runs
   * (default min(sectors of the region, 65536)). Not used by the bitmap, which covers every
   * sector of the region.
   */
  readonly badblocksMaxEntries?: number;
  /** A bus without ndctl (e820/memmap=): clears pretend to succeed (§2.2 step 1). */
  readonly legacyBus?: boolean;
  /** The pmem driver has no `.recovery_write` (a dm member declared without it). */
  readonly noRecovery?: boolean;
  /**
   * Sparse media (sparse.ts): only windows of the namespace are backed by bytes, so `size` may
   * exceed what one memory holds (up to 2^42). `{}` takes every default.
   */
  readonly sparse?: SparseOptions;
}

/** A validated namespace, with its place in the media. */
export interface NamespaceConfig {
  readonly index: number;
  readonly name: string;
  readonly size: number;
  readonly mode: NamespaceMode;
  readonly dataOffset: number;
  readonly clearUnit: number;
  readonly fwClearMax: number;
  readonly mceLsb: number;
  readonly kernel: KernelProfile;
  /** The structure in use: `table` already resolved by the profile (see NamespaceOptions). */
  readonly badblocks: BadblocksKind;
  /** Table slots or itree/btree runs of each badblocks structure (see NamespaceOptions). */
  readonly badblocksMaxEntries: number;
  readonly legacyBus: boolean;
  readonly noRecovery: boolean;
  /** Sparse media settings, or null for a dense namespace (every byte backed). */
  readonly sparse: SparseConfig | null;
  /** Media bytes the region occupies: `size` when dense, the sparse backing otherwise. */
  readonly spaBytes: number;
  /** Region start in the media (SPA of the region). */
  readonly regionStart: number;
}

/** Model parameters: costs the simulator cannot measure (reported with every result). */
export interface ModelOptions {
  /** Firmware CLEAR_ERROR latency per call, ns. An assumption: no public figure exists (§8). */
  readonly clearLatencyNs?: number;
  /** How long a scrub (ARS) runs, ms of (virtual or real) time; nfit_test is busy 1 s. */
  readonly arsMs?: number;
  /** `virtual`: modelled time advances a clock (scripts, tests); `real`: it is spent busy-waiting (workloads). */
  readonly time?: 'virtual' | 'real';
}

export interface ModelConfig {
  readonly clearLatencyNs: number;
  readonly arsMs: number;
  readonly time: 'virtual' | 'real';
  /** Which parameters are assumptions rather than sourced figures (for reports). */
  readonly assumed: readonly string[];
}

export const DEFAULT_CLEAR_LATENCY_NS = 10_000;
export const DEFAULT_ARS_MS = 1000;
/** pfn info block: the first 8 KiB of an fsdax/devdax namespace (label + pfn superblock). */
export const PFN_INFO_BYTES = 8192;
/** struct page per 4 KiB page in the memmap reservation (--map=dev). */
export const STRUCT_PAGE_BYTES = 64;
/** Default fsdax/devdax alignment: the data starts on a 2 MiB boundary. */
export const PFN_ALIGN = 2 * 1024 * 1024;
export const MAX_NAMESPACES = 8;
/**
 * Default itree/btree capacity of a namespace's structures, in runs: far more than any
 * scenario records, and small enough (4 MiB for an itree, about 7 MiB for a btree) that eight
 * namespaces with two structures each stay well inside one memory.
 */
export const RUNS_DEFAULT_NS_CAPACITY = 65536;

const NAME_RE = /^[a-z][a-z0-9_.-]{0,30}$/;

/** The data offset ndctl's defaults give: info block + memmap, aligned to 2 MiB. */
export function defaultDataOffset(mode: NamespaceMode, size: number): number {
  if (mode === 'raw') return 0;
  const reserve = PFN_INFO_BYTES + STRUCT_PAGE_BYTES * (size / 4096);
  return Math.ceil(reserve / PFN_ALIGN) * PFN_ALIGN;
}

/**
 * Validates namespace options in order, placing each region after the previous one.
 * @throws {TypeError|RangeError} naming the field (`namespaces[i].field`) and what is allowed.
 */
/** Every key of NamespaceOptions (an unknown one is refused, not ignored). */
const NAMESPACE_OPTION_KEYS = ['name', 'size', 'mode', 'dataOffset', 'clearUnit', 'fwClearMax', 'mceLsb', 'kernel', 'badblocks', 'badblocksMaxEntries', 'legacyBus', 'noRecovery', 'sparse'];

export function resolveNamespaces(list: readonly NamespaceOptions[], prefix = 'namespaces'): NamespaceConfig[] {
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_NAMESPACES) {
    throw new RangeError(`${prefix} must be a list of 1..${MAX_NAMESPACES} namespaces, got ${describe(list)}`);
  }
  const out: NamespaceConfig[] = [];
  let regionStart = 0;
  list.forEach((o, index) => {
    const f = (field: string): string => `${prefix}[${index}].${field}`;
    if (typeof o !== 'object' || o === null) throw new TypeError(`${prefix}[${index}] must be an object, got ${describe(o)}`);
    checkKeys(`${prefix}[${index}]`, o, NAMESPACE_OPTION_KEYS);
    const name = o.name ?? `pmem${index}`;
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      throw new RangeError(`${f('name')} must be a lower-case name such as "pmem0" (letters, digits, _ . -), got ${describe(name)}`);
    }
    if (out.some((n) => n.name === name)) throw new RangeError(`${f('name')} ${JSON.stringify(name)} is already used by another namespace`);
    const size = parseSize(f('size'), o.size);
    checkInteger(f('size'), size, PFN_ALIGN, 2 ** 42, 'byte count', ' (whole 2 MiB multiples)');
    if (size % PFN_ALIGN !== 0) throw new RangeError(`${f('size')} must be a multiple of 2 MiB, got ${size}`);
    const mode = o.mode ?? 'raw';
    if (!NAMESPACE_MODES.includes(mode)) throw new RangeError(`${f('mode')} must be one of ${NAMESPACE_MODES.join(', ')}, got ${describe(mode)}`);
    const dataOffset = o.dataOffset === undefined ? defaultDataOffset(mode, size) : parseSize(f('dataOffset'), o.dataOffset);
    checkInteger(f('dataOffset'), dataOffset, 0, size - 4096, 'byte count', ' (the data must keep at least one page)');
    if (dataOffset % 4096 !== 0) throw new RangeError(`${f('dataOffset')} must be a multiple of 4096 bytes, got ${dataOffset}`);
    const clearUnit = checkInteger(f('clearUnit'), o.clearUnit ?? 256, 1, 1 << 21, 'bytes');
    if ((clearUnit & (clearUnit - 1)) !== 0) throw new RangeError(`${f('clearUnit')} must be a power of two, got ${clearUnit}`);
    const fwClearMax = o.fwClearMax === undefined ? Number.MAX_SAFE_INTEGER : parseSize(f('fwClearMax'), o.fwClearMax);
    checkInteger(f('fwClearMax'), fwClearMax, 1, Number.MAX_SAFE_INTEGER, 'bytes', ' (default unlimited)');
    const mceLsb = checkInteger(f('mceLsb'), o.mceLsb ?? 6, 6, 12);
    const kernel = kernelProfile(o.kernel ?? DEFAULT_KERNEL, f('kernel'));
    const requested = o.badblocks ?? 'table';
    if (!ALL_BADBLOCKS_KINDS.includes(requested)) throw new RangeError(`${f('badblocks')} must be one of ${ALL_BADBLOCKS_KINDS.join(', ')}, got ${describe(requested)}`);
    // `table` is the kernel's own structure: the profile says which algorithm it runs.
    const badblocks: BadblocksKind = requested === 'table' && kernel.legacyBadblocks ? 'table-legacy' : requested;
    const badblocksMaxEntries = isTableKind(badblocks)
      ? checkInteger(f('badblocksMaxEntries'), o.badblocksMaxEntries ?? TABLE_DEFAULT_ENTRIES, 1, TABLE_MAX_ENTRIES, 'entries')
      : checkInteger(f('badblocksMaxEntries'), o.badblocksMaxEntries ?? Math.min(size / 512, RUNS_DEFAULT_NS_CAPACITY), 1, RUNS_MAX_CAPACITY, 'runs');
    const legacyBus = checkBoolean(f('legacyBus'), o.legacyBus ?? false);
    const noRecovery = checkBoolean(f('noRecovery'), o.noRecovery ?? false);
    const sparse = o.sparse === undefined ? null : resolveSparse(o.sparse, size, dataOffset, f('sparse'));
    if (sparse !== null && badblocks === 'bitmap') {
      throw new RangeError(`${f('badblocks')} "bitmap" covers every sector of the region (${size / 512 / 8} bytes here); a sparse namespace needs table, itree or btree`);
    }
    const spaBytes = sparse === null ? size : sparse.backingBytes;
    out.push({ index, name, size, mode, dataOffset, clearUnit, fwClearMax, mceLsb, kernel, badblocks, badblocksMaxEntries, legacyBus, noRecovery, sparse, spaBytes, regionStart });
    regionStart += spaBytes;
  });
  return out;
}

export function resolveModel(o: ModelOptions = {}): ModelConfig {
  const assumed: string[] = [];
  if (o.clearLatencyNs === undefined) assumed.push('clearLatencyNs');
  const clearLatencyNs = checkInteger('model.clearLatencyNs', o.clearLatencyNs ?? DEFAULT_CLEAR_LATENCY_NS, 0, 1e12, 'ns');
  const arsMs = checkInteger('model.arsMs', o.arsMs ?? DEFAULT_ARS_MS, 0, 1e9, 'ms');
  const time = o.time ?? 'virtual';
  if (time !== 'virtual' && time !== 'real') throw new RangeError(`model.time must be "virtual" or "real", got ${describe(time)}`);
  return { clearLatencyNs, arsMs, time, assumed };
}
