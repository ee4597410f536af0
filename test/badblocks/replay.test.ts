/**
 * src/badblocks/replay.ts: the trace replayer must find a difference when there is one
 * (altered traces), pass real traces, and treat the README's out-of-contract lines as
 * documented.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelPage, replayTrace, tableDigest } from '../../src/badblocks/replay.js';

const TRACES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/badblocks-traces');
const trace = (path: string): string => readFileSync(join(TRACES, path), 'utf8');

/** `text` with line `line` (1-based) parsed, changed by `edit`, and written back. */
function alter(text: string, line: number, edit: (o: { op: string; args: unknown[]; out: Record<string, unknown> }) => void): string {
  const lines = text.split('\n');
  const o = JSON.parse(lines[line - 1]!) as { op: string; args: unknown[]; out: Record<string, unknown> };
  edit(o);
  lines[line - 1] = JSON.stringify(o);
  return lines.join('\n');
}

const SPLIT3 = 'edge/11-inside-ack-over-unack-split3.jsonl';

describe('replayTrace', () => {
  it('passes a real trace, comparing every line', async () => {
    const r = await replayTrace(trace(SPLIT3), { kind: 'table' });
    expect(r).toEqual({ state: 'match', mismatch: null, lines: 8, compared: 8, notes: [] });
  });

  it('reports an altered digest at its line', async () => {
    const text = alter(trace(SPLIT3), 3, (o) => { o.out['digest'] = '0000000000000000'; });
    const r = await replayTrace(text, { kind: 'table' });
    expect(r.state).toBe('mismatch');
    expect(r.mismatch).toEqual({ line: 3, op: 'set', field: 'digest', expected: '0000000000000000', actual: 'c6133cebb61009d5' });
  });

  it('reports an altered return value, check answer, entry and show text', async () => {
    const cases: [number, (o: { out: Record<string, unknown> }) => void, string, unknown, unknown][] = [
      [2, (o) => { o.out['ok'] = 0; }, 'ok', 0, 1],
      [3, (o) => { o.out['count'] = 2; }, 'count', 2, 3],
      [3, (o) => { o.out['unacked_exist'] = 0; }, 'unacked_exist', 0, 1],
      [5, (o) => { o.out['ret'] = 1; }, 'ret', 1, -1],
      [5, (o) => { o.out['bad_sectors'] = 100; }, 'bad_sectors', 100, 20],
      [6, (o) => { o.out['first_bad'] = null; }, 'first_bad', null, 120],
      [4, (o) => { o.out['entries'] = [[100, 20, 0], [120, 10, 0], [130, 70, 0]]; }, 'entries[1]', [120, 10, false], [120, 10, true]],
      [7, (o) => { o.out['text'] = '100 20\n'; }, 'text', '100 20\n', '100 20\n130 70\n'],
    ];
    for (const [line, edit, field, expected, actual] of cases) {
      const r = await replayTrace(alter(trace(SPLIT3), line, edit), { kind: 'table' });
      expect(r.mismatch, field).toEqual({ line, op: expect.any(String), field, expected, actual });
    }
  });

  it('stops at the first difference of a long random trace', async () => {
    const text = trace('random/002-medium.jsonl');
    const original = await replayTrace(text, { kind: 'table' });
    expect(original.state).toBe('match');
    const r = await replayTrace(alter(text, 700, (o) => { o.args[0] = (o.args[0] as number) + 1; }), { kind: 'table' });
    expect(r.state).toBe('mismatch');
    expect(r.mismatch!.line).toBeGreaterThanOrEqual(700);
    expect(r.compared).toBeLessThan(original.compared);
  });

  it('a line refused by the API is a match; the kernel applying it ends the comparison', async () => {
    const r = await replayTrace(trace('edge/52-ack-value-2.jsonl'), { kind: 'table' });
    expect(r.state).toBe('match');
    expect(r.compared).toBe(2);
    expect(r.notes[0]).toMatchObject({ line: 2, op: 'set' });
    expect(r.notes[0]!.reason).toContain('which the API refuses');
    expect(r.notes.slice(1).every((n) => n.reason.startsWith('skipped: state differs'))).toBe(true);
    // A refused check changes nothing in the kernel either: comparison goes on.
    const check = [
      '{"op":"init","args":[0],"out":{"rc":0,"shift":0,"changed":0,"unacked_exist":0,"count":0,"warn":0,"digest":"cbf29ce484222325"}}',
      '{"op":"check","args":[5,-3],"out":{"ret":0,"first_bad":null,"bad_sectors":null,"warn":0}}',
      '{"op":"set","args":[100,10,1],"out":{"ret":1,"ok":1,"changed":1,"unacked_exist":0,"count":1,"warn":0,"digest":"adfbd28e94dc6493"}}',
    ].join('\n');
    expect(await replayTrace(check, { kind: 'table' })).toMatchObject({ state: 'match', compared: 3, notes: [] });
  });

  it('lines on which the kernel hangs get the per-sector answer', async () => {
    const r = await replayTrace(trace('edge/39-huge-len-check-2pow32-nonempty.jsonl'), { kind: 'table' });
    expect(r).toMatchObject({ state: 'match', compared: 3 });
    // A wrong per-sector answer would be reported: the table before the check is altered.
    const text = alter(trace('edge/39-huge-len-check-2pow32-nonempty.jsonl'), 2, (o) => { o.args[2] = 0; });
    const bad = await replayTrace(text, { kind: 'table' });
    expect(bad.state).toBe('mismatch');
    expect(bad.mismatch!.line).toBe(2);
  });

  it('shift > 0 traces are skipped unless asked, and then show the documented difference', async () => {
    const text = trace('edge/42-shift3-unaligned-set.jsonl');
    const skipped = await replayTrace(text, { kind: 'table' });
    expect(skipped.state).toBe('skipped');
    expect(skipped.notes[0]!.reason).toMatch(/^skipped: outside contract/);
    const literal = await replayTrace(text, { kind: 'table', outsideContract: true });
    expect(literal.state).toBe('mismatch');
  });

  it('a run kind compares the per-sector content only', async () => {
    // 1300 sectors: the table's 512 + 512 + 276 entries are one run for the bitmap.
    const text = trace('edge/16-maxlen-split-1200.jsonl');
    expect((await replayTrace(text, { kind: 'table' })).state).toBe('match');
    expect((await replayTrace(text, { kind: 'bitmap' })).state).toBe('match');
    const dump = text.split('\n').findIndex((l) => l.includes('"op":"dump"')) + 1;
    const altered = alter(text, dump, (o) => {
      const e = o.out['entries'] as number[][];
      e[0]![1] = e[0]![1]! - 1; // a hole: per-sector content differs
    });
    const r = await replayTrace(altered, { kind: 'bitmap' });
    expect(r.state).toBe('mismatch');
    expect(r.mismatch!.field).toMatch(/^runs\[/);
  });

  it('rejects malformed traces and options, naming them', async () => {
    await expect(replayTrace('{"op":"init"', { kind: 'table' })).rejects.toThrow(/line 1 is not JSON/);
    await expect(replayTrace('{"op":"frob","args":[],"out":{}}', { kind: 'table' })).rejects.toThrow(RangeError);
    await expect(replayTrace(trace(SPLIT3), { kind: 'list' as never })).rejects.toThrow(/options\.kind/);
  });
});

describe('tableDigest', () => {
  it('is FNV-1a 64 over "offset,len,ack;" (values from the traces)', () => {
    expect(tableDigest([])).toBe('cbf29ce484222325');
    expect(tableDigest([[100, 10, 1]])).toBe('adfbd28e94dc6493');
    expect(tableDigest([[100, 20, false], [120, 10, true], [130, 70, false]])).toBe('c6133cebb61009d5');
  });
});

describe('kernelPage', () => {
  it('keeps whole lines until 4096 bytes are written and 4095 bytes of them', () => {
    expect(kernelPage('100 8\n')).toEqual({ len: 6, text: '100 8\n' });
    const line = '10000000000000 1\n'; // 17 bytes
    const full = line.repeat(300);
    const page = kernelPage(full);
    expect(page.len).toBe(17 * 241); // 240 lines = 4080 < 4096, the 241st passes it
    expect(page.text).toBe(full.slice(0, 4095));
  });

  it('gives the kernel page of the show-truncation trace from the whole table text', () => {
    const lines = trace('edge/53-show-truncation-4096.jsonl').split('\n').filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { op: string; out: Record<string, unknown> });
    const show = lines.find((l) => l.op === 'show')!.out;
    const entries = lines.find((l) => l.op === 'dump')!.out['entries'] as [number, number, number][];
    const whole = entries.map(([a, n]) => `${a} ${n}\n`).join('');
    expect(whole.length).toBeGreaterThan(4096);
    expect(kernelPage(whole)).toEqual({ len: show['len'], text: show['text'] });
  });
});
