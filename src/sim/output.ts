/**
 * One scenario output line: `{"line": N, "cmd": "<word>", "ret": …, …}`.
 *
 * The same script must print byte-identical output on every run and machine (expected
 * outputs are written into tests and diffed in CI), so the key order is fixed here rather
 * than left to whatever order an executor built its object in: `line`, `cmd`, `ret`, then
 * the known fields in FIELD_ORDER, then any others sorted by name. Nested objects (the
 * inject-status records, issue 5's signal log) follow the same rule. Separators are
 * `": "` and `", "`, as the issue writes the format; it is still one JSON value per line.
 */
import type { JsonValue, SimOutcome } from './executor.js';
import { crc32, formatCrc32 } from './crc32.js';

/** Fields in the order a reader scans for them; issue 5's signal facts come after the data. */
export const FIELD_ORDER: readonly string[] = [
  'line', 'cmd', 'ret', 'crc32',
  'block', 'count',
  'signal', 'code', 'lsb', 'addr',
];

function rank(key: string): number {
  const i = FIELD_ORDER.indexOf(key);
  return i < 0 ? FIELD_ORDER.length : i;
}

function orderedKeys(o: { readonly [key: string]: unknown }): string[] {
  return Object.keys(o).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Serialises a JSON value with fixed key order. @throws {TypeError} on a value JSON cannot hold. */
export function formatJson(value: JsonValue | undefined, path = 'value'): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path} must be a finite number, got ${value}`);
      return JSON.stringify(value);
    case 'object':
      if (Array.isArray(value)) return `[${(value as readonly JsonValue[]).map((v, i) => formatJson(v, `${path}[${i}]`)).join(', ')}]`;
      {
        const o = value as { readonly [key: string]: JsonValue };
        return `{${orderedKeys(o).map((k) => `${JSON.stringify(k)}: ${formatJson(o[k], `${path}.${k}`)}`).join(', ')}}`;
      }
    default:
      throw new TypeError(`${path} must be a JSON value, got ${typeof value}`);
  }
}

/**
 * The output line for one command (without the newline).
 * @throws {TypeError} when the outcome is inconsistent (a field named line/cmd/ret/crc32, or
 *   data whose length is not the byte count returned): an executor bug, not a script error.
 */
export function formatRecord(line: number, cmd: string, outcome: SimOutcome): string {
  const record: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(outcome.fields ?? {})) {
    if (k === 'line' || k === 'cmd' || k === 'ret' || k === 'crc32') throw new TypeError(`outcome.fields may not set ${k}`);
    record[k] = v;
  }
  record['line'] = line;
  record['cmd'] = cmd;
  record['ret'] = outcome.ret as JsonValue;
  if (outcome.data !== undefined) {
    if (typeof outcome.ret !== 'number' || outcome.data.length !== outcome.ret) {
      throw new TypeError(`outcome.data holds ${outcome.data.length} bytes but ret is ${formatJson(outcome.ret as JsonValue)}: a read returns exactly the bytes it counts`);
    }
    record['crc32'] = formatCrc32(crc32(outcome.data));
  }
  return formatJson(record, 'outcome');
}
