/**
 * The soak (src/workload/soak.ts, bench/soak.ts): a short one passes with every device having
 * run, verified and been checked; a broken invariant, injected on purpose through the test
 * hooks, is reported by name with its evidence and fails the soak; bad arguments are one line
 * and exit 2. No timing is asserted (the machine is shared): only that the soak ended.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SOAK_DEVICES, countersAddUp, formatSoak, runSoak } from '../../src/workload/soak.js';
import { runJob, workerFile } from '../../src/workload/engine.js';
import { resolveJobFile } from '../../src/workload/spec.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const soakJs = `${root}dist/bench/soak.js`;

beforeAll(() => {
  expect(existsSync(workerFile())).toBe(true);
  expect(existsSync(soakJs)).toBe(true);
});

describe('runSoak', () => {
  it('a 3-second soak passes: every device ran, verified its blocks and was checked', async () => {
    const r = await runSoak({ durationMs: 3000, seed: 5 });
    expect(r.violation).toBeUndefined();
    expect(r).toMatchObject({ passed: true, outcome: 'completed' });
    expect(r.rounds).toBeGreaterThanOrEqual(1);
    expect(r.devices.map((d) => d.device)).toEqual(SOAK_DEVICES.map((d) => d.name));
    for (const d of r.devices) {
      expect(d.jobs, d.device).toBe(r.rounds);
      expect(d.ops, d.device).toBeGreaterThan(0);
      expect(d.blocksVerified, d.device).toBeGreaterThan(0);
      expect(d.readsChecked, d.device).toBeGreaterThan(0);
    }
    // At the end of each job: 2 coverage checks (firmware ⊆ hardware, bb ⊇ firmware) per device at least.
    expect(r.checks).toBeGreaterThanOrEqual(2 * SOAK_DEVICES.length * r.rounds);
    expect(formatSoak(r)).toMatch(/\nsoak: PASS: every invariant held/);
  }, 120_000);

  it('a firmware record over clean media is caught as a violation of firmware ⊆ hardware', async () => {
    const r = await runSoak({ durationMs: 2000, seed: 5, inject: 'firmware-record' });
    expect(r).toMatchObject({ passed: false, outcome: 'violation' });
    expect(r.violation).toMatchObject({ invariant: 'firmware ⊆ hardware', round: 0 });
    expect(r.violation!.evidence).toMatch(/^1 firmware record\(s\) over media that is not poisoned, first SPA \[\d+, \+64\)$/);
    expect(formatSoak(r)).toMatch(/\nsoak: FAIL: invariant "firmware ⊆ hardware" violated on [a-z-]+ in round 0: 1 firmware record/);
  }, 120_000);

  it('a mutex left held at the end of a job is caught, naming the lock and its owner', async () => {
    const r = await runSoak({ durationMs: 2000, seed: 5, inject: 'held-lock' });
    expect(r).toMatchObject({ passed: false, outcome: 'violation' });
    expect(r.violation).toMatchObject({ invariant: 'no lock held at exit', evidence: 'device mutex=42' });
  }, 120_000);
});

describe('the watchdog', () => {
  it('ends a soak whose jobs outlive the duration and its slack, and fails it', async () => {
    // A 1 ms slack: the watchdog fires while the first round still runs (its set-up alone takes longer).
    const r = await runSoak({ durationMs: 1000, seed: 5, watchdogSlackMs: 1 });
    expect(r).toMatchObject({ passed: false, outcome: 'watchdog' });
    expect(r.violation).toBeUndefined();
    expect(formatSoak(r)).toMatch(/\nsoak: FAIL: watchdog: the jobs did not finish within 1 s \+ the slack\n$/);
  }, 120_000);
});

describe('countersAddUp', () => {
  it('holds for a real job and names the identity a tampered result breaks', async () => {
    const [job] = resolveJobFile({ global: { ops: 200, rw: 'randrw', verify: true, mode: 'recovery' }, device: { size: '16MiB' }, poison: { density: 1e-3 }, jobs: [{}] });
    const { result } = await runJob(job!);
    const ars = { started: 0, completed: 0 };
    expect(countersAddUp(job!, result, ars)).toBeNull();
    expect(countersAddUp(job!, { ...result, read: { ...result.read, good_bytes: result.read.good_bytes - 512 } }, ars)).toMatch(/^read io_bytes \d+ != good \d+ \+ not returned \d+$/);
    expect(countersAddUp(job!, result, { started: 1, completed: 2 })).toBe('ARS completed 2 > started 1');
  }, 60_000);
});

describe('npm run soak (built)', () => {
  const soak = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [soakJs, ...args], { encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('--help prints the usage, exit 0', () => {
    const r = soak('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run soak/);
  });

  it('bad arguments: one line naming the argument, exit 2, no stack trace', () => {
    for (const [args, msg] of [
      [['--duration', 'soon'], '--duration must be a duration such as "20s" or "2m", got "soon"'],
      [['--duration', '90min'], '--duration must be in [1s, 60min], got "90min"'],
      [['--seed', '-1'], '--seed must be a whole number in [0, 4294967295], got "-1"'],
      [['--durration', '20s'], 'unknown option "--durration" for soak (see --help)'],
      [['--json'], '--json needs a value (see --help)'],
    ] as const) {
      const r = soak(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toBe(`soak: ${msg}\n`);
      expect(r.stdout).toBe('');
    }
  });
});
