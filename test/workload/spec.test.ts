/**
 * Job files against the option table: every option's default and a good value resolve as
 * the table defines; every option refuses a bad value with an error naming the field path,
 * the value and what is allowed; unknown keys get did-you-mean; options in the wrong
 * section are sent to the right one; cross-option rules; precedence flag > job > global >
 * default; every problem of a file is reported, once.
 */
import { describe, it, expect } from 'vitest';
import { JobFileError, isDeterministic, resolveJobFile, sliceBytes, targetBytes, WARM_BYTES, type JobSpec } from '../../src/workload/spec.js';
import { OPTIONS, type OptionRow } from '../../src/workload/options.js';
import { defaultDataOffset } from '../../src/nvdimm/config.js';

const MiB = 1024 * 1024;

function one(file: unknown, overrides = {}): JobSpec {
  const jobs = resolveJobFile(file, overrides);
  expect(jobs).toHaveLength(1);
  return jobs[0]!;
}

function problems(file: unknown, overrides = {}): readonly string[] {
  try {
    resolveJobFile(file, overrides);
  } catch (err) {
    expect(err).toBeInstanceOf(JobFileError);
    expect(err).toBeInstanceOf(RangeError);
    return (err as JobFileError).problems;
  }
  throw new Error('expected the job file to be refused');
}

/** Where a row's value goes in a job file. */
function fileWith(row: OptionRow, value: unknown): unknown {
  if (row.section === 'job') return { jobs: [{ [row.name]: value }] };
  return { [row.section]: { [row.name]: value }, jobs: [{}] };
}
const pathOf = (row: OptionRow): string => (row.section === 'job' ? `jobs[0].${row.name}` : `${row.section}.${row.name}`);

/** A good non-default value and bad values for each option, by name. */
const CASES: Record<string, { good: [unknown, (j: JobSpec) => unknown, unknown]; bad: unknown[] }> = {
  name: { good: ['reader_1', (j) => j.name, 'reader_1'], bad: ['', 'a b', 'x/y', 5] },
  rw: { good: ['randrw', (j) => j.rw, 'randrw'], bad: ['randreed', 'rw', 1] },
  rwmixread: { good: [70, (j) => j.rwmixread, 70], bad: [101, -1, 50.5, '70'] },
  bs: { good: ['64KiB', (j) => j.bs, 65536], bad: ['4kx', 256, 1000, '2m', -4096] },
  span: { good: ['16m', (j) => j.span, 16 * MiB], bad: ['1k', '2GiB', 4097, 'big'] },
  numjobs: { good: [2, (j) => j.numjobs, 2], bad: [0, 9, 1.5, '2'] },
  runtime: { good: ['250ms', (j) => j.runtimeMs, 250], bad: ['2 parsecs', 0, '2h', -5] },
  ops: { good: [1000, (j) => j.ops, 1000], bad: [0, 1.5, '1000'] },
  path: { good: ['block', (j) => j.path, 'block'], bad: ['daxx', 'nvme'] },
  mode: { good: ['recovery', (j) => j.mode, 'recovery'], bad: ['recover', 'fail-fast'] },
  on_error: { good: ['recovery-write', (j) => j.onError, 'recovery-write'], bad: ['retry', 'punch_hole'] },
  sync: { good: ['fsync', (j) => j.sync, 'fsync'], bad: ['O_SYNC', true] },
  fsync_interval: { good: [8, (j) => j.fsyncInterval, 8], bad: [0, 2.5] },
  power_fail: { good: ['5000ops', (j) => j.powerFail, { ops: 5000 }], bad: ['soon', '0ops', '5000 op'] },
  verify: { good: [true, (j) => j.verify, true], bad: ['yes', 1] },
  seed: { good: [42, (j) => j.seed, 42], bad: [-1, 2 ** 32, 1.5] },
  lat_sample: { good: [0, (j) => j.latSample, 0], bad: [-1, 0.5, 'off'] },
  size: { good: ['32MiB', (j) => j.device.size, 32 * MiB], bad: ['4MiB', '2GiB', '33MiB', 'x'] },
  badblocks: { good: ['btree', (j) => j.device.badblocks, 'btree'], bad: ['tree', 'rbtree'] },
  kernel: { good: ['5.18', (j) => j.device.kernel, '5.18'], bad: ['6.1', 6.15] },
  clear_latency: { good: ['1ms', (j) => j.device.clearLatencyMs, 1], bad: ['2s', 'fast'] },
  ars_time: { good: ['1s', (j) => j.device.arsMs, 1000], bad: ['2min', 'x'] },
  eadr: { good: [true, (j) => j.device.eadr, true], bad: ['yes', 1] },
  density: { good: [1e-5, (j) => j.poison.density, 1e-5], bad: [0.5, -1e-6, '1e-5'] },
  pattern: { good: ['clustered', (j) => j.poison.pattern, 'clustered'], bad: ['cluster', 'random'] },
  cluster_lines: { good: [16, (j) => j.poison.clusterLines, 16], bad: [0, 5000] },
  arrival: { good: ['20/s', (j) => j.poison.arrival, { perMs: 0.02 }], bad: ['20', '20/h', 'fast', '1/0ops'] },
  latent: { good: [true, (j) => j.poison.latent, true], bad: ['true', 0] },
  scrub: { good: ['500ms', (j) => j.poison.scrub, { ms: 500 }], bad: ['0ms', 'daily', '0ops'] },
};

describe('the option table', () => {
  it('has a test case for every option, and every option has help, a type and a default or a default text', () => {
    expect(Object.keys(CASES).sort()).toEqual(OPTIONS.map((o) => o.name).sort());
    for (const o of OPTIONS) {
      expect(o.help.length, o.name).toBeGreaterThan(20);
      expect(o.default !== undefined || o.defaultText !== undefined, o.name).toBe(true);
    }
  });

  it('defines each name once', () => {
    const names = OPTIONS.map((o) => o.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('defaults', () => {
  it('fill every option of an empty job as the table says', () => {
    const j = one({ jobs: [{}] });
    expect(j).toMatchObject({
      name: 'job0', rw: 'randread', rwmixread: 50, bs: 4096, numjobs: 1, runtimeMs: 1000, ops: null, path: 'dax',
      mode: 'failfast', onError: 'give-up', sync: 'none', fsyncInterval: 32, powerFail: null, seed: 1, latSample: 64,
      device: { size: 64 * MiB, badblocks: 'table', kernel: '6.15', clearLatencyMs: 0.01, arsMs: 100, eadr: false },
      poison: { density: 0, pattern: 'uniform', clusterLines: 8, arrival: null, latent: false, scrub: null },
    });
    // span: the fsdax data of the device less the warm-up area
    expect(j.span).toBe(64 * MiB - defaultDataOffset('fsdax', 64 * MiB) - WARM_BYTES);
  });

  it('on_error defaults to recovery-write for every mode but failfast', () => {
    expect(one({ jobs: [{ mode: 'recovery' }] }).onError).toBe('recovery-write');
    expect(one({ jobs: [{ mode: 'recovery-read-page' }] }).onError).toBe('recovery-write');
    expect(one({ jobs: [{ mode: 'failfast' }] }).onError).toBe('give-up');
  });
});

describe.each(OPTIONS.map((o) => [o.name, o] as const))('option %s', (name, row) => {
  const c = CASES[name]!;
  it('accepts a good value', () => {
    const [value, get, want] = c.good;
    expect(get(one(fileWith(row, value)))).toEqual(want);
  });
  it.each(c.bad.map((b) => [JSON.stringify(b), b] as const))('refuses %s, naming the field, the value and what is allowed', (_s, bad) => {
    const p = problems(fileWith(row, bad));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(new RegExp(`^${pathOf(row).replace(/[[\].]/g, '\\$&')}: `));
    expect(p[0]).toContain(`got ${typeof bad === 'string' ? JSON.stringify(bad) : String(bad)}`);
    expect(p[0]).toMatch(/must /);
  });
});

describe('messages', () => {
  it('name the allowed range and values', () => {
    expect(problems({ jobs: [{ numjobs: 9 }] })).toEqual(['jobs[0].numjobs: must be in [1, 8] workers, got 9']);
    expect(problems({ jobs: [{ rw: 'randreed' }] })).toEqual([
      'jobs[0].rw: must be one of read, write, randread, randwrite, randrw (did you mean "randread"?), got "randreed"',
    ]);
    expect(problems({ jobs: [{ bs: 1000 }] })).toEqual(['jobs[0].bs: must be a multiple of 512 bytes, got 1000']);
    expect(problems({ device: { size: '2GiB' }, jobs: [{}] })).toEqual(['device.size: must be in [8388608, 1073741824] bytes, got "2GiB"']);
  });

  it('suggest the option meant for an unknown key, and list the section\'s options', () => {
    const [p] = problems({ jobs: [{ numjob: 2 }] });
    expect(p).toMatch(/^jobs\[0\]\.numjob: unknown job option \(did you mean "numjobs"\?\); options: name, rw, /);
    expect(problems({ device: { badblock: 'btree' }, jobs: [{}] })[0]).toMatch(/^device\.badblock: unknown device option \(did you mean "badblocks"\?\)/);
    expect(problems({ glob: {}, jobs: [{}] })).toEqual(['glob: unknown section (did you mean "global"?); sections: global, device, poison, jobs']);
  });

  it('send an option found in the wrong section to the right one', () => {
    expect(problems({ jobs: [{ density: 1e-4 }] })).toEqual(['jobs[0].density: is a poison option: put it in the poison section']);
    expect(problems({ poison: { bs: '4k' }, jobs: [{}] })).toEqual(['poison.bs: is a job option: put it in global or a job']);
  });

  it('list every problem of the file, once each, with nothing run', () => {
    const p = problems({ global: { seed: -1 }, device: { kernel: '4.0' }, jobs: [{ rw: 'x' }, { name: 'a' }, { name: 'a', path: 'mmap', mode: 'recovery-read-line' }] });
    expect(p).toEqual([
      'device.kernel: must be one of 5.18, 5.19, 6.5, 6.15, got "4.0"',
      'jobs[0].rw: must be one of read, write, randread, randwrite, randrw, got "x"',
      'global.seed: must be in [0, 4294967295], got -1',
      'jobs[2].mode: recovery-read-line is a DAX read policy: it needs path dax, got path mmap',
      'jobs[2].name: "a" is already the name of another job',
    ]);
  });

  it('refuse a file that is not an object, or has no jobs', () => {
    expect(problems(null)[0]).toMatch(/^the job file must be a JSON object/);
    expect(problems({})).toEqual(['jobs: must be a list of 1..64 jobs such as [{"rw": "randread"}], got undefined']);
    expect(problems({ jobs: [] })[0]).toMatch(/^jobs: must be a list of 1\.\.64 jobs/);
    expect(problems({ jobs: [3] })).toEqual(['jobs[0]: must be an object of job options, got 3']);
    expect(problems({ device: [], jobs: [{}] })).toEqual(['device: must be an object, got an array of 0']);
  });
});

describe('cross-option rules', () => {
  it('punch-hole needs a file (dax or mmap)', () => {
    expect(problems({ jobs: [{ path: 'block', on_error: 'punch-hole' }] })).toEqual([
      'jobs[0].on_error: punch-hole punches a file: it needs path dax or mmap, got path block',
    ]);
    expect(one({ jobs: [{ path: 'mmap', on_error: 'punch-hole' }] }).onError).toBe('punch-hole');
  });

  it('the span fits the target less the warm-up area, and holds a bs per worker', () => {
    const max = targetBytes('dax', 16 * MiB) - WARM_BYTES;
    expect(one({ device: { size: '16MiB' }, jobs: [{ span: max }] }).span).toBe(max);
    expect(problems({ device: { size: '16MiB' }, jobs: [{ span: max + 4096 }] })[0]).toMatch(/^jobs\[0\]\.span: must be at most \d+ bytes on a 16777216-byte device/);
    expect(problems({ jobs: [{ span: '8k', bs: '8k', numjobs: 2 }] })[0]).toMatch(/^jobs\[0\]\.span: must hold at least one bs/);
  });

  it('path dm splits the device in two striped namespaces: a multiple of 4MiB', () => {
    expect(problems({ device: { size: '10MiB' }, jobs: [{ path: 'dm' }] })).toEqual(['device.size: path dm splits the device into two namespaces: a multiple of 4MiB, got 10485760']);
    expect(targetBytes('dm', 64 * MiB)).toBe(2 * (32 * MiB - defaultDataOffset('fsdax', 32 * MiB)));
  });
});

describe('precedence', () => {
  it('flag > job > global > default', () => {
    const file = { global: { bs: '8k', seed: 3, numjobs: 2 }, jobs: [{ name: 'a', bs: '16k' }, { name: 'b' }] };
    const [a, b] = resolveJobFile(file);
    expect([a!.bs, b!.bs, a!.seed, b!.numjobs]).toEqual([16384, 8192, 3, 2]);
    const [fa, fb] = resolveJobFile(file, { bs: '64k', density: 1e-4, size: '32MiB' });
    expect([fa!.bs, fb!.bs, fa!.poison.density, fb!.device.size]).toEqual([65536, 65536, 1e-4, 32 * MiB]);
  });

  it('a bad or unknown flag is named as a flag', () => {
    expect(problems({ jobs: [{}] }, { numjobs: 0 })).toEqual(['--numjobs: must be in [1, 8] workers, got 0']);
    expect(problems({ jobs: [{}] }, { runtim: '1s' })).toEqual(['--runtim: unknown option (did you mean "runtime"?)']);
  });
});

describe('slices and determinism', () => {
  it('gives each worker whole pages and whole blocks', () => {
    expect(sliceBytes({ span: 10 * MiB, numjobs: 3, bs: 4096 })).toBe(Math.floor(10 * MiB / 3 / 4096) * 4096);
    expect(sliceBytes({ span: 1 * MiB, numjobs: 2, bs: 1536 })).toBe(Math.floor(MiB / 2 / 12288) * 12288);
  });

  it('is deterministic only when ops-bounded with poison, scrubs and power failure in ops', () => {
    const det = (o: object, p: object = {}): boolean => isDeterministic(one({ poison: p, jobs: [o] }));
    expect(det({ ops: 100 })).toBe(true);
    expect(det({ ops: 100 }, { density: 1e-4, arrival: '1/100ops', scrub: '500ops' })).toBe(true);
    expect(det({ ops: 100, power_fail: '50ops' })).toBe(true);
    expect(det({ runtime: '1s' })).toBe(false);
    expect(det({ ops: 100 }, { arrival: '20/s' })).toBe(false);
    expect(det({ ops: 100 }, { scrub: '500ms' })).toBe(false);
    expect(det({ ops: 100, power_fail: '1s' })).toBe(false);
    // dm: a worker's scrub covers the whole bus
    expect(det({ ops: 100, path: 'dm', numjobs: 2 }, { latent: true, scrub: '500ops' })).toBe(false);
    expect(det({ ops: 100, path: 'dm', numjobs: 1 }, { latent: true, scrub: '500ops' })).toBe(true);
  });
});
