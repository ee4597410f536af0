/**
 * The published schemas, from this one source: `docs/report.schema.json` (report.json) and
 * `docs/github-action-benchmark.schema.json` (bench-bigger.json, bench-smaller.json and
 * `--json FILE`). Regenerate the docs copies with `node dist/src/report/write-schemas.js`;
 * a test fails when they drift. Keep to the keywords src/report/validate.ts understands.
 */
import { REPORT_SCHEMA_VERSION } from './model.js';
import type { JsonSchema } from './validate.js';

const num = { type: 'number' } as const;
const int0 = { type: 'integer', minimum: 0 } as const;
const str = { type: 'string' } as const;
const numMap = { type: 'object', additionalProperties: num } as const;

const latency = {
  type: 'object',
  description: 'Latency of one direction in ns, merged from per-worker HDR histograms (fio: clat_ns).',
  required: ['min', 'max', 'mean', 'stddev', 'N', 'percentile'],
  properties: {
    min: num, max: num, mean: num, stddev: num, N: int0,
    percentile: { type: 'object', description: 'fio-style keys such as "99.900000" -> ns', additionalProperties: num },
  },
} as const;

const direction = {
  type: 'object',
  description: 'One direction of a job, as fio reports it (read/write), plus poison outcomes.',
  required: ['total_ios', 'io_bytes', 'good_bytes', 'bw_bytes', 'iops', 'errors', 'clat_ns'],
  properties: {
    total_ios: int0, io_bytes: { type: 'number', minimum: 0 }, good_bytes: { type: 'number', minimum: 0 },
    bw_bytes: { type: 'number', minimum: 0 }, iops: { type: 'number', minimum: 0 },
    errors: { type: 'object', additionalProperties: int0 },
    clat_ns: { $ref: '#/$defs/latency' },
  },
} as const;

const modelParameter = {
  type: 'object',
  description: 'A cost the simulator cannot measure: the value used, and whether it is an assumption.',
  required: ['name', 'value', 'unit', 'assumed', 'help'],
  additionalProperties: false,
  properties: { name: str, value: num, unit: str, assumed: { type: 'boolean' }, help: str },
} as const;

const job = {
  type: 'object',
  description: 'A workload job result (src/workload/result.ts JobResult).',
  required: ['name', 'config', 'deterministic', 'workers', 'runtime_ms', 'read', 'write', 'poison', 'time_split', 'cpu'],
  properties: {
    name: str,
    config: { type: 'object', description: 'the resolved job options, exactly as run' },
    deterministic: { type: 'boolean' },
    workers: { type: 'integer', minimum: 1 },
    runtime_ms: { type: 'number', minimum: 0 },
    read: { $ref: '#/$defs/direction' },
    write: { $ref: '#/$defs/direction' },
    poison: {
      type: 'object',
      required: ['signals', 'memory_failures', 'bytes_recovered', 'bytes_lost', 'clears', 'injected_lines', 'scrubs'],
      properties: {
        signals: int0, memory_failures: int0, bytes_recovered: { type: 'number', minimum: 0 }, bytes_lost: { type: 'number', minimum: 0 },
        clears: int0, injected_lines: int0, scrubs: int0, bytes_lost_power_fail: { type: 'number', minimum: 0 },
      },
    },
    time_split: {
      type: 'object',
      description: 'Where the wall time went: measured (real work) vs modelled (busy-waited model costs), ns.',
      required: ['measured_ns', 'modelled_ns', 'modelled_clear_ns'],
      properties: { measured_ns: { type: 'number', minimum: 0 }, modelled_ns: { type: 'number', minimum: 0 }, modelled_clear_ns: { type: 'number', minimum: 0 } },
    },
    cpu: {
      type: 'array',
      items: { type: 'object', required: ['worker', 'user_ms', 'system_ms'], properties: { worker: int0, user_ms: num, system_ms: num } },
    },
    stopped_by: str,
  },
} as const;

const row = {
  type: 'object',
  description: 'One figure: the median over processes, with every process\'s value in samples.',
  required: ['name', 'unit', 'value', 'direction', 'samples'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    unit: { type: 'string', minLength: 1 },
    value: num,
    direction: { enum: ['bigger', 'smaller'], description: 'which way is better' },
    samples: { type: 'array', items: num, minItems: 1 },
    range: str,
    extra: str,
    params: { type: 'object', description: 'structured parameters (size, kind, policy...)', additionalProperties: { type: ['string', 'number'] } },
    time_split: {
      type: 'object', description: 'value = measured + modelled, in the row\'s unit', required: ['measured', 'modelled'],
      additionalProperties: false, properties: { measured: num, modelled: num },
    },
  },
} as const;

const check = {
  type: 'object',
  required: ['name', 'value', 'target', 'met'],
  additionalProperties: false,
  properties: { name: str, value: num, target: str, met: { type: 'boolean' } },
} as const;

const suite = {
  type: 'object',
  required: ['name', 'description', 'processes', 'duration_ms', 'rows', 'ratios', 'checks', 'model'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    description: str,
    processes: { type: 'integer', minimum: 1 },
    duration_ms: { type: 'number', minimum: 0 },
    rows: { type: 'array', items: { $ref: '#/$defs/row' } },
    ratios: numMap,
    checks: { type: 'array', items: { $ref: '#/$defs/check' } },
    model: { type: 'array', items: { $ref: '#/$defs/modelParameter' } },
    jobs: { type: 'array', items: { $ref: '#/$defs/job' } },
  },
} as const;

const environment = {
  type: 'object',
  required: ['cpu_model', 'cpus', 'available_parallelism', 'arch', 'platform', 'os_release', 'total_memory_bytes', 'node', 'v8',
    'package_version', 'git_commit', 'git_dirty', 'wasm_features', 'wasm_build', 'ci'],
  properties: {
    cpu_model: str, cpus: int0, available_parallelism: int0, arch: str, platform: str, os_release: str,
    total_memory_bytes: int0, node: str, v8: str, package_version: str,
    git_commit: { type: ['string', 'null'] }, git_dirty: { type: ['boolean', 'null'] },
    wasm_features: {
      type: 'object', required: ['threads', 'simd', 'bulk_memory'],
      properties: { threads: { type: 'boolean' }, simd: { type: 'boolean' }, bulk_memory: { type: 'boolean' } },
    },
    wasm_build: str,
    ci: { type: 'boolean' },
  },
} as const;

/** Schema of report.json. */
export const REPORT_SCHEMA: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://poisonbench.invalid/report.schema.json',
  title: 'poisonbench report.json',
  description: 'One benchmark run: every figure with its per-process samples, parameters, model parameters and environment.',
  type: 'object',
  required: ['schema_version', 'tool', 'created', 'command', 'options', 'complete', 'duration_ms', 'environment', 'model', 'suites'],
  additionalProperties: false,
  properties: {
    schema_version: { const: REPORT_SCHEMA_VERSION },
    tool: { const: 'poisonbench' },
    created: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}' },
    command: str,
    options: {
      type: 'object', required: ['suites', 'processes', 'time_ms', 'smoke'], additionalProperties: false,
      properties: { suites: { type: 'array', items: str }, processes: { type: 'integer', minimum: 1 }, time_ms: int0, smoke: { type: 'boolean' } },
    },
    complete: { type: 'boolean' },
    error: str,
    duration_ms: { type: 'number', minimum: 0 },
    environment: { $ref: '#/$defs/environment' },
    model: { type: 'array', items: { $ref: '#/$defs/modelParameter' } },
    suites: { type: 'array', items: { $ref: '#/$defs/suite' } },
  },
  $defs: { environment, suite, row, check, modelParameter, job, direction, latency },
};

/** Schema of a github-action-benchmark file (`customBiggerIsBetter` / `customSmallerIsBetter`). */
export const GAB_SCHEMA: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://poisonbench.invalid/github-action-benchmark.schema.json',
  title: 'github-action-benchmark custom tool input',
  description: 'bench-bigger.json (customBiggerIsBetter) and bench-smaller.json (customSmallerIsBetter): one entry per figure.',
  type: 'array',
  items: {
    type: 'object',
    required: ['name', 'unit', 'value'],
    additionalProperties: false,
    properties: { name: { type: 'string', minLength: 1 }, unit: { type: 'string', minLength: 1 }, value: num, range: str, extra: str },
  },
};

/** docs/ file name -> schema, for the generator and the sync test. */
export const PUBLISHED_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  'report.schema.json': REPORT_SCHEMA,
  'github-action-benchmark.schema.json': GAB_SCHEMA,
};

export function schemaText(schema: JsonSchema): string {
  return JSON.stringify(schema, null, 2) + '\n';
}
