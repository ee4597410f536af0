/**
 * The parts of the scenario language that know about real error maps and sparse devices
 * (issue 7), kept apart from platform.ts:
 *
 * - `error-map`: the file is read and parsed at validation (nvdimm/error-map.ts), checked
 *   against the device as declared (nvdimm/seed.ts seedMismatch), and for a sparse device
 *   the windows it adds are charged to the device's backing; the parsed map goes to the
 *   executor, which seeds it when the line runs. A malformed file is the line's error.
 * - `sparseHole`: on a sparse device, a range a command touches must lie inside what the
 *   windows back at that line — step 8 of validate.ts asks this after the device bounds.
 */
import { readInputFile } from '../core/input.js';
import { ErrorMapError, MAX_ERROR_MAP_BYTES, parseErrorMap, type ErrorMap, type ErrorMapFormat } from '../nvdimm/error-map.js';
import { seedMismatch } from '../nvdimm/seed.js';
import { coalesce } from '../nvdimm/sparse.js';
import { didYouMean } from '../core/suggest.js';
import type { ArgValues, EffectResult } from './spec.js';
import type { DeviceEntry, PlatformModel } from './platform.js';
import { bytesText } from './values.js';

/** `error-map`: reads, parses and checks the file; the executor gets `map`. */
export function declareErrorMap(args: ArgValues, platform: PlatformModel): EffectResult {
  const dev = platform.devices.get(args['dev'] as string);
  const ns = dev?.current;
  if (!dev || !ns) return {};
  if (dev.kind === 'dm') return { error: `dev=${dev.name} is a dm device; an error map seeds a namespace` };
  const path = args['file'] as string;
  let text: string;
  try {
    // Size checked before reading: a wrong file= (a disk image) must not be read whole.
    text = readInputFile(path, 'error map', MAX_ERROR_MAP_BYTES);
  } catch (err) {
    const why = (err as Error).message.replace(/^cannot read [^:]*: /, '');
    return { error: `file=${path}: cannot read it (${why}); paths are relative to the working directory` };
  }
  let map: ErrorMap;
  try {
    const format = args['format'] as ErrorMapFormat | undefined;
    const parsed = parseErrorMap(text, {
      file: path, ...(format === undefined ? {} : { format }),
      ...(format !== 'ndctl' && !/^\s*[[{]/.test(text) ? { dev: dev.name, sizeBytes: ns.size - ns.dataOffset } : {}),
    });
    const pick = pickNamespace(parsed, args['namespace'] as string | undefined, dev.name);
    if (typeof pick === 'string') return { error: pick };
    map = pick;
  } catch (err) {
    if (err instanceof ErrorMapError) return { error: err.message };
    throw err;
  }
  const entry = map.namespaces[0]!;
  const mismatch = seedMismatch(entry, { name: dev.name, mode: ns.mode, dataOffset: ns.dataOffset, dataBytes: ns.size - ns.dataOffset });
  if (mismatch !== null) return { error: `${path}: ${mismatch}` };
  const backed = platform.sparseBacked.get(dev.name);
  if (ns.sparse !== null && backed !== undefined) {
    const wanted = entry.badblocks.map((r) => ({ start: ns.dataOffset + r.sector * 512, bytes: r.sectors * 512 }));
    const all = coalesce([...backed, ...coalesce(wanted, ns.sparse.marginBytes, ns.size)], 0, ns.size);
    const need = all.reduce((a, r) => a + r.bytes, 0);
    if (need > ns.sparse.backingBytes) {
      return { error: `${path}: the windows around its ${entry.badblocks.length} ranges bring ${dev.name}'s backing to ${bytesText(need)} (whole 2 MiB chunks${ns.sparse.marginBytes > 0 ? `, margin ${bytesText(ns.sparse.marginBytes)}` : ''}); the device line gives backing=${bytesText(ns.sparse.backingBytes)}: raise it to at least ${bytesText(need)}` };
    }
    platform.sparseBacked.set(dev.name, all);
  }
  return { extra: { map } };
}

/** The one map namespace that seeds `dev` (its `namespace=`, the only one, or the one named like dev). */
function pickNamespace(map: ErrorMap, want: string | undefined, dev: string): ErrorMap | string {
  const names = map.namespaces.map((n) => n.name);
  const name = want ?? (names.length === 1 ? names[0]! : names.includes(dev) ? dev : undefined);
  if (name === undefined) return `${map.source} lists ${names.length} namespaces (${names.join(', ')}); say which seeds ${dev} with namespace=NAME`;
  const entry = map.namespaces.find((n) => n.name === name);
  if (entry === undefined) return `namespace=${name}: ${map.source} has no such namespace; it lists ${names.join(', ')}${didYouMean(name, names)}`;
  return { ...map, namespaces: [{ ...entry, name: dev }] };
}

/**
 * On a sparse device, why data bytes [start, start+len) (len 0: the byte at start) are not
 * backed at this line, or undefined. Dense devices are always backed.
 */
export function sparseHole(device: DeviceEntry, platform: PlatformModel, start: number, len: number): string | undefined {
  const ns = device.current;
  const backed = platform.sparseBacked.get(device.name);
  if (!ns || ns.sparse === null || backed === undefined) return undefined;
  const lo = ns.dataOffset + start;
  const hi = lo + Math.max(len, 1);
  if (backed.some((w) => w.start <= lo && hi <= w.start + w.bytes)) return undefined;
  const data = backed.filter((w) => w.start + w.bytes > ns.dataOffset)
    .map((w) => `[${bytesText(Math.max(0, w.start - ns.dataOffset))}, ${bytesText(w.start + w.bytes - ns.dataOffset)})`);
  return `${device.name} is sparse and data bytes [${start}, ${start + Math.max(len, 1)}) are not inside one backed window at this line; ` +
    `backed (from the data start): ${data.join(', ') || 'nothing'}; widen working-set= or windows= on its device line (line ${device.line}), or seed an error map around them first`;
}
