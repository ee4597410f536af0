/**
 * The JSON Schema (draft 2020-12) of job files, generated from the option table: editors
 * complete and check job files with it. The validator (spec.ts) remains the authority — it
 * also checks what a schema cannot say (span against the device, cross-option rules).
 */
import { MAX_JOBS } from './spec.js';
import { optionsOf, type OptionRow, type OptionSection } from './options.js';

type Schema = Record<string, unknown>;

const SIZE_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*([kKmMgGtT]([iI]?[bB])?|[bB])?\\s*$';
const DURATION_PATTERN = '^\\s*\\d+(\\.\\d+)?(e[+-]?\\d+)?\\s*(ns|us|µs|ms|s|m|min)?\\s*$';
const INTERVAL_PATTERN = '^\\s*(\\d+\\s*ops|\\d+(\\.\\d+)?\\s*(ns|us|µs|ms|s|m|min)?)\\s*$';
const RATE_PATTERN = '^\\s*\\d+(\\.\\d+)?(e[+-]?\\d+)?\\s*/\\s*(\\d+\\s*ops|\\d*\\s*(ns|us|ms|s|min))\\s*$';

function rowSchema(row: OptionRow): Schema {
  const common: Schema = { description: row.help, ...(row.default !== undefined ? { default: row.default } : {}) };
  switch (row.type) {
    case 'size': return {
      ...common,
      oneOf: [
        { type: 'integer', minimum: row.min, maximum: row.max, ...(row.multipleOf !== undefined ? { multipleOf: row.multipleOf } : {}) },
        { type: 'string', pattern: SIZE_PATTERN },
      ],
    };
    case 'int': return { ...common, type: 'integer', minimum: row.min, maximum: row.max };
    case 'number': return { ...common, type: 'number', minimum: row.min, maximum: row.max };
    case 'duration': return { ...common, oneOf: [{ type: 'number', minimum: row.min ?? 0, maximum: row.max }, { type: 'string', pattern: DURATION_PATTERN }] };
    case 'interval': return { ...common, oneOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: INTERVAL_PATTERN }] };
    case 'rate': return { ...common, type: 'string', pattern: RATE_PATTERN };
    case 'enum': return { ...common, enum: [...row.values!] };
    case 'bool': return { ...common, type: 'boolean' };
    case 'string': return { ...common, type: 'string', pattern: '^[A-Za-z0-9_.-]{1,48}$' };
  }
}

function sectionSchema(section: OptionSection, description: string): Schema {
  return {
    type: 'object', description, additionalProperties: false,
    properties: Object.fromEntries(optionsOf(section).map((r) => [r.name, rowSchema(r)])),
  };
}

/** The schema object (serialise with JSON.stringify(x, null, 2)). */
export function jobFileSchema(): Schema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/poisonbench/poisonbench/docs/job.schema.json',
    title: 'poisonbench job file',
    description: 'Generated from src/workload/options.ts. Jobs run one after another, each on a fresh simulated system.',
    type: 'object', additionalProperties: false, required: ['jobs'],
    properties: {
      global: { $ref: '#/$defs/jobOptions' },
      device: sectionSchema('device', 'The simulated device (one system per job).'),
      poison: sectionSchema('poison', 'Poison before and during the run.'),
      jobs: { type: 'array', minItems: 1, maxItems: MAX_JOBS, items: { $ref: '#/$defs/jobOptions' } },
    },
    $defs: { jobOptions: sectionSchema('job', 'Job options (global: every job; a job: that job).') },
  };
}

export function jobFileSchemaText(): string {
  return JSON.stringify(jobFileSchema(), null, 2) + '\n';
}
