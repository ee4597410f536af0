/**
 * What the platform firmware does to the hardware poison (the media's per-line poison map,
 * assembly/media/poison.ts): scrub it, inject it, clear it.
 *
 * - `hardwarePoisonRuns`: what a long ARS finds — every maximal run of poisoned 64-byte lines
 *   in a range, as exact byte ranges. Records are line-granular, so the firmware error list
 *   stays a subset of the hardware poison (a property test checks it).
 * - `injectLines` / `uninjectLines`: ARS_INJECT_SET / ARS_INJECT_CLEAR on the hardware: every
 *   line the record touches is poisoned / made clean (the injected data is not changed:
 *   nfit_test's error list never corrupted the memory behind it).
 * - `clearLines`: CLEAR_ERROR on the hardware. Lines wholly inside the cleared range that
 *   were poisoned become clean and read back as zeros: the firmware's clear loses the old
 *   content (model decision: the specification leaves it undefined; zeros make lost data
 *   visible and never let poisoned bytes resurface as data). Clean lines keep their data; a
 *   line only partly inside the range (clear units below 64 B) stays poisoned — better to
 *   think a line is bad when it isn't.
 *
 * Lines are addressed in media lines (SPA / 64); callers hold the device mutex.
 * Cost: a bitmap scan of the range (64 lines per word, 128 per SIMD test when clean).
 */
import type { NvdimmBus } from './bus.js';
import type { ByteRange } from './badrange.js';

const LINE = 64;

/** Every maximal run of poisoned lines touching SPA range [start, start+len). */
export function hardwarePoisonRuns(bus: NvdimmBus, start: number, len: number): ByteRange[] {
  const { wasm } = bus.ctx;
  const out: ByteRange[] = [];
  const end = Math.ceil((start + len) / LINE);
  let line = Math.floor(start / LINE);
  while (line < end) {
    const bad = wasm.poison_find_lines(line, end) >>> 0;
    if (bad >= end) break;
    const good = wasm.poison_find_clean_lines(bad, end) >>> 0;
    out.push({ start: bad * LINE, length: (good - bad) * LINE });
    line = good;
  }
  return out;
}

/** Poisons every line touched by SPA range [spa, spa+len). */
export function injectLines(bus: NvdimmBus, spa: number, len: number): void {
  if (len > 0) bus.ctx.wasm.poison_set_lines(Math.floor(spa / LINE), Math.ceil((spa + len) / LINE));
}

/** Cleans every line touched by SPA range [spa, spa+len). */
export function uninjectLines(bus: NvdimmBus, spa: number, len: number): void {
  if (len > 0) bus.ctx.wasm.poison_clear_lines(Math.floor(spa / LINE), Math.ceil((spa + len) / LINE));
}

/** CLEAR_ERROR on the hardware: poisoned lines wholly inside [spa, spa+len) become clean zeros. */
export function clearLines(bus: NvdimmBus, spa: number, len: number): void {
  const { wasm, u8 } = bus.ctx;
  const end = Math.floor((spa + len) / LINE);
  let line = Math.ceil(spa / LINE);
  while (line < end) {
    const bad = wasm.poison_find_lines(line, end) >>> 0;
    if (bad >= end) return;
    const good = wasm.poison_find_clean_lines(bad, end) >>> 0;
    u8.fill(0, bus.mediaBase + bad * LINE, bus.mediaBase + good * LINE);
    wasm.poison_clear_lines(bad, good);
    line = good;
  }
}
