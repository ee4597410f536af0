/**
 * Error maps from a real machine (issue 7): the text of `/sys/block/pmemN/badblocks` and the
 * JSON of `ndctl list --media-errors` (`-M`), parsed into one validated shape that seeding
 * (seed.ts) and `poisonbench errmap check` read.
 *
 *   ErrorMap
 *   └─ namespaces[]  { name, sizeBytes?, mode?, badblocks[] }
 *                      name       the block device (`pmem1`), else the char device, else `dev`
 *                      sizeBytes  data bytes (what the block device holds); ndctl's `size`
 *                      badblocks  { sector, sectors }: 512-byte sectors from the DATA start
 *                                 (reference §2.1: pmem->bb and ndctl's namespace badblocks
 *                                 both count from there), ascending, not overlapping
 *
 * Accepted inputs (README "Real error maps"):
 *
 * - sysfs: one `"<sector> <count>"` line per entry, as badblocks_show prints it (§1.7). Each
 *   line is parsed with the kernel's own store parser (badblocks/sysfs.ts), so whatever the
 *   kernel would refuse to store is refused here. Blank lines and `#` comments are skipped (a
 *   poisonbench extension, for notes in example files). The text does not say the size or
 *   the name: the caller does (`dev`, `sizeBytes`). An empty file is a clean namespace.
 * - ndctl JSON, any of the shapes `ndctl list` prints with -M: one namespace object; an array
 *   of them; a region object with `namespaces`; an array of regions; `{"regions": [...]}` or
 *   `{"namespaces": [...]}` (with -R, -D or -B mixed in); a bus object or array of buses with
 *   `regions`. Namespace objects and badblock records are checked key by key (unknown keys
 *   are errors, with did-you-mean); region and bus objects only for what is read from them.
 *   `badblock_count`, when present, must equal the sum of the lengths (ndctl's definition).
 *
 * Limits (chosen, documented): at most MAX_ERROR_MAP_BYTES bytes, MAX_ERROR_MAP_RANGES ranges
 * per namespace, MAX_ERROR_MAP_NAMESPACES namespaces, JSON nested at most MAX_JSON_DEPTH
 * deep (ndctl's deepest, -BRNDM, is 9).
 *
 * Every failure is an ErrorMapError whose message starts with `FILE:LINE:` (sysfs) or `FILE:
 * JSON.PATH:` (ndctl) and says the value and what is allowed. Parsing changes nothing.
 */
import { parseBadblocksStore } from '../badblocks/sysfs.js';
import { KernelError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { describe } from '../core/validate.js';
import type { NamespaceMode } from './config.js';
import { jsonDepth } from '../core/input.js';

export const MAX_ERROR_MAP_BYTES = 16 * 1024 * 1024;
export const MAX_ERROR_MAP_RANGES = 65536;
export const MAX_ERROR_MAP_NAMESPACES = 64;
export const MAX_JSON_DEPTH = 16;
/** A namespace is at most 2^42 bytes (nvdimm/config.ts): sectors past that cannot be seeded. */
export const MAX_ERROR_MAP_SECTORS = 2 ** 42 / 512;

export type ErrorMapFormat = 'sysfs' | 'ndctl';
export const ERROR_MAP_FORMATS: readonly ErrorMapFormat[] = ['sysfs', 'ndctl'];

export interface ErrorMapRange {
  /** First bad 512-byte sector from the data start. */
  readonly sector: number;
  /** Bad sectors, >= 1. */
  readonly sectors: number;
}

export interface ErrorMapNamespace {
  readonly name: string;
  /** Data bytes (the block device's capacity), when the source says. */
  readonly sizeBytes?: number;
  readonly mode?: NamespaceMode;
  readonly badblocks: readonly ErrorMapRange[];
}

export interface ErrorMap {
  /** Where it came from (a file name), for messages. */
  readonly source: string;
  readonly format: ErrorMapFormat;
  readonly namespaces: readonly ErrorMapNamespace[];
}

export interface ParseErrorMapOptions {
  /** The name messages use for the input (default `"error map"`). */
  readonly file?: string;
  /** Default: `ndctl` when the first non-blank character is `{` or `[`, else `sysfs`. */
  readonly format?: ErrorMapFormat;
  /** sysfs: the namespace's name (default `pmem0`). ndctl: keep only this namespace. */
  readonly dev?: string;
  /** sysfs: data bytes of the namespace, so ranges can be checked against it. */
  readonly sizeBytes?: number;
}

/** A malformed error map: the message names the file, the line or JSON path, the value and what is allowed. */
export class ErrorMapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ErrorMapError';
  }
}

/**
 * Parses an error map (sysfs badblocks text or ndctl JSON).
 * @throws {ErrorMapError} for malformed input; nothing else is touched.
 */
export function parseErrorMap(text: unknown, options: ParseErrorMapOptions = {}): ErrorMap {
  const file = options.file ?? 'error map';
  const fail = (msg: string): never => { throw new ErrorMapError(`${file}: ${msg}`); };
  if (typeof options !== 'object' || options === null) fail(`options must be an object, got ${describe(options)}`);
  if (options.format !== undefined && !ERROR_MAP_FORMATS.includes(options.format)) {
    fail(`format must be one of ${ERROR_MAP_FORMATS.join(', ')}, got ${describe(options.format)}`);
  }
  if (options.dev !== undefined && (typeof options.dev !== 'string' || !/^[a-z][a-z0-9_.-]{0,30}$/.test(options.dev))) {
    fail(`dev must be a device name such as "pmem0", got ${describe(options.dev)}`);
  }
  if (options.sizeBytes !== undefined && (typeof options.sizeBytes !== 'number' || !Number.isSafeInteger(options.sizeBytes) || options.sizeBytes < 512 || options.sizeBytes % 512 !== 0)) {
    fail(`sizeBytes must be a whole number of 512-byte sectors in [512, 2^53), got ${describe(options.sizeBytes)}`);
  }
  if (typeof text !== 'string') fail(`must be text, got ${describe(text)}`);
  const s = text as string;
  if (s.length > MAX_ERROR_MAP_BYTES) fail(`is ${s.length} characters, more than the ${MAX_ERROR_MAP_BYTES} (16 MiB) an error map may hold`);
  const first = /\S/.exec(s)?.[0];
  const format = options.format ?? (first === '{' || first === '[' ? 'ndctl' : first === undefined ? undefined : 'sysfs');
  if (format === undefined) {
    fail('is empty: an ndctl error map is JSON; a clean namespace\'s sysfs badblocks file is empty too — say format=sysfs to seed no errors');
  }
  if (format === 'ndctl') {
    if (options.sizeBytes !== undefined) fail('sizeBytes is for sysfs text; ndctl JSON says each namespace\'s size itself');
    return parseNdctl(s, file, options.dev);
  }
  return parseSysfs(s, file, options.dev ?? 'pmem0', options.sizeBytes);
}

// ---- sysfs ----

function parseSysfs(text: string, file: string, name: string, sizeBytes: number | undefined): ErrorMap {
  const ranges: ErrorMapRange[] = [];
  const lines = text.split('\n');
  // The last element is what follows the final newline: empty for a well-formed file.
  lines.forEach((raw, i) => {
    const at = `${file}:${i + 1}`;
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    let parsed: { sector: number; length: number };
    try {
      // The kernel's own parse of "<sector> <length>[\n]" (badblocks_store, §1.7).
      parsed = parseBadblocksStore(line + '\n');
    } catch (err) {
      const why = err instanceof KernelError ? err.message.replace(/^EINVAL: /, '') : String(err);
      throw new ErrorMapError(`${at}: ${describe(line)} is not a badblocks line: ${why}; each line is "<sector> <count>" in 512-byte sectors from the data start`);
    }
    if (!/^\s*\d+\s+\d+\s*$/.test(line)) {
      throw new ErrorMapError(`${at}: ${describe(line)} is not two decimal numbers; badblocks_show prints "<sector> <count>" per line`);
    }
    if (ranges.length >= MAX_ERROR_MAP_RANGES) throw new ErrorMapError(`${at}: more than ${MAX_ERROR_MAP_RANGES} ranges; an error map holds at most ${MAX_ERROR_MAP_RANGES} per namespace`);
    pushRange(ranges, { sector: parsed.sector, sectors: parsed.length }, sizeBytes, at, 'sector', 'count');
  });
  return { source: file, format: 'sysfs', namespaces: [{ name, ...(sizeBytes === undefined ? {} : { sizeBytes }), badblocks: ranges }] };
}

/** Appends `r` after checking it against the size and the previous range. */
function pushRange(ranges: ErrorMapRange[], r: ErrorMapRange, sizeBytes: number | undefined, at: string, startKey: string, lenKey: string): void {
  const sectors = sizeBytes === undefined ? MAX_ERROR_MAP_SECTORS : sizeBytes / 512;
  const of = sizeBytes === undefined ? 'a namespace of at most 4 TiB (2^42 bytes)' : `the namespace's ${sizeBytes} data bytes`;
  if (r.sector >= sectors) throw new ErrorMapError(`${at}: ${startKey} ${r.sector} is past the end: allowed [0, ${sectors - 1}], the 512-byte sectors of ${of}`);
  if (r.sector + r.sectors > sectors) {
    throw new ErrorMapError(`${at}: ${startKey} ${r.sector} + ${lenKey} ${r.sectors} ends at sector ${r.sector + r.sectors}, past the ${sectors} sectors of ${of}`);
  }
  const prev = ranges[ranges.length - 1];
  if (prev !== undefined && r.sector < prev.sector + prev.sectors) {
    throw new ErrorMapError(`${at}: ${startKey} ${r.sector} is before the end (${prev.sector + prev.sectors}) of the previous range ${prev.sector} ${prev.sectors}; ranges must be ascending and not overlap, as the kernel's table prints them`);
  }
  ranges.push(r);
}

// ---- ndctl JSON ----

/** Keys `ndctl list` prints on a namespace object (util_namespace_to_json), and what they are. */
const NAMESPACE_KEYS = [
  'dev', 'mode', 'map', 'size', 'uuid', 'raw_uuid', 'sector_size', 'align', 'blockdev', 'chardev', 'name',
  'state', 'enabled', 'numa_node', 'target_node', 'badblock_count', 'badblocks', 'daxregion', 'location',
] as const;
const BADBLOCK_KEYS = ['offset', 'length', 'dimms'] as const;
const MODES: Readonly<Record<string, NamespaceMode | 'sector'>> = {
  raw: 'raw', fsdax: 'fsdax', memory: 'fsdax', devdax: 'devdax', dax: 'devdax', sector: 'sector', safe: 'sector',
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${describe(v)}`;
  return `${typeof v} ${String(v)}`;
}

function parseNdctl(text: string, file: string, only: string | undefined): ErrorMap {
  const fail = (path: string, msg: string): never => { throw new ErrorMapError(`${file}: ${path}: ${msg}`); };
  const shape = jsonDepth(text, MAX_JSON_DEPTH);
  if (shape.max > MAX_JSON_DEPTH) {
    throw new ErrorMapError(`${file}: JSON nested more than ${MAX_JSON_DEPTH} levels deep; ndctl list prints at most 9 (bus > region > namespace > badblocks > dimms)`);
  }
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const truncated = shape.open || text.trim() === '';
    throw new ErrorMapError(`${file}: not valid JSON${truncated ? ' (truncated?)' : ''}: ${why}; expected the output of "ndctl list --media-errors"`);
  }
  const found: { path: string; ns: { [k: string]: Json } }[] = [];
  collect(root, '$', found, fail);
  if (found.length === 0) fail('$', 'holds no namespace objects; run "ndctl list --namespaces --media-errors" (-NM), or with -R for regions');
  if (found.length > MAX_ERROR_MAP_NAMESPACES) fail('$', `holds ${found.length} namespaces, more than the ${MAX_ERROR_MAP_NAMESPACES} an error map may hold`);
  const namespaces = found.map(({ path, ns }) => namespaceOf(ns, path, fail, file));
  const seen = new Map<string, string>();
  namespaces.forEach((n, i) => {
    const other = seen.get(n.name);
    if (other !== undefined) fail(found[i]!.path, `namespace ${describe(n.name)} appears twice (also at ${other}); each namespace may be listed once`);
    seen.set(n.name, found[i]!.path);
  });
  if (only !== undefined) {
    const pick = namespaces.filter((n) => n.name === only);
    if (pick.length === 0) fail('$', `has no namespace named ${describe(only)}; it lists ${namespaces.map((n) => n.name).join(', ')}${didYouMean(only, namespaces.map((n) => n.name))}`);
    return { source: file, format: 'ndctl', namespaces: pick };
  }
  return { source: file, format: 'ndctl', namespaces };
}

/** Walks the shapes `ndctl list` prints, collecting namespace objects with their JSON path. */
function collect(v: Json, path: string, out: { path: string; ns: { [k: string]: Json } }[], fail: (p: string, m: string) => never): void {
  if (Array.isArray(v)) {
    v.forEach((x, i) => collect(x, `${path}[${i}]`, out, fail));
    return;
  }
  if (v === null || typeof v !== 'object') {
    fail(path, `is ${jsonType(v)}; expected a namespace object {"dev": "namespaceX.Y", "size": ..., "badblocks": [...]}, an array of them, or {"regions": [...]}`);
  }
  const o = v as { [k: string]: Json };
  const containers = ['buses', 'regions', 'namespaces'].filter((k) => k in o);
  if (containers.length === 0) {
    out.push({ path, ns: o });
    return;
  }
  for (const k of containers) {
    const inner = o[k]!;
    if (!Array.isArray(inner)) fail(`${path}.${k}`, `is ${jsonType(inner)}; ndctl prints "${k}" as an array`);
    collect(inner, `${path}.${k}`, out, fail);
  }
}

function namespaceOf(o: { [k: string]: Json }, path: string, fail: (p: string, m: string) => never, file: string): ErrorMapNamespace {
  for (const k of Object.keys(o)) {
    if (!(NAMESPACE_KEYS as readonly string[]).includes(k)) {
      fail(`${path}.${k}`, `unknown key in a namespace object${didYouMean(k, NAMESPACE_KEYS)}; ndctl list prints ${NAMESPACE_KEYS.join(', ')}`);
    }
  }
  const dev = o['dev'];
  if (dev === undefined) fail(`${path}.dev`, 'is missing; every ndctl namespace object has "dev": "namespaceX.Y"');
  if (typeof dev !== 'string') fail(`${path}.dev`, `is ${jsonType(dev)}; expected a string such as "namespace0.0"`);
  if (!/^namespace\d+\.\d+$/.test(dev as string)) fail(`${path}.dev`, `is ${describe(dev)}; expected "namespaceX.Y" (X region, Y namespace)`);
  const devName = (k: 'blockdev' | 'chardev', re: RegExp, example: string): string | undefined => {
    const x = o[k];
    if (x === undefined) return undefined;
    if (typeof x !== 'string') fail(`${path}.${k}`, `is ${jsonType(x)}; expected a string such as ${example}`);
    if (!re.test(x as string)) fail(`${path}.${k}`, `is ${describe(x)}; expected a device name such as ${example}`);
    return x as string;
  };
  const blockdev = devName('blockdev', /^pmem\d+(\.\d+)?s?$/, '"pmem0"');
  const chardev = devName('chardev', /^dax\d+\.\d+$/, '"dax0.0"');
  const name = blockdev ?? chardev ?? (dev as string);

  let mode: NamespaceMode | undefined;
  if (o['mode'] !== undefined) {
    const m = o['mode'];
    if (typeof m !== 'string') fail(`${path}.mode`, `is ${jsonType(m)}; expected one of ${Object.keys(MODES).join(', ')}`);
    const resolved = MODES[m as string];
    if (resolved === undefined) fail(`${path}.mode`, `is ${describe(m)}; expected one of ${Object.keys(MODES).join(', ')}${didYouMean(m as string, Object.keys(MODES))}`);
    if (resolved === 'sector') fail(`${path}.mode`, `is ${describe(m)}: a BTT (sector mode) namespace is not modelled; raw, fsdax and devdax are`);
    mode = resolved as NamespaceMode;
  }
  const size = o['size'];
  if (size === undefined) fail(`${path}.size`, 'is missing; ndctl prints every namespace\'s size in bytes');
  if (typeof size !== 'number') fail(`${path}.size`, `is ${jsonType(size)}; expected a byte count (a JSON number)`);
  if (!Number.isSafeInteger(size) || (size as number) < 512 || (size as number) > 2 ** 42 || (size as number) % 512 !== 0) {
    fail(`${path}.size`, `is ${String(size)}; expected whole 512-byte sectors in [512, 2^42] bytes (a namespace is at most 4 TiB here)`);
  }
  const sizeBytes = size as number;
  for (const k of ['sector_size', 'align', 'numa_node', 'target_node'] as const) {
    const x = o[k];
    if (x !== undefined && (typeof x !== 'number' || !Number.isInteger(x))) fail(`${path}.${k}`, `is ${jsonType(x)}; ndctl prints an integer`);
  }
  if (o['sector_size'] !== undefined && o['sector_size'] !== 512 && o['sector_size'] !== 4096) {
    fail(`${path}.sector_size`, `is ${String(o['sector_size'])}; pmem namespaces have 512 or 4096`);
  }

  const ranges: ErrorMapRange[] = [];
  const bbs = o['badblocks'];
  if (bbs !== undefined) {
    if (!Array.isArray(bbs)) fail(`${path}.badblocks`, `is ${jsonType(bbs)}; expected an array of {"offset": SECTOR, "length": SECTORS}`);
    const arr = bbs as Json[];
    if (arr.length > MAX_ERROR_MAP_RANGES) fail(`${path}.badblocks`, `holds ${arr.length} ranges, more than the ${MAX_ERROR_MAP_RANGES} an error map may hold per namespace`);
    arr.forEach((b, i) => {
      const at = `${path}.badblocks[${i}]`;
      if (b === null || typeof b !== 'object' || Array.isArray(b)) fail(at, `is ${jsonType(b)}; expected {"offset": SECTOR, "length": SECTORS}`);
      const r = b as { [k: string]: Json };
      for (const k of Object.keys(r)) {
        if (!(BADBLOCK_KEYS as readonly string[]).includes(k)) fail(`${at}.${k}`, `unknown key in a badblocks record${didYouMean(k, BADBLOCK_KEYS)}; ndctl prints offset, length and dimms`);
      }
      const int = (k: 'offset' | 'length', min: number): number => {
        const x = r[k];
        if (x === undefined) fail(`${at}.${k}`, `is missing; a badblocks record has "offset" and "length" in 512-byte sectors`);
        if (typeof x !== 'number') fail(`${at}.${k}`, `is ${jsonType(x)}; expected a whole number of 512-byte sectors`);
        if (!Number.isSafeInteger(x) || (x as number) < min || (x as number) > MAX_ERROR_MAP_SECTORS) {
          fail(`${at}.${k}`, `is ${String(x)}; expected a whole number of 512-byte sectors in [${min}, ${MAX_ERROR_MAP_SECTORS}]`);
        }
        return x as number;
      };
      const offset = int('offset', 0);
      const length = int('length', 1);
      const dimms = r['dimms'];
      if (dimms !== undefined && (!Array.isArray(dimms) || dimms.some((d) => typeof d !== 'string'))) {
        fail(`${at}.dimms`, `is ${jsonType(dimms)}; expected an array of DIMM names such as ["nmem0"]`);
      }
      pushRange(ranges, { sector: offset, sectors: length }, sizeBytes, `${file}: ${at}`, 'offset', 'length');
    });
  }
  const count = o['badblock_count'];
  const sum = ranges.reduce((a, r) => a + r.sectors, 0);
  if (count !== undefined) {
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) fail(`${path}.badblock_count`, `is ${jsonType(count)}; expected a whole number of bad sectors >= 0`);
    if (bbs === undefined && (count as number) > 0) {
      fail(`${path}.badblock_count`, `is ${String(count)} but there is no "badblocks" list: the file was listed without --media-errors (-M); run ndctl list -M`);
    }
    if (bbs !== undefined && count !== sum) fail(`${path}.badblock_count`, `is ${String(count)} but the badblocks lengths add up to ${sum}; ndctl's badblock_count is that sum — the two disagree`);
  }
  return { name, sizeBytes, ...(mode === undefined ? {} : { mode }), badblocks: ranges };
}

/** One line per namespace: what `poisonbench errmap check` prints. */
export function summarizeErrorMap(map: ErrorMap): string {
  const lines = map.namespaces.map((n) => {
    const sectors = n.badblocks.reduce((a, r) => a + r.sectors, 0);
    const size = n.sizeBytes === undefined ? 'size not stated' : `${n.sizeBytes} data bytes`;
    const span = n.badblocks.length === 0 ? '' : `, sectors ${n.badblocks[0]!.sector}..${n.badblocks[n.badblocks.length - 1]!.sector + n.badblocks[n.badblocks.length - 1]!.sectors - 1}`;
    return `${n.name}${n.mode === undefined ? '' : ` (${n.mode})`}: ${size}, ${n.badblocks.length} ranges, ${sectors} bad sectors${span}`;
  });
  return `${map.source}: ${map.format}, ${map.namespaces.length} namespace${map.namespaces.length === 1 ? '' : 's'}\n${lines.map((l) => `  ${l}\n`).join('')}`;
}
