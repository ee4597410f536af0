/**
 * Argument checks for every public entry point (DESIGN.md "Bad input"): each failure names
 * the argument, the value it got and the allowed range, and is thrown before anything
 * changes.
 */
import { didYouMean } from './suggest.js';

/** Renders a bad value for an error message without throwing on odd inputs. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Uint8Array) return `a Uint8Array of ${value.length} bytes`;
  return `a ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value}`;
}

/**
 * `value` as an integer in [min, max].
 * @throws {TypeError} when it is not a number; {RangeError} when it is fractional, NaN,
 *   unsafe or outside the range.
 */
export function checkInteger(name: string, value: unknown, min: number, max: number, unit = '', note = ''): number {
  // Fast path first: the message (number-to-string conversions) is built only on failure;
  // I/O entry points call this on every request.
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) return value;
  const what = `${name} must be an integer${unit ? ` ${unit}` : ''} in [${min}, ${max}]${note}`;
  if (typeof value !== 'number') throw new TypeError(`${what}, got ${describe(value)}`);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${what}, got ${describe(value)}`);
  }
  return value;
}

/** `value` as a boolean. @throws {TypeError} naming the argument. */
export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describe(value)}`);
  return value;
}

/** `value` as a Uint8Array. @throws {TypeError} naming the argument. */
export function checkBytes(name: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array, got ${describe(value)}`);
  return value;
}

/**
 * A byte range [offset, offset+len) inside [0, limit].
 * @throws {TypeError}/{RangeError} naming `offset` or `len` and the allowed range.
 */
export function checkByteRange(offset: unknown, len: unknown, limit: number, offsetName = 'offset', lenName = 'len'): [number, number] {
  const off = checkInteger(offsetName, offset, 0, limit, 'byte offset', ` (the media holds ${limit} bytes)`);
  const n = checkInteger(lenName, len, 0, limit - off, 'byte count',
    ` (${offsetName} ${off} + ${lenName} must not pass the ${limit}-byte media)`);
  return [off, n];
}

/**
 * `value` when it is one of `allowed`.
 * @throws {RangeError} naming `name`, the value and every allowed choice.
 */
export function checkChoice<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new RangeError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/**
 * `obj`'s keys are all in `allowed` (an options object: a misspelt option would otherwise be
 * ignored and its default used without a word).
 * @throws {RangeError} naming the unknown key, with did-you-mean and the allowed keys.
 */
export function checkKeys(name: string, obj: object, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    throw new RangeError(`${name} has an unknown option ${JSON.stringify(key)}${didYouMean(key, allowed)}; options: ${allowed.join(', ')}`);
  }
}
