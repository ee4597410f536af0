/**
 * Seeding a system from a real machine's error map (error-map.ts): the state that machine is
 * in after boot (reference §2.1, §2.3).
 *
 * For every range of the map, on the namespace it names (or the one `namespaces` maps it to):
 *
 *   1. sparse namespaces: windows are added around the range (± the namespace's margin, whole
 *      2 MiB chunks, merged when they touch; sparse.ts) so its bytes exist;
 *   2. the media is poisoned (every 64-byte line of the range) and the firmware knows it: one
 *      firmware error-list record per range piece — what ARS_INJECT_SET does (firmware.ts,
 *      the same path as inject.ts), so the media and the firmware list agree as after a
 *      scrub found the errors;
 *   3. a short ARS over the region (ars.ts `scrub`): the firmware list reaches the bus
 *      badrange list and the region and namespace badblocks are populated (acknowledged), as
 *      the kernel's boot-time scrub does. A full table drops ranges as it would at boot (E-6;
 *      `populateStats()` says how many).
 *
 * The data under the poison is not changed (nfit_test's injection does not either); page
 * flags are untouched: nothing consumed the poison yet, so no page is HWPoison.
 *
 * Everything is checked before anything changes: names, sizes and modes against the system,
 * ranges against the data, the sparse backing and window table, the firmware list's room.
 * Locking: the device mutex for steps 1-2; the scrub takes it itself.
 */
import { describe } from '../core/validate.js';
import type { ErrorMap, ErrorMapNamespace } from './error-map.js';
import { ErrorMapError } from './error-map.js';
import { injectLines } from './firmware.js';
import { scrub } from './ars.js';
import type { Namespace } from './namespace.js';
import type { NamespaceMode } from './config.js';
import { coalesce, type LogicalRange } from './sparse.js';

/** Minimal view of the system seeding needs (System from system.ts satisfies it). */
export interface SeedTarget {
  readonly namespaces: readonly Namespace[];
}

export interface SeedOptions {
  /** Map namespace name → system namespace name (default: the same name). */
  readonly namespaces?: Readonly<Record<string, string>>;
}

export interface SeededNamespace {
  /** The system namespace seeded. */
  readonly name: string;
  /** Ranges of the map. */
  readonly ranges: number;
  /** Bad sectors of the map. */
  readonly sectors: number;
  /** Sparse windows added (0 for a dense namespace). */
  readonly windowsAdded: number;
  /** Firmware error-list records added. */
  readonly records: number;
}

interface Plan {
  readonly ns: Namespace;
  readonly entry: ErrorMapNamespace;
  readonly windows: readonly LogicalRange[];
}

/** What a seed target must say about itself (a Namespace, or a script's declared device). */
export interface SeedTargetInfo {
  readonly name: string;
  readonly mode: NamespaceMode;
  readonly dataOffset: number;
  readonly dataBytes: number;
}

/**
 * Why map namespace `entry` cannot seed namespace `ns`, or null: its size (data bytes) or
 * mode disagrees, or a range ends past the data.
 */
export function seedMismatch(entry: ErrorMapNamespace, ns: SeedTargetInfo): string | null {
  const on = ns.name === entry.name ? ns.name : `${entry.name} (seeded into ${ns.name})`;
  if (entry.sizeBytes !== undefined && entry.sizeBytes !== ns.dataBytes) {
    return `${on}: the map says ${entry.sizeBytes} data bytes, the namespace holds ${ns.dataBytes}; ` +
      `declare it with ${entry.sizeBytes} data bytes (raw size = ${entry.sizeBytes} + its data offset, ${entry.sizeBytes + ns.dataOffset} bytes with the current one)`;
  }
  if (entry.mode !== undefined && entry.mode !== ns.mode) {
    return `${on}: the map is of a ${entry.mode} namespace, this one is ${ns.mode}; sectors count from the data start, which the mode moves`;
  }
  const last = entry.badblocks[entry.badblocks.length - 1];
  if (last !== undefined && (last.sector + last.sectors) * 512 > ns.dataBytes) {
    return `${on}: range ${last.sector} ${last.sectors} ends past the namespace's ${ns.dataBytes / 512} data sectors`;
  }
  return null;
}

/**
 * Seeds `system` from `map` (see the header).
 * @throws {ErrorMapError} naming the map, the namespace and what is allowed, nothing changed.
 */
export function seedErrorMap(system: SeedTarget, map: ErrorMap, options: SeedOptions = {}): SeededNamespace[] {
  const fail = (msg: string): never => { throw new ErrorMapError(`${map.source}: ${msg}`); };
  if (typeof map !== 'object' || map === null || !Array.isArray(map.namespaces)) {
    throw new ErrorMapError(`error map must be what parseErrorMap() returns, got ${describe(map)}`);
  }
  const rename = options.namespaces ?? {};
  const names = system.namespaces.map((n) => n.name);
  for (const k of Object.keys(rename)) {
    if (!map.namespaces.some((n) => n.name === k)) fail(`namespaces: the map has no namespace ${describe(k)}; it lists ${map.namespaces.map((n) => n.name).join(', ')}`);
  }
  const plans: Plan[] = map.namespaces.map((entry: ErrorMapNamespace) => {
    const target = rename[entry.name] ?? entry.name;
    const ns = system.namespaces.find((n) => n.name === target);
    if (ns === undefined) {
      fail(`${entry.name}: no namespace ${describe(target)} in the system (it has ${names.join(', ')}); map it to one (dev=, or SeedOptions.namespaces)`);
    }
    const n = ns as Namespace;
    const why = seedMismatch(entry, n);
    if (why !== null) fail(why);
    let windows: LogicalRange[] = [];
    if (n.sparse !== null) {
      const want = coalesce(entry.badblocks.map((r) => ({ start: n.dataOffset + r.sector * 512, bytes: r.sectors * 512 })), n.config.sparse!.marginBytes, n.size);
      windows = n.sparse.missing(want);
      const full = n.sparse.room(windows);
      if (full !== null) fail(`${entry.name}: ${full}`);
    }
    return { ns: n, entry, windows };
  });
  const seen = new Set<Namespace>();
  for (const p of plans) {
    if (seen.has(p.ns)) fail(`two map namespaces are seeded into ${p.ns.name}; map each to its own namespace`);
    seen.add(p.ns);
  }
  const firstNs = plans[0]?.ns;
  if (firstNs === undefined) return [];
  const bus = firstNs.bus;

  const out: SeededNamespace[] = [];
  bus.state.lock(() => {
    // Room in the firmware list: one record per range piece (a piece per window crossed).
    const pieces = plans.reduce((a, p) => a + p.entry.badblocks.length + p.windows.length, 0);
    const free = bus.firmware.capacity - bus.firmware.count;
    if (pieces > free) fail(`the firmware error list has room for ${free} more records, the map needs up to ${pieces}; create the system with a larger errorListCapacity`);
    for (const p of plans) {
      const { ns, entry } = p;
      if (ns.sparse !== null) ns.sparse.addLocked(p.windows);
      let records = 0;
      for (const r of entry.badblocks) {
        // A range inside one window is one piece; one that crosses windows is one per window.
        for (let at = ns.dataOffset + r.sector * 512, end = at + r.sectors * 512; at < end;) {
          const len = ns.sparse === null ? end - at : Math.min(end - at, ns.sparse.backedFrom(at));
          const spa = ns.regionSpa(at, len);
          if (!bus.firmware.addLocked(spa, len)) fail(`the firmware error list filled up at ${entry.name} sector ${r.sector}`);
          injectLines(bus, spa, len);
          records++;
          at += len;
        }
      }
      out.push({ name: ns.name, ranges: entry.badblocks.length, sectors: entry.badblocks.reduce((a, r) => a + r.sectors, 0), windowsAdded: p.windows.length, records });
    }
  });
  // The boot-time scrub: firmware list → badrange → region and namespace badblocks.
  for (const p of plans) scrub(bus, { short: true, range: { start: p.ns.regionStart, length: p.ns.spaBytes } });
  return out;
}
