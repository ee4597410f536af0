/**
 * The published schemas: docs/ holds exactly what src/report/schema.ts generates, they use
 * only what the validator understands, and the validator accepts real reports and names
 * what is wrong with broken ones.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { GAB_SCHEMA, PUBLISHED_SCHEMAS, REPORT_SCHEMA, schemaText } from '../../src/report/schema.js';
import { unsupportedKeywords, validateJson } from '../../src/report/validate.js';
import { gabEntries } from '../../src/report/gab.js';
import { fixtureReport } from './fixtures.js';

describe('published schemas', () => {
  it.each(Object.keys(PUBLISHED_SCHEMAS))('docs/%s is in sync with src/report/schema.ts (regenerate: node dist/src/report/write-schemas.js)', (file) => {
    const onDisk = readFileSync(join(import.meta.dirname, '../../docs', file), 'utf8');
    expect(onDisk).toBe(schemaText(PUBLISHED_SCHEMAS[file]!));
  });

  it('use only keywords the validator checks', () => {
    expect(unsupportedKeywords(REPORT_SCHEMA)).toEqual([]);
    expect(unsupportedKeywords(GAB_SCHEMA)).toEqual([]);
    expect(unsupportedKeywords({ type: 'object', properties: { a: { oneOf: [] } } })).toEqual(['/properties/a/oneOf']);
  });
});

describe('report.json against its schema', () => {
  it('a report with every suite shape and workload jobs is valid', () => {
    const report = JSON.parse(JSON.stringify(fixtureReport()));
    expect(validateJson(REPORT_SCHEMA, report)).toEqual([]);
    expect(validateJson(GAB_SCHEMA, gabEntries(report))).toEqual([]);
  });

  it('names the path and the problem of a broken report', () => {
    const report = JSON.parse(JSON.stringify(fixtureReport()));
    report.suites[0].rows[0].direction = 'up';
    delete report.suites[4].jobs[0].read.clat_ns.percentile;
    report.suites[1].rows[0].samples = [];
    report.environment.cpus = 'two';
    report.surprise = 1;
    const errors = validateJson(REPORT_SCHEMA, report);
    expect(errors).toEqual(expect.arrayContaining([
      '/suites/0/rows/0/direction: expected one of ["bigger","smaller"], got "up"',
      '/suites/4/jobs/0/read/clat_ns: missing required property "percentile"',
      '/suites/1/rows/0/samples: fewer than 1 items',
      '/environment/cpus: expected integer, got string',
      '/: unexpected property "surprise"',
    ]));
  });

  it('rejects non-finite numbers and wrong schema versions', () => {
    expect(validateJson({ type: 'number' }, NaN)).toEqual(['/: not a finite number']);
    const report = JSON.parse(JSON.stringify(fixtureReport()));
    report.schema_version = 2;
    expect(validateJson(REPORT_SCHEMA, report)).toEqual(['/schema_version: expected 1, got 2']);
  });

  it('github-action-benchmark entries: name, unit and value required, nothing else but range and extra', () => {
    expect(validateJson(GAB_SCHEMA, [{ name: 'a', unit: 'ns/op', value: 1, range: '± 1%' }])).toEqual([]);
    expect(validateJson(GAB_SCHEMA, [{ name: 'a', value: 1, params: {} }])).toEqual([
      '/0: missing required property "unit"', '/0: unexpected property "params"',
    ]);
    expect(validateJson(GAB_SCHEMA, { name: 'a' })).toEqual(['/: expected array, got object']);
  });

  it('anyOf and $ref resolve against the root schema', () => {
    const s = { $defs: { n: { type: 'number' } }, anyOf: [{ $ref: '#/$defs/n' }, { type: 'string' }] };
    expect(validateJson(s, 1)).toEqual([]);
    expect(validateJson(s, 'x')).toEqual([]);
    expect(validateJson(s, true)).toEqual(['/: matches none of anyOf']);
    expect(validateJson({ $ref: '#/$defs/missing' }, 1)).toEqual(['/: unresolvable $ref #/$defs/missing']);
  });
});
