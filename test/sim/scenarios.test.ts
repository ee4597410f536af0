/**
 * The shipped scenario scripts (bench/scenarios/*.sim) through the real simulated system
 * (src/sim/system-executor.ts), on every badblocks structure unless a case depends on the
 * table's 512-entry limit (DESIGN.md "Semantics decisions").
 *
 * Every expectation below is written from the reference (`reference/linux-pmem-poison.md`),
 * with its case id, and is the same one the script states in the comment on that line: a
 * test checks that the comment names the case and spells the expected `ret` and fields, and
 * that no comment promises a `ret` this file does not assert. Data read back is checked by
 * its crc32, computed here (node:zlib) from the bytes the scenario wrote — never recorded
 * from a run.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { BADBLOCKS_KINDS, type BadblocksKind } from '../../src/badblocks/kinds.js';
import { simulate } from '../../src/sim/run.js';
import { validateScript } from '../../src/sim/validate.js';
import { formatJson } from '../../src/sim/output.js';
import type { JsonValue } from '../../src/sim/executor.js';
import { createSystemExecutor } from '../../src/sim/system-executor.js';

const DIR = fileURLToPath(new URL('../../bench/scenarios/', import.meta.url));

/** `n` bytes of `byte`, optionally followed by more runs: the content a scenario wrote. */
function bytes(...runs: [n: number, byte: number][]): Uint8Array {
  const out = new Uint8Array(runs.reduce((a, [n]) => a + n, 0));
  let at = 0;
  for (const [n, b] of runs) {
    out.fill(b, at, at + n);
    at += n;
  }
  return out;
}

const crcText = (data: Uint8Array): string => '0x' + (zlibCrc32(data) >>> 0).toString(16).padStart(8, '0');

interface Expect {
  /** Script line (1-based). */
  readonly line: number;
  /** Reference case id or section the expectation comes from; 'setup' for set-up lines (ret 0). */
  readonly ref: string;
  readonly ret: JsonValue;
  /** Further fields; `undefined` = the field must be absent. */
  readonly fields?: Readonly<Record<string, JsonValue | undefined>>;
  /** The bytes a read must return (its crc32 is compared). */
  readonly data?: Uint8Array;
}

interface Scenario {
  readonly kinds: readonly BadblocksKind[];
  readonly expect: readonly Expect[];
}

const ALL = BADBLOCKS_KINDS;
const K4 = 4096;

/** E-6: the first 512 of the 600 ranges in list order, one sector each (§1.1, §2.1). */
const E6_TABLE = Array.from({ length: 512 }, (_, i) => `${2 * i} 1\n`).join('');

const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'e1-inject-error.sim': {
    kinds: ALL,
    expect: [
      { line: 4, ref: 'E-1', ret: 0 },
      { line: 5, ref: 'E-1', ret: 0 },
      { line: 6, ref: 'E-1', ret: [{ block: 42, count: 8 }] },
      { line: 7, ref: 'E-1', ret: '' },
      { line: 8, ref: 'E-1', ret: 0 },
      { line: 9, ref: 'E-1', ret: [] },
      { line: 10, ref: 'N-10', ret: 0 },
      { line: 11, ref: 'E-1', ret: 0 },
      { line: 12, ref: 'E-1', ret: '42 8\n' },
      // §3.3: a 512-byte write over a bad sector clears 512 bytes first (unit 256).
      ...[13, 14, 15, 16, 17, 18, 19, 20].map((line) => ({ line, ref: 'E-1', ret: 512, fields: { cleared: 512 } })),
      { line: 21, ref: 'E-1', ret: '' },
      { line: 22, ref: 'E-1', ret: [] },
    ],
  },
  'e2-clear.sim': {
    kinds: ALL,
    expect: [
      { line: 5, ref: 'E-2', ret: 0 },
      { line: 6, ref: 'E-2', ret: 0 },
      { line: 7, ref: 'E-2', ret: 0 },
      { line: 8, ref: 'E-2', ret: '65536 8\n' },
      { line: 9, ref: 'P-1', ret: 'EIO' },
      { line: 10, ref: 'E-2', ret: 0 },
      { line: 11, ref: 'E-2', ret: '61440 8\n' },
      ...[12, 13, 14, 15, 16, 17, 18, 19].map((line) => ({ line, ref: 'E-2', ret: 512, fields: { cleared: 512 } })),
      { line: 20, ref: 'E-2', ret: '' },
      { line: 21, ref: '§2.2', ret: '' },
      { line: 22, ref: 'E-2', ret: 0 },
      { line: 23, ref: 'E-2', ret: '' },
      { line: 24, ref: 'E-2', ret: K4, data: bytes([K4, 0]) },
    ],
  },
  'e4-daxdev-errors.sim': {
    kinds: ALL,
    expect: [
      { line: 6, ref: 'E-4', ret: 0 },
      { line: 7, ref: 'E-4', ret: 0 },
      { line: 8, ref: 'E-4', ret: '67584 8\n' },
      { line: 9, ref: 'E-4', ret: K4 },
      { line: 10, ref: 'E-4', ret: '' },
      { line: 11, ref: '§7.2', ret: [] },
    ],
  },
  'e5-pfn-meta-errors.sim': {
    kinds: ALL,
    expect: [
      { line: 7, ref: 'E-5', ret: 0 },
      { line: 8, ref: 'E-5', ret: 0 },
      { line: 9, ref: 'E-5', ret: 0 },
      { line: 10, ref: 'E-5', ret: '2056 32\n' },
      // §2.4: nd_pfn_clear_memmap_errors zeroes the 4 bad pages through nsio_rw_bytes.
      { line: 11, ref: 'E-5', ret: 0, fields: { cleared: 4 * K4 } },
      { line: 12, ref: 'E-5', ret: '' },
      { line: 13, ref: 'E-5', ret: 0 },
      { line: 14, ref: 'E-5', ret: '' },
      { line: 15, ref: '§7.2', ret: [] },
    ],
  },
  'e6-table-full.sim': {
    kinds: ['table'],
    expect: [
      { line: 6, ref: 'E-6', ret: 0 },
      { line: 7, ref: 'E-6', ret: 0 },
      { line: 606, ref: 'E-6', ret: 0 },
      { line: 607, ref: 'E-6', ret: 0, fields: { records: 600, dropped: 88 } },
      { line: 608, ref: 'E-6', ret: E6_TABLE },
      { line: 609, ref: 'P-1', ret: 'EIO', fields: { cause: 'badblocks' } },
      { line: 610, ref: 'P-8', ret: 'EIO', fields: { cause: 'mce', mce: 1 } },
      { line: 611, ref: 'P-2', ret: 512, data: bytes([512, 0]) },
      { line: 612, ref: 'P-8', ret: 512, fields: { cleared: undefined } },
      { line: 613, ref: 'P-8', ret: 'EIO', fields: { cause: 'mce' } },
    ],
  },
  // The map's definition (bench/errmaps/README.md): five ranges, data sectors; the region adds
  // the fsdax reservation, 12886999040 bytes = 25169920 sectors (§2.1). Sparse devices take
  // no bitmap (it would cover every sector of 768 GiB).
  'real-error-map.sim': {
    kinds: ['table', 'itree', 'btree'],
    expect: [
      { line: 11, ref: 'setup', ret: 0 },
      { line: 12, ref: '§2.3', ret: 0, fields: { ranges: 5, sectors: 97, windows: 4 } },
      { line: 13, ref: '§2.1', ret: '1048576 8\n201326597 1\n201326600 8\n943718400 64\n1585442800 16\n' },
      { line: 14, ref: '§2.1', ret: [[1048576, 8], [201326597, 1], [201326600, 8], [943718400, 64], [1585442800, 16]].map(([s, n]) => `${s! + 25169920} ${n}\n`).join('') },
      { line: 15, ref: 'P-1', ret: 'EIO', fields: { delivered: 0, cause: 'badblocks' } },
      { line: 16, ref: 'P-2', ret: K4, data: bytes([K4, 0]) },
      { line: 17, ref: 'D-1', ret: 'EHWPOISON' },
      { line: 18, ref: 'D-2', ret: 1 },
      { line: 19, ref: 'D-8', ret: K4, fields: { cleared: K4 } },
      { line: 20, ref: 'D-8', ret: K4, data: bytes([K4, 0x5a]) },
      { line: 21, ref: 'P-1', ret: 'EIO' },
      { line: 22, ref: 'P-4', ret: K4, fields: { cleared: K4 } },
      { line: 23, ref: 'P-4', ret: K4, data: bytes([K4, 0x11]) },
      { line: 24, ref: 'P-1', ret: 'EIO' },
      { line: 25, ref: 'D-8', ret: '201326597 1\n201326600 8\n943718408 56\n1585442800 16\n' },
    ],
  },
  'failfast-vs-recovery.sim': {
    kinds: ALL,
    expect: [
      { line: 8, ref: 'setup', ret: 0 },
      { line: 9, ref: 'setup', ret: 0 },
      { line: 10, ref: 'F-4', ret: 8 * K4, fields: { cleared: undefined } },
      { line: 11, ref: 'N-10', ret: 0 },
      { line: 12, ref: 'N-10', ret: '100 8\n' },
      { line: 14, ref: 'P-1', ret: 'EIO', fields: { delivered: 0 } },
      { line: 15, ref: 'P-2', ret: 512, data: bytes([512, 0x11]) },
      { line: 16, ref: 'P-2', ret: 512, data: bytes([512, 0x11]) },
      { line: 17, ref: 'P-7', ret: 'EIO', fields: { delivered: K4 } },
      { line: 19, ref: 'D-1', ret: 'EHWPOISON' },
      { line: 20, ref: 'D-2', ret: 3 },
      { line: 21, ref: 'D-4', ret: 4 },
      { line: 23, ref: 'F-1', ret: 'EIO' },
      { line: 24, ref: '§4.3', ret: 2 * K4, data: bytes([2 * K4, 0x11]) },
      { line: 25, ref: 'F-3', ret: 'EFAULT' },
      { line: 26, ref: 'F-3', ret: '100 8\n' },
      { line: 27, ref: 'F-4', ret: 2 * K4, fields: { cleared: undefined } },
      // F-2 and §3.5: recovery_write(pgoff 10, 3 pages) clears its whole 12 KiB, then page 13's 4 KiB.
      { line: 28, ref: 'F-2', ret: 8 * K4, fields: { cleared: 4 * K4 } },
      { line: 29, ref: 'F-2', ret: '' },
      { line: 31, ref: 'F-2', ret: 8 * K4, data: bytes([8 * K4, 0x33]) },
      { line: 32, ref: 'P-3', ret: K4, data: bytes([K4, 0x33]) },
      // D-5: (64 MiB - 2 MiB reservation) / 4096 = 15872 data pages, from page 10.
      { line: 33, ref: 'D-5', ret: 15872 - 10 },
      { line: 34, ref: '§7.2', ret: [] },
    ],
  },
  'latent-poison-mce.sim': {
    kinds: ALL,
    expect: [
      { line: 8, ref: 'setup', ret: 0 },
      { line: 9, ref: 'setup', ret: 0 },
      { line: 10, ref: 'setup', ret: 2 * K4 },
      { line: 11, ref: 'setup', ret: 0 },
      { line: 12, ref: '§2.1', ret: '' },
      { line: 13, ref: '§2.1', ret: [] },
      { line: 14, ref: 'F-5', ret: 4992, fields: { mce: 1 }, data: bytes([4992, 0x44]) },
      // N-2 with LSB 6: [45952, +64) rounds out to sector 89.
      { line: 15, ref: 'N-2', ret: '89 1\n' },
      { line: 16, ref: 'F-5', ret: 'EIO' },
      { line: 17, ref: '§4.3', ret: K4, data: bytes([K4, 0x44]) },
      { line: 18, ref: 'P-10', ret: 'EIO', fields: { cause: 'unmapped' } },
      { line: 19, ref: 'D-8', ret: K4, fields: { cleared: K4 } },
      { line: 20, ref: 'D-8', ret: '' },
      { line: 21, ref: 'P-10', ret: K4, data: bytes([K4, 0x55]) },
      { line: 22, ref: 'F-5', ret: 2 * K4, data: bytes([K4, 0x44], [K4, 0x55]) },
      { line: 24, ref: 'setup', ret: 0 },
      { line: 25, ref: 'setup', ret: 0 },
      { line: 26, ref: 'F-5', ret: 'EFAULT', fields: { mce: 1 } },
      { line: 27, ref: 'F-5', ret: 'EIO' },
      { line: 29, ref: 'setup', ret: 0 },
      { line: 30, ref: 'setup', ret: 0 },
      { line: 31, ref: 'P-8', ret: K4, fields: { cleared: undefined } },
      { line: 32, ref: 'P-8', ret: 'EIO', fields: { cause: 'mce', mce: 1 } },
      { line: 33, ref: 'N-2', ret: '100 1\n' },
      { line: 34, ref: 'P-8', ret: K4, fields: { cleared: K4 } },
      { line: 35, ref: 'P-8', ret: K4, data: bytes([K4, 0x66]) },
      { line: 36, ref: 'setup', ret: 0 },
      { line: 37, ref: 'N-2', ret: 'EIO', fields: { mce: 1 } },
      { line: 38, ref: 'N-2', ret: '145 1\n' },
      { line: 39, ref: 'M-9', ret: 512, data: bytes([512, 0]) },
      { line: 40, ref: 'setup', ret: 0 },
      { line: 41, ref: 'setup', ret: 0 },
      { line: 42, ref: 'N-2', ret: 'EIO', fields: { mce: 1 } },
      { line: 43, ref: 'N-2', ret: '144 8\n' },
    ],
  },
  'before-5.19.sim': {
    kinds: ALL,
    expect: [
      { line: 4, ref: 'setup', ret: 0 },
      { line: 5, ref: 'setup', ret: 0 },
      { line: 6, ref: 'setup', ret: 0 },
      { line: 7, ref: 'setup', ret: 0 },
      { line: 8, ref: 'setup', ret: 0 },
      { line: 9, ref: 'setup', ret: 0 },
      { line: 10, ref: 'D-11', ret: 'EIO' },
      { line: 11, ref: 'D-1', ret: 'EHWPOISON' },
      { line: 12, ref: 'D-11', ret: 'EIO' },
      { line: 13, ref: 'D-2', ret: 3 },
      { line: 14, ref: 'D-11', ret: 'EIO' },
      { line: 15, ref: 'F-1', ret: 'EIO' },
      { line: 16, ref: '§4.3', ret: 'EIO' },
      { line: 17, ref: '§4.3', ret: '100 8\n' },
      { line: 18, ref: 'F-2', ret: 8 * K4, fields: { cleared: 4 * K4 } },
      { line: 19, ref: 'F-2', ret: '' },
      { line: 22, ref: 'F-9', ret: 0 },
      { line: 23, ref: 'F-9', ret: 2 * K4, fields: { cleared: 2 * K4 } },
      { line: 24, ref: 'F-9', ret: '' },
      { line: 25, ref: 'F-4', ret: 8 * K4, fields: { cleared: undefined } },
      { line: 26, ref: 'F-9', ret: 8 * K4, data: bytes([8 * K4, 0x77]) },
      { line: 28, ref: 'setup', ret: 0 },
      { line: 29, ref: 'P-9', ret: 0, fields: { cleared: K4 } },
      { line: 30, ref: 'P-9', ret: '104 4\n' },
    ],
  },
};

/** Sets every device line's badblocks structure to `kind` (replacing any badblocks=). */
function withKind(text: string, kind: BadblocksKind): string {
  return text.split('\n').map((l) => {
    if (!/^\s*device(\s|$)/.test(l)) return l;
    const hash = l.indexOf('#');
    const code = (hash < 0 ? l : l.slice(0, hash)).replace(/\s+badblocks=\S+/, '').trimEnd();
    return `${code} badblocks=${kind}${hash < 0 ? '' : '  ' + l.slice(hash)}`;
  }).join('\n');
}

type OutLine = Readonly<Record<string, JsonValue>> & { readonly line: number };

async function run(text: string): Promise<OutLine[]> {
  const out: string[] = [];
  const r = await simulate(text, createSystemExecutor, (l) => out.push(l));
  expect(r.status).toBe('ran');
  return out.map((l) => JSON.parse(l) as OutLine);
}

const read = (file: string): string => readFileSync(DIR + file, 'utf8');
/** Lines (1-based) that hold a command. */
const commandLines = (text: string): number[] => text.split('\n').flatMap((l, i) => (/^\s*(#|$)/.test(l) ? [] : [i + 1]));
const commentOf = (text: string, line: number): string => {
  const l = text.split('\n')[line - 1] ?? '';
  const hash = l.indexOf('#');
  return hash < 0 ? '' : l.slice(hash + 1);
};

describe('bench/scenarios', () => {
  it('holds exactly the scripts specified here, each listed in its README', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.sim')).sort();
    expect(files).toEqual(Object.keys(SCENARIOS).sort());
    const readme = read('README.md');
    for (const f of files) expect(readme).toContain('`' + f + '`');
    // The ndctl end-to-end cases the issue asks for.
    for (const id of ['E-1', 'E-2', 'E-4', 'E-5', 'E-6']) expect(readme).toContain(id);
  });

  for (const [file, sc] of Object.entries(SCENARIOS)) {
    describe(file, () => {
      const text = read(file);

      it('is well-formed, and every expectation is the one its line\'s comment states', () => {
        const v = validateScript(text);
        expect(v.ok ? [] : v.errors.map(String)).toEqual([]);
        const lines = new Set(commandLines(text));
        const asserted = new Set<number>();
        for (const e of sc.expect) {
          expect(lines.has(e.line), `${file}:${e.line} is not a command line`).toBe(true);
          expect(asserted.has(e.line), `${file}:${e.line} has two expectations`).toBe(false);
          asserted.add(e.line);
          const comment = commentOf(text, e.line);
          if (e.ref !== 'setup') expect(comment, `${file}:${e.line} comment names ${e.ref}`).toContain(e.ref);
          const ret = formatJson(e.ret);
          if (ret.length <= 48) expect(comment, `${file}:${e.line} comment states the ret`).toContain(`ret ${ret}`);
          for (const [k, v] of Object.entries(e.fields ?? {})) {
            if (v !== undefined) expect(comment, `${file}:${e.line} comment states ${k}`).toContain(`${k} ${formatJson(v)}`);
          }
        }
        // No comment promises a result that is not asserted.
        for (const line of lines) {
          if (/\bret\b/.test(commentOf(text, line))) expect(asserted.has(line), `${file}:${line} states a ret that no expectation asserts`).toBe(true);
        }
      });

      for (const kind of sc.kinds) {
        it(`gives the reference's results with badblocks=${kind}`, async () => {
          const records = await run(withKind(text, kind));
          expect(records.map((r) => r.line)).toEqual(commandLines(text));
          const byLine = new Map(records.map((r) => [r.line, r]));
          for (const e of sc.expect) {
            const r = byLine.get(e.line)!;
            const where = `${file}:${e.line} (${e.ref}, ${kind})`;
            expect(r['ret'], where).toEqual(e.ret);
            for (const [k, v] of Object.entries(e.fields ?? {})) expect(r[k], `${where} ${k}`).toEqual(v);
            if (e.data !== undefined) {
              expect(e.data.length, `${where}: the expected data has ret bytes`).toBe(e.ret);
              expect(r['crc32'], `${where} crc32`).toBe(crcText(e.data));
            }
          }
        });
      }
    });
  }

  it('the structure never changes an answer that does not depend on the table\'s 512-sector entries (DESIGN.md)', async () => {
    for (const file of ['failfast-vs-recovery.sim', 'latent-poison-mce.sim', 'e2-clear.sim']) {
      const text = read(file);
      const outputs: string[] = [];
      for (const kind of ALL) outputs.push(JSON.stringify(await run(withKind(text, kind))));
      for (let i = 1; i < outputs.length; i++) expect(outputs[i], `${file}: ${ALL[i]} vs ${ALL[0]}`).toBe(outputs[0]);
    }
  });

  it('is deterministic: the same script prints the same bytes twice', async () => {
    const text = read('latent-poison-mce.sim');
    const a: string[] = [];
    const b: string[] = [];
    await simulate(text, createSystemExecutor, (l) => a.push(l));
    await simulate(text, createSystemExecutor, (l) => b.push(l));
    expect(b).toEqual(a);
    expect(a.length).toBe(commandLines(text).length);
  });
});

describe('README "Scenario scripts"', () => {
  it('its example prints the output shown under it', async () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const section = readme.slice(readme.indexOf('## Scenario scripts'), readme.indexOf('\n## ', readme.indexOf('## Scenario scripts') + 3));
    // Fenced blocks without a language: the script, then its output.
    const blocks = [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === '').map((m) => m[2]!);
    expect(blocks.length).toBe(2);
    const [script, shown] = blocks as [string, string];
    expect(commandLines(script).length).toBeGreaterThan(3);
    const out: string[] = [];
    await simulate(script, createSystemExecutor, (l) => out.push(l));
    expect(out.length).toBe(commandLines(script).length);
    expect(out.join('\n') + '\n').toBe(shown);
  });
});

describe('withKind', () => {
  it('rewrites every device line, replacing a badblocks= and keeping the comment', () => {
    expect(withKind('device size=64MiB badblocks=table  # c\nread sector=0 bytes=512\ndevice name=b size=2MiB', 'itree'))
      .toBe('device size=64MiB badblocks=itree  # c\nread sector=0 bytes=512\ndevice name=b size=2MiB badblocks=itree');
  });
});
