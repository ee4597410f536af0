/**
 * The engine end to end: piscina workers (the BUILT dist/src/workload/worker.js: Node 20
 * workers cannot load .ts, so `npm run build` must have run) doing I/O on one shared system.
 * Expected values come from the jobs' definitions (ops x numjobs, bytes per op, the latency
 * sampling rule, the density, the clear latency), never from a previous run. No timing is
 * asserted: the machine is shared.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync } from 'node:fs';
import { runJobs } from '../../src/workload/engine.js';
import { resolveJobFile, sliceBytes } from '../../src/workload/spec.js';
import { workerFile } from '../../src/workload/engine.js';
import type { JobResult, RunResult } from '../../src/workload/result.js';

const run = (file: unknown, options = {}): Promise<RunResult> => runJobs(resolveJobFile(file), options);

/** Everything about a job's outcome that does not depend on timing. */
function outcome(j: JobResult): unknown {
  const dir = (d: JobResult['read']): unknown => ({ ios: d.total_ios, bytes: d.io_bytes, good: d.good_bytes, errors: d.errors, samples: d.clat_ns.N });
  return { read: dir(j.read), write: dir(j.write), poison: j.poison, modelled: j.time_split.modelled_clear_ns, workers: j.workers, stopped: j.stopped_by };
}

beforeAll(() => {
  expect(existsSync(workerFile())).toBe(true);
});

describe('a clean run on every path', () => {
  it('does ops x numjobs operations of bs bytes, all good, sampling one op in lat_sample per worker', async () => {
    const ops = 300;
    const paths = ['block', 'dax', 'mmap', 'dm', 'null'] as const;
    const r = await run({
      global: { ops, numjobs: 2, rw: 'randread', bs: '4k', lat_sample: 64 },
      device: { size: '16MiB' },
      jobs: paths.map((path) => ({ name: path, path })),
    });
    expect(r.complete).toBe(true);
    expect(r.model.map((m) => [m.name, m.assumed])).toEqual([['clear_latency', true], ['ars_time', true]]);
    expect(r.jobs.map((j) => j.name)).toEqual([...paths]);
    for (const j of r.jobs) {
      expect(j.read, j.name).toMatchObject({ total_ios: 2 * ops, io_bytes: 2 * ops * 4096, good_bytes: 2 * ops * 4096, errors: {} });
      expect(j.write.total_ios).toBe(0);
      // The first op of each worker is sampled, then every 64th: ceil(ops / 64) per worker.
      expect(j.read.clat_ns.N).toBe(2 * Math.ceil(ops / 64));
      expect(j.read.clat_ns.percentile['99.000000']).toBeGreaterThan(0);
      expect(j.cpu.map((c) => c.worker)).toEqual([0, 1]);
      expect(j).toMatchObject({ workers: 2, deterministic: true, stopped_by: 'ops' });
      expect(j.poison).toMatchObject({ clears: 0, bytes_lost: 0, injected_lines: 0, memory_failures: 0 });
    }
  });
});

describe('poison: failfast versus recovery', () => {
  const file = (mode: string): unknown => ({
    global: { ops: 3000, rw: 'randread', bs: '4k', seed: 3 },
    device: { size: '16MiB', clear_latency: '20us' },
    poison: { density: 1e-3, latent: false },
    jobs: [{ name: mode, mode }],
  });

  it('places density x span lines, known at once', async () => {
    const [spec] = resolveJobFile(file('failfast'));
    const r = await run(file('failfast'));
    expect(r.jobs[0]!.poison.injected_lines).toBe(Math.round(1e-3 * spec!.span / 64));
  });

  it('failfast: reads over known poison fail with EIO every time, nothing is cleared, the bytes are lost', async () => {
    const [j] = (await run(file('failfast'))).jobs;
    expect(j!.read.errors['EIO']).toBeGreaterThan(0);
    expect(j!.poison).toMatchObject({ clears: 0, bytes_recovered: 0 });
    expect(j!.poison.bytes_lost).toBe(j!.read.errors['EIO']! * 4096);
    expect(j!.read.good_bytes).toBe(j!.read.io_bytes - j!.poison.bytes_lost);
    expect(j!.time_split.modelled_clear_ns).toBe(0);
  });

  it('recovery: each failed read is rewritten (a clear of modelled clear_latency) and read back; nothing is lost', async () => {
    const [j] = (await run(file('recovery'))).jobs;
    expect(j!.read.errors['EIO']).toBeGreaterThan(0);
    expect(j!.poison.clears).toBeGreaterThan(0);
    expect(j!.time_split.modelled_clear_ns).toBe(j!.poison.clears * 20_000);
    expect(j!.poison.bytes_lost).toBe(0);
    expect(j!.poison.bytes_recovered).toBe(j!.read.errors['EIO']! * 4096);
    expect(j!.read.good_bytes).toBe(j!.read.io_bytes);
  });

  it('mmap: a load of latent poison is a SIGBUS (counted as a signal and a memory_failure); recovery clears it', async () => {
    const [j] = (await run({
      global: { ops: 2000, rw: 'randread', bs: '4k', path: 'mmap', mode: 'recovery', seed: 5 },
      device: { size: '16MiB' }, poison: { density: 1e-3, latent: true }, jobs: [{ name: 'm' }],
    })).jobs;
    expect(j!.read.errors['SIGBUS']).toBeGreaterThan(0);
    expect(j!.poison.signals).toBeGreaterThanOrEqual(j!.read.errors['SIGBUS']!);
    expect(j!.poison.memory_failures).toBeGreaterThan(0);
    expect(j!.poison.clears).toBeGreaterThan(0);
  });
});

describe('power failure', () => {
  const file = (sync: string, extra: object = {}): unknown => ({
    global: { ops: 1000, power_fail: '200ops', rw: 'write', bs: '4k', numjobs: 2, sync, path: 'dax' },
    device: { size: '16MiB', ...extra }, jobs: [{ name: `${sync}` }],
  });

  it('without sync loses every line written before it (distinct sequential blocks: ops x bs per worker)', async () => {
    const [spec] = resolveJobFile(file('none'));
    expect(sliceBytes(spec!)).toBeGreaterThanOrEqual(200 * 4096);
    const [j] = (await run(file('none'))).jobs;
    expect(j!.stopped_by).toBe('power_fail');
    expect(j!.write.total_ios).toBe(2 * 200);
    expect(j!.poison.bytes_lost_power_fail).toBe(2 * 200 * 4096);
    expect(j!.poison.bytes_lost).toBe(2 * 200 * 4096);
    expect(j!.deterministic).toBe(true);
  });

  it('with O_SYNC, or on an eADR platform, loses nothing', async () => {
    expect((await run(file('o_sync'))).jobs[0]!.poison.bytes_lost_power_fail).toBe(0);
    expect((await run(file('none', { eadr: true }))).jobs[0]!.poison.bytes_lost_power_fail).toBe(0);
  });

  it('with fsync every N writes loses at most the writes since the last fsync', async () => {
    const [j] = (await run({ ...(file('fsync') as object), global: { ops: 1000, power_fail: '205ops', rw: 'write', bs: '4k', numjobs: 1, sync: 'fsync', fsync_interval: 50 } })).jobs;
    expect(j!.poison.bytes_lost_power_fail).toBe(5 * 4096);
  });
});

describe('determinism', () => {
  const file = (seed: number): unknown => ({
    global: { ops: 4000, numjobs: 2, rw: 'randrw', rwmixread: 70, bs: '4k', path: 'dax', seed, sync: 'fsync', fsync_interval: 16, mode: 'recovery' },
    device: { size: '16MiB' },
    poison: { density: 1e-3, pattern: 'clustered', cluster_lines: 4, arrival: '1/500ops', latent: true, scrub: '1500ops' },
    jobs: [{ name: 'd' }, { name: 'pf', mode: 'failfast', power_fail: '3000ops' }, { name: 'blk', path: 'block' }, { name: 'mm', path: 'mmap', ops: 1500 }],
  });

  it('an ops-bounded job with logical-time poison gives identical outcome counters for the same seed', async () => {
    const a = await run(file(11));
    const b = await run(file(11));
    expect(a.jobs.every((j) => j.deterministic)).toBe(true);
    expect(a.jobs.map(outcome)).toEqual(b.jobs.map(outcome));
    // and the poison did something
    expect(a.jobs[0]!.poison.injected_lines).toBeGreaterThan(0);
    expect(a.jobs[0]!.poison.scrubs).toBeGreaterThan(0);
  });

  it('another seed gives another outcome', async () => {
    const a = await run(file(11));
    const c = await run(file(12));
    expect(a.jobs.map(outcome)).not.toEqual(c.jobs.map(outcome));
  });

  it('a time-bounded job says it is not deterministic', async () => {
    const [j] = (await run({ global: { runtime: '100ms' }, device: { size: '16MiB' }, jobs: [{ name: 't' }] })).jobs;
    expect(j!.deterministic).toBe(false);
    expect(j!.stopped_by).toBe('runtime');
  });
});

describe('failures and stops', () => {
  it('a failed worker ends the run with an error naming the job and the worker, and stops the others', async () => {
    const r = await run({ global: { runtime: '60s', numjobs: 2 }, device: { size: '16MiB' }, jobs: [{ name: 'boom' }, { name: 'never' }] },
      { failWorker: { worker: 1, op: 100 } });
    expect(r.complete).toBe(false);
    expect(r.error).toMatch(/^job "boom": worker 1 failed: injected failure at op 100/);
    expect(r.jobs.map((j) => j.name)).toEqual(['boom']);
    expect(r.jobs[0]!.stopped_by).toBe('error');
    // worker 0 was stopped (its counts are in), worker 1's are lost with it
    expect(r.jobs[0]!.cpu.map((c) => c.worker)).toEqual([0]);
  });

  it('an abort stops the run and marks it incomplete', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const r = await run({ global: { runtime: '60s' }, device: { size: '16MiB' }, jobs: [{ name: 'a' }, { name: 'b' }] }, { signal: abort.signal });
    expect(r.complete).toBe(false);
    expect(r.jobs.map((j) => j.stopped_by)).toEqual(['abort']);
  });
});
