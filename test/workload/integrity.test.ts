/**
 * Randomized end to end (fast-check, fixed seed): verifying jobs with 2-4 workers on every
 * data path, failfast and recovery modes and every remedy, poison arriving during the run at
 * logical times (each worker in its own slice, its bytes scrambled so that delivering them
 * would show), scrubs, sync policies, and half of them ending in a power failure. Workers check
 * every read against the ledger; the main side verifies every block after the run or the
 * power failure and reboot (src/workload/verify.ts).
 *
 * Expected: no read ever delivered bytes other than those last written (so never poisoned
 * bytes as good data, whatever the mode), no integrity violation, the ops and blocks the job
 * defines, and — after a power failure — the bytes the blocks lost equal what the media lost.
 * Nothing is compared with a previous run's output.
 */
import { it, expect, beforeAll } from 'vitest';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { runJobs, workerFile } from '../../src/workload/engine.js';
import { resolveJobFile, sliceBytes } from '../../src/workload/spec.js';

beforeAll(() => {
  expect(existsSync(workerFile())).toBe(true);
});

const jobArb = fc.record({
  path: fc.constantFrom('dax' as const, 'block' as const, 'mmap' as const, 'dm' as const),
  numjobs: fc.integer({ min: 2, max: 4 }),
  mode: fc.constantFrom('failfast', 'recovery', 'recovery-read-line', 'recovery-read-page'),
  punch: fc.boolean(),
  sync: fc.constantFrom('none', 'fsync', 'o_sync'),
  bs: fc.constantFrom('4k', '4k', '512', '8k'),
  ops: fc.integer({ min: 300, max: 900 }),
  powerFailAt: fc.option(fc.integer({ min: 100, max: 900 }), { nil: undefined }),
  arrivalEvery: fc.integer({ min: 40, max: 200 }),
  scrubEvery: fc.integer({ min: 100, max: 500 }),
  latent: fc.boolean(),
  clustered: fc.boolean(),
  kernel: fc.constantFrom('6.15', '5.19'),
  badblocks: fc.constantFrom('table', 'itree', 'btree', 'bitmap'),
  seed: fc.nat(),
}).map((j) => ({
  ...j,
  // The recovery-read policies are DAX reads; punch-hole punches a file.
  mode: j.path !== 'dax' && j.mode.startsWith('recovery-read') ? 'recovery' : j.mode,
  onError: j.mode === 'failfast' ? 'give-up' : j.punch && (j.path === 'dax' || j.path === 'mmap') ? 'punch-hole' : 'recovery-write',
}));

it('reads deliver exactly what was last written, and acknowledged data survives power failures, on every path and mode', async () => {
  let powerFailures = 0;
  let remedies = 0;
  await fc.assert(fc.asyncProperty(jobArb, async (j) => {
    const file = {
      global: {
        name: 'e2e', path: j.path, numjobs: j.numjobs, mode: j.mode, on_error: j.onError, sync: j.sync, fsync_interval: 5,
        rw: 'randrw', bs: j.bs, ops: j.ops, seed: j.seed, verify: true, lat_sample: 0,
        ...(j.powerFailAt !== undefined ? { power_fail: `${j.powerFailAt}ops` } : {}),
      },
      device: { size: '16MiB', kernel: j.kernel, badblocks: j.badblocks, clear_latency: '1us' },
      poison: { density: 2e-4, pattern: j.clustered ? 'clustered' : 'uniform', cluster_lines: 4, latent: j.latent, arrival: `1/${j.arrivalEvery}ops`, scrub: `${j.scrubEvery}ops` },
      jobs: [{}],
    };
    const [spec] = resolveJobFile(file);
    const r = await runJobs([spec!]);
    const where = JSON.stringify(file);
    expect(r.error, where).toBeUndefined();
    expect(r.complete, where).toBe(true);
    const job = r.jobs[0]!;
    const i = job.integrity!;
    expect(i, where).toBeDefined();
    // Every read checked delivered the bytes last written; nothing is wrong on the media.
    expect(i.read_mismatches, where).toBe(0);
    expect(i.violations, `${where}: ${i.evidence.join('; ')}`).toBe(0);
    expect(i.reads_checked, where).toBeGreaterThan(0);
    // What the job defines: its ops and its blocks.
    const perWorker = Math.min(j.ops, j.powerFailAt ?? Infinity);
    expect(job.read.total_ios + job.write.total_ios, where).toBe(j.numjobs * perWorker);
    expect(i.blocks_verified, where).toBe((j.numjobs * sliceBytes(spec!)) / spec!.bs);
    expect(job.poison.injected_lines, where).toBeGreaterThan(0);
    if (j.powerFailAt !== undefined && j.powerFailAt < j.ops) {
      powerFailures++;
      expect(i.after, where).toBe('power_fail');
      expect(i.bytes_lost, where).toBe(job.poison.bytes_lost_power_fail);
      if (j.sync === 'o_sync') expect(i.bytes_lost, where).toBe(0);
    } else {
      expect(i.after, where).toBe('run');
    }
    remedies += job.poison.bytes_recovered;
  }), { seed: 20261122, numRuns: 14 });
  // The sample exercised both ends and the recovery path.
  expect(powerFailures).toBeGreaterThan(0);
  expect(remedies).toBeGreaterThan(0);
}, 300_000);
