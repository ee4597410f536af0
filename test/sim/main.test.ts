/**
 * `poisonbench sim` in process (src/sim/main.ts) with the fake executor: exit status 0 when
 * the script ran, 2 for a malformed script (`line N: …` on stderr, nothing on stdout,
 * nothing run) or a usage error, 1 for a failure inside the simulator or when no system
 * is wired in; --check, --help and --markdown.
 */
import { describe, it, expect } from 'vitest';
import { simMain, MAX_ERRORS_SHOWN, type SimDeps } from '../../src/sim/main.js';
import { fakeFactory } from './fake-executor.js';

interface Captured { status: number; stdout: string; stderr: string }

async function sim(argv: string[], script: string | undefined, deps: Omit<SimDeps, 'io'> = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const status = await simMain(argv, {
    ...deps,
    io: {
      stdout: (t) => { stdout += t; },
      stderr: (t) => { stderr += t; },
      readScript: (path) => {
        if (script === undefined || (path !== '-' && path !== 'script.sim')) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
        return script;
      },
    },
  });
  return { status, stdout, stderr };
}

describe('simMain', () => {
  it('runs a well-formed script: exit 0, JSON lines on stdout, nothing on stderr', async () => {
    const f = fakeFactory();
    const r = await sim(['-'], 'device size=64MiB\nread sector=0 bytes=512\n', { createExecutor: f.create });
    expect(r).toEqual({
      status: 0,
      stdout: '{"line": 1, "cmd": "device", "ret": 0}\n{"line": 2, "cmd": "read", "ret": 512, "crc32": "0xb2aa7578"}\n',
      stderr: '',
    });
  });

  it('exits 0 when the kernel refuses: refusals are ret values', async () => {
    const f = fakeFactory({ read: () => ({ ret: 'EIO' }) });
    const r = await sim(['script.sim'], 'device size=64MiB\nread sector=0 bytes=512\n', { createExecutor: f.create });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('"ret": "EIO"');
  });

  it('exits 2 on a malformed script with line N: messages, runs nothing and prints no stack', async () => {
    const f = fakeFactory();
    const r = await sim(['-'], 'device size=64MiB\nread sector=0 bytes=512\nread sectr=0 bytes=1\n', { createExecutor: f.create });
    expect(r).toEqual({ status: 2, stdout: '', stderr: 'line 3: read: unknown key "sectr" (did you mean "sector"?); read takes dev, sector, bytes\n' });
    expect(f.made).toEqual([]);
  });

  it(`prints at most ${MAX_ERRORS_SHOWN} bad lines and counts the rest`, async () => {
    const script = 'device size=64MiB\n' + 'raed\n'.repeat(MAX_ERRORS_SHOWN + 5);
    const r = await sim(['-'], script);
    expect(r.status).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(MAX_ERRORS_SHOWN + 1);
    expect(lines[0]).toBe('line 2: unknown command "raed" (did you mean "read"?)');
    expect(lines[MAX_ERRORS_SHOWN]).toBe('… and 5 more malformed lines');
  });

  it('--check validates only: 0 or 2, and never creates an executor', async () => {
    const f = fakeFactory();
    expect(await sim(['--check', '-'], 'device size=64MiB\n', { createExecutor: f.create })).toEqual({ status: 0, stdout: '', stderr: '' });
    expect((await sim(['-', '--check'], 'read\n', { createExecutor: f.create })).status).toBe(2);
    expect(f.made).toEqual([]);
  });

  it('exits 1 with a clear message when no simulated system is wired in', async () => {
    const r = await sim(['-'], 'device size=64MiB\n');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('poisonbench sim: the script is well-formed (1 commands), but this build has no simulated system to run it on; --check only validates\n');
  });

  it('exits 1 naming the line when the simulator fails, after the lines before it', async () => {
    const f = fakeFactory({ write: () => { throw new RangeError('offset out of media'); } });
    const r = await sim(['-'], 'device size=64MiB\nwrite sector=0 bytes=512\n', { createExecutor: f.create });
    expect(r).toEqual({
      status: 1,
      stdout: '{"line": 1, "cmd": "device", "ret": 0}\n',
      stderr: 'poisonbench sim: line 2: write failed inside the simulator: offset out of media\n',
    });
  });

  it('exits 2 on usage errors', async () => {
    expect(await sim([], '')).toMatchObject({ status: 2, stderr: 'poisonbench sim: needs a SCRIPT: a file, or - for standard input (see poisonbench sim --help)\n' });
    expect(await sim(['--bogus', '-'], '')).toMatchObject({ status: 2, stderr: 'poisonbench sim: unknown option "--bogus" (see poisonbench sim --help)\n' });
    expect(await sim(['a', 'b'], '')).toMatchObject({ status: 2, stderr: 'poisonbench sim: takes one SCRIPT, got a second: "b"\n' });
    expect(await sim(['missing.sim'], undefined)).toMatchObject({ status: 2, stderr: 'poisonbench sim: cannot read missing.sim: ENOENT\n' });
  });

  it('--help and --markdown print the generated reference and exit 0', async () => {
    const h = await sim(['--help'], undefined);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('recovery-write [dev=NAME] pgoff=N offset=SIZE bytes=SIZE [pattern=0xNN]');
    const m = await sim(['--markdown'], undefined);
    expect(m.status).toBe(0);
    expect(m.stdout).toMatch(/^# Scenario commands\n/);
  });
});
