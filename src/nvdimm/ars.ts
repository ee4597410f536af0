/**
 * Address Range Scrub (reference §2.3, §7.2, §8; N-9, E-1).
 *
 * ARS_START (`arsStart`) begins a scrub of an SPA range (default: the whole bus); while one
 * runs, another start is refused with EBUSY. A scrub runs for `model.arsMs` of clock time
 * (nfit_test stays busy 1 s); a short scrub returns the firmware's cached list and takes no
 * time. Completion happens when someone looks after the end time (`arsStatus`, `scrub`),
 * under the device mutex:
 *
 *   long:  every run of hardware poison in the range, latent included, is added to the
 *          firmware error list (firmware.ts: line-granular records);
 *   both:  every firmware record in the range (clipped) is added to the bus badrange list,
 *          then the regions in the range are revalidated (region bb, namespace bb).
 *
 * `scrub()` is the kernel's scrub worker as `ndctl start-scrub; wait-scrub` sees it: start,
 * retrying while busy, then wait for completion, re-polling after `arsPollSeconds(i)` =
 * 1, 2, 4, ..., 1024, 1800, 1800, ... seconds (the timeout doubles from 1 s up to 30 min).
 * The waits are clock time: instant and deterministic in `virtual` mode, spent in `real`.
 *
 * Representation (bus region, state.ts): ARS_STATE, ARS_SHORT, ARS_START_NS, ARS_END_NS,
 * ARS_RANGE_START/LEN, ARS_LAST_RECORDS; changed under the device mutex.
 */
import type { Refused } from '../core/errno.js';
import { checkBoolean, checkInteger, describe } from '../core/validate.js';
import type { NvdimmBus } from './bus.js';
import type { ByteRange } from './badrange.js';
import { hardwarePoisonRuns } from './firmware.js';
import { revalidatePoisonLocked } from './populate.js';
import {
  ARS_STATE, ARS_SHORT, ARS_START_NS, ARS_END_NS, ARS_LAST_RECORDS, ARS_IDLE, ARS_RUNNING,
  ARS_RANGE_START, ARS_RANGE_LEN,
} from './state.js';

/** The scrub worker's longest poll interval: 30 minutes (drivers/acpi/nfit/core.c). */
export const ARS_POLL_MAX_SECONDS = 1800;

export interface ArsOptions {
  /** Short ARS: return the firmware's cached list instead of scrubbing the media. */
  readonly short?: boolean;
  /** SPA range to scrub (default: the whole bus). */
  readonly range?: ByteRange;
}

export interface ArsStatus {
  readonly running: boolean;
  readonly short: boolean;
  /** Scrubs completed since the system was created (sysfs `scrub` count). */
  readonly completed: number;
  /** Clock time (ns) at which the running scrub completes; undefined when idle. */
  readonly endsAtNs?: number;
  /** Records the last completed scrub delivered to the badrange list. */
  readonly lastRecords: number;
}

export interface ScrubResult {
  readonly ok: true;
  /** The firmware records in the range when the scrub was seen complete (SPA bytes). */
  readonly records: ByteRange[];
  /** Every wait of the scrub worker, in seconds, in order (busy retries and status polls). */
  readonly polls: number[];
}

/** The scrub worker's `attempt`-th poll interval, seconds: 1, 2, 4, ..., 1024, 1800, 1800, ... */
export function arsPollSeconds(attempt: number): number {
  checkInteger('attempt', attempt, 0, Number.MAX_SAFE_INTEGER);
  return attempt >= 11 ? ARS_POLL_MAX_SECONDS : Math.min(2 ** attempt, ARS_POLL_MAX_SECONDS);
}

function checkOptions(bus: NvdimmBus, o: ArsOptions): { short: boolean; start: number; len: number } {
  if (typeof o !== 'object' || o === null) throw new TypeError(`options must be an object such as { short: true }, got ${describe(o)}`);
  const short = checkBoolean('short', o.short ?? false);
  const media = bus.ctx.layout.mediaBytes;
  if (o.range === undefined) return { short, start: 0, len: media };
  const start = checkInteger('range.start', o.range.start, 0, media, 'SPA byte offset');
  const len = checkInteger('range.length', o.range.length, 0, media - start, 'byte count', ' (the range must stay on the bus)');
  return { short, start, len };
}

/** ARS_START. Refused with EBUSY while a scrub runs (a due one completes first). */
export function arsStart(bus: NvdimmBus, options: ArsOptions = {}): { readonly ok: true } | Refused<'EBUSY'> {
  const o = checkOptions(bus, options);
  return bus.state.lock(() => {
    completeIfDueLocked(bus);
    return startLocked(bus, o.short, o.start, o.len);
  });
}

function startLocked(bus: NvdimmBus, short: boolean, start: number, len: number): { readonly ok: true } | Refused<'EBUSY'> {
  const st = bus.state;
  if (st.u32(ARS_STATE) === ARS_RUNNING) {
    st.count('arsBusy');
    return { ok: false, errno: 'EBUSY' };
  }
  const durationNs = short ? 0 : bus.model.arsMs * 1e6;
  const now = bus.clock.now();
  st.setU32(ARS_STATE, ARS_RUNNING);
  st.setU32(ARS_SHORT, short ? 1 : 0);
  st.setF64(ARS_START_NS, now);
  st.setF64(ARS_END_NS, now + durationNs);
  st.setF64(ARS_RANGE_START, start);
  st.setF64(ARS_RANGE_LEN, len);
  st.count('arsStarted');
  st.count('arsModelledNs', durationNs);
  return { ok: true };
}

/** Completes the running scrub if its end time has passed. Device mutex held. */
function completeIfDueLocked(bus: NvdimmBus): void {
  const st = bus.state;
  if (st.u32(ARS_STATE) !== ARS_RUNNING || bus.clock.now() < st.f64(ARS_END_NS)) return;
  const start = st.f64(ARS_RANGE_START);
  const len = st.f64(ARS_RANGE_LEN);
  if (st.u32(ARS_SHORT) === 0) {
    for (const run of hardwarePoisonRuns(bus, start, len)) bus.firmware.addLocked(run.start, run.length);
  }
  const records = clip(bus.firmware.entries(), start, len);
  for (const r of records) bus.badrange.addLocked(r.start, r.length);
  revalidatePoisonLocked(bus, start, len);
  st.setU32(ARS_LAST_RECORDS, records.length);
  st.setU32(ARS_STATE, ARS_IDLE);
  st.count('arsCompleted');
}

function clip(list: ByteRange[], start: number, len: number): ByteRange[] {
  const out: ByteRange[] = [];
  for (const r of list) {
    const s = Math.max(r.start, start);
    const e = Math.min(r.start + r.length, start + len);
    if (e > s) out.push({ start: s, length: e - s });
  }
  return out;
}

/** ARS_STATUS: completes a due scrub, then reports. */
export function arsStatus(bus: NvdimmBus): ArsStatus {
  return bus.state.lock(() => {
    completeIfDueLocked(bus);
    const st = bus.state;
    const running = st.u32(ARS_STATE) === ARS_RUNNING;
    return {
      running,
      short: running && st.u32(ARS_SHORT) === 1,
      completed: bus.state.counter('arsCompleted'),
      ...(running ? { endsAtNs: st.f64(ARS_END_NS) } : {}),
      lastRecords: st.u32(ARS_LAST_RECORDS),
    };
  });
}

/**
 * A whole scrub: start (waiting out a running one), then wait for completion, polling on the
 * back-off schedule. Returns the records and the waits.
 */
export function scrub(bus: NvdimmBus, options: ArsOptions = {}): ScrubResult {
  const o = checkOptions(bus, options);
  const polls: number[] = [];
  const wait = (): void => {
    const s = arsPollSeconds(polls.length);
    polls.push(s);
    bus.clock.spend(s * 1e9);
  };
  let mine = 0;
  for (;;) {
    const started = bus.state.lock(() => {
      completeIfDueLocked(bus);
      const r = startLocked(bus, o.short, o.start, o.len);
      if (r.ok) mine = bus.state.counter('arsStarted');
      return r.ok;
    });
    if (started) break;
    wait();
  }
  for (;;) {
    const done = bus.state.lock(() => {
      completeIfDueLocked(bus);
      return bus.state.counter('arsCompleted') >= mine;
    });
    if (done) break;
    wait();
  }
  return { ok: true, records: clip(bus.firmware.entries(), o.start, o.len), polls };
}
