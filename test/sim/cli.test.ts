/**
 * The built command end to end: `node bin/poisonbench.js sim …` as a user runs it (needs
 * `npm run build`, which `npm test` does first). Exit 0 for a well-formed script under
 * --check, 2 with `line N: …` on stderr and no stack trace for a malformed one, help and
 * usage errors; and, until the simulated system is wired in, exit 1 for a run.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/poisonbench.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/src/sim/main.js', import.meta.url));

function cli(args: string[], input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A stack trace line, as Node prints one. */
const STACK = /^\s+at .+[:(]/m;

describe('poisonbench sim (built CLI)', () => {
  beforeAll(() => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run npm run build first (npm test does)`);
  });

  it('--check accepts a well-formed script on stdin: exit 0, no output', () => {
    const r = cli(['sim', '--check', '-'], 'device size=64MiB mode=raw\ninject-error block=42 count=8\ninject-status\nbadblocks\n');
    expect(r).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('refuses a malformed script: exit 2, line N: on stderr, no stack trace, nothing on stdout', () => {
    const script = 'device size=64MiB\nread sector=0 bytes=4k\nwrite sector=999999999 bytes=4k\nraed sector=0\n';
    for (const args of [['sim', '-'], ['sim', '--check', '-']]) {
      const r = cli(args, script);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^line 3: write: sector=999999999 \+ bytes=4096 ends at byte \d+, past the end of pmem0's data/);
      expect(r.stderr).toMatch(/^line 4: unknown command "raed" \(did you mean "read"\?\)$/m);
      expect(r.stderr).not.toMatch(STACK);
    }
  });

  it('refuses a script whose first command is not a device line', () => {
    const r = cli(['sim', '-'], '# comment\nscrub\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('line 2: scrub: comes before any device line; declare the namespace first, e.g. "device size=64MiB"\n');
  });

  it('reports an unreadable script and unknown options as usage errors (exit 2)', () => {
    const missing = cli(['sim', 'no/such/script.sim']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('poisonbench sim: cannot read no/such/script.sim: ENOENT\n');
    const opt = cli(['sim', '--frobnicate', '-']);
    expect(opt.status).toBe(2);
    expect(opt.stderr).not.toMatch(STACK);
  });

  it('runs nothing yet without the simulated system: exit 1, a clear message, no stack', () => {
    const r = cli(['sim', '-'], 'device size=64MiB\n');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no simulated system to run it on/);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('--help lists the commands; poisonbench --help lists sim', () => {
    const h = cli(['sim', '--help']);
    expect(h.status).toBe(0);
    for (const word of ['device', 'inject-error', 'recovery-write', 'punch-hole', 'power-fail']) expect(h.stdout).toMatch(new RegExp(`\\n  ${word}[ \\n]`));
    const top = cli(['--help']);
    expect(top.stdout).toContain('sim SCRIPT|-');
  });
});
