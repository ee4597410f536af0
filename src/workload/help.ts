/**
 * `poisonbench run --help`, docs/job-options.md and the README's option reference, all
 * generated from the option table (options.ts), so the docs cannot describe an option the
 * validator does not accept. Tests compare the checked-in files with these functions.
 */
import { formatSize } from '../core/units.js';
import { wrap } from '../sim/help.js';
import { OPTIONS, optionsOf, type OptionRow, type OptionSection } from './options.js';

const SECTION_TITLES: Readonly<Record<OptionSection, string>> = {
  job: 'Job options (in "global" or in a job; a flag --NAME VALUE overrides them for every job)',
  device: 'Device options (the "device" section: one simulated system per job)',
  poison: 'Poison options (the "poison" section)',
};
const SECTION_HEADINGS: Readonly<Record<OptionSection, string>> = {
  job: 'Job options (`global` or each of `jobs`)',
  device: 'Device options (`device`)',
  poison: 'Poison options (`poison`)',
};

const fmtBytes = (n: number): string => formatSize(n);

/** What values a row accepts, in one line. */
export function allowedText(row: OptionRow): string {
  switch (row.type) {
    case 'enum': return row.values!.join(' | ');
    case 'size': return `${fmtBytes(row.min!)}..${fmtBytes(row.max!)}${row.multipleOf !== undefined ? `, multiple of ${fmtBytes(row.multipleOf)}` : ''} (4096, 4k, 4KiB)`;
    case 'int': return `${row.min}..${row.max}${row.unit ? ` ${row.unit}` : ''}`;
    case 'number': return `${row.min}..${row.max}${row.unit ? ` ${row.unit}` : ''}`;
    case 'duration': return `a duration up to ${row.max! >= 1000 ? `${row.max! / 1000}s` : `${row.max}ms`} (2s, 500ms, 10us)`;
    case 'interval': return 'a duration (500ms) or an op count (5000ops)';
    case 'rate': return 'N/s, N/ms (wall time) or 1/Nops (logical time)';
    case 'bool': return 'true | false';
    case 'string': return '1..48 of A-Z a-z 0-9 _ . -';
  }
}

export function defaultText(row: OptionRow): string {
  return row.default !== undefined ? String(row.default) : row.defaultText ?? '';
}

export const RUN_USAGE = 'Usage: poisonbench run [JOB.json] [--NAME VALUE ...] [--json FILE] [--check] [--schema]';

/** The text of `poisonbench run --help`. */
export function runHelp(): string {
  const lines = [
    RUN_USAGE,
    '',
    'Runs the jobs of a job file, one after another, each with numjobs worker threads doing I/O',
    'against one simulated system in shared memory while poison appears and is scrubbed, cleared',
    'and recovered; prints what it cost. Without JOB.json, runs one job made of the flags.',
    'The whole file is checked before anything runs: problems are listed and the exit status is 2.',
    'Exit status: 0 every job completed; 1 a worker failed (the summary and --json say INCOMPLETE',
    'and name the job and worker); 2 bad input, nothing ran; 130 stopped by Ctrl-C (incomplete).',
    '',
    'Command options:',
    '  --json FILE     also write the RunResult (JSON) to FILE',
    '  --check         check the job file (and flags) and exit',
    '  --schema        print the JSON Schema of job files and exit',
    '  -h, --help      this text',
    '',
    'Job file: {"global": {...}, "device": {...}, "poison": {...}, "jobs": [{...}, ...]}',
    'Sizes take fio syntax (4k, 1m; binary) and IEC (4KiB); durations 2s, 500ms, 10us.',
  ];
  for (const section of ['job', 'device', 'poison'] as const) {
    lines.push('', `${SECTION_TITLES[section]}:`);
    for (const row of optionsOf(section)) {
      const def = defaultText(row);
      lines.push(`  --${row.name.replace(/_/g, '-')} ${placeholder(row)}   ${allowedText(row)}${def ? `; default ${def}` : ''}`);
      lines.push(...wrap(row.help, '      '));
    }
  }
  return lines.join('\n') + '\n';
}

function placeholder(row: OptionRow): string {
  return row.type === 'bool' ? '[true|false]' : row.type.toUpperCase();
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** The option reference in Markdown (docs/job-options.md and the README). */
export function optionReferenceMarkdown(level = '##'): string {
  const out: string[] = [];
  for (const section of ['job', 'device', 'poison'] as const) {
    out.push(`${level} ${SECTION_HEADINGS[section]}`, '', '| option | allowed values | default | meaning |', '|---|---|---|---|');
    for (const row of optionsOf(section)) {
      out.push(`| \`${row.name}\` | ${cell(allowedText(row))} | ${cell(defaultText(row)) || '—'} | ${cell(row.help)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** docs/job-options.md. */
export function jobOptionsDoc(): string {
  return [
    '# Job file options',
    '',
    '<!-- Generated from src/workload/options.ts by optionReferenceMarkdown(); a test keeps it in sync. -->',
    '',
    'A job file is JSON: `{"global": {...}, "device": {...}, "poison": {...}, "jobs": [{...}]}`.',
    'Job options go in `global` (every job) or in a job (that job); a job\'s value wins over',
    '`global`, and a `poisonbench run` flag (`--bs 64k`) wins over both. Each job runs on a fresh',
    'system built from `device` and `poison`. The JSON Schema is docs/job.schema.json.',
    '',
    optionReferenceMarkdown('##'),
  ].join('\n');
}

/** Every flag `poisonbench run` accepts for options (both spellings of names with `_`). */
export function optionFlags(): Map<string, OptionRow> {
  const m = new Map<string, OptionRow>();
  for (const row of OPTIONS) {
    m.set(`--${row.name}`, row);
    m.set(`--${row.name.replace(/_/g, '-')}`, row);
  }
  return m;
}
