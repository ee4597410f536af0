/**
 * Failure-range translation between a dm device and its members, for memory_failure and
 * notify_failure (reference §6.5, §6.1, §6.3; src/mm uses it). Both directions work in
 * bytes; member offsets count from the member's data start, dm offsets from dm byte 0.
 *
 *   dmMemberRanges(dm, off, len)      dm bytes -> member byte ranges, in dm order
 *   dmRangesOfMember(dm, ns, off, len) member bytes -> dm byte ranges, sorted
 *
 * Byte b of target t (x = b - t.begin*512):
 *   linear  -> t.dev byte t.start*512 + x
 *   stripe  -> c = floor(x / C), o = x % C with C = chunk*512; member j = c % n at byte
 *              start_j*512 + floor(c / n)*C + o (stripe_map_sector in bytes, stripe.ts)
 *   error   -> nothing: no member holds it (the range is dropped)
 * A range is cut at every I/O-unit boundary (target end, chunk end); consecutive pieces on
 * the same member that are contiguous there are merged. The reverse walks each target that
 * uses `ns`, intersects the member range with each member slot's range, and cuts it per
 * member chunk (member chunk k of slot j is target chunk k*n + j): one dm range per chunk,
 * sorted by offset, dm-contiguous neighbours merged (only possible when one namespace fills
 * two slots of a stripe, or linear targets line up).
 *
 * Invariant (the property test checks it): on every byte a table covers, the two are
 * inverses — dmRangesOfMember of each piece of dmMemberRanges(D) gives back exactly the
 * covered part of D, and dmMemberRanges of dmRangesOfMember(ns, R) gives back exactly the
 * part of R the table maps. This holds because a table maps each member sector once
 * (table.ts).
 *
 * Cost: O(pieces + targets): one piece per chunk of a striped target in the range. Memory
 * failures under dm reach only the generic path in Linux (dm passes no dax holder, §6.5);
 * this translation is what a holder-aware design would need.
 */
import { checkInteger, describe } from '../core/validate.js';
import { Namespace } from '../nvdimm/namespace.js';
import type { DmDevice } from './device.js';
import { stripeMapSector, stripeUnmapSector, type StripeMapping } from './stripe.js';

/** A byte range of a member namespace. */
export interface DmMemberRange {
  readonly ns: Namespace;
  /** Bytes from the member's data start. */
  readonly offset: number;
  readonly len: number;
}

/** A byte range of the dm device. */
export interface DmRange {
  /** Bytes from dm byte 0. */
  readonly offset: number;
  readonly len: number;
}

const SECTOR = 512;
const scratch: StripeMapping = { stripe: 0, sector: 0 };

/**
 * The member byte ranges that dm bytes [dmOffsetBytes, +lenBytes) live on, in dm order;
 * error-target bytes are left out.
 * @throws {TypeError|RangeError} naming `dmOffsetBytes`/`lenBytes` unless the range lies
 *   inside the device.
 */
export function dmMemberRanges(dm: DmDevice, dmOffsetBytes: number, lenBytes: number): DmMemberRange[] {
  const off = checkInteger('dmOffsetBytes', dmOffsetBytes, 0, dm.dataBytes, 'byte offset', ` (dm device ${dm.name} holds ${dm.dataBytes} bytes)`);
  const len = checkInteger('lenBytes', lenBytes, 0, dm.dataBytes - off, 'byte count', ` (dmOffsetBytes ${off} + lenBytes must stay inside dm device ${dm.name}'s ${dm.dataBytes} bytes)`);
  const out: { ns: Namespace; offset: number; len: number }[] = [];
  const end = off + len;
  for (let pos = off; pos < end;) {
    const t = dm.targets[dm.targetIndex(Math.floor(pos / SECTOR))]!;
    const x = pos - t.begin * SECTOR;
    let ns: Namespace | null = null;
    let at = 0;
    let unitEnd = (t.begin + t.len) * SECTOR;
    if (t.type === 'linear') {
      ns = t.dev;
      at = t.start * SECTOR + x;
    } else if (t.type === 'stripe') {
      // stripe_map_sector works in sectors; the byte inside the sector rides along.
      const m = stripeMapSector(Math.floor(x / SECTOR), t.chunk, t.stripes.length, scratch);
      const s = t.stripes[m.stripe]!;
      ns = s.dev;
      at = (s.start + m.sector) * SECTOR + (x % SECTOR);
      unitEnd = (t.begin + (Math.floor(x / (t.chunk * SECTOR)) + 1) * t.chunk) * SECTOR;
    }
    const n = Math.min(end, unitEnd) - pos;
    if (ns !== null) {
      const prev = out[out.length - 1];
      if (prev !== undefined && prev.ns === ns && prev.offset + prev.len === at) prev.len += n;
      else out.push({ ns, offset: at, len: n });
    }
    pos += n;
  }
  return out;
}

/**
 * Where member `ns`'s bytes [nsOffsetBytes, +lenBytes) appear in the dm device: dm byte
 * ranges sorted by offset (none when the table does not map them).
 * @throws {TypeError|RangeError} naming `ns`, `nsOffsetBytes` or `lenBytes` unless `ns` is
 *   a Namespace and the range lies inside its data.
 */
export function dmRangesOfMember(dm: DmDevice, ns: Namespace, nsOffsetBytes: number, lenBytes: number): DmRange[] {
  if (!(ns instanceof Namespace)) throw new TypeError(`ns must be a Namespace, got ${describe(ns)}`);
  const limit = ns.dataBytes;
  const from = checkInteger('nsOffsetBytes', nsOffsetBytes, 0, limit, 'byte offset', ` (namespace ${ns.name} holds ${limit} data bytes)`);
  const to = from + checkInteger('lenBytes', lenBytes, 0, limit - from, 'byte count', ` (nsOffsetBytes ${from} + lenBytes must stay inside ${ns.name}'s ${limit} data bytes)`);
  const found: { offset: number; len: number }[] = [];
  for (const t of dm.targets) {
    if (t.type === 'linear') {
      if (t.dev !== ns) continue;
      const a = Math.max(from, t.start * SECTOR);
      const b = Math.min(to, (t.start + t.len) * SECTOR);
      if (a < b) found.push({ offset: t.begin * SECTOR + (a - t.start * SECTOR), len: b - a });
    } else if (t.type === 'stripe') {
      const cb = t.chunk * SECTOR;
      t.stripes.forEach((s, j) => {
        if (s.dev !== ns) return;
        const base = s.start * SECTOR;
        const a = Math.max(from, base);
        const b = Math.min(to, base + t.width * SECTOR);
        for (let p = a; p < b;) { // one dm range per member chunk
          const q = Math.min(b, base + (Math.floor((p - base) / cb) + 1) * cb);
          // stripeUnmapSector works in sectors; the byte inside the sector rides along.
          const rel = p - base;
          const dmSector = stripeUnmapSector(j, Math.floor(rel / SECTOR), t.chunk, t.stripes.length);
          found.push({ offset: (t.begin + dmSector) * SECTOR + (rel % SECTOR), len: q - p });
          p = q;
        }
      });
    }
  }
  found.sort((u, v) => u.offset - v.offset);
  const out: { offset: number; len: number }[] = [];
  for (const r of found) {
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.offset + prev.len === r.offset) prev.len += r.len;
    else out.push(r);
  }
  return out;
}
