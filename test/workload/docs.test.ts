/**
 * Everything generated from the option table stays in sync with it: docs/job-options.md,
 * docs/job.schema.json, the README's option reference and example, `poisonbench run --help`;
 * and the schema describes every option the validator knows, with the same choices and bounds.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jobOptionsDoc, optionReferenceMarkdown, runHelp } from '../../src/workload/help.js';
import { jobFileSchema, jobFileSchemaText } from '../../src/workload/schema.js';
import { OPTIONS, optionsOf } from '../../src/workload/options.js';
import { resolveJobFile } from '../../src/workload/spec.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (p: string): string => readFileSync(root + p, 'utf8');
const REGEN = 'regenerate with: npm run build && node --input-type=module -e "import(\'./dist/src/workload/help.js\').then(m=>process.stdout.write(m.jobOptionsDoc()))" > docs/job-options.md && node bin/poisonbench.js run --schema > docs/job.schema.json';

describe('generated documentation', () => {
  it('docs/job-options.md is the table rendered', () => {
    expect(read('docs/job-options.md'), REGEN).toBe(jobOptionsDoc());
  });

  it('docs/job.schema.json is the schema generated from the table', () => {
    expect(read('docs/job.schema.json'), REGEN).toBe(jobFileSchemaText());
  });

  it('the README holds the option reference between its markers', () => {
    const readme = read('README.md');
    const start = readme.indexOf('<!-- job-options:start -->\n');
    const end = readme.indexOf('<!-- job-options:end -->');
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start + '<!-- job-options:start -->\n'.length, end)).toBe(optionReferenceMarkdown('####'));
  });

  it("the README's example job is bench/jobs/example.json, and it is valid", () => {
    const readme = read('README.md');
    const m = /<!-- job-example:start -->\n```json\n([\s\S]*?)```\n<!-- job-example:end -->/.exec(readme);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(read('bench/jobs/example.json'));
    expect(resolveJobFile(JSON.parse(m![1]!))).toHaveLength(1);
  });

  it('every job file in bench/jobs is valid', () => {
    const files = readdirSync(root + 'bench/jobs').filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) expect(() => resolveJobFile(JSON.parse(read(`bench/jobs/${f}`))), f).not.toThrow();
  });

  it('run --help shows every option as a flag, with its allowed values and default', () => {
    const help = runHelp();
    for (const o of OPTIONS) {
      expect(help).toContain(`--${o.name.replace(/_/g, '-')} `);
      for (const v of o.values ?? []) expect(help).toContain(v);
    }
    expect(help).toContain('default randread');
  });
});

describe('the JSON Schema', () => {
  const schema = jobFileSchema() as {
    properties: Record<string, { properties?: Record<string, Record<string, unknown>>; additionalProperties?: boolean }>;
    $defs: { jobOptions: { properties: Record<string, Record<string, unknown>>; additionalProperties: boolean } };
    required: string[];
  };

  it('has one property per option, in its section, and no other', () => {
    expect(Object.keys(schema.$defs.jobOptions.properties)).toEqual(optionsOf('job').map((o) => o.name));
    expect(Object.keys(schema.properties['device']!.properties!)).toEqual(optionsOf('device').map((o) => o.name));
    expect(Object.keys(schema.properties['poison']!.properties!)).toEqual(optionsOf('poison').map((o) => o.name));
    expect(schema.$defs.jobOptions.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['jobs']);
  });

  it('states the same choices, bounds and defaults as the table', () => {
    for (const o of OPTIONS) {
      const s = o.section === 'job' ? schema.$defs.jobOptions.properties[o.name]! : schema.properties[o.section]!.properties![o.name]!;
      expect(s['description']).toBe(o.help);
      if (o.default !== undefined) expect(s['default']).toBe(o.default);
      if (o.type === 'enum') expect(s['enum']).toEqual(o.values);
      if (o.type === 'int' || o.type === 'number') expect([s['minimum'], s['maximum']]).toEqual([o.min, o.max]);
    }
  });

  it("its patterns accept the values the validator accepts", () => {
    const pattern = (section: 'device' | 'poison', name: string): RegExp =>
      new RegExp(((schema.properties[section]!.properties![name]!['oneOf'] as { pattern?: string }[] | undefined)?.[1]?.pattern
        ?? schema.properties[section]!.properties![name]!['pattern']) as string);
    expect(pattern('device', 'size').test('256MiB')).toBe(true);
    expect(pattern('device', 'size').test('4k')).toBe(true);
    expect(pattern('device', 'clear_latency').test('10us')).toBe(true);
    expect(pattern('poison', 'arrival').test('20/s')).toBe(true);
    expect(pattern('poison', 'arrival').test('1/1000ops')).toBe(true);
    expect(pattern('poison', 'arrival').test('fast')).toBe(false);
    expect(pattern('poison', 'scrub').test('500ms')).toBe(true);
    expect(pattern('poison', 'scrub').test('2000ops')).toBe(true);
  });
});
