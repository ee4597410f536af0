/**
 * --help and the Markdown reference are generated from the command table: every command and
 * every key appears, and docs/scenario-commands.md is exactly the generator's output.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from '../../src/sim/commands.js';
import { simHelp, commandReferenceMarkdown, usageLine } from '../../src/sim/help.js';
import type { CommandSpec } from '../../src/sim/spec.js';

const DOC = fileURLToPath(new URL('../../docs/scenario-commands.md', import.meta.url));

describe('simHelp', () => {
  const help = simHelp();

  it('lists every command with its usage line, and every key of it', () => {
    for (const row of COMMANDS as readonly CommandSpec[]) {
      const at = help.search(new RegExp(`\\n  ${row.word}(?= |\\n)`));
      expect(at, row.word).toBeGreaterThan(0);
      const next = help.indexOf('\n\n', at + 1);
      const block = help.slice(at, next < 0 ? undefined : next);
      for (const k of row.keys) {
        expect(block, `${row.word} ${k.name}`).toContain(k.type === 'flag' ? `[${k.name}]` : `${k.name}=`);
        expect(block, `${row.word} ${k.name} described`).toMatch(new RegExp(`\\n {6}${k.name} +\\S`));
      }
      expect(block, `${row.word} ret`).toContain('ret: ');
    }
  });

  it('describes the syntax, the output and the exit status', () => {
    expect(help).toContain('Usage: poisonbench sim SCRIPT');
    expect(help).toContain('{"line": N, "cmd": "<word>", "ret": …, …}');
    expect(help).toMatch(/Exit status: 0 .* 2 /s);
    expect(help).toContain('--check');
  });

  it('keeps lines within 100 columns', () => {
    for (const line of help.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });
});

describe('commandReferenceMarkdown', () => {
  const md = commandReferenceMarkdown();

  it('has a section per command with a row per key', () => {
    for (const row of COMMANDS as readonly CommandSpec[]) {
      expect(md).toContain(`### \`${row.word}\``);
      expect(md).toContain(usageLine(row));
      for (const k of row.keys) expect(md).toContain(`| \`${k.name}\` |`);
    }
  });

  it('escapes | inside table cells', () => {
    for (const line of md.split('\n').filter((l) => l.startsWith('| `'))) {
      expect(line.replace(/\\\|/g, '').split('|').length, line).toBe(6);
    }
  });

  it('is what docs/scenario-commands.md holds (regenerate: poisonbench sim --markdown > docs/scenario-commands.md)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(md);
  });
});
