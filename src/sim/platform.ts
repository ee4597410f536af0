/**
 * What a script has declared so far, as validation walks it line by line: the devices
 * (namespaces, with the layout nvdimm/config.ts gives them) and the files on them.
 *
 * This is a model of names and extents only, never of poison or data: it exists so that a
 * value outside the declared device, an unknown or duplicate name, or a command before any
 * `device` line is caught before the first command runs (validate.ts), and so that the
 * executor is created once with every namespace (DESIGN.md: the layout is computed once,
 * before any worker starts).
 *
 * A line that fails validation still declares its name, marked broken (`config === null`),
 * so later lines that use the name are not reported again; checks against a broken
 * declaration are skipped. The script fails anyway.
 *
 * The effects at the end are the parts of `device`, `reconfigure` and `file` that a table
 * row cannot say declaratively (commands.ts refers to them).
 */
import { mediaLimitBytes } from '../core/layout.js';
import { formatSize } from '../core/units.js';
import { defaultDataOffset, resolveNamespaces, MAX_NAMESPACES, type NamespaceConfig, type NamespaceMode, type NamespaceOptions } from '../nvdimm/config.js';
import type { BadblocksKind } from '../badblocks/kinds.js';
import type { KernelVersion } from '../kernel/profiles.js';
import type { ArgValues, EffectResult, Scope } from './spec.js';
import { PAGE_BYTES } from './spec.js';
import { bytesText } from './values.js';
import { memoryProblem } from './memory-fit.js';
import { parseSize } from '../core/units.js';
import type { LogicalRange, SparseOptions } from '../nvdimm/sparse.js';

export interface DeviceEntry {
  readonly name: string;
  /** A namespace (`device` line) or a device-mapper table (`dm` line). */
  readonly kind?: 'dm';
  /** dm: its members' names. */
  readonly members?: readonly string[];
  /** Line of the `device` line. */
  readonly line: number;
  /** As declared, for the executor factory; null when the line was malformed. */
  readonly declared: NamespaceConfig | null;
  /** As of the current line (a `reconfigure` changes mode and data offset). */
  current: NamespaceConfig | null;
  options: NamespaceOptions | null;
  /** Line of the last `reconfigure`, for messages. */
  reconfiguredOn?: number;
}

export interface FileEntry {
  readonly name: string;
  readonly line: number;
  readonly dev: string;
  /** First device page (from the data start) and length in pages; null when broken. */
  readonly extent: { readonly pgoff: number; readonly pages: number } | null;
}

export interface ProcessEntry {
  readonly name: string;
  readonly line: number;
  /** What it mapped so far: `file:NAME` or `dev:NAME`. */
  readonly maps: Set<string>;
}

export class PlatformModel {
  readonly devices = new Map<string, DeviceEntry>();
  readonly files = new Map<string, FileEntry>();
  readonly processes = new Map<string, ProcessEntry>();
  /** Line of the `fs` line, if any (it must come before every file line). */
  fsLine: number | undefined;
  /** Pages at the start of each device the filesystem keeps for metadata (fs line). */
  fsMetaPages = 0;
  /** Namespaces a dm line claimed: name -> the dm device. */
  readonly claimed = new Map<string, string>();
  /** Files a `reconfigure` destroyed: name → the reconfigure's line and the device. */
  readonly goneFiles = new Map<string, { readonly line: number; readonly dev: string }>();
  /** eADR is platform-wide (caches in the persistence domain); set by the first device line. */
  eadr: boolean | undefined;
  /**
   * Sparse devices: the logical region ranges backed so far (the device line's initial
   * windows, then every error-map line's ranges with their margin), whole 2 MiB chunks. What
   * the executor's window table will hold at that point of the script (platform-errmap.ts).
   */
  readonly sparseBacked = new Map<string, LogicalRange[]>();

  firstDevice(): DeviceEntry | undefined {
    return this.devices.values().next().value;
  }

  #scope(scope: Scope): Map<string, { readonly line: number }> {
    return scope === 'device' ? this.devices : scope === 'file' ? this.files : this.processes;
  }

  names(scope: Scope): string[] {
    return [...this.#scope(scope).keys()];
  }

  /** Line that declared `name` in `scope`, if it is declared. */
  declaredOn(scope: Scope, name: string): number | undefined {
    return this.#scope(scope).get(name)?.line;
  }

  /** Registers a name whose line was malformed, so later uses are not reported again. */
  declareBroken(scope: Scope, name: string, line: number): void {
    if (this.declaredOn(scope, name) !== undefined) return;
    if (scope === 'device') this.devices.set(name, { name, line, declared: null, current: null, options: null });
    else if (scope === 'file') this.files.set(name, { name, line, dev: '', extent: null });
    else this.processes.set(name, { name, line, maps: new Set() });
  }

  /** Every well-formed namespace as its device line declared it, in order (dm devices are not namespaces). */
  namespaces(): NamespaceConfig[] {
    return [...this.devices.values()].flatMap((d) => (d.declared && d.kind !== 'dm' ? [d.declared] : []));
  }
}

/** The most media one shared memory holds; cached because mediaLimitBytes() is a binary search. */
let mediaLimitCache: number | undefined;
function mediaLimit(): number {
  mediaLimitCache ??= mediaLimitBytes();
  return mediaLimitCache;
}

function kebab(field: string): string {
  return field.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/**
 * Resolves `options` as the last of `before` through nvdimm/config.ts, so a script accepts
 * exactly what the API accepts. Its messages name `namespaces[i].dataOffset`; a script user
 * wrote `data-offset`.
 */
function resolve(before: readonly NamespaceOptions[], options: NamespaceOptions): NamespaceConfig | { error: string } {
  try {
    const all = resolveNamespaces([...before, options]);
    return all[all.length - 1]!;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { error: message.replace(/namespaces\[\d+\]\.(?:sparse\.)?(\w+)/g, (_m, f: string) => kebab(f)) };
  }
}

/**
 * A namespace too small for the reservation its mode's default layout makes (a 2 MiB fsdax
 * namespace: the 2 MiB-aligned reservation is all of it). Said here because config.ts can
 * only name a data-offset the user never wrote.
 */
function noRoomForData(options: NamespaceOptions): string | undefined {
  const size = options.size as number;
  if (options.dataOffset !== undefined || options.mode === undefined || options.mode === 'raw') return undefined;
  const reserve = defaultDataOffset(options.mode, size);
  if (reserve <= size - PAGE_BYTES) return undefined;
  return `a ${formatSize(size)} ${options.mode} namespace has no room for data: the ndctl layout reserves ${bytesText(reserve)} for the info block and memmap; use a larger size, mode=raw, or an explicit data-offset=`;
}

function optionsBefore(platform: PlatformModel): NamespaceOptions[] {
  return [...platform.devices.values()].flatMap((d) => (d.options ? [d.options] : []));
}

/** `device`: resolves the namespace layout and declares it. */
export function declareDevice(args: ArgValues, platform: PlatformModel, line: number): EffectResult {
  const count = [...platform.devices.values()].filter((d) => d.kind !== 'dm').length;
  const name = (args['name'] as string | undefined) ?? `pmem${count}`;
  if (args['name'] === undefined && platform.declaredOn('device', name) !== undefined) {
    return { error: `the default name ${JSON.stringify(name)} is taken (line ${platform.declaredOn('device', name)}); give this device a name=` };
  }
  const fail = (error: string): EffectResult => {
    platform.declareBroken('device', name, line);
    return { error };
  };
  if (count >= MAX_NAMESPACES) return fail(`at most ${MAX_NAMESPACES} device lines (namespaces) per script; this is number ${count + 1}`);
  const eadr = args['eadr'] === true;
  if (platform.eadr !== undefined && platform.eadr !== eadr) {
    const first = platform.firstDevice()!;
    return fail(`eadr is platform-wide (the CPU caches are in the persistence domain or not): ${first.name} on line ${first.line} was declared ${platform.eadr ? 'with' : 'without'} it, so this line must be too`);
  }
  const options: NamespaceOptions = {
    name,
    size: args['size'] as number,
    mode: args['mode'] as NamespaceMode,
    dataOffset: args['data-offset'] as number | undefined,
    clearUnit: args['clear-unit'] as number,
    // "Unlimited" spelt as the largest exact integer: config.ts's own default (2^53) fails
    // its own safe-integer check, so an absent fw-clear-max would refuse every device.
    fwClearMax: (args['fw-clear-max'] as number | undefined) ?? Number.MAX_SAFE_INTEGER,
    mceLsb: args['mce-lsb'] as number,
    kernel: args['kernel'] as KernelVersion,
    badblocks: args['badblocks'] as BadblocksKind,
    badblocksMaxEntries: args['badblocks-max-entries'] as number | undefined,
    legacyBus: args['legacy-bus'] === true,
    noRecovery: args['no-recovery'] === true,
  };
  const sparse = sparseOptions(args, platform);
  if (typeof sparse === 'string') return fail(sparse);
  if (sparse !== undefined) Object.assign(options, { sparse });
  const before = optionsBefore(platform);
  const noRoom = noRoomForData(options);
  if (noRoom) return fail(noRoom);
  const config = resolve(before, options);
  if ('error' in config) return fail(config.error);
  // Media: a dense device's size, a sparse one's backing (resolve() placed it after the others).
  const total = config.regionStart + config.spaBytes;
  if (total > mediaLimit()) {
    const what = config.sparse === null ? `size=${bytesText(config.size)}` : `backing=${bytesText(config.spaBytes)}`;
    return fail(`${what}: the devices would need ${bytesText(total)} of media in all, and one simulated memory holds at most ${bytesText(mediaLimit())}${config.sparse === null ? '; a larger device can be sparse' : ''} (README "Limits")`);
  }
  // The whole system (tables sized from the media too), as the executor will build it.
  const tooLarge = memoryProblem([...before, options], eadr);
  if (tooLarge) return fail(tooLarge);
  platform.eadr = eadr;
  platform.devices.set(name, { name, line, declared: config, current: config, options });
  if (config.sparse !== null) platform.sparseBacked.set(name, [...config.sparse.initial]);
  return { extra: { namespace: config } };
}

const SPARSE_KEYS = ['backing', 'working-set', 'margin', 'windows'] as const;

/** The `sparse` options of a device line, undefined for a dense one, or why they are wrong. */
function sparseOptions(args: ArgValues, platform: PlatformModel): SparseOptions | undefined | string {
  const given = SPARSE_KEYS.filter((k) => args[k] !== undefined);
  if (args['sparse'] !== true) {
    return given.length === 0 ? undefined : `${given.map((k) => `${k}=`).join(', ')} ${given.length === 1 ? 'is' : 'are'} for sparse devices; add the sparse flag or drop ${given.length === 1 ? 'it' : 'them'}`;
  }
  const users = [
    ...[...platform.files.values()].map((f) => `file ${f.name} (line ${f.line})`),
    ...[...platform.processes.values()].map((p) => `process ${p.name} (line ${p.line})`),
    ...[...platform.devices.values()].filter((d) => d.kind === 'dm').map((d) => `dm ${d.name} (line ${d.line})`),
    ...(platform.fsLine === undefined ? [] : [`the fs line (line ${platform.fsLine})`]),
  ];
  if (users.length > 0) return `a script with a sparse device has no filesystem, processes or dm (their per-page tables would cover the whole logical size); ${users[0]} comes before this line`;
  const windows: { offset: number; len: number }[] = [];
  const text = args['windows'] as string | undefined;
  for (const part of text === undefined ? [] : text.split(',')) {
    const f = part.split(':');
    try {
      if (f.length !== 2) throw new RangeError('must be OFFSET:LEN');
      windows.push({ offset: parseSize('offset', f[0]), len: parseSize('len', f[1]) });
    } catch (err) {
      return `windows: ${JSON.stringify(part)} ${err instanceof Error ? err.message : String(err)}; write OFFSET:LEN pairs (sizes from the data start) separated by commas, e.g. windows=1TiB:4MiB`;
    }
  }
  const opt = <T>(k: string): T | undefined => args[k] as T | undefined;
  return {
    ...(opt<number>('backing') === undefined ? {} : { backing: opt<number>('backing')! }),
    ...(opt<number>('working-set') === undefined ? {} : { workingSet: opt<number>('working-set')! }),
    ...(opt<number>('margin') === undefined ? {} : { margin: opt<number>('margin')! }),
    ...(windows.length === 0 ? {} : { windows }),
  };
}

/** `reconfigure`: new mode and data offset for an existing namespace; its files are gone. */
export function reconfigureDevice(args: ArgValues, platform: PlatformModel, line: number): EffectResult {
  const dev = platform.devices.get(args['dev'] as string);
  if (!dev?.options || !dev.current) return {};
  const options: NamespaceOptions = { ...dev.options, mode: args['mode'] as NamespaceMode, dataOffset: args['data-offset'] as number | undefined };
  const noRoom = noRoomForData(options);
  if (noRoom) return { error: noRoom };
  const before: NamespaceOptions[] = [];
  for (const d of platform.devices.values()) {
    if (d === dev) break;
    if (d.options) before.push(d.options);
  }
  const config = resolve(before, options);
  if ('error' in config) return { error: config.error };
  dev.options = options;
  dev.current = config;
  dev.reconfiguredOn = line;
  // Re-creating the namespace destroys its filesystem (ndctl create-namespace -f -e).
  for (const f of [...platform.files.values()]) {
    if (f.dev === dev.name) {
      platform.files.delete(f.name);
      platform.goneFiles.set(f.name, { line, dev: dev.name });
    }
  }
  return { extra: { namespace: config } };
}

/** `file`: claims device pages [pgoff, pgoff+pages) for a new file; files never share pages. */
export function declareFile(args: ArgValues, platform: PlatformModel, line: number): EffectResult {
  const name = args['name'] as string;
  const dev = args['dev'] as string;
  const pgoff = args['pgoff'] as number;
  const pages = args['pages'] as number;
  const claimedBy = platform.claimed.get(dev);
  if (claimedBy !== undefined) {
    platform.declareBroken('file', name, line);
    return { error: `${dev} is a member of dm device ${claimedBy}: dm holds it open exclusively, so no filesystem can use it` };
  }
  if (pgoff < platform.fsMetaPages) {
    platform.declareBroken('file', name, line);
    return { error: `pgoff=${pgoff}: the filesystem keeps pages [0, ${platform.fsMetaPages}) of each device for metadata (fs meta-pages on line ${platform.fsLine ?? 0}); start at ${platform.fsMetaPages} or more` };
  }
  for (const f of platform.files.values()) {
    if (f.dev !== dev || !f.extent) continue;
    const { pgoff: p, pages: n } = f.extent;
    if (pgoff < p + n && p < pgoff + pages) {
      platform.declareBroken('file', name, line);
      return { error: `pages [${pgoff}, ${pgoff + pages}) of ${dev} overlap file ${JSON.stringify(f.name)} (line ${f.line}, pages [${p}, ${p + n})); files do not share blocks (reflink is out of scope)` };
    }
  }
  platform.goneFiles.delete(name);
  platform.files.set(name, { name, line, dev, extent: { pgoff, pages } });
  return {};
}

/** Data bytes of a device as of now, or null when its declaration was malformed. */
export function dataBytes(entry: DeviceEntry): number | null {
  return entry.current ? entry.current.size - entry.current.dataOffset : null;
}

/** A file's size in bytes, or null when its declaration was malformed. */
export function fileBytes(entry: FileEntry): number | null {
  return entry.extent ? entry.extent.pages * PAGE_BYTES : null;
}

/** `fs`: the filesystem's flavour, once, before any file line. */
export function declareFs(args: ArgValues, platform: PlatformModel, line: number): EffectResult {
  if (platform.fsLine !== undefined) return { error: `the filesystem was already formatted on line ${platform.fsLine}; one fs line per script` };
  const first = platform.files.values().next().value;
  if (first !== undefined) return { error: `comes after file ${JSON.stringify(first.name)} (line ${first.line}); mkfs first: put the fs line before every file line` };
  const type = args['type'] as string;
  const rmapbt = args['rmapbt'] as string | undefined;
  if (type !== 'xfs' && rmapbt === '1') return { error: 'rmapbt=1: only xfs has a reverse-map B-tree; use type=xfs or drop rmapbt' };
  const meta = (args['meta-pages'] as number | undefined) ?? (type === 'xfs' ? 16 : 0);
  for (const d of platform.devices.values()) {
    const bytes = d.current && d.kind !== 'dm' && d.current.mode === 'fsdax' ? dataBytes(d) : null;
    if (bytes !== null && meta >= bytes / PAGE_BYTES) return { error: `meta-pages=${meta}: ${d.name} has only ${bytes / PAGE_BYTES} data pages; metadata must leave room for files` };
  }
  platform.fsLine = line;
  platform.fsMetaPages = meta;
  return { extra: { format: { type, metaPages: meta, rmapbt: rmapbt === undefined ? type === 'xfs' : rmapbt === '1' } } };
}

/** `process`: a new process name. */
export function declareProcess(args: ArgValues, platform: PlatformModel, line: number): EffectResult {
  platform.processes.set(args['name'] as string, { name: args['name'] as string, line, maps: new Set() });
  return {};
}

/** The mapping key (`file:F` / `dev:D`) of a line with file= or dev=, or an error. */
function mapKey(args: ArgValues, platform: PlatformModel): { key: string } | { error: string } {
  const file = args['file'] as string | undefined;
  const dev = args['dev'] as string | undefined;
  if (file === undefined && dev === undefined) return { error: 'give file=F (an fs-dax file) or dev=D (a devdax namespace)' };
  if (file !== undefined) return { key: `file:${file}` };
  const d = platform.devices.get(dev!);
  if (d?.current && (d.kind === 'dm' || d.current.mode !== 'devdax')) {
    return { error: `dev=${dev} is ${d.kind === 'dm' ? 'a dm device' : `a ${d.current.mode} namespace`}; only a devdax namespace is mapped as a device (map its files with file=)` };
  }
  return { key: `dev:${dev!}` };
}

/** `mmap`: the process maps the whole file or devdax namespace. */
export function declareMmap(args: ArgValues, platform: PlatformModel): EffectResult {
  const k = mapKey(args, platform);
  if ('error' in k) return k;
  const proc = platform.processes.get(args['process'] as string);
  if (proc === undefined) return {};
  if (args['pmd'] === true && args['pud'] === true) return { error: 'give pmd or pud, not both' };
  proc.maps.add(k.key);
  return {};
}

/** load, store, madvise-*: the process must have mapped the target on an earlier line. */
export function requireMapped(args: ArgValues, platform: PlatformModel): EffectResult {
  const k = mapKey(args, platform);
  if ('error' in k) return k;
  const proc = platform.processes.get(args['process'] as string);
  if (proc === undefined) return {};
  const [kind, name] = k.key.split(':') as [string, string];
  if (!proc.maps.has(k.key)) {
    return { error: `process ${proc.name} has not mapped ${kind === 'file' ? 'file' : 'device'} ${JSON.stringify(name)}; add "mmap process=${proc.name} ${kind}=${name}" before this line` };
  }
  const offset = args['offset'] as number;
  const width = args['pattern'] !== undefined || !('root' in args) ? 8 : 1;
  if (offset % width !== 0) return { error: `offset=${offset} must be a multiple of 8: one aligned 8-byte access` };
  const entry = kind === 'file' ? platform.files.get(name) : platform.devices.get(name);
  const size = entry === undefined ? null : kind === 'file' ? fileBytes(entry as FileEntry) : dataBytes(entry as DeviceEntry);
  if (size !== null && offset + width > size) return { error: `offset=${offset} + ${width} bytes ends past the end of ${kind} ${JSON.stringify(name)}, which holds ${bytesText(size)}` };
  return {};
}

/** `dm`: a device-mapper table over declared namespaces; the namespaces become its members. */
export function declareDm(args: ArgValues, platform: PlatformModel, line: number): EffectResult {
  const name = args['name'] as string;
  const type = args['type'] as string;
  const fail = (error: string): EffectResult => {
    platform.declareBroken('device', name, line);
    return { error };
  };
  const text = args['devs'] as string | undefined;
  let bytes: number;
  const members: string[] = [];
  const pieces: { dev: string; start?: number; len?: number }[] = [];
  if (type === 'error') {
    if (text !== undefined || args['chunk'] !== undefined) return fail('type=error takes sectors=N only (no devs, no chunk)');
    const sectors = args['sectors'] as number | undefined;
    if (sectors === undefined) return fail('type=error needs sectors=N: the size of the error target in 512-byte sectors (a multiple of 8)');
    if (sectors % 8 !== 0) return fail(`sectors=${sectors} must be a multiple of 8 (whole 4096-byte pages, so DAX pages never straddle targets)`);
    bytes = sectors * 512;
  } else {
    if (text === undefined) return fail(type === 'linear' ? 'type=linear needs devs=NAME:START:LEN[,...] (sectors from the member\'s data start)' : 'type=stripe needs devs=NAME,NAME[,...] and chunk=SECTORS');
    if (args['sectors'] !== undefined) return fail(`sectors= is for type=error; a ${type} table's size comes from devs`);
    for (const part of text.split(',')) {
      const f = part.split(':');
      const dev = f[0]!;
      const d = platform.devices.get(dev);
      if (d === undefined || d.kind === 'dm') return fail(`devs: ${JSON.stringify(dev)} is not a declared namespace; declared: ${platform.namespaces().map((n) => n.name).join(', ')}`);
      if (d.current && d.current.mode !== 'fsdax') return fail(`devs: ${dev} is a ${d.current.mode} namespace; dm DAX tables need fsdax members (pmem dax operations)`);
      const owner = platform.claimed.get(dev);
      if (owner !== undefined && !members.includes(dev)) return fail(`devs: ${dev} is already a member of dm device ${owner}`);
      for (const file of platform.files.values()) if (file.dev === dev) return fail(`devs: ${dev} holds file ${JSON.stringify(file.name)} (line ${file.line}); dm needs the namespace exclusively`);
      if (type === 'linear') {
        if (f.length !== 3 || !/^\d+$/.test(f[1]!) || !/^\d+$/.test(f[2]!)) return fail(`devs: ${JSON.stringify(part)} must be NAME:START:LEN with START and LEN in 512-byte sectors`);
        pieces.push({ dev, start: Number(f[1]), len: Number(f[2]) });
      } else {
        if (f.length !== 1) return fail(`devs: ${JSON.stringify(part)}: a stripe member is a namespace name only`);
        pieces.push({ dev });
      }
      if (!members.includes(dev)) members.push(dev);
    }
    if (type === 'stripe') {
      const chunk = args['chunk'] as number | undefined;
      if (chunk === undefined) return fail('type=stripe needs chunk=SECTORS (a power of two, at least 8)');
      if (pieces.length < 2) return fail(`devs: a stripe needs at least 2 members, got ${pieces.length}`);
      const min = Math.min(...pieces.map((p) => { const d = platform.devices.get(p.dev)!; return dataBytes(d) ?? 0; })) / 512;
      bytes = Math.floor(min / chunk) * chunk * pieces.length * 512;
    } else {
      if (args['chunk'] !== undefined) return fail('chunk= is for type=stripe');
      bytes = pieces.reduce((a, p) => a + p.len! * 512, 0);
    }
  }
  const base = members.length > 0 ? platform.devices.get(members[0]!)!.current : [...platform.devices.values()].find((d) => d.current && d.kind !== 'dm')?.current;
  if (!base) return fail('dm needs a declared namespace first');
  for (const m of members) platform.claimed.set(m, name);
  const current: NamespaceConfig = { ...base, name, size: bytes, dataOffset: 0, mode: 'fsdax' };
  platform.devices.set(name, { name, line, kind: 'dm', members, declared: null, current, options: null });
  return { extra: { pieces } };
}
