/**
 * src/badblocks/diff.ts (`poisonbench badblocks diff`): the same ops through table-legacy
 * and table, measured against the per-sector meaning. Expected figures come from the
 * reference's legacy cases (§9.5 L-1, L-3, L-4), its 6.15 cases (BB-33) and the old kernel
 * code (§1.9), never from a run of the tool. The CLI is run as built (npm test builds).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffOps, parseDiffOps, type DiffResult } from '../../src/badblocks/diff.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/poisonbench.js');
const LEGACY = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/badblocks-traces/legacy');

const jsonl = (ops: [string, number[]][]): string => ops.map(([op, args]) => JSON.stringify({ op, args })).join('\n');
const run = async (ops: [string, number[]][]): Promise<DiffResult> => diffOps(parseDiffOps(jsonl(ops)));

function cli(args: string[], input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('diffOps', () => {
  it('L-3: the old table loses the 10 sectors its combine drops; the 6.15 table none', async () => {
    const r = await run([['init', [0]], ['set', [10, 5, 1]], ['set', [20, 5, 1]], ['set', [30, 5, 1]], ['set', [0, 40, 1]]]);
    // Truth: [0, 40) bad; L-3's table (0,25),(30,5) covers 30 of those sectors.
    expect(r.total['table-legacy']).toMatchObject({ lost: 10, downgraded: 0, extra: 0, unsorted: 0, overlapping: 0 });
    expect(r.total.table).toMatchObject({ lost: 0, downgraded: 0, extra: 0, unsorted: 0, overlapping: 0, opsWrong: 0 });
    expect(r.firstDivergence).toEqual({ line: 5, op: 'set', args: [0, 40, 1], differs: ['content'] });
    expect(r.perOp[4]!.results['table-legacy']).toMatchObject({ ret: 0, ok: 1, count: 2, lost: 10 });
    expect(r.perOp[4]!.results.table).toMatchObject({ ret: 1, ok: 1, count: 1, lost: 0 });
    expect(r.total.returnCodeDifferences).toBe(0);
  });

  it('L-1: an unacked set inside an acked entry downgrades its 16 sectors in the old table', async () => {
    const r = await run([['set', [100, 16, 1]], ['set', [104, 4, 0]]]);
    expect(r.total['table-legacy']).toMatchObject({ lost: 0, downgraded: 16, maxDowngraded: 16 });
    expect(r.total.table.downgraded).toBe(0);
    expect(r.firstDivergence?.line).toBe(2);
  });

  it('L-4: a 1300-sector set leaves the old table with two descents; checks and show differ', async () => {
    const r = await run([['set', [0, 1300, 1]], ['check', [0, 1300]], ['show', []], ['dump', []]]);
    expect(r.total['table-legacy']).toMatchObject({ unsorted: 2, overlapping: 0, lost: 0 });
    expect(r.total.table.unsorted).toBe(0);
    // Same sectors, different layout: the first difference is the check's first entry.
    expect(r.perOp[0]!.differs).toEqual([]);
    expect(r.perOp[1]!.differs).toEqual(['check']);
    expect(r.perOp[1]!.results['table-legacy'].check).toEqual({ rc: 1, firstBad: 1024, badSectors: 276 });
    expect(r.perOp[1]!.results.table.check).toEqual({ rc: 1, firstBad: 0, badSectors: 512 });
    expect(r.perOp[2]!.differs).toEqual(['text']);
    expect(r.perOp[3]!.differs).toEqual(['entries']);
    expect(r.total.returnCodeDifferences).toBe(0);
  });

  it('BB-33: on a full table an already-covered set fails in 6.15; the old merge needs no slot', async () => {
    const fill: [string, number[]][] = Array.from({ length: 512 }, (_, i) => ['set', [2 * i, 1, 1]]);
    const r = await run([...fill, ['set', [0, 1, 1]]]);
    const last = r.perOp[r.perOp.length - 1]!;
    expect(last.results.table).toMatchObject({ ok: 0, ret: 0 });
    expect(last.results['table-legacy']).toMatchObject({ ok: 1, ret: 0 });
    expect(last.differs).toEqual(['ok']);
    expect(r.total.returnCodeDifferences).toBe(1);
    expect(r.total.table.failures).toBe(1);
    expect(r.firstDivergence?.line).toBe(513);
  });

  it('agreeing sequences report no divergence', async () => {
    const r = await run([['set', [100, 8, 1]], ['clear', [100, 8]], ['check', [100, 8]]]);
    expect(r.firstDivergence).toBeNull();
    expect(r.total.opsDiffering).toBe(0);
  });

  it('reads kernel traces (out ignored): legacy/edge/16', async () => {
    const text = readFileSync(join(LEGACY, 'edge/16-maxlen-split-1200.jsonl'), 'utf8');
    const r = await diffOps(parseDiffOps(text));
    expect(r.ops).toBe(text.split('\n').filter((l) => l !== '').length);
    expect(r.total['table-legacy'].unsorted).toBe(2);
  });
});

describe('parseDiffOps: bad input names the line, field, value and range', () => {
  it.each([
    ['{"op":"set","args":[1,2', /^line 1 is not JSON/],
    ['{"op":"frob","args":[]}', /^line 1: op must be one of init, set, clear, check, ackall, clearchanged, show, showu, dump, got "frob"$/],
    ['\n{"op":"set","args":[1,2]}', /^line 2: set args must be \[s, len, ack\], got an array of 2$/],
    ['{"op":"set","args":[1,-2,1]}', /^line 1: set args\[1\] \(len\) must be an integer sector count in 0\.\.9007199254740991, got -2$/],
    ['{"op":"set","args":[1,2,2]}', /^line 1: set args\[2\] \(ack\) must be 0, 1, true or false, got 2$/],
    ['{"op":"init","args":[10]}', /^line 1: init args\[0\] \(shift\) must be an integer in -1\.\.9, got 10$/],
    ['{"op":"check","args":[9007199254740994,1]}', /^line 1: check args\[0\] \(s\) must be an integer sector in 0\.\.2\^53/],
    ['[1]', /^line 1 must be an object/],
  ])('%s', (text, message) => {
    expect(() => parseDiffOps(text)).toThrow(RangeError);
    expect(() => parseDiffOps(text)).toThrow(message);
  });
});

describe('poisonbench badblocks diff (built CLI)', () => {
  it('prints the report and exits 1 when the tables diverge, 0 when not', () => {
    const diverge = cli(['badblocks', 'diff', '--ops', '-'], jsonl([['set', [100, 16, 1]], ['set', [104, 4, 0]]]));
    expect(diverge.status).toBe(1);
    expect(diverge.stdout).toMatch(/^-: 2 ops through table-legacy/);
    expect(diverge.stdout).toMatch(/first divergence: line 2 set\(104, 4, 0\)/);
    const same = cli(['badblocks', 'diff', '--ops', '-'], jsonl([['set', [100, 16, 1]]]));
    expect(same.status).toBe(0);
    expect(same.stdout).toMatch(/the two never differ/);
  });

  it('--json prints every op as JSON', () => {
    const r = cli(['badblocks', 'diff', '--json', '--ops', '-'], jsonl([['set', [0, 1300, 1]]]));
    const out = JSON.parse(r.stdout) as DiffResult & { file: string };
    expect(out.file).toBe('-');
    expect(out.perOp).toHaveLength(1);
    expect(out.total['table-legacy'].unsorted).toBe(2);
  });

  it('--help, and bad input: one line naming the problem, exit 2, no stack trace', () => {
    const help = cli(['badblocks', 'diff', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: poisonbench badblocks diff --ops FILE/);
    const cases: [string[], string, RegExp][] = [
      [['badblocks', 'diff'], '', /^poisonbench: badblocks diff needs --ops FILE/],
      [['badblocks', 'diff', '--ops', 'no/such/file.jsonl'], '', /^poisonbench: cannot read no\/such\/file\.jsonl: ENOENT$/],
      [['badblocks', 'diff', '--ops', '-'], '{"op":"set","args":[0,1,1]}\n{"op":', /^poisonbench: -: line 2 is not JSON/],
      [['badblocks', 'diff', '--ops', '-'], '{"op":"zap"}', /^poisonbench: -: line 1: op must be one of init, set/],
      [['badblocks', 'diff', '--ops', '-', '--frob'], '', /^poisonbench: unknown argument "--frob" for badblocks diff/],
      [['badblocks', 'diff', '--ops', '-', '--max-entries', '0'], '', /^poisonbench: --max-entries must be an integer 1\.\.1048576, got "0"$/],
    ];
    for (const [args, input, message] of cases) {
      const r = cli(args, input);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trimEnd()).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });
});
