/**
 * `poisonbench run` as a user runs it (the built CLI: `npm run build` first): help and schema,
 * --check, bad input (exit 2, every problem named, no stack trace, nothing run), flags
 * overriding the file, and an end-to-end smoke run writing the RunResult as JSON.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runHelp } from '../../src/workload/help.js';
import { jobFileSchemaText } from '../../src/workload/schema.js';
import { parseRunArgs } from '../../src/workload/main.js';
import type { RunResult } from '../../src/workload/result.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/poisonbench.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/src/workload/main.js', import.meta.url));
const STACK = /^\s+at .+[:(]/m;

function cli(args: string[], input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir = '';
beforeAll(() => {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run npm run build first (npm test does)`);
  dir = mkdtempSync(join(tmpdir(), 'poisonbench-run-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('poisonbench run (built CLI)', () => {
  it('--help prints the generated help, exit 0; the top-level help lists run', () => {
    expect(cli(['run', '--help'])).toEqual({ status: 0, stdout: runHelp(), stderr: '' });
    expect(cli(['--help']).stdout).toMatch(/^ {2}run \[JOB\.json\] +run a workload job file/m);
  });

  it('--schema prints the JSON Schema', () => {
    const r = cli(['run', '--schema']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(jobFileSchemaText());
  });

  it('--check validates the README example and runs nothing', () => {
    expect(cli(['run', '--check', 'bench/jobs/example.json'])).toEqual({ status: 0, stdout: 'bench/jobs/example.json: 1 job(s) OK: r\n', stderr: '' });
  });

  it('bad input: exit 2, every problem named on stderr, no stack trace, nothing on stdout', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ device: { size: '3MiB' }, jobs: [{ numjob: 2, bs: '4kb!' }] }));
    const r = cli(['run', bad]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('poisonbench: 3 problems in the job file:');
    expect(r.stderr).toContain('device.size: must be in [8388608, 1073741824] bytes, got "3MiB"');
    expect(r.stderr).toContain('jobs[0].numjob: unknown job option (did you mean "numjobs"?)');
    expect(r.stderr).toContain('jobs[0].bs: must be a size such as 4096, "4k", "1m" or "4KiB" (binary units), got "4kb!"');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('unreadable or non-JSON files and unknown flags: exit 2 with one line', () => {
    const notJson = join(dir, 'x.json');
    writeFileSync(notJson, '{ "jobs": [ }');
    expect(cli(['run', notJson]).stderr).toMatch(/^poisonbench: .*x\.json is not JSON: /);
    expect(cli(['run', join(dir, 'missing.json')])).toMatchObject({ status: 2, stderr: expect.stringMatching(/cannot read .*missing\.json: ENOENT/) });
    const r = cli(['run', '--numjob', '2']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown option "--numjob" for run (did you mean "--numjobs"?)');
    expect(cli(['run', '--bs'])).toMatchObject({ status: 2, stderr: 'poisonbench: --bs needs a value (see poisonbench run --help)\n' });
  });

  it('runs a job end to end: flags override the file, the summary on stdout, the RunResult as JSON', () => {
    const out = join(dir, 'result.json');
    const r = cli(['run', 'bench/jobs/example.json', '--ops', '300', '--numjobs=1', '--size', '16MiB', '--arrival', '1/100ops', '--scrub', '200ops', '--json', out]);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^job r: dax randread bs=4KiB numjobs=1 mode=recovery on_error=recovery-write; /);
    expect(r.stdout).toMatch(/deterministic \(ops-bounded, logical-time poison\)/);
    expect(r.stdout).toMatch(/^model: clear_latency = 10000 ns \(assumed\), ars_time = 0 ms \(assumed\)$/m);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(result.complete).toBe(true);
    expect(result.jobs[0]).toMatchObject({ name: 'r', workers: 1, deterministic: true, read: { total_ios: 300 } });
    expect(result.jobs[0]!.poison.injected_lines).toBeGreaterThan(0);
  });
});

describe('parseRunArgs', () => {
  it('takes --name VALUE and --name=VALUE, dashes or underscores, and typed values', () => {
    expect(parseRunArgs(['f.json', '--on-error', 'punch-hole', '--lat_sample=0', '--latent', '--eadr', 'false', '--density', '1e-4']).overrides)
      .toEqual({ on_error: 'punch-hole', lat_sample: 0, latent: true, eadr: false, density: 1e-4 });
  });

  it('refuses a second file', () => {
    expect(() => parseRunArgs(['a.json', 'b.json'])).toThrow('run takes one JOB.json, got a second: "b.json"');
  });
});
