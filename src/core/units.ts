/**
 * Sizes as people write them: `4096`, `4k`, `4KiB`, `2MiB`, `1g`.
 *
 * Every suffix is binary (k = 1024), as in fio with its default `kb_base=1024`, so `4k`,
 * `4K`, `4KB` and `4KiB` all mean 4096 bytes. A trailing `b`/`B` alone means bytes.
 */
import { describe } from './validate.js';

const MULTIPLIERS: Record<string, number> = {
  '': 1, b: 1,
  k: 1024, kb: 1024, kib: 1024,
  m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3,
  t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4,
};

const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/;

/**
 * Parses a size into bytes.
 * @param name the field being parsed, for the error message
 * @throws {TypeError|RangeError} naming the field, the value and the accepted forms
 */
export function parseSize(name: string, value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    throw new RangeError(`${name} must be a non-negative whole number of bytes, got ${describe(value)}`);
  }
  if (typeof value !== 'string') {
    throw new TypeError(`${name} must be a size such as 4096, "4k" or "2MiB", got ${describe(value)}`);
  }
  const m = SIZE_RE.exec(value);
  const mult = m ? MULTIPLIERS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || mult === undefined) {
    throw new RangeError(`${name} must be a size such as 4096, "4k" or "2MiB" (suffixes k, m, g, t, KiB, MiB, GiB, TiB; all binary), got ${describe(value)}`);
  }
  const bytes = Number(m[1]) * mult;
  if (!Number.isSafeInteger(bytes)) {
    throw new RangeError(`${name} must come to a whole number of bytes below 2^53, got ${describe(value)} = ${bytes} bytes`);
  }
  return bytes;
}

/** Formats a byte count exactly in the largest binary unit that divides it: `4KiB`, `2MiB`, `100B`. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1 && v % 1024 === 0) {
    v /= 1024;
    i++;
  }
  return `${v}${units[i]}`;
}
