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

export interface DeviceEntry {
  readonly name: string;
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

export class PlatformModel {
  readonly devices = new Map<string, DeviceEntry>();
  readonly files = new Map<string, FileEntry>();
  /** Files a `reconfigure` destroyed: name → the reconfigure's line and the device. */
  readonly goneFiles = new Map<string, { readonly line: number; readonly dev: string }>();
  /** eADR is platform-wide (caches in the persistence domain); set by the first device line. */
  eadr: boolean | undefined;

  firstDevice(): DeviceEntry | undefined {
    return this.devices.values().next().value;
  }

  names(scope: Scope): string[] {
    return [...(scope === 'device' ? this.devices : this.files).keys()];
  }

  /** Line that declared `name` in `scope`, if it is declared. */
  declaredOn(scope: Scope, name: string): number | undefined {
    return (scope === 'device' ? this.devices : this.files).get(name)?.line;
  }

  /** Registers a name whose line was malformed, so later uses are not reported again. */
  declareBroken(scope: Scope, name: string, line: number): void {
    if (this.declaredOn(scope, name) !== undefined) return;
    if (scope === 'device') this.devices.set(name, { name, line, declared: null, current: null, options: null });
    else this.files.set(name, { name, line, dev: '', extent: null });
  }

  /** Every well-formed namespace as its device line declared it, in order. */
  namespaces(): NamespaceConfig[] {
    return [...this.devices.values()].flatMap((d) => (d.declared ? [d.declared] : []));
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
    return { error: message.replace(/namespaces\[\d+\]\.(\w+)/g, (_m, f: string) => kebab(f)) };
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
  const count = platform.devices.size;
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
  const before = optionsBefore(platform);
  const total = before.reduce((sum, o) => sum + (o.size as number), 0) + (options.size as number);
  if (total > mediaLimit()) {
    return fail(`size=${bytesText(options.size as number)}: the devices would need ${bytesText(total)} of media in all, and one simulated memory holds at most ${bytesText(mediaLimit())} (README "Limits")`);
  }
  const noRoom = noRoomForData(options);
  if (noRoom) return fail(noRoom);
  const config = resolve(before, options);
  if ('error' in config) return fail(config.error);
  platform.eadr = eadr;
  platform.devices.set(name, { name, line, declared: config, current: config, options });
  return { extra: { namespace: config } };
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
