/**
 * Ctrl-C during the workload suite of `npm run bench` (issue 7): a terminal sends SIGINT to
 * the whole foreground process group — the bench parent and the child process running the
 * workload matrix, whose piscina workers are threads of that child. The run must end with
 * exit 130, write the reports marked incomplete, and leave no child process (so no worker
 * thread) behind. How long the stop took is measured (the report prints it on failure) but
 * not asserted: the machine is shared.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkReportDir } from '../../src/report/check.js';
import type { Report } from '../../src/report/model.js';

const root = join(import.meta.dirname, '../..');
const main = join(root, 'dist/bench/main.js');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Child pids of `pid` (pgrep -P), empty when it has none. */
function children(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
/** A bench suite child: its command line carries --child-out. */
function isSuiteChild(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('--child-out');
  } catch {
    return false;
  }
}
const threads = (pid: number): number => (existsSync(`/proc/${pid}/task`) ? readdirSync(`/proc/${pid}/task`).length : 0);
const hasPgrep = ((): boolean => { try { execFileSync('pgrep', ['-V']); return true; } catch { return false; } })();

describe.runIf(existsSync(main) && process.platform === 'linux' && hasPgrep && (process.env['POISONBENCH_WASM'] ?? 'release') === 'release')('Ctrl-C during the workload suite', () => {
  it('SIGINT to the process group while workers run: exit 130, reports marked incomplete, no child or worker left', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pb-ctrlc-')), 'out');
    const bench = spawn(process.execPath, [main, '--smoke', '--suite', 'workload', '--out', out],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, POISONBENCH_WASM: 'release', CI: 'true' } });
    let stderr = '';
    bench.stderr.on('data', (d: Buffer) => { stderr += d; });
    bench.stdout.resume();
    const closed = new Promise<number | null>((resolve) => bench.on('close', (code) => resolve(code)));
    // The suite's child process (bench/main.ts runs it with --child-out; bench also runs
    // short-lived children such as `git rev-parse` for the report's environment), once its
    // matrix is under way (past the pool start-up of the first cells).
    let suite: number | undefined;
    for (let i = 0; i < 600 && suite === undefined; i++) {
      await sleep(50);
      suite = children(bench.pid!).find(isSuiteChild);
    }
    expect(suite, 'the workload child started').toBeDefined();
    await sleep(1500);
    const before = threads(suite!);
    expect(before, 'the child is alive with its worker threads').toBeGreaterThan(0);

    const t0 = performance.now();
    process.kill(-bench.pid!, 'SIGINT');
    let goneMs: number | undefined;
    while (goneMs === undefined && performance.now() - t0 < 30_000) {
      if (threads(suite!) === 0) goneMs = performance.now() - t0;
      else await sleep(5);
    }
    const status = await closed;
    const exitMs = performance.now() - t0;

    expect(goneMs, 'the workload child and its workers are gone').toBeDefined();
    expect(children(bench.pid!)).toEqual([]);
    expect(status, `stopped in ${exitMs.toFixed(0)} ms (child gone in ${goneMs?.toFixed(0)} ms); stderr: ${stderr}`).toBe(130);
    expect(stderr).toMatch(/stopped by SIGINT; the reports hold what finished \(marked incomplete\)\n$/);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(checkReportDir(out).problems).toEqual([]);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(report).toMatchObject({ complete: false, error: 'stopped by SIGINT' });
    // The workload suite did not finish: it is not in the report as if it had.
    expect(report.suites.map((s) => s.name)).toEqual([]);
  });
});

describe.runIf(existsSync(join(root, 'dist/src/cli.js')))('Ctrl-C during poisonbench run', () => {
  it('SIGINT while the workers run: exit 130, the summary and --json say incomplete, stopped by abort', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-ctrlc-run-'));
    const child = spawn(process.execPath, [join(root, 'bin/poisonbench.js'), 'run', '--runtime', '60s', '--numjobs', '2', '--size', '16MiB', '--json', 'r.json'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sentAt: number | undefined;
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    const status = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
        // The progress line says the workers passed the start barrier.
        if (sentAt === undefined && /worker\(s\) on dax/.test(stderr)) {
          sentAt = performance.now();
          child.kill('SIGINT');
        }
      });
      child.on('close', (code) => resolve(code));
    });
    const stopMs = performance.now() - sentAt!;
    expect(status, `stopped in ${stopMs.toFixed(0)} ms; stderr: ${stderr}`).toBe(130);
    expect(stdout).toMatch(/^INCOMPLETE: stopped \(aborted\); figures are partial$/m);
    const result = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { complete: boolean; jobs: { stopped_by: string }[] };
    expect(result.complete).toBe(false);
    expect(result.jobs.map((j) => j.stopped_by)).toEqual(['abort']);
  });
});
