/**
 * Cheap argument checks for the I/O paths. Every public entry point validates its input
 * (DESIGN.md "Bad input"), but the message — with its number-to-string conversions — is
 * only built when a check fails: the fast path is a few comparisons, which matters on calls
 * that copy 4 KiB in about 30 ns.
 */
import { checkInteger } from '../core/validate.js';

/** True when `v` is an integer in [min, max]. */
export function intIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/**
 * `v` when it is an integer in [min, max]; otherwise throws checkInteger's TypeError/RangeError
 * naming `name` (the message is built lazily by `note()`).
 */
export function int(name: string, v: unknown, min: number, max: number, unit: string, note: () => string = () => ''): number {
  if (intIn(v, min, max)) return v;
  return checkInteger(name, v, min, max, unit, note());
}
