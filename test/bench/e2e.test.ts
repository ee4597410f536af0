/**
 * End to end: `npm run bench` as CI runs it (smoke, a report directory), on the built
 * dist/ (npm test builds first). Checks every report file exists and validates against its
 * schema, that per-process samples reach report.json, that $GITHUB_STEP_SUMMARY gets
 * report.md, and that an unwritable --out fails at once with one line and no file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { checkReportDir } from '../../src/report/check.js';
import type { Report } from '../../src/report/model.js';

const root = join(import.meta.dirname, '../..');
const main = join(root, 'dist/bench/main.js');
const bench = (args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof spawnSync> =>
  spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, POISONBENCH_WASM: 'release', CI: 'true', ...env } });

// Child processes measure: run once (release project), not once per wasm build.
describe.runIf(existsSync(main) && (process.env['POISONBENCH_WASM'] ?? 'release') === 'release')('npm run bench end to end', () => {
  it('--smoke --out DIR: every report file, valid against its schema, with per-process samples', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-e2e-'));
    const out = join(dir, 'smoke');
    const summary = join(dir, 'summary.md');
    const r = bench(['--smoke', '--suite', 'copy,memory-failure', '--processes', '2', '--out', out, '--json', join(dir, 'all.json')], { GITHUB_STEP_SUMMARY: summary });
    expect(r.stderr).toBe(''); // no progress line: not a terminal, and CI=true
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('== copy (median of 2 processes');
    expect(r.stdout).toContain(`reports (`);
    expect(r.stdout).toContain(join(out, 'report.html'));
    expect(checkReportDir(out).problems).toEqual([]);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.complete).toBe(true);
    expect(report.suites.map((s) => s.name)).toEqual(['copy', 'memory-failure']);
    for (const s of report.suites) for (const row of s.rows) expect(row.samples).toHaveLength(2);
    expect(report.suites[0]!.rows[0]!.params).toEqual({ op: 'copy_mc', size: 256, poisoned: 0, cold: 0 });
    expect(report.environment.node).toBe(process.version);
    expect(report.options).toEqual({ suites: ['copy', 'memory-failure'], processes: 2, time_ms: 10, smoke: true });
    expect(readFileSync(summary, 'utf8')).toMatch(/^# poisonbench report/);
    const all = JSON.parse(readFileSync(join(dir, 'all.json'), 'utf8')) as unknown[];
    expect(all).toHaveLength(report.suites.reduce((n, s) => n + s.rows.length, 0));
  });

  it('an unwritable --out: one line, exit 2, before any measuring, nothing written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-e2e-'));
    writeFileSync(join(dir, 'file'), '');
    const r = bench(['--smoke', '--suite', 'copy', '--out', join(dir, 'file', 'out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`poisonbench bench: cannot write reports to ${join(dir, 'file', 'out')}: ENOTDIR (a path component is a file)\n`);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir)).toEqual(['file']);
  });

  it('Ctrl-C (SIGINT) mid-run: the reports hold what finished, marked incomplete; exit 130 (issue 7)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pb-e2e-')), 'partial');
    const child = spawn(process.execPath, [main, '--smoke', '--suite', 'memory-failure,copy', '--processes', '3', '--out', out],
      { env: { ...process.env, POISONBENCH_WASM: 'release', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    const status = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
        if (!sent && stdout.includes('== memory-failure')) sent = child.kill('SIGINT'); // copy is running now
      });
      child.on('close', resolve);
    });
    expect(status).toBe(130);
    expect(stderr).toMatch(/stopped by SIGINT; the reports hold what finished \(marked incomplete\)/);
    expect(checkReportDir(out).problems).toEqual([]);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(report).toMatchObject({ complete: false, error: 'stopped by SIGINT' });
    expect(report.suites.map((s) => s.name)).toEqual(['memory-failure']);
  });

  it('--help names the report files and every option', () => {
    const r = bench(['--help']);
    expect(r.status).toBe(0);
    for (const s of ['report.json', 'report.html', 'bench-bigger.json', '--out DIR', '--json FILE', '--smoke', '--suite', 'GITHUB_STEP_SUMMARY']) expect(r.stdout).toContain(s);
  });
});
