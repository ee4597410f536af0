/**
 * Error injection as `ndctl inject-error` drives it (reference §7.1, §7.2; N-10, E-1).
 *
 * - inject(block, count): block b -> SPA `dataStart + b*512`; each block is injected
 *   **separately** (one ARS_INJECT_SET per block) with length `min(512, clear_err_unit)` —
 *   the first 256 bytes of each sector with the default unit — or 512 with `saturate`. Each
 *   record poisons the hardware lines it touches and joins the firmware error list (badrange
 *   add rule). With `notify` the platform fakes a machine check at the record's address:
 *   the MCE notifier adds its blast radius to the bus badrange and revalidates (mce.ts) — so
 *   badblocks change at once. Without it nothing reaches the kernel until the next ARS.
 * - uninject(block, count): the same records, ARS_INJECT_CLEAR: forgotten by the firmware
 *   list and the hardware lines made clean. Kernel badblocks are untouched (only clears and
 *   re-creation remove entries).
 * - status(): the firmware records inside the namespace, converted back as ndctl does:
 *   `block = floor(off/512)`, `count = ceil((off%512 + len)/512)`, sorted, and records that
 *   touch or overlap the previous one merged — so `42 8` round-trips (N-10).
 *
 * `raw: true` numbers blocks from the namespace (region) start instead of the data start —
 * what ndctl sees with the namespace forced raw (pfn-meta-errors, E-5).
 *
 * Locking: each call runs under the device mutex.
 */
import type { Refused } from '../core/errno.js';
import { checkBoolean, checkInteger, describe } from '../core/validate.js';
import type { Namespace } from './namespace.js';
import { injectLines, uninjectLines } from './firmware.js';
import { nfitHandleMceLocked } from './mce.js';

export interface InjectOptions {
  /** First 512-byte block, from the data start (or the namespace start with `raw`). */
  readonly block: number;
  /** Blocks, >= 1. */
  readonly count: number;
  /** Fake a machine check for each record (ND_ARS_ERR_INJ_OPT_NOTIFY). */
  readonly notify?: boolean;
  /** Inject whole 512-byte blocks instead of min(512, clear unit) bytes. */
  readonly saturate?: boolean;
  /** Blocks count from the namespace start, not the data start. */
  readonly raw?: boolean;
}

/** One `inject-error --status` line. */
export interface InjectStatusRecord {
  readonly block: number;
  readonly count: number;
}

function checkInject(ns: Namespace, o: InjectOptions, what: string): { spaOf: (block: number, len: number) => number; first: number; count: number } {
  if (typeof o !== 'object' || o === null) throw new TypeError(`${what} options must be an object such as { block: 42, count: 8 }, got ${describe(o)}`);
  const raw = checkBoolean('raw', o.raw ?? false);
  const blocks = (raw ? ns.size : ns.dataBytes) / 512;
  const first = checkInteger('block', o.block, 0, blocks - 1, '512-byte block', ` (namespace ${ns.name} has ${blocks} ${raw ? 'raw ' : ''}blocks)`);
  const count = checkInteger('count', o.count, 1, blocks - first, 'blocks', ` (block ${first} + count must not pass ${blocks})`);
  // SPA of each block (a sparse namespace's blocks must be backed: checked here, before any change).
  const origin = raw ? 0 : ns.dataOffset;
  const spaOf = (block: number, len: number): number => ns.regionSpa(origin + block * 512, len);
  if (ns.sparse !== null) spaOf(first, count * 512);
  return { spaOf, first, count };
}

/**
 * ndctl inject-error: ARS_INJECT_SET per block. Refused with ENOMEM when the firmware list is
 * full (the records before that one stay injected, as separate DSM calls would).
 * @throws {TypeError|RangeError} naming the option for bad input (nothing changes).
 */
export function injectError(ns: Namespace, options: InjectOptions): { readonly ok: true; readonly records: number } | Refused<'ENOMEM'> {
  const { spaOf, first, count } = checkInject(ns, options, 'injectError');
  const notify = checkBoolean('notify', options.notify ?? false);
  const saturate = checkBoolean('saturate', options.saturate ?? false);
  const len = saturate ? 512 : Math.min(512, ns.config.clearUnit);
  const bus = ns.bus;
  return bus.state.lock(() => {
    for (let i = 0; i < count; i++) {
      const spa = spaOf(first + i, len);
      if (!bus.firmware.addLocked(spa, len)) return { ok: false, errno: 'ENOMEM' } as const;
      injectLines(bus, spa, len);
      bus.state.count('injected');
      if (notify) {
        nfitHandleMceLocked(bus, spa);
        bus.state.count('mce');
      }
    }
    return { ok: true, records: count } as const;
  });
}

/**
 * ndctl inject-error --uninject: ARS_INJECT_CLEAR per block (same record lengths as inject).
 * @throws {TypeError|RangeError} naming the option for bad input (nothing changes).
 */
export function uninjectError(ns: Namespace, options: Omit<InjectOptions, 'notify'>): void {
  const { spaOf, first, count } = checkInject(ns, options, 'uninjectError');
  const saturate = checkBoolean('saturate', options.saturate ?? false);
  const len = saturate ? 512 : Math.min(512, ns.config.clearUnit);
  const bus = ns.bus;
  bus.state.lock(() => {
    for (let i = 0; i < count; i++) {
      const spa = spaOf(first + i, len);
      bus.firmware.forgetLocked(spa, len);
      uninjectLines(bus, spa, len);
      bus.state.count('uninjected');
    }
  });
}

/** ndctl inject-error --status: the firmware records in the namespace as (block, count). */
export function injectStatus(ns: Namespace, options: { readonly raw?: boolean } = {}): InjectStatusRecord[] {
  const raw = checkBoolean('raw', options.raw ?? false);
  // Records are SPA ranges; blocks count logical bytes from the data (or region) start.
  const origin = raw ? 0 : ns.dataOffset;
  const end = ns.regionStart + ns.spaBytes;
  const recs: InjectStatusRecord[] = [];
  for (const r of ns.bus.firmware.entries()) {
    const s0 = Math.max(r.start, ns.regionStart);
    const e0 = Math.min(r.start + r.length, end);
    if (e0 <= s0) continue;
    for (const p of ns.regionPieces(s0, e0 - s0)) {
      const s = Math.max(p.start, origin);
      const e = p.start + p.bytes;
      if (e <= s) continue;
      const off = s - origin;
      recs.push({ block: Math.floor(off / 512), count: Math.ceil(((off % 512) + (e - s)) / 512) });
    }
  }
  recs.sort((a, b) => a.block - b.block);
  const out: { block: number; count: number }[] = [];
  for (const r of recs) {
    const prev = out[out.length - 1];
    if (prev !== undefined && r.block <= prev.block + prev.count) {
      prev.count = Math.max(prev.count, r.block + r.count - prev.block);
    } else {
      out.push({ ...r });
    }
  }
  return out;
}
