/**
 * Bad input to every `poisonbench` subcommand and flag, through the BUILT command (npm run
 * build): each case must exit 2, print ONE line on stderr naming the option or file, the
 * value and what is allowed, print no stack trace, and write nothing (the working
 * directory, a fresh one per case, holds only the inputs afterwards: no report directory).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_BADBLOCKS_KINDS } from '../../src/badblocks/kinds.js';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/poisonbench.js');

/** Files every case finds in its working directory. */
const INPUTS: Record<string, string> = {
  'empty.txt': '',
  'garbage.json': 'garbage\n',
  'job.json': '{"jobs": [{"name": "a", "runtime": "10ms"}]}\n',
  'ok.sim': 'device size=64MiB\n',
  'trace.jsonl': '{"op": "set", "s": 0, "n": 8, "ack": 1, "rc": 0}\n',
  'file': '',
};

interface Case {
  readonly args: string[];
  /** The one line on stderr (its prefix "poisonbench: " / "poisonbench sim: " included). */
  readonly stderr: RegExp | string;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const kinds = ALL_BADBLOCKS_KINDS.join(', ');

const CASES: Record<string, Case[]> = {
  'poisonbench': [
    { args: ['frob'], stderr: 'poisonbench: unknown command "frob" (see poisonbench --help)' },
    { args: ['sime'], stderr: 'poisonbench: unknown command "sime" (did you mean "sim"?) (see poisonbench --help)' },
  ],
  'bench': [
    { args: ['bench', '--suite', 'bogus'], stderr: 'poisonbench: --suite must name one of copy, badblocks, paths, memory-failure, workload, got "bogus"' },
    { args: ['bench', '--suite'], stderr: 'poisonbench: --suite needs a value' },
    { args: ['bench', '--processes', '0'], stderr: 'poisonbench: --processes must be an integer in [1, 9], got "0"' },
    { args: ['bench', '--processes', 'many'], stderr: 'poisonbench: --processes must be an integer in [1, 9], got "many"' },
    { args: ['bench', '--processes', '100'], stderr: 'poisonbench: --processes must be an integer in [1, 9], got "100"' },
    { args: ['bench', '--processes'], stderr: 'poisonbench: --processes needs a value' },
    { args: ['bench', '--time', '4'], stderr: 'poisonbench: --time must be an integer in [5, 10000], got "4"' },
    { args: ['bench', '--time', '1.5'], stderr: 'poisonbench: --time must be an integer in [5, 10000], got "1.5"' },
    { args: ['bench', '--time'], stderr: 'poisonbench: --time needs a value' },
    { args: ['bench', '--out'], stderr: 'poisonbench: --out needs a value' },
    { args: ['bench', '--json'], stderr: 'poisonbench: --json needs a value' },
    { args: ['bench', '--smok'], stderr: /^poisonbench: unknown option "--smok" \(did you mean "--smoke"\?\) \(see --help\)$/ },
    { args: ['bench', '--smoke', '--suite', 'copy', '--out', 'file/out'], stderr: /^poisonbench bench: cannot write reports to .*\/file\/out: ENOTDIR \(a path component is a file\)$/ },
    { args: ['bench', '--smoke', '--suite', 'copy', '--out', '/proc/poisonbench-x'], stderr: 'poisonbench bench: cannot write reports to /proc/poisonbench-x: ENOENT (no such directory, and it cannot be created there)' },
  ],
  'badblocks replay': [
    { args: ['badblocks', 'replay'], stderr: 'poisonbench: badblocks replay needs a FILE (a .jsonl trace, or - for standard input)' },
    { args: ['badblocks', 'replay', 'none.jsonl'], stderr: 'poisonbench: cannot read none.jsonl: ENOENT (no such file)' },
    { args: ['badblocks', 'replay', 'empty.txt'], stderr: /^poisonbench: empty\.txt is empty: a trace is one JSON op per line/ },
    { args: ['badblocks', 'replay', 'garbage.json'], stderr: /^poisonbench: trace line 1 is not JSON: Unexpected token/ },
    { args: ['badblocks', 'replay', 'trace.jsonl', '--kind', 'tabel'], stderr: `poisonbench: --kind must be one of ${kinds}, got "tabel"` },
    { args: ['badblocks', 'replay', 'trace.jsonl', '--kind'], stderr: `poisonbench: --kind must be one of ${kinds}, got ""` },
    { args: ['badblocks', 'replay', 'trace.jsonl', 'trace.jsonl'], stderr: 'poisonbench: badblocks replay takes one FILE, got a second: "trace.jsonl"' },
    { args: ['badblocks', 'replay', 'trace.jsonl', '--knd', 'table'], stderr: /^poisonbench: unknown option "--knd" for badblocks replay \(did you mean "--kind"\?\)/ },
    { args: ['badblocks', 'repaly'], stderr: /^poisonbench: unknown badblocks command "repaly" \(did you mean "replay"\?\) \(known: replay, diff\)$/ },
  ],
  'badblocks diff': [
    { args: ['badblocks', 'diff'], stderr: 'poisonbench: badblocks diff needs --ops FILE (a .jsonl op sequence, or - for standard input)' },
    { args: ['badblocks', 'diff', '--ops'], stderr: 'poisonbench: --ops needs a FILE (a .jsonl op sequence, or - for standard input)' },
    { args: ['badblocks', 'diff', '--ops', 'none.jsonl'], stderr: /^poisonbench: cannot read none\.jsonl: ENOENT/ },
    { args: ['badblocks', 'diff', '--ops', 'empty.txt'], stderr: /^poisonbench: empty\.txt is empty: an op sequence is one JSON op per line/ },
    { args: ['badblocks', 'diff', '--ops', 'garbage.json'], stderr: /^poisonbench: garbage\.json: line 1 is not JSON: / },
    { args: ['badblocks', 'diff', '--ops', 'trace.jsonl', '--max-entries', '0'], stderr: 'poisonbench: --max-entries must be an integer 1..1048576, got "0"' },
    { args: ['badblocks', 'diff', '--ops', 'trace.jsonl', '--max-entries', 'lots'], stderr: 'poisonbench: --max-entries must be an integer 1..1048576, got "lots"' },
    { args: ['badblocks', 'diff', '--op', 'trace.jsonl'], stderr: /^poisonbench: unknown argument "--op" for badblocks diff \(did you mean "--ops"\?\)/ },
  ],
  'sim': [
    { args: ['sim'], stderr: 'poisonbench sim: needs a SCRIPT: a file, or - for standard input (see poisonbench sim --help)' },
    { args: ['sim', 'none.sim'], stderr: 'poisonbench sim: cannot read none.sim: ENOENT (no such file)' },
    { args: ['sim', 'ok.sim', 'ok.sim'], stderr: 'poisonbench sim: takes one SCRIPT, got a second: "ok.sim"' },
    { args: ['sim', '--chek', 'ok.sim'], stderr: 'poisonbench sim: unknown option "--chek" (did you mean "--check"?) (see poisonbench sim --help)' },
    { args: ['sim', 'empty.txt'], stderr: /^poisonbench sim: empty\.txt has no commands/ },
    { args: ['sim', 'garbage.json'], stderr: /^line 1: unknown command "garbage"/ },
  ],
  'errmap check': [
    { args: ['errmap', 'check'], stderr: 'poisonbench errmap: errmap check needs a FILE (sysfs badblocks text or ndctl JSON, or - for standard input)' },
    { args: ['errmap', 'check', 'none.txt'], stderr: /^poisonbench errmap: cannot read none\.txt: ENOENT/ },
    { args: ['errmap', 'check', '--format', 'xml', 'empty.txt'], stderr: 'poisonbench errmap: --format must be one of sysfs, ndctl, got "xml"' },
    { args: ['errmap', 'check', '--format'], stderr: 'poisonbench errmap: --format must be one of sysfs, ndctl, got ""' },
    { args: ['errmap', 'check', '--dev'], stderr: 'poisonbench errmap: --dev needs a NAME' },
    { args: ['errmap', 'check', '--size', 'huge', 'empty.txt'], stderr: /^poisonbench errmap: --size .*"huge"/ },
    { args: ['errmap', 'check', '--frmat', 'sysfs'], stderr: /^poisonbench errmap: unknown option "--frmat" for errmap check \(did you mean "--format"\?\)/ },
    { args: ['errmap', 'chek'], stderr: 'poisonbench errmap: unknown errmap command "chek" (did you mean "check"?) (known: check)' },
    { args: ['errmap', 'check', 'garbage.json', 'file'], stderr: 'poisonbench errmap: errmap check takes one FILE, got a second: "file"' },
  ],
  'run': [
    { args: ['run', 'none.json'], stderr: 'poisonbench: cannot read none.json: ENOENT (no such file)' },
    { args: ['run', 'job.json', 'job.json'], stderr: 'poisonbench: run takes one JOB.json, got a second: "job.json"' },
    { args: ['run', '--json'], stderr: 'poisonbench: --json needs a value (see poisonbench run --help)' },
    { args: ['run', '--numjob', '2'], stderr: /^poisonbench: unknown option "--numjob" for run \(did you mean "--numjobs"\?\)/ },
    { args: ['run', 'garbage.json'], stderr: /^poisonbench: garbage\.json is not JSON: / },
    { args: ['run', 'empty.txt'], stderr: /^poisonbench: empty\.txt is empty; a job file is JSON such as / },
    { args: ['run', 'job.json', '--numjobs', '0'], stderr: 'poisonbench: --numjobs: must be in [1, 8] workers, got 0' },
    { args: ['run', 'job.json', '--json', 'file/out.json'], stderr: /^poisonbench: --json file\/out\.json: cannot write reports to .*\/file: EEXIST \(a file is in the way\)$/ },
  ],
  'compare': [
    { args: ['compare'], stderr: 'poisonbench: compare takes two files, OLD and NEW, got 0' },
    { args: ['compare', 'job.json'], stderr: 'poisonbench: compare takes two files, OLD and NEW, got 1' },
    { args: ['compare', 'none.json', 'job.json'], stderr: 'poisonbench: cannot read none.json: ENOENT (no such file)' },
    { args: ['compare', 'garbage.json', 'garbage.json'], stderr: /^poisonbench: garbage\.json is not JSON: .*; a report is JSON such as / },
    { args: ['compare', 'empty.txt', 'empty.txt'], stderr: /^poisonbench: empty\.txt is empty; a report is JSON such as / },
    { args: ['compare', 'job.json', 'job.json', '--threshold', 'x'], stderr: 'poisonbench: --threshold must be a number in [0, 1000], got "x"' },
    { args: ['compare', 'job.json', 'job.json', '--alpha', '2'], stderr: /^poisonbench: --alpha must be a number in \[0, 1\], got "2"$/ },
    { args: ['compare', 'job.json', 'job.json', '--treshold', '5'], stderr: /^poisonbench: unknown option "--treshold" for compare \(did you mean "--threshold"\?\)/ },
  ],
};

function runIn(args: string[]): { status: number | null; stdout: string; stderr: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'));
  for (const [name, text] of Object.entries(INPUTS)) writeFileSync(join(dir, name), text);
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000, env: { ...process.env, CI: 'true' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, files: readdirSync(dir).sort() };
}

for (const [command, cases] of Object.entries(CASES)) {
  describe(`poisonbench ${command === 'poisonbench' ? '' : command}: bad input`, () => {
    for (const c of cases) {
      it(c.args.join(' '), () => {
        const r = runIn(c.args);
        expect(r.status, r.stderr).toBe(2);
        const lines = r.stderr.split('\n');
        expect(lines, 'one line, newline-terminated').toHaveLength(2);
        expect(lines[1]).toBe('');
        if (typeof c.stderr === 'string') expect(lines[0]).toBe(c.stderr);
        else expect(lines[0]).toMatch(c.stderr);
        expect(r.stderr).not.toMatch(/^\s+at /m);
        // Nothing written: the inputs only (no bench-results/, no report, no temporary file).
        expect(r.files).toEqual(Object.keys(INPUTS).sort());
      });
    }
  });
}

describe('kernel refusals are ret values, not errors of the tool', () => {
  it('badblocks-store "100 0" is EINVAL in the output, exit 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'));
    writeFileSync(join(dir, 's.sim'), 'device size=64MiB\nbadblocks-store text="100 0"\n');
    const r = spawnSync(process.execPath, [bin, 'sim', 's.sim'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')[1]).toMatch(new RegExp(`^\\{"line": 2, "cmd": "badblocks-store", "ret": ${esc('"EINVAL"')}|^\\{"line": 2, "cmd": "badblocks-store", "ret": -22`));
  });
});

describe('a directory given as an input file', () => {
  it('is named as a directory, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-cli-'));
    mkdirSync(join(dir, 'd'));
    for (const [args, what] of [[['run', 'd'], 'job file'], [['sim', 'd'], 'scenario script'], [['compare', 'd', 'd'], 'report']] as const) {
      const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^poisonbench( sim)?: d is a directory, not a ${what}\\n$`));
    }
  });
});

