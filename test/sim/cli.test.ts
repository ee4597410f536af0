/**
 * The built command end to end: `node bin/poisonbench.js sim …` as a user runs it (needs
 * `npm run build`, which `npm test` does first). Exit 0 for a well-formed script under
 * --check, 2 with `line N: …` on stderr and no stack trace for a malformed one, help and
 * usage errors; and a real run on the simulated system: the shipped E-1 script from a file
 * and from standard input, exit 0, one JSON line per command with the reference's results.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
    expect(missing.stderr).toBe('poisonbench sim: cannot read no/such/script.sim: ENOENT (no such file)\n');
    const opt = cli(['sim', '--frobnicate', '-']);
    expect(opt.status).toBe(2);
    expect(opt.stderr).not.toMatch(STACK);
  });

  // E-1 (reference §9.12, §7.1): the script's command lines and the results the reference gives.
  const E1 = 'bench/scenarios/e1-inject-error.sim';
  const e1Expect = (stdout: string): void => {
    const lines = stdout.split('\n');
    expect(lines.pop()).toBe(''); // every line ends with a newline
    const records = lines.map((l) => JSON.parse(l) as { line: number; cmd: string; ret: unknown });
    const script = readFileSync(fileURLToPath(new URL(`../../${E1}`, import.meta.url)), 'utf8').split('\n');
    expect(records.map((r) => r.line)).toEqual(script.flatMap((l, i) => (/^\s*(#|$)/.test(l) ? [] : [i + 1])));
    const at = (line: number) => records.find((r) => r.line === line)!;
    expect(at(6)).toEqual({ line: 6, cmd: 'inject-status', ret: [{ block: 42, count: 8 }] }); // E-1
    expect(at(7)).toEqual({ line: 7, cmd: 'badblocks', ret: '' }); // E-1: no notify, no scrub
    expect(at(12)).toEqual({ line: 12, cmd: 'badblocks', ret: '42 8\n' }); // E-1: notify + scrub
    expect(at(13)).toMatchObject({ cmd: 'write', ret: 512 }); // E-1
    expect(at(21)).toEqual({ line: 21, cmd: 'badblocks', ret: '' }); // E-1: the writes cleared it
    expect(at(22)).toEqual({ line: 22, cmd: 'inject-status', ret: [] }); // E-1
  };

  it('runs a shipped scenario script on the simulated system: exit 0, JSON lines on stdout (E-1)', () => {
    const r = cli(['sim', E1]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    e1Expect(r.stdout);
  });

  it('runs the same script from standard input (-) with the same output', () => {
    const text = readFileSync(fileURLToPath(new URL(`../../${E1}`, import.meta.url)), 'utf8');
    const r = cli(['sim', '-'], text);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    e1Expect(r.stdout);
    expect(r.stdout).toBe(cli(['sim', E1]).stdout);
  });

  it('kernel refusals are ret values: exit 0 (P-1)', () => {
    const r = cli(['sim', '-'], 'device size=8MiB mode=raw\ninject-error block=100 count=8 notify\nread sector=96 bytes=4k\n');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[2]).toMatch(/^\{"line": 3, "cmd": "read", "ret": "EIO"/);
  });

  it('--help lists the commands; poisonbench --help lists sim', () => {
    const h = cli(['sim', '--help']);
    expect(h.status).toBe(0);
    for (const word of ['device', 'inject-error', 'recovery-write', 'punch-hole', 'power-fail']) expect(h.stdout).toMatch(new RegExp(`\\n  ${word}[ \\n]`));
    const top = cli(['--help']);
    expect(top.stdout).toContain('sim SCRIPT|-');
  });
});
