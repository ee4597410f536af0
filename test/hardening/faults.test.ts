/**
 * Faults (issue 7): a worker that throws or dies mid-run, an output that cannot be written
 * (read-only directory, full disk), limits refused before anything starts. Each run must end
 * with a clear error naming the job, stop the other workers, claim no success and leave no
 * lock held (DESIGN.md "Locks": owner-tagged mutex words are 0 when free).
 *
 * Uses the BUILT worker and CLI (npm run build). No timing is asserted.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUS_MUTEX } from '../../src/nvdimm/state.js';
import { FS_MUTEX, REGION_KIND_FSDAX } from '../../src/dax/fs-region.js';
import { MM_MUTEX, REGION_KIND_MM } from '../../src/mm/region.js';
import { RMAP_MUTEX, REGION_KIND_RMAP } from '../../src/xfs/rmap-region.js';
import type { System } from '../../src/nvdimm/system.js';
import { runJobs, workerFile, type RunOptions } from '../../src/workload/engine.js';
import { resolveJobFile } from '../../src/workload/spec.js';
import { setAtomicFs, writeFileAtomic } from '../../src/report/atomic.js';
import { ReportWriteError, writeReportFiles } from '../../src/report/write.js';
import { fixtureReport } from '../report/fixtures.js';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/poisonbench.js');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'pb-faults-'));

/** Every mutex word of the system: the device mutex, each badblocks structure's, fs, rmap and mm. */
function mutexWords(system: System): Record<string, number> {
  const i32 = new Int32Array(system.context.u8.buffer);
  const word = (addr: number): number => Atomics.load(i32, addr / 4);
  const regions = system.context.layout.regions;
  const out: Record<string, number> = { device: word(regions[0]!.base + BUS_MUTEX) };
  system.config.namespaces.forEach((ns, i) => {
    out[`${ns.name} pmem bb`] = word(regions[1 + 2 * i]!.base + 8);
    out[`${ns.name} region bb`] = word(regions[2 + 2 * i]!.base + 8);
  });
  for (const [kind, off, name] of [[REGION_KIND_FSDAX, FS_MUTEX, 'fs'], [REGION_KIND_RMAP, RMAP_MUTEX, 'rmap'], [REGION_KIND_MM, MM_MUTEX, 'mm']] as const) {
    const r = system.extraRegions.find((x) => x.kind === kind);
    if (r) out[name] = word(r.base + off);
  }
  return out;
}

const file = (path: string, extra: object = {}): unknown => ({
  global: { runtime: '60s', numjobs: 2, path, mode: 'recovery', ...extra },
  device: { size: '16MiB', clear_latency: '1us' },
  poison: { density: 1e-3, latent: false },
  jobs: [{ name: 'boom' }, { name: 'never' }],
});

beforeAll(() => {
  expect(existsSync(workerFile()), 'npm run build first').toBe(true);
});

describe('a worker that fails mid-run (engine)', () => {
  for (const how of ['throw', 'exit'] as const) {
    for (const path of ['dax', 'mmap', 'block']) {
      it(`${how} on ${path}: the run ends naming the job and worker, the others stop, no lock stays held`, async () => {
        const locks: Record<string, number>[] = [];
        const options: RunOptions = { failWorker: { worker: 1, op: 200, how }, inspect: { stopped: (s) => locks.push(mutexWords(s)) } };
        const r = await runJobs(resolveJobFile(file(path)), options);
        expect(r.complete).toBe(false);
        expect(r.error).toMatch(how === 'throw'
          ? /^job "boom": worker 1 failed: injected failure at op 200/
          : /^job "boom": worker 1 failed: .*exit/);
        // The second job never started; the first says it was stopped by the error.
        expect(r.jobs.map((j) => [j.name, j.stopped_by])).toEqual([['boom', 'error']]);
        // Worker 0 was stopped and answered; worker 1's counts are lost with it.
        expect(r.jobs[0]!.cpu.map((c) => c.worker)).toEqual([0]);
        expect(locks).toHaveLength(1);
        for (const [name, owner] of Object.entries(locks[0]!)) expect(owner, `${name} mutex owner`).toBe(0);
      });
    }
  }
});

describe('a worker that fails mid-run (poisonbench run)', () => {
  const run = (how: string): { status: number | null; stdout: string; stderr: string; dir: string } => {
    const dir = tmp();
    writeFileSync(join(dir, 'job.json'), JSON.stringify(file('dax')));
    const r = spawnSync(process.execPath, [bin, 'run', 'job.json', '--json', 'out/result.json'],
      { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, POISONBENCH_FAIL_WORKER: `1:200:${how}` } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, dir };
  };

  for (const how of ['throw', 'exit']) {
    it(`${how}: exit 1, no stack trace, the summary and the JSON say incomplete and name the job`, () => {
      const r = run(how);
      expect(r.status).toBe(1);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.stdout).toMatch(/^INCOMPLETE: job "boom": worker 1 failed: .*; figures are partial$/m);
      const result = JSON.parse(readFileSync(join(r.dir, 'out/result.json'), 'utf8')) as { complete: boolean; error: string; jobs: { name: string }[] };
      expect(result.complete).toBe(false);
      expect(result.error).toMatch(/^job "boom": worker 1 failed/);
      expect(result.jobs.map((j) => j.name)).toEqual(['boom']);
      // Only the result: no temporary file left beside it.
      expect(readdirSync(join(r.dir, 'out'))).toEqual(['result.json']);
    });
  }
});

describe('limits are refused before any worker starts', () => {
  const check = (job: object, args: string[] = []): { status: number | null; stderr: string; files: string[] } => {
    const dir = tmp();
    writeFileSync(join(dir, 'job.json'), JSON.stringify(job));
    const r = spawnSync(process.execPath, [bin, 'run', 'job.json', '--json', 'out.json', ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stderr: r.stderr, files: readdirSync(dir) };
  };

  it('a device beyond the memory limit: exit 2, the limit stated, nothing written', () => {
    const r = check({ device: { size: '8GiB' }, jobs: [{ name: 'big' }] });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('poisonbench: device.size: must be in [8388608, 1073741824] bytes, got "8GiB"\n');
    expect(r.files).toEqual(['job.json']);
  });

  it('an absurd worker count: exit 2, the limit stated, nothing written', () => {
    const r = check({ jobs: [{ name: 'many', numjobs: 100000 }] });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('poisonbench: jobs[0].numjobs: must be in [1, 8] workers, got 100000\n');
    expect(r.files).toEqual(['job.json']);
  });

  it('the same limits as flags', () => {
    expect(check({ jobs: [{ name: 'f' }] }, ['--numjobs', '100000']).stderr).toBe('poisonbench: --numjobs: must be in [1, 8] workers, got 100000\n');
    expect(check({ jobs: [{ name: 'f' }] }, ['--size', '2GiB']).stderr).toBe('poisonbench: --size: must be in [8388608, 1073741824] bytes, got "2GiB"\n');
  });

  it('a scenario device too large for one memory with its tables: exit 2 at validation, the largest size stated', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'big.sim'), 'device size=4006MiB mode=fsdax\n');
    for (const args of [['--check', 'big.sim'], ['big.sim']]) {
      const r = spawnSync(process.execPath, [bin, 'sim', ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^line 1: device: size=4200595456 bytes: .* would not fit one simulated memory \(4 GiB, wasm32\); this device may be at most \d+ bytes; .*\n$/);
    }
  });
});

describe('output that cannot be written', () => {
  afterEach(() => setAtomicFs(undefined));

  it('disk full half-way through a file: the error is one line, the old file is untouched, no temporary file remains', () => {
    const dir = tmp();
    const target = join(dir, 'report.json');
    writeFileSync(target, 'old\n');
    setAtomicFs({
      writeFile: (path, text) => {
        writeFileSync(path, text.slice(0, 10)); // what a full disk leaves: a prefix
        throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC' });
      },
    });
    expect(() => writeFileAtomic(target, 'new text that does not fit')).toThrow(/ENOSPC/);
    expect(readFileSync(target, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('disk full while writing a report directory: ReportWriteError of one line naming the file; every file present is whole', () => {
    const dir = tmp();
    let writes = 0;
    setAtomicFs({
      writeFile: (path, text) => {
        if (++writes === 3) {
          writeFileSync(path, text.slice(0, 7));
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        writeFileSync(path, text);
      },
    });
    let err: unknown;
    try {
      writeReportFiles(dir, fixtureReport());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReportWriteError);
    expect((err as Error).message).toBe(`cannot write ${join(dir, 'report.html')}: ENOSPC (no space left on the device)`);
    expect((err as Error).message).not.toContain('\n');
    // report.json and report.md were written whole before the disk filled; nothing else is there.
    expect(readdirSync(dir).sort()).toEqual(['report.json', 'report.md']);
    expect(() => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as unknown).not.toThrow();
  });

  it.runIf(process.getuid?.() !== 0)('a read-only directory: one line naming it, nothing written', () => {
    const dir = tmp();
    chmodSync(dir, 0o555);
    try {
      expect(() => writeReportFiles(join(dir, 'out'), fixtureReport())).toThrow(/^cannot write reports to .*: EACCES \(permission denied\)$/);
    } finally {
      chmodSync(dir, 0o755);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a directory that cannot be created (/proc/x): one line, no hang (Node 20 mkdir recursive loops there)', () => {
    expect(() => writeReportFiles('/proc/poisonbench-x/out', fixtureReport())).toThrow(/^cannot write reports to \/proc\/poisonbench-x\/out: ENOENT/);
  });

  it('poisonbench run --json into an unwritable place: exit 2 before the run, one line', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), '');
    const r = spawnSync(process.execPath, [bin, 'run', '--runtime', '10ms', '--json', 'file/out.json'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`poisonbench: --json file/out.json: cannot write reports to ${join(dir, 'file')}: EEXIST (a file is in the way)\n`);
    expect(readdirSync(dir)).toEqual(['file']);
  });
});
