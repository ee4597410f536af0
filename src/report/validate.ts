/**
 * A small JSON Schema checker: the subset the published schemas use (type, properties,
 * required, additionalProperties, items, enum, const, minimum, maximum, minItems, minLength,
 * pattern, anyOf, $ref to "#/$defs/..."). Anything else in a schema is ignored, so keep the
 * schemas within this subset (the schema test checks they are). No dependency: reports are
 * checked in CI and in tests, where an ajv install would be the only user.
 */

export type JsonSchema = Readonly<Record<string, unknown>>;

const KNOWN = new Set(['$schema', '$id', '$defs', '$ref', 'title', 'description', 'type', 'properties', 'required',
  'additionalProperties', 'items', 'enum', 'const', 'minimum', 'maximum', 'minItems', 'minLength', 'pattern', 'anyOf']);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string, got: string): boolean {
  return want === got || (want === 'number' && got === 'integer');
}

/**
 * Errors of `value` against `schema`, each "path: what is wrong"; empty when valid.
 * Stops after `limit` errors.
 */
export function validateJson(schema: JsonSchema, value: unknown, limit = 20): string[] {
  return validateWith(schema, schema, value, limit);
}

function validateWith(root: JsonSchema, schema: JsonSchema, value: unknown, limit: number): string[] {
  const errors: string[] = [];
  const check = (s: JsonSchema, v: unknown, path: string): void => {
    if (errors.length >= limit) return;
    const err = (msg: string): void => { errors.push(`${path || '/'}: ${msg}`); };
    if (typeof s['$ref'] === 'string') {
      const ref = s['$ref'];
      const m = /^#\/\$defs\/(.+)$/.exec(ref);
      const target = m ? (root['$defs'] as Record<string, JsonSchema> | undefined)?.[m[1]!] : undefined;
      if (!target) { err(`unresolvable $ref ${ref}`); return; }
      check(target, v, path);
      return;
    }
    const got = typeOf(v);
    const type = s['type'];
    if (type !== undefined) {
      const types = Array.isArray(type) ? type as string[] : [type as string];
      if (!types.some((t) => typeMatches(t, got))) { err(`expected ${types.join(' or ')}, got ${got}`); return; }
    }
    if (got === 'number' || got === 'integer') {
      if (!Number.isFinite(v)) err('not a finite number');
    }
    if ('const' in s && s['const'] !== v) err(`expected ${JSON.stringify(s['const'])}, got ${JSON.stringify(v)}`);
    if (Array.isArray(s['enum']) && !s['enum'].includes(v)) err(`expected one of ${JSON.stringify(s['enum'])}, got ${JSON.stringify(v)}`);
    if (typeof s['minimum'] === 'number' && typeof v === 'number' && v < s['minimum']) err(`${v} < minimum ${s['minimum']}`);
    if (typeof s['maximum'] === 'number' && typeof v === 'number' && v > s['maximum']) err(`${v} > maximum ${s['maximum']}`);
    if (typeof v === 'string') {
      if (typeof s['minLength'] === 'number' && v.length < s['minLength']) err(`shorter than ${s['minLength']}`);
      if (typeof s['pattern'] === 'string' && !new RegExp(s['pattern'], 'u').test(v)) err(`${JSON.stringify(v)} does not match ${s['pattern']}`);
    }
    if (Array.isArray(v)) {
      if (typeof s['minItems'] === 'number' && v.length < s['minItems']) err(`fewer than ${s['minItems']} items`);
      const items = s['items'] as JsonSchema | undefined;
      if (items) v.forEach((x, i) => check(items, x, `${path}/${i}`));
    }
    if (got === 'object') {
      const o = v as Record<string, unknown>;
      const props = (s['properties'] ?? {}) as Record<string, JsonSchema>;
      for (const r of (s['required'] ?? []) as string[]) if (!(r in o)) err(`missing required property ${JSON.stringify(r)}`);
      const extra = s['additionalProperties'];
      for (const [k, x] of Object.entries(o)) {
        if (props[k]) check(props[k], x, `${path}/${k}`);
        else if (extra === false) err(`unexpected property ${JSON.stringify(k)}`);
        else if (extra && typeof extra === 'object') check(extra as JsonSchema, x, `${path}/${k}`);
      }
    }
    if (Array.isArray(s['anyOf'])) {
      const branches = s['anyOf'] as JsonSchema[];
      const ok = branches.some((b) => validateWith(root, b, v, 1).length === 0);
      if (!ok) err('matches none of anyOf');
    }
  };
  check(schema, value, '');
  return errors;
}

/** Keywords of `schema` (recursively) outside the subset validateJson understands. */
export function unsupportedKeywords(schema: unknown, path = ''): string[] {
  if (schema === null || typeof schema !== 'object') return [];
  if (Array.isArray(schema)) return schema.flatMap((s, i) => unsupportedKeywords(s, `${path}/${i}`));
  const out: string[] = [];
  for (const [k, v] of Object.entries(schema)) {
    if (!KNOWN.has(k)) out.push(`${path}/${k}`);
    if (k === 'properties' || k === '$defs') {
      for (const [name, sub] of Object.entries(v as object)) out.push(...unsupportedKeywords(sub, `${path}/${k}/${name}`));
    } else if (k === 'items' || k === 'additionalProperties' || k === 'anyOf') {
      out.push(...unsupportedKeywords(v, `${path}/${k}`));
    }
  }
  return out;
}
