/**
 * `poisonbench sim --help` and the command reference (docs/scenario-commands.md), both
 * generated from the command table, so a row added to commands.ts is documented everywhere
 * at once and the docs cannot describe a key the validator does not accept. A test
 * compares the checked-in Markdown with commandReferenceMarkdown().
 */
import { COMMANDS } from './commands.js';
import type { CommandSpec, KeySpec, Section } from './spec.js';
import { allowedText, defaultText, usageOf } from './values.js';

const SECTION_TITLES: Readonly<Record<Section, string>> = {
  platform: 'Platform: namespaces',
  errors: 'Errors: injection, scrub and clear (nvdimm layer)',
  badblocks: 'badblocks (sysfs)',
  block: 'Block I/O on /dev/pmemX',
  dax: 'DAX',
  files: 'fs-dax files',
  mm: 'Processes, mappings and memory_failure',
  time: 'Time and power',
};

const SECTIONS = Object.keys(SECTION_TITLES) as Section[];

/** The syntax and output rules, shared by both renderings (plain text, Markdown-safe). */
const SYNTAX = [
  'One command per line: a command word, then key=value arguments and bare flags.',
  '  write sector=96 bytes=4k pattern=0xab   # a comment runs to the end of the line',
  '  badblocks-store text="100 8\\n"',
  'Numbers are decimal or 0x hex; byte counts (SIZE) also take binary units: 4k, 64KiB, 2MiB.',
  'Strings are "..." with the escapes \\n \\\\ \\". # outside a string starts a comment.',
  'Addresses are relative to the namespace data start; sectors and blocks are 512 bytes, pages',
  '4096, ranges half-open. dev=NAME picks the namespace (default: the first device line).',
];

const OUTPUT = [
  'One JSON object per command on stdout, in a fixed key order:',
  '  {"line": N, "cmd": "<word>", "ret": …, …}',
  'ret is what the call returned, or an errno name without sign ("EIO") when the simulated',
  'kernel refuses; reads add "crc32" of the bytes returned (CRC-32/ISO-HDLC, "0x%08x").',
  'The whole script is checked before anything runs: a malformed line (unknown command or key,',
  'missing or duplicate key, bad number or unit, a value outside the declared device, an unknown',
  'or duplicate name, a command before any device line) prints "line N: <what is wrong>" on',
  'stderr and exits 2 with nothing run.',
];

export function usageLine(c: CommandSpec): string {
  return [c.word, ...c.keys.map(usageOf)].join(' ');
}

/** Wraps `text` to `width` columns, each line starting with `indent`. */
export function wrap(text: string, indent: string, width = 100): string[] {
  const out: string[] = [];
  let cur = indent;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (cur.length > indent.length && cur.length + 1 + word.length > width) {
      out.push(cur);
      cur = indent;
    }
    cur += (cur.length > indent.length ? ' ' : '') + word;
  }
  if (cur.length > indent.length) out.push(cur);
  return out;
}

function keyLine(k: KeySpec): string {
  if (k.type === 'flag') return `${k.help}.`;
  const d = defaultText(k);
  return `${k.help}. ${capital(allowedText(k))}${d ? `; default ${d}` : ''}.`;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The text of `poisonbench sim --help`. */
export function simHelp(): string {
  const lines: string[] = [
    'Usage: poisonbench sim SCRIPT [--check]      (SCRIPT "-" reads standard input)',
    '       poisonbench sim --markdown            (this reference as Markdown)',
    '',
    'Runs a scenario script against the simulated pmem stack.',
    '',
    'Options:',
    '  --check      validate the whole script and exit: 0 well-formed, 2 malformed',
    '  --markdown   print the command reference as Markdown (docs/scenario-commands.md)',
    '  -h, --help   this help',
    '',
    'Syntax:',
    ...SYNTAX.map((l) => '  ' + l),
    '',
    'Output:',
    ...OUTPUT.map((l) => '  ' + l),
    '',
    'Exit status: 0 the script ran (kernel refusals are ret values), 2 malformed script or usage,',
    '1 a failure inside the simulator.',
  ];
  for (const section of SECTIONS) {
    lines.push('', `${SECTION_TITLES[section]}:`);
    for (const c of COMMANDS.filter((x) => x.section === section) as readonly CommandSpec[]) {
      const [head, ...more] = wrap(usageLine(c), '      ');
      lines.push('', '  ' + head!.trimStart(), ...more);
      lines.push(...wrap(c.summary, '      '));
      const width = Math.max(0, ...c.keys.map((k) => k.name.length));
      for (const k of c.keys) {
        const [first, ...rest] = wrap(keyLine(k), ' '.repeat(8 + width + 2), 100);
        lines.push(`      ${k.name.padEnd(width)}  ${first!.trimStart()}`, ...rest);
      }
      lines.push(...wrap(`ret: ${c.returns}.${c.fields?.length ? ` Also: ${c.fields.map((f) => `${f.name}: ${f.help}`).join('; ')}.` : ''}${c.reference ? ` (${c.reference})` : ''}`, '      '));
    }
  }
  return lines.join('\n') + '\n';
}

/** Markdown prose: `<N>` would be read as an HTML tag. */
function text(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** A Markdown table cell: also `|` would end the cell. */
function cell(s: string): string {
  return text(s).replace(/\|/g, '\\|');
}

/** docs/scenario-commands.md. */
export function commandReferenceMarkdown(): string {
  const out: string[] = [
    '# Scenario commands',
    '',
    '<!-- Generated from src/sim/commands.ts by `poisonbench sim --markdown > docs/scenario-commands.md`;',
    '     do not edit by hand (test/sim/help.test.ts compares). -->',
    '',
    '`poisonbench sim SCRIPT` runs a scenario script (`-` reads standard input; `--check` only',
    'validates). References (§N, case ids) are to `reference/linux-pmem-poison.md`.',
    '',
    '## Syntax',
    '',
    '```',
    ...SYNTAX,
    '```',
    '',
    '## Output',
    '',
    '```',
    ...OUTPUT,
    '```',
  ];
  for (const section of SECTIONS) {
    out.push('', `## ${SECTION_TITLES[section]}`);
    for (const c of COMMANDS.filter((x) => x.section === section) as readonly CommandSpec[]) {
      out.push('', `### \`${c.word}\``, '', '```', usageLine(c), '```', '', text(c.summary), '');
      if (c.keys.length > 0) {
        out.push('| key | meaning | allowed | default |', '|---|---|---|---|');
        for (const k of c.keys) {
          const d = defaultText(k);
          out.push(`| \`${k.name}\` | ${cell(k.help)} | ${cell(allowedText(k))} | ${cell(d || (k.type === 'flag' ? 'off' : '—'))} |`);
        }
        out.push('');
      }
      out.push(`- **ret**: ${text(c.returns)}.`);
      for (const f of c.fields ?? []) out.push(`- **${f.name}**: ${text(f.help)}.`);
      if (c.modes) out.push(`- **namespace modes**: ${c.modes.join(', ')} (${text(c.modesWhy ?? '')}).`);
      if (c.reference) out.push(`- **reference**: ${text(c.reference)}.`);
    }
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}
