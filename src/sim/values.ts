/**
 * The value types of the command table: how a written value becomes a typed argument, and
 * how each type describes what it accepts (for messages, --help and the docs, so the three
 * can never disagree).
 *
 * | type    | written as                          | becomes  |
 * |---------|-------------------------------------|----------|
 * | int     | `96`, `0x60` (`-1` if min < 0)      | number, in the key's unit |
 * | size    | `4096`, `0x1000`, `4k`, `2MiB`      | number of bytes (parseSize; suffixes binary) |
 * | enum    | one of the listed words             | string   |
 * | string  | `"..."` (or one unquoted word)      | string   |
 * | flag    | the bare key                        | true     |
 * | pattern | `0xab` or `171`                     | byte 0..255 |
 * | ref     | a name declared earlier             | string (checked by validate.ts) |
 * | name    | a new name                          | string   |
 *
 * Every message names the key, the value as written and what is allowed. Range checks use
 * the table's static bounds; bounds that depend on the declared device are extents
 * (validate.ts).
 */
import { parseSize, formatSize } from '../core/units.js';
import type { IntUnit, KeySpec, Scope } from './spec.js';
import { didYouMean } from './suggest.js';

export const UNIT_TEXT: Readonly<Record<IntUnit, string>> = {
  sectors: '512-byte sectors',
  blocks: '512-byte blocks',
  pages: '4096-byte pages',
  ms: 'milliseconds',
  'log2-bytes': 'log2 of a byte count',
  entries: 'entries',
};

/** How a declared name must look, per scope. Device names follow nvdimm/config.ts. */
export const NAME_SYNTAX: Readonly<Record<Scope, { readonly re: RegExp; readonly text: string }>> = {
  device: { re: /^[a-z][a-z0-9_.-]{0,30}$/, text: 'a lower-case letter, then up to 30 of a-z 0-9 _ . -' },
  file: { re: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, text: 'up to 64 of A-Z a-z 0-9 _ . - (not starting with . or -)' },
  process: { re: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,47}$/, text: 'up to 48 of A-Z a-z 0-9 _ . - (not starting with . or -)' },
};

export type Parsed = { readonly value: unknown } | { readonly error: string };

const SIZE_FORMS = 'a whole number of bytes such as 4096, 0x1000, 4k or 2MiB (suffixes k/KiB, m/MiB, g/GiB, t/TiB, all binary)';

const INT_RE = /^(-?)(?:0[xX]([0-9a-fA-F]+)|([0-9]+))$/;

/** Shows a written value in a message. */
export function showValue(raw: string): string {
  return JSON.stringify(raw.length > 60 ? raw.slice(0, 60) + '…' : raw);
}

/** A byte count in a range: `4096` or `2097152 (2MiB)`. */
export function showBytes(bytes: number): string {
  // Only round figures get a unit: `4398046507008 (4294967292KiB)` would help nobody.
  const f = formatSize(bytes);
  return f.endsWith('B') && !f.endsWith('iB') || parseInt(f, 10) >= 1024 ? `${bytes}` : `${bytes} (${f})`;
}

/** A byte count in a sentence: `4096 bytes` or `2097152 bytes (2MiB)`. */
export function bytesText(bytes: number): string {
  const s = showBytes(bytes);
  const paren = s.indexOf(' (');
  return paren < 0 ? `${s} bytes` : `${s.slice(0, paren)} bytes${s.slice(paren)}`;
}

function parseWhole(raw: string): number | undefined {
  const m = INT_RE.exec(raw);
  if (!m) return undefined;
  const v = m[2] !== undefined ? parseInt(m[2], 16) : Number(m[3]);
  if (!Number.isSafeInteger(v)) return undefined;
  return m[1] === '-' ? -v : v;
}

function showRange(min: number, max: number, bytes: boolean): string {
  const f = (v: number): string => (bytes ? showBytes(v) : String(v));
  return `[${f(min)}, ${f(max)}]`;
}

/**
 * Converts one written argument (`null` = bare) to the key's type.
 * `ref` and `name` keys only get their syntax checked here; validate.ts resolves them.
 */
export function parseValue(key: KeySpec, raw: string | null): Parsed {
  const k = key.name;
  if (key.type === 'flag') {
    if (raw !== null) return { error: `${k} is a flag: write it alone, without a value (got ${k}=${showValue(raw)})` };
    return { value: true };
  }
  if (raw === null) return { error: `${k} needs a value: ${k}=${placeholder(key)}` };
  switch (key.type) {
    case 'int': {
      const v = parseWhole(raw);
      if (v === undefined) {
        return { error: `${k} must be a whole number of ${UNIT_TEXT[key.unit]} (decimal or 0x hex${key.min < 0 ? ', may be negative' : ''}), got ${showValue(raw)}` };
      }
      if (v < key.min || v > key.max) return { error: `${k} must be in ${showRange(key.min, key.max, false)} ${UNIT_TEXT[key.unit]}, got ${raw}` };
      return { value: v };
    }
    case 'size': {
      let v: number | undefined;
      if (/^0x/i.test(raw)) {
        v = parseWhole(raw);
      } else {
        try {
          v = parseSize(k, raw);
        } catch {
          v = undefined;
        }
      }
      if (v === undefined) return { error: `${k} must be ${SIZE_FORMS}, got ${showValue(raw)}` };
      if (v < key.min || v > key.max) return { error: `${k} must be in ${showRange(key.min, key.max, true)} bytes, got ${showValue(raw)}${String(v) === raw ? '' : ` = ${v} bytes`}` };
      if (key.multipleOf !== undefined && v % key.multipleOf !== 0) {
        return { error: `${k} must be a multiple of ${bytesText(key.multipleOf)}, got ${showValue(raw)}${String(v) === raw ? '' : ` = ${v} bytes`}` };
      }
      if (key.powerOfTwo && (v & (v - 1)) !== 0) return { error: `${k} must be a power of two bytes, got ${showValue(raw)}` };
      return { value: v };
    }
    case 'enum':
      if (!key.values.includes(raw)) return { error: `${k} must be one of ${key.values.join(', ')}, got ${showValue(raw)}${didYouMean(raw, key.values)}` };
      return { value: raw };
    case 'string':
      if (raw.length > key.maxLength) return { error: `${k} must be at most ${key.maxLength} characters, got ${raw.length}` };
      return { value: raw };
    case 'pattern': {
      const v = parseWhole(raw);
      if (v === undefined || v < 0 || v > 255) return { error: `${k} must be one byte, 0x00..0xff (or 0..255), got ${showValue(raw)}` };
      return { value: v };
    }
    case 'name': {
      const syntax = NAME_SYNTAX[key.scope];
      if (!syntax.re.test(raw)) return { error: `${k} must be a ${key.scope} name of ${syntax.text}, got ${showValue(raw)}` };
      return { value: raw };
    }
    case 'ref':
      return { value: raw };
  }
}

/** The usage placeholder of a key: `N`, `SIZE`, `raw|fsdax|devdax`, `"TEXT"`, `0xNN`, `NAME`. */
export function placeholder(key: KeySpec): string {
  if (key.placeholder !== undefined) return key.placeholder;
  switch (key.type) {
    case 'int': return 'N';
    case 'size': return 'SIZE';
    case 'enum': return key.values.join('|');
    case 'string': return '"TEXT"';
    case 'flag': return '';
    case 'pattern': return '0xNN';
    case 'ref':
    case 'name': return 'NAME';
  }
}

/** `key=PLACEHOLDER`, or the bare flag; bracketed when optional. */
export function usageOf(key: KeySpec): string {
  const body = key.type === 'flag' ? key.name : `${key.name}=${placeholder(key)}`;
  return isRequired(key) ? body : `[${body}]`;
}

export function isRequired(key: KeySpec): boolean {
  return 'required' in key && key.required === true;
}

/** The default, as a user would write it, or '' when there is none. */
export function defaultText(key: KeySpec): string {
  switch (key.type) {
    case 'flag': return 'off';
    case 'pattern': return `0x${key.default.toString(16).padStart(2, '0')}`;
    case 'ref': return key.defaultFirst ? `the first ${key.scope}` : '';
    case 'name': return key.defaultText ?? '';
    case 'size': return key.defaultText ?? (key.default === undefined ? '' : showBytes(key.default));
    case 'int': return key.defaultText ?? (key.default === undefined ? '' : String(key.default));
    case 'enum':
    case 'string': return key.defaultText ?? (key.default === undefined ? '' : String(key.default));
  }
}

/** What values are allowed, in words: `[0, 2^53)` sectors, `one of a, b`, ... */
export function allowedText(key: KeySpec): string {
  switch (key.type) {
    case 'int': return `whole ${UNIT_TEXT[key.unit]} in ${showRange(key.min, key.max, false)}`;
    case 'size': {
      const extra = [key.multipleOf !== undefined ? `a multiple of ${formatSize(key.multipleOf)}` : '', key.powerOfTwo ? 'a power of two' : ''].filter(Boolean);
      return `bytes in ${showRange(key.min, key.max, true)}${extra.length ? ', ' + extra.join(', ') : ''}`;
    }
    case 'enum': return `one of ${key.values.join(', ')}`;
    case 'string': return `text of at most ${key.maxLength} characters`;
    case 'flag': return 'a bare flag';
    case 'pattern': return 'one byte, 0x00..0xff';
    case 'ref': return `a declared ${key.scope} name`;
    case 'name': return `a new ${key.scope} name: ${NAME_SYNTAX[key.scope].text}`;
  }
}
