/**
 * Validation of a whole scenario script before any of it runs.
 *
 * Why the whole script first: a script changes simulated state line by line, and a mistake
 * on line 40 found after 39 lines ran leaves a half-run scenario whose output looks like a
 * result. So every line is checked against the command table (commands.ts) and against the
 * platform declared by the lines before it (platform.ts), and the executor is not even
 * created unless every line is well-formed (DESIGN.md "Bad input": fail naming the field,
 * the value and the allowed range, changing nothing).
 *
 * Per line, in this order (the first failure is the line's message; later lines are still
 * checked, so one run reports every bad line):
 *   1. the command word is in the table                        (did-you-mean)
 *   2. every key is one of the row's keys, given once          (did-you-mean)
 *   3. every required key is present; each value parses to its type and static range
 *   4. at most one key of each exclusive group
 *   5. a device line came first (except `device` itself)
 *   6. names: refs name something declared (dev defaults to the first device; a file's
 *      device is its dev); new names are not taken
 *   7. the device is in a mode the command can use
 *   8. extents lie inside the device's data or the file
 *   9. the row's effect (declare a device or file, reconfigure) accepts it
 * A line that fails still declares its new name (marked broken), so later uses of the name
 * are not reported again as unknown.
 */
import { COMMAND_WORDS, commandSpec, type CommandWord } from './commands.js';
import { ScriptError } from './errors.js';
import type { ExecArgs, SimPlatform } from './executor.js';
import { parseScript, type RawArg, type RawCommand } from './parse.js';
import { PlatformModel, dataBytes, fileBytes, type DeviceEntry, type FileEntry } from './platform.js';
import { camel, type CommandSpec, type Extent, type KeySpec, type Scope } from './spec.js';
import { didYouMean } from './suggest.js';
import { sparseHole } from './platform-errmap.js';
import { UNIT_TEXT, bytesText, isRequired, parseValue, placeholder } from './values.js';

export type ValidatedCommand = { readonly [W in CommandWord]: { readonly line: number; readonly word: W; readonly args: ExecArgs<W> } }[CommandWord];

export interface ValidatedScript {
  readonly commands: readonly ValidatedCommand[];
  readonly platform: SimPlatform;
}

export type Validation =
  | { readonly ok: true; readonly script: ValidatedScript }
  | { readonly ok: false; readonly errors: readonly ScriptError[] };

/** Checks the whole script; nothing runs here. */
export function validateScript(text: string): Validation {
  const parsed = parseScript(text);
  const errors: ScriptError[] = [...parsed.errors];
  const platform = new PlatformModel();
  const commands: ValidatedCommand[] = [];
  for (const raw of parsed.commands) {
    const result = checkLine(raw, platform);
    if (typeof result === 'string') errors.push(new ScriptError(raw.line, result));
    else commands.push(result);
  }
  if (errors.length > 0) {
    errors.sort((a, b) => a.line - b.line);
    return { ok: false, errors };
  }
  return { ok: true, script: { commands, platform: { namespaces: platform.namespaces(), eadr: platform.eadr ?? false } } };
}

/** Where a line's new name goes when the line fails (device lines default to pmem<N>). */
function declaredName(spec: CommandSpec, given: ReadonlyMap<string, RawArg>, platform: PlatformModel): { scope: Scope; name: string } | undefined {
  const key = spec.keys.find((k) => k.type === 'name');
  if (key?.type !== 'name') return undefined;
  const raw = given.get(key.name)?.value;
  if (typeof raw === 'string' && !('error' in parseValue(key, raw))) return { scope: key.scope, name: raw };
  if (raw === undefined && key.scope === 'device') return { scope: 'device', name: `pmem${platform.devices.size}` };
  return undefined;
}

/** One line: a validated command, or the message of its first problem. */
function checkLine(raw: RawCommand, platform: PlatformModel): ValidatedCommand | string {
  const spec = commandSpec(raw.word);
  if (!spec) {
    const hint = didYouMean(raw.word, COMMAND_WORDS);
    return `unknown command ${JSON.stringify(raw.word)}${hint || ' (poisonbench sim --help lists the commands)'}`;
  }
  const given = new Map<string, RawArg>();
  const values = new Map<string, unknown>();
  const message = checkKeys(spec, raw, given) ?? checkValues(spec, given, values) ?? checkPlatform(spec, values, platform, raw.line);
  if (message !== undefined) {
    const name = declaredName(spec, given, platform);
    if (name) platform.declareBroken(name.scope, name.name, raw.line);
    return `${spec.word}: ${message}`;
  }
  const args: Record<string, unknown> = {};
  for (const [k, v] of values) args[camel(k)] = v;
  return { line: raw.line, word: spec.word as CommandWord, args } as unknown as ValidatedCommand;
}

/** Step 2: known keys, each once. Fills `given`. */
function checkKeys(spec: CommandSpec, raw: RawCommand, given: Map<string, RawArg>): string | undefined {
  const names = spec.keys.map((k) => k.name);
  for (const a of raw.args) {
    if (!names.includes(a.key)) {
      if (names.length === 0) return `takes no arguments, got ${JSON.stringify(a.key)}`;
      return `unknown key ${JSON.stringify(a.key)}${didYouMean(a.key, names)}; ${spec.word} takes ${names.join(', ')}`;
    }
    const first = given.get(a.key);
    if (first) return `${a.key} given twice (${written(first)}, then ${written(a)})`;
    given.set(a.key, a);
  }
  return undefined;
}

function written(a: RawArg): string {
  if (a.value === null) return a.key;
  return `${a.key}=${a.quoted ? JSON.stringify(a.value) : a.value}`;
}

/** Steps 3 and 4: presence, types, static ranges, defaults, exclusive groups. Fills `values` (kebab keys). */
function checkValues(spec: CommandSpec, given: ReadonlyMap<string, RawArg>, values: Map<string, unknown>): string | undefined {
  for (const key of spec.keys) {
    const a = given.get(key.name);
    if (a === undefined) {
      if (isRequired(key)) return `missing ${key.name}=${placeholder(key)}: ${key.help}`;
      values.set(key.name, key.type === 'flag' ? false : 'default' in key ? key.default : undefined);
      continue;
    }
    const parsed = parseValue(key, a.value);
    if ('error' in parsed) return parsed.error;
    values.set(key.name, parsed.value);
  }
  for (const group of spec.exclusive ?? []) {
    const present = group.filter((k) => given.has(k));
    if (present.length > 1) return `give ${group.join(' or ')}, not both (got ${present.map((k) => written(given.get(k)!)).join(' and ')})`;
  }
  return undefined;
}

/** Steps 5 to 9, against the platform declared so far. Resolves refs in `values`. */
function checkPlatform(spec: CommandSpec, values: Map<string, unknown>, platform: PlatformModel, line: number): string | undefined {
  if (!spec.beforeDevice && platform.devices.size === 0) {
    return 'comes before any device line; declare the namespace first, e.g. "device size=64MiB"';
  }
  let device: DeviceEntry | undefined;
  let file: FileEntry | undefined;
  for (const key of spec.keys) {
    if (key.type === 'name') {
      const name = values.get(key.name);
      const on = typeof name === 'string' ? platform.declaredOn(key.scope, name) : undefined;
      if (on !== undefined) return `${key.name}: ${key.scope} ${JSON.stringify(name)} is already declared on line ${on}`;
    }
    if (key.type !== 'ref') continue;
    const name = values.get(key.name);
    if (typeof name !== 'string') continue; // optional and absent, or dev: resolved below
    const found = key.scope === 'device' ? platform.devices.get(name) : key.scope === 'file' ? platform.files.get(name) : platform.processes.get(name);
    if (!found) return unknownName(key, name, platform);
    if (key.scope === 'device') device = found as DeviceEntry;
    else if (key.scope === 'file') file = found as FileEntry;
  }
  if (spec.keys.some((k) => k.name === 'dev') && values.get('dev') === undefined) {
    // A file names its device; otherwise `dev` defaults to the first device line.
    device = file ? platform.devices.get(file.dev) : platform.firstDevice();
    if (device) values.set('dev', device.name);
  }
  if (!device && file) device = platform.devices.get(file.dev);
  // A file's own device may be a dm device: every file command works on it (src/dax/fs-device.ts).
  if (device?.kind === 'dm' && !spec.dm && !(file && device.name === file.dev)) {
    return `dev=${device.name} is a dm device (line ${device.line}); ${spec.word} needs a namespace`;
  }
  if (spec.modes && device?.current && !spec.modes.includes(device.current.mode)) {
    return `needs a ${spec.modes.join(' or ')} namespace, and ${device.name} is ${device.current.mode}${reconfigured(device)}: ${spec.modesWhy ?? ''}`;
  }
  if ((spec.section === 'files' || spec.section === 'mm') && platform.sparseBacked.size > 0) {
    const [name] = platform.sparseBacked.keys();
    return `${name} is a sparse device (line ${platform.declaredOn('device', name!)}): a script with one has no filesystem, processes or dm (their per-page tables would cover the whole logical size; README "Sparse media")`;
  }
  for (const extent of spec.extents ?? []) {
    const message = checkExtent(spec, extent, values, device, file);
    if (message) return message;
    // On a sparse device the range must also be backed at this line (platform-errmap.ts).
    if (extent.within === 'device' && device?.kind !== 'dm' && device) {
      let start = 0;
      for (const [key, unit] of extent.start) start += (values.get(key) as number) * unit;
      const hole = sparseHole(device, platform, start, extent.len ? (values.get(extent.len[0]) as number) * extent.len[1] : 0);
      if (hole) return hole;
    }
  }
  if (spec.effect) {
    const kebabArgs = Object.fromEntries(values);
    const result = spec.effect(kebabArgs, platform, line);
    if ('error' in result) return result.error;
    for (const [k, v] of Object.entries(result.extra ?? {})) values.set(k, v);
  }
  return undefined;
}

function reconfigured(device: DeviceEntry): string {
  return device.reconfiguredOn === undefined ? '' : ` (since the reconfigure on line ${device.reconfiguredOn})`;
}

function unknownName(key: KeySpec & { type: 'ref' }, name: string, platform: PlatformModel): string {
  if (key.scope === 'file') {
    const gone = platform.goneFiles.get(name);
    if (gone) return `file ${JSON.stringify(name)} was on ${gone.dev}, which line ${gone.line} reconfigured (its filesystem is gone)`;
  }
  const names = platform.names(key.scope);
  const known = names.length ? `declared: ${names.join(', ')}` : `no ${key.scope} is declared before this line`;
  return `unknown ${key.scope} ${JSON.stringify(name)} in ${key.name}=${name}${didYouMean(name, names)}; ${known}`;
}

/** Step 8: the extent's bytes must lie inside the device's data (or the file). */
function checkExtent(spec: CommandSpec, extent: Extent, values: ReadonlyMap<string, unknown>, device: DeviceEntry | undefined, file: FileEntry | undefined): string | undefined {
  const limit = extent.within === 'device' ? (device ? dataBytes(device) : null) : (file ? fileBytes(file) : null);
  if (limit === null) return undefined; // a broken declaration: its own line was reported
  let start = 0;
  for (const [key, unit] of extent.start) start += (values.get(key) as number) * unit;
  const len = extent.len ? (values.get(extent.len[0]) as number) * extent.len[1] : 0;
  const terms = [...extent.start, ...(extent.len ? [extent.len] : [])].map(([k]) => `${k}=${String(values.get(k))}`);
  const firstKey = spec.keys.find((k) => k.name === extent.start[0]![0]);
  const target = extent.within === 'device'
    ? `${device!.name}'s data, which holds ${inUnit(limit, firstKey)}${reconfigured(device!)}`
    : `file ${JSON.stringify(file!.name)}, which holds ${inUnit(limit, firstKey)} (files do not grow)`;
  if (!extent.len) {
    if (start < limit) return undefined;
    return `${terms.join(' + ')} is past the end of ${target}`;
  }
  if (start + len <= limit) return undefined;
  return `${terms.join(' + ')} ends at byte ${start + len}, past the end of ${target}`;
}

/** A byte count said in the unit of the key that addresses it: `126976 sectors = 65011712 bytes (62MiB)`. */
function inUnit(bytes: number, key: KeySpec | undefined): string {
  if (key?.type === 'int' && (key.unit === 'sectors' || key.unit === 'blocks' || key.unit === 'pages')) {
    const per = key.unit === 'pages' ? 4096 : 512;
    return `${Math.floor(bytes / per)} ${UNIT_TEXT[key.unit]} = ${bytesText(bytes)}`;
  }
  return bytesText(bytes);
}
