/**
 * Bad input to job files and `poisonbench run` flags, generated from the option table
 * (src/workload/options.ts): for every option, a value of the wrong type, one out of range
 * and a missing one (null in a file; a flag without its value), in the file and as a flag;
 * then malformed job files as a whole through the built CLI (exit 2, one line naming the
 * file or field, the value and what is allowed; no stack trace; nothing written).
 *
 * Expected texts come from each row (its bounds, unit, choices), not from a recorded run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describe as show } from '../../src/core/validate.js';
import { loadJobs, MAX_JOB_FILE_BYTES, parseRunArgs } from '../../src/workload/main.js';
import { MAX_NUMJOBS, OPTIONS, type OptionRow } from '../../src/workload/options.js';
import { JobFileError, MAX_JOBS, resolveJobFile } from '../../src/workload/spec.js';

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Case {
  readonly kind: 'wrong type' | 'out of range' | 'missing';
  readonly value: unknown;
  /** What the message must say is allowed. */
  readonly allowed: RegExp;
}

/** `[min, max]` and the row's unit, as the rule says a range is stated. */
const range = (row: OptionRow, unit = row.unit): RegExp => new RegExp(esc(`must be in [${row.min}, ${row.max}]${unit ? ` ${unit}` : ''}`));

function cases(row: OptionRow): Case[] {
  switch (row.type) {
    case 'int': return [
      { kind: 'wrong type', value: '3', allowed: new RegExp(esc(`must be a whole number in [${row.min}, ${row.max}]`)) },
      { kind: 'out of range', value: row.max! + 1, allowed: range(row) },
      { kind: 'missing', value: null, allowed: new RegExp(esc(`must be a whole number in [${row.min}, ${row.max}]`)) },
    ];
    case 'number': return [
      { kind: 'wrong type', value: 'a lot', allowed: new RegExp(esc(`must be a number in [${row.min}, ${row.max}]`)) },
      { kind: 'out of range', value: row.max! * 10, allowed: range(row) },
      { kind: 'missing', value: null, allowed: new RegExp(esc(`must be a number in [${row.min}, ${row.max}]`)) },
    ];
    case 'size': return [
      { kind: 'wrong type', value: true, allowed: /must be a size such as 4096, "4k", "1m" or "4KiB"/ },
      { kind: 'out of range', value: row.max! * 2, allowed: range(row, 'bytes') },
      { kind: 'missing', value: null, allowed: /must be a size such as/ },
    ];
    case 'duration': return [
      { kind: 'wrong type', value: true, allowed: /must be a duration such as "2s", "500ms"/ },
      { kind: 'out of range', value: row.max! + 1, allowed: range(row, 'ms') },
      { kind: 'missing', value: null, allowed: /must be a duration such as/ },
    ];
    case 'interval': return [
      { kind: 'wrong type', value: true, allowed: /must be a duration such as "500ms" or "2s", or an op count such as "5000ops"/ },
      { kind: 'out of range', value: '0ops', allowed: /must be a positive op count such as "5000ops"/ },
      { kind: 'missing', value: null, allowed: /must be a duration such as/ },
    ];
    case 'rate': return [
      { kind: 'wrong type', value: 20, allowed: /must be a rate such as "20\/s", "1\/100ms" or "1\/1000ops"/ },
      { kind: 'out of range', value: '1000000/s', allowed: /must be at most 10000\/s/ },
      { kind: 'missing', value: null, allowed: /must be a rate such as/ },
    ];
    case 'enum': return [
      { kind: 'wrong type', value: 7, allowed: new RegExp(esc(`must be one of ${row.values!.join(', ')}`)) },
      { kind: 'out of range', value: `${row.values![0]!}x`, allowed: new RegExp(`${esc(`must be one of ${row.values!.join(', ')}`)} \\(did you mean "${esc(row.values![0]!)}"`) },
      { kind: 'missing', value: null, allowed: new RegExp(esc(`must be one of ${row.values!.join(', ')}`)) },
    ];
    case 'bool': return [
      { kind: 'wrong type', value: 'yes', allowed: /must be true or false/ },
      { kind: 'out of range', value: 1, allowed: /must be true or false/ },
      { kind: 'missing', value: null, allowed: /must be true or false/ },
    ];
    case 'string': return [
      { kind: 'wrong type', value: 5, allowed: /must be 1\.\.48 characters of A-Z a-z 0-9 _ \. -/ },
      { kind: 'out of range', value: 'n'.repeat(49), allowed: /must be 1\.\.48 characters/ },
      { kind: 'missing', value: null, allowed: /must be 1\.\.48 characters/ },
    ];
  }
}

/** A job file with `row` set to `value` where it belongs; the path the message must name. */
function fileWith(row: OptionRow, value: unknown): { file: unknown; at: string } {
  if (row.section === 'job') return { file: { jobs: [{ [row.name]: value }] }, at: `jobs[0].${row.name}` };
  return { file: { [row.section]: { [row.name]: value }, jobs: [{}] }, at: `${row.section}.${row.name}` };
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(JobFileError);
    return [...(err as JobFileError).problems];
  }
  return [];
}

describe('every option in a job file: wrong type, out of range, missing', () => {
  for (const row of OPTIONS) {
    for (const c of cases(row)) {
      it(`${row.section}.${row.name} (${row.type}): ${c.kind}: ${JSON.stringify(c.value)?.slice(0, 40)}`, () => {
        const { file, at } = fileWith(row, c.value);
        const p = problems(() => resolveJobFile(file));
        expect(p).toHaveLength(1);
        expect(p[0]!.startsWith(`${at}: `), p[0]).toBe(true);
        expect(p[0]).toMatch(c.allowed);
        expect(p[0]!.endsWith(`, got ${show(c.value)}`), p[0]).toBe(true);
      });
    }
  }
});

describe('every option as a flag of poisonbench run: wrong value, missing value', () => {
  for (const row of OPTIONS) {
    const wrong = row.type === 'bool' ? 'maybe' : row.type === 'string' ? 'no spaces allowed' : 'lots';
    it(`--${row.name}=${wrong}`, () => {
      const p = problems(() => loadJobs(parseRunArgs([`--${row.name}=${wrong}`])));
      expect(p).toHaveLength(1);
      expect(p[0]!.startsWith(`--${row.name}: must be `), p[0]).toBe(true);
      expect(p[0]!.endsWith(`, got ${JSON.stringify(wrong)}`), p[0]).toBe(true);
    });
    if (row.type !== 'bool') {
      it(`--${row.name} without a value`, () => {
        expect(() => parseRunArgs([`--${row.name}`])).toThrow(new RangeError(`--${row.name} needs a value (see poisonbench run --help)`));
      });
    }
  }
});

describe('keys, sections and combinations', () => {
  const one = (file: unknown): string => {
    const p = problems(() => resolveJobFile(file));
    expect(p).toHaveLength(1);
    return p[0]!;
  };

  it('an unknown option: did-you-mean and the options of the section', () => {
    expect(one({ jobs: [{ nmjobs: 2 }] })).toMatch(/^jobs\[0\]\.nmjobs: unknown job option \(did you mean "numjobs"\?\); options: name, rw, /);
    expect(one({ device: { sise: '64MiB' }, jobs: [{}] })).toMatch(/^device\.sise: unknown device option \(did you mean "size"\?\); options: size, /);
  });

  it('an unknown section: did-you-mean', () => {
    expect(one({ job: [{}], jobs: [{}] })).toBe('job: unknown section (did you mean "jobs"?); sections: global, device, poison, jobs');
  });

  it('an option in the wrong section says where it goes', () => {
    expect(one({ jobs: [{ size: '64MiB' }] })).toBe('jobs[0].size: is a device option: put it in the device section');
    expect(one({ device: { numjobs: 2 }, jobs: [{}] })).toBe('device.numjobs: is a job option: put it in global or a job');
  });

  it('conflicting options: runtime and ops in one object', () => {
    expect(one({ jobs: [{ runtime: '1s', ops: 100 }] })).toBe('jobs[0].runtime: give runtime or ops, not both (both bound the job: with ops the runtime would be ignored), got runtime "1s" and ops 100');
    expect(one({ global: { runtime: '1s', ops: 100 }, jobs: [{}] })).toMatch(/^global\.runtime: give runtime or ops, not both/);
    // Across layers it is an override, not a conflict.
    expect(resolveJobFile({ global: { runtime: '1s' }, jobs: [{ ops: 100 }] })[0]!.ops).toBe(100);
  });

  it('conflicting options: a DAX read policy off the dax path, punch-hole off a file', () => {
    expect(one({ jobs: [{ mode: 'recovery-read-line', path: 'block' }] })).toBe('jobs[0].mode: recovery-read-line is a DAX read policy: it needs path dax, got path block');
    expect(one({ jobs: [{ mode: 'recovery', on_error: 'punch-hole', path: 'block' }] })).toBe('jobs[0].on_error: punch-hole punches a file: it needs path dax or mmap, got path block');
  });

  it('jobs: missing, empty, too many, not objects, duplicate names', () => {
    expect(one({})).toBe(`jobs: must be a list of 1..${MAX_JOBS} jobs such as [{"rw": "randread"}], got undefined`);
    expect(one({ jobs: [] })).toBe(`jobs: must be a list of 1..${MAX_JOBS} jobs such as [{"rw": "randread"}], got an array of 0`);
    expect(one({ jobs: Array.from({ length: MAX_JOBS + 1 }, () => ({})) })).toBe(`jobs: must be a list of 1..${MAX_JOBS} jobs such as [{"rw": "randread"}], got an array of ${MAX_JOBS + 1}`);
    expect(one({ jobs: ['randread'] })).toBe('jobs[0]: must be an object of job options, got "randread"');
    expect(one({ jobs: [{ name: 'a' }, { name: 'a' }] })).toBe('jobs[1].name: "a" is already the name of another job');
  });

  it('the whole file and a section of the wrong type', () => {
    expect(one([])).toBe('the job file must be a JSON object such as {"jobs": [{"rw": "randread"}]}, got an array of 0');
    expect(one({ device: 'big', jobs: [{}] })).toBe('device: must be an object, got "big"');
  });

  it('the worker limit and the device limit are stated', () => {
    expect(one({ jobs: [{ numjobs: 100000 }] })).toBe(`jobs[0].numjobs: must be in [1, ${MAX_NUMJOBS}] workers, got 100000`);
    expect(one({ device: { size: '4GiB' }, jobs: [{}] })).toBe('device.size: must be in [8388608, 1073741824] bytes, got "4GiB"');
  });
});

describe('malformed job files through the built CLI', () => {
  const root = join(import.meta.dirname, '../..');
  const bin = join(root, 'bin/poisonbench.js');
  const deep = (n: number): string => `{"jobs": ${'['.repeat(n)}1${']'.repeat(n)}}`;
  const table: [string, string | Buffer, string | RegExp][] = [
    ['empty', '', 'poisonbench: job.json is empty; a job file is JSON such as {"jobs": [{"rw": "randread"}]}\n'],
    ['blank', ' \n\t\n', 'poisonbench: job.json is empty; a job file is JSON such as {"jobs": [{"rw": "randread"}]}\n'],
    ['not JSON', 'jobs: [randread]\n', /^poisonbench: job\.json is not JSON: .*; a job file is JSON such as \{"jobs": \[\{"rw": "randread"\}\]\}\n$/],
    ['truncated', '{"jobs": [{"rw": "rand', /^poisonbench: job\.json is not JSON \(truncated\?\): /],
    ['nested 1000 deep', deep(1000), 'poisonbench: job.json: JSON nested more than 8 levels deep; a job file needs at most 8\n'],
    ['huge (20 MB)', Buffer.alloc(20_000_000, ' '), `poisonbench: job.json is 20000000 bytes, more than the ${MAX_JOB_FILE_BYTES / 1024 / 1024} MiB a job file may hold\n`],
    ['unknown key', '{"jobs": [{"rw": "randread", "blocksize": "4k"}]}', /^poisonbench: jobs\[0\]\.blocksize: unknown job option; options: /],
    ['conflicting', '{"jobs": [{"runtime": "1s", "ops": 5}]}', /^poisonbench: jobs\[0\]\.runtime: give runtime or ops, not both/],
  ];
  for (const [name, text, expected] of table) {
    it(`${name}: exit 2, one line, no stack trace, nothing written`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'pb-job-'));
      writeFileSync(join(dir, 'job.json'), text);
      const r = spawnSync(process.execPath, [bin, 'run', 'job.json', '--json', 'out/result.json'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      if (typeof expected === 'string') expect(r.stderr).toBe(expected);
      else expect(r.stderr).toMatch(expected);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(readdirSync(dir)).toEqual(['job.json']);
    });
  }
});
