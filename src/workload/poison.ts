/**
 * Poison during a job: where it lands, and how it becomes known.
 *
 * An *event* poisons one 64-byte line (pattern uniform) or a run of `cluster_lines`
 * consecutive lines (clustered), at a line chosen uniformly in a byte range of the target
 * (the whole span before the run; a worker's own slice for arrivals in logical time).
 * Hardware poison is set on each line's SPA; unless the poison is `latent`, the platform is
 * told at once, as an MCE notification does (nfit_handle_mce: the line joins the badrange
 * list and the badblocks, §2.3) — so the next access fails fast instead of consuming it.
 * Latent poison stays in the hardware until a read consumes it (a machine check, which
 * records it) or a scrub (ARS) finds it.
 *
 * `density` counts lines: round(density x span lines) lines, in events of the pattern's size.
 */
import { nfitHandleMceLocked } from '../nvdimm/mce.js';
import { scrub } from '../nvdimm/ars.js';
import type { System } from '../nvdimm/system.js';
import type { PoisonSpec } from './spec.js';

const LINE = 64;
/** What a scrambled poisoned line holds: "POISONED" x 8. */
export const POISONED_LINE: Uint8Array = new TextEncoder().encode('POISONED'.repeat(8));

/** Where target bytes live (an I/O engine's spaOf). */
export type SpaOf = (off: number) => number;

/** Lines of one event. */
export function eventLines(p: PoisonSpec): number {
  return p.pattern === 'clustered' ? p.clusterLines : 1;
}

/** Events that place `density` over `spanBytes`. */
export function initialEvents(p: PoisonSpec, spanBytes: number): number {
  return Math.round((p.density * (spanBytes / LINE)) / eventLines(p));
}

/**
 * One event in target bytes [from, from + len): returns the lines poisoned (lines already
 * poisoned, or in a hole, count too: the event happened). `scramble` (verifying jobs, when no
 * other thread can be reading the range: before the run, or a worker in its own slice)
 * replaces the lines' bytes with POISONED_LINE.
 */
export function poisonEvent(system: System, spaOf: SpaOf, p: PoisonSpec, rand: () => number, from: number, len: number, scramble = false): number {
  const n = Math.min(eventLines(p), Math.floor(len / LINE));
  const first = from + Math.floor(rand() * (len / LINE - n + 1)) * LINE;
  const { wasm, u8 } = system.context;
  const bus = system.bus;
  for (let i = 0; i < n; i++) {
    const spa = spaOf(first + i * LINE);
    if (spa < 0) continue;
    wasm.poison_set_lines(spa / LINE, spa / LINE + 1);
    // The bytes under the poison are gone: a read that delivered them as good data would be
    // caught by a verifying job's checks. Stored after the poison bit, in place (the line's
    // persistence state does not change: the media holds the garbage, not a write).
    if (scramble) u8.set(POISONED_LINE, bus.mediaBase + spa);
    if (!p.latent) bus.state.lock(() => nfitHandleMceLocked(bus, spa));
  }
  return n;
}

/**
 * A scrub of the SPA range under target bytes [from, from + len) that completes at once
 * (logical-time scrubs run with a zero ARS duration; engine.ts). Returns 1.
 */
export function scrubRange(system: System, spaOf: SpaOf, from: number, len: number, contiguous: boolean): number {
  const start = spaOf(from);
  const range = contiguous && start >= 0 ? { start, length: len } : undefined;
  scrub(system.bus, range === undefined ? {} : { range });
  return 1;
}
