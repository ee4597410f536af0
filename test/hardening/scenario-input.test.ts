/**
 * Bad input to scenario scripts, generated from the command table (src/sim/commands.ts):
 * for every key of every command, a value of the wrong type, a value out of range, and a
 * missing value (a required key left out; `key=` with nothing for an optional one); plus
 * malformed scripts as a whole (through the built CLI: exit 2, one line per bad line, no
 * stack trace, nothing run).
 *
 * Each case is a line holding the command with valid values for its other required keys
 * and the one bad key, so the line's first problem is that key. Expected messages follow
 * the rule (DESIGN.md "Bad input"): the line number, the command, the key, the value as
 * written, and what is allowed — written from the key's row, not recorded from a run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/sim/commands.js';
import type { CommandSpec, KeySpec } from '../../src/sim/spec.js';
import { validateScript } from '../../src/sim/validate.js';
import { isRequired } from '../../src/sim/values.js';

/** A value each key type accepts (refs need not resolve: keys are checked before names). */
function good(key: KeySpec): string | null {
  switch (key.type) {
    case 'flag': return null;
    case 'int': return String(Math.max(key.min, 0));
    case 'size': {
      let v = Math.max(key.min, 1);
      if (key.multipleOf !== undefined) v = Math.ceil(v / key.multipleOf) * key.multipleOf;
      if (key.powerOfTwo) v = 2 ** Math.ceil(Math.log2(v));
      return String(v);
    }
    case 'enum': return key.values[0]!;
    case 'string': return '"x"';
    case 'pattern': return '0xab';
    case 'ref': return key.scope === 'device' ? 'pmem0' : 'x1';
    case 'name': return key.scope === 'device' ? 'dz' : 'z1';
  }
}

const arg = (key: KeySpec, value: string | null): string => (value === null ? key.name : `${key.name}=${value}`);

/** The command with every required key but `bad` valid, and `bad` written as `value` (undefined: left out). */
function line(word: string, keys: readonly KeySpec[], bad: KeySpec, value: string | null | undefined): string {
  const parts = [word];
  for (const k of keys) {
    if (k === bad) {
      if (value !== undefined) parts.push(arg(k, value));
    } else if (isRequired(k)) {
      parts.push(arg(k, good(k)));
    }
  }
  return parts.join(' ');
}

interface Case {
  readonly kind: 'wrong type' | 'out of range' | 'missing';
  readonly value: string | null | undefined;
  /** What the message must say is allowed. */
  readonly allowed: RegExp;
  /** How the message shows the value. */
  readonly shown: string;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function cases(key: KeySpec): Case[] {
  const missing: Case = isRequired(key)
    ? { kind: 'missing', value: undefined, allowed: /missing /, shown: `${key.name}=` }
    : { kind: 'missing', value: '""', allowed: /must|is a flag/, shown: '""' };
  switch (key.type) {
    case 'int': {
      const over = key.max >= Number.MAX_SAFE_INTEGER ? null : String(key.max + 1);
      return [
        { kind: 'wrong type', value: '12abc', allowed: /must be a whole number of /, shown: '"12abc"' },
        { kind: 'out of range', value: over ?? String(key.min - 1), allowed: new RegExp(esc(`must be in [${key.min}, ${key.max}]`)), shown: over ?? String(key.min - 1) },
        missing,
      ];
    }
    case 'size': {
      const over = `${key.max + 4096}`;
      return [
        { kind: 'wrong type', value: 'lots', allowed: /must be a whole number of bytes such as 4096/, shown: '"lots"' },
        key.max < 2 ** 50
          ? { kind: 'out of range', value: over, allowed: /must be in \[.*\] bytes/, shown: `"${over}"` }
          : { kind: 'out of range', value: '0', allowed: /must be in \[.*\] bytes/, shown: '"0"' },
        missing,
      ];
    }
    case 'enum':
      return [
        { kind: 'wrong type', value: '17', allowed: new RegExp(esc(`must be one of ${key.values.join(', ')}`)), shown: '"17"' },
        { kind: 'out of range', value: `${key.values[0]!}x`, allowed: new RegExp(`${esc(`must be one of ${key.values.join(', ')}`)}.*did you mean`), shown: `"${key.values[0]!}x"` },
        missing,
      ];
    case 'string':
      return [
        { kind: 'out of range', value: `"${'a'.repeat(key.maxLength + 1)}"`, allowed: new RegExp(`must be at most ${key.maxLength} characters, got ${key.maxLength + 1}`), shown: '' },
        missing,
      ];
    case 'flag':
      return [{ kind: 'wrong type', value: '1', allowed: /is a flag: write it alone/, shown: `${key.name}="1"` }];
    case 'pattern':
      return [
        { kind: 'wrong type', value: 'zz', allowed: /must be one byte, 0x00\.\.0xff/, shown: '"zz"' },
        { kind: 'out of range', value: '0x100', allowed: /must be one byte, 0x00\.\.0xff/, shown: '"0x100"' },
        missing,
      ];
    case 'name':
      return [
        { kind: 'wrong type', value: '-bad', allowed: new RegExp(`must be a ${key.scope} name of `), shown: '"-bad"' },
        { kind: 'out of range', value: 'n'.repeat(80), allowed: new RegExp(`must be a ${key.scope} name of `), shown: `"${'n'.repeat(60)}…"` },
        missing,
      ];
    case 'ref':
      // Syntax is free; an unknown name is the platform's business (below).
      return [missing];
  }
}

describe('every key of every command: wrong type, out of range, missing', () => {
  for (const spec of COMMANDS) {
    for (const key of spec.keys) {
      for (const c of cases(key)) {
        // An optional ref or string may be empty text ("" is a string); what it names is the platform's business.
        if (c.kind === 'missing' && (key.type === 'ref' || key.type === 'string') && !isRequired(key)) continue;
        const text = line(spec.word, spec.keys, key, c.value);
        it(`${spec.word} ${key.name} (${key.type}): ${c.kind}: ${text.length > 80 ? text.slice(0, 80) + '…' : text}`, () => {
          const v = validateScript(text + '\n');
          expect(v.ok).toBe(false);
          if (v.ok) return;
          expect(v.errors).toHaveLength(1);
          const msg = v.errors[0]!.toString();
          expect(msg).not.toContain('\n');
          if (c.value === '""' && !isRequired(key)) {
            // key="" : the lexer or the type says the value is empty / wrong, naming the key.
            expect(msg).toMatch(new RegExp(`^line 1: (${spec.word}: )?.*${esc(key.name)}`));
            return;
          }
          expect(msg.startsWith(`line 1: ${spec.word}: `), msg).toBe(true);
          expect(msg).toContain(key.name);
          expect(msg).toMatch(c.allowed);
          if (c.shown) expect(msg).toContain(c.shown);
        });
      }
    }
  }
});

describe('names and the platform', () => {
  it('an unknown command: did-you-mean', () => {
    const v = validateScript('devcie size=64MiB\n');
    expect(v.ok ? [] : v.errors.map(String)).toEqual(['line 1: unknown command "devcie" (did you mean "device"?)']);
  });

  it('an unknown key: did-you-mean and the keys the command takes', () => {
    const v = validateScript('device sise=64MiB\n');
    expect(v.ok ? [] : v.errors.map(String)).toEqual([expect.stringMatching(/^line 1: device: unknown key "sise" \(did you mean "size"\?\); device takes name, size, /)]);
  });

  it('a key given twice', () => {
    const v = validateScript('device size=64MiB size=32MiB\n');
    expect(v.ok ? [] : v.errors.map(String)).toEqual(['line 1: device: size given twice (size=64MiB, then size=32MiB)']);
  });

  // Conflicting keys: every exclusive group of the table, both given.
  for (const spec of COMMANDS as readonly CommandSpec[]) {
    for (const group of spec.exclusive ?? []) {
      it(`${spec.word}: ${group.join(' and ')} together are refused`, () => {
        const keys = spec.keys.filter((k) => group.includes(k.name) || isRequired(k));
        const text = [spec.word, ...keys.map((k) => arg(k, good(k)))].join(' ');
        const v = validateScript(text + '\n');
        const shown = group.map((name) => { const k = spec.keys.find((x) => x.name === name)!; return arg(k, good(k)); });
        expect(v.ok ? [] : v.errors.map(String)).toEqual([`line 1: ${spec.word}: give ${group.join(' or ')}, not both (got ${shown.join(' and ')})`]);
      });
    }
  }

  it('an unknown device name: did-you-mean and what is declared', () => {
    const v = validateScript('device size=64MiB\nread dev=pmem9 sector=0 bytes=512\n');
    expect(v.ok ? [] : v.errors.map(String)).toEqual([expect.stringMatching(/^line 2: read: unknown device "pmem9" in dev=pmem9 .*declared: pmem0$/)]);
  });

  it('an extent past the end of the device names the keys, the end and the size', () => {
    const v = validateScript('device size=64MiB\nread sector=131072 bytes=512\n');
    expect(v.ok ? [] : v.errors.map(String)).toEqual([expect.stringMatching(/^line 2: read: sector=131072 \+ bytes=512 ends at byte \d+, past the end of pmem0's data, which holds /)]);
  });

  it('a kernel refusal is a ret value, not a malformed script (badblocks-store "100 0" -> EINVAL)', () => {
    const v = validateScript('device size=64MiB\nbadblocks-store text="100 0"\n');
    expect(v.ok).toBe(true);
  });
});

describe('malformed scripts through the built CLI', () => {
  const root = join(import.meta.dirname, '../..');
  const bin = join(root, 'bin/poisonbench.js');
  const sim = (text: string | Buffer, args: string[] = []): { status: number | null; stdout: string; stderr: string; files: string[] } => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-sim-'));
    writeFileSync(join(dir, 's.sim'), text);
    const r = spawnSync(process.execPath, [bin, 'sim', ...args, 's.sim'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, files: readdirSync(dir) };
  };

  const table: [string, string | Buffer, RegExp][] = [
    ['empty', '', /^poisonbench sim: s\.sim has no commands \(only blank or comment lines\); a script starts with a device line such as "device size=64MiB"\n$/],
    ['only comments', '# nothing\n\n   # here\n', /^poisonbench sim: s\.sim has no commands/],
    ['a huge line', `device size=64MiB name=${'x'.repeat(20_000)}\n`, /^line 1: the line is 20023 characters, more than the 16384 a script line may hold/],
    ['a huge file', Buffer.alloc(17 * 1024 * 1024, '#'), /^poisonbench sim: s\.sim is 17825792 bytes, more than the 16 MiB a scenario script may hold\n$/],
    ['not a script (JSON)', '{"device": {"size": "64MiB"}}\n', /^line 1: /],
    ['an unterminated string', 'device size=64MiB\nbadblocks-store text="100 8\n', /^line 2: /],
    ['a device beyond the memory', 'device size=8GiB\n', /^line 1: device: size=8589934592 bytes .*one simulated memory holds at most 4202143744 bytes; a larger device can be sparse/],
  ];
  for (const [name, text, expected] of table) {
    for (const args of [['--check'], []]) {
      it(`${name}${args.length ? ' (--check)' : ''}: exit 2, one line, nothing run or written`, () => {
        const r = sim(text, args);
        expect(r.status).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(expected);
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(r.stderr).not.toMatch(/^\s+at /m);
        expect(r.files).toEqual(['s.sim']);
      });
    }
  }
});
