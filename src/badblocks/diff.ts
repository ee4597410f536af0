/**
 * `poisonbench badblocks diff`: one operation sequence through the pre-6.7 table
 * (`table-legacy`) and the 6.15 table (`table`), measured against what the sequence means
 * per sector — the 2023 rewrite's rationale (reference §1.9), as numbers.
 *
 * The per-sector truth is the documented meaning (§1.4 "Ack dominance", §1.5, §1.6): a set
 * makes its sectors bad, acknowledged when it is acked or they already were; a clear makes
 * them good; ack_all acknowledges everything unless `changed` is set (a set that adds
 * something and any clear set it, clearchanged resets it). With shift > 0 it is kept in
 * blocks, rounded as documented (set outward, clear inward). After every op, each table's
 * slots are compared with it:
 * - lost: sectors bad in the truth that no entry covers (the old combine's B3, a full table
 *   dropping the rest of a range, the old `int` length wrapping);
 * - downgraded: sectors acknowledged in the truth that an unacknowledged entry covers (the
 *   old ack AND, L-1);
 * - extra: sectors an entry covers that are good in the truth (entries made of garbage);
 * - unsorted: neighbouring slots in descending order (L-4); overlapping: entries that
 *   overlap an earlier one in offset order (B2).
 * Between the two kinds: return codes (`ok`; `ret` is each kernel's raw value), check
 * answers, show text and dump layout, and the first op after which they differ at all.
 *
 * Input: the trace format (test/fixtures/badblocks-traces/README.md), one
 * `{"op", "args"}` per line; `out` is ignored when present. Ops: init [shift], set
 * [s, len, ack], clear [s, len], check [s, len], ackall, clearchanged, show, showu, dump.
 * Without a leading init the tables start as init [0].
 */
import { createBadblocks, SECTOR_LIMIT, type Badblocks, type TableSlot } from './badblocks.js';
import { TRACE_OPS } from './kinds.js';
import { describe } from '../core/validate.js';
import { didYouMean } from '../core/suggest.js';
import type { WasmBuild } from '../core/wasm.js';

/** The trace's ops (kinds.ts): a kernel trace is also an op sequence. */
export const DIFF_OPS = TRACE_OPS;
export type DiffOpName = (typeof DIFF_OPS)[number];

/** The two kinds compared, old first. */
export const DIFF_KINDS = ['table-legacy', 'table'] as const;
export type DiffKind = (typeof DIFF_KINDS)[number];

/** One validated op of the input. */
export interface DiffOp {
  /** 1-based line of the input. */
  readonly line: number;
  readonly op: DiffOpName;
  readonly args: readonly number[];
}

/** What one kind answered to one op, and how its table stood afterwards. */
export interface DiffKindResult {
  /** set/clear: the kernel's raw return (<= 6.6: set 0/1, clear 0/-28; 6.15: 1/0). */
  readonly ret?: number;
  /** set/clear: 1 when the call succeeded. */
  readonly ok?: number;
  /** check: rc, first_bad, bad_sectors (null when rc is 0). */
  readonly check?: { readonly rc: number; readonly firstBad: number | null; readonly badSectors: number | null };
  /** show/showu: the text. */
  readonly text?: string;
  /** Entries in the table after the op. */
  readonly count: number;
  /** Sectors bad in the truth that no entry covers. */
  readonly lost: number;
  /** Sectors acknowledged in the truth that an unacknowledged entry covers. */
  readonly downgraded: number;
  /** Sectors covered by an entry that are good in the truth. */
  readonly extra: number;
  /** Neighbouring slots in descending offset order. */
  readonly unsorted: number;
  /** Entries overlapping an earlier entry in offset order. */
  readonly overlapping: number;
}

/** One op: each kind's result and what differed between them (empty when nothing). */
export interface DiffOpResult {
  readonly line: number;
  readonly op: DiffOpName;
  readonly args: readonly number[];
  readonly results: Readonly<Record<DiffKind, DiffKindResult>>;
  /** `ok`, `check`, `text`, `entries` (dump layout), `content` (per-sector state). */
  readonly differs: readonly string[];
}

/** Totals of one kind over the run. */
export interface DiffKindTotal {
  /** After the last op. */
  readonly lost: number;
  readonly downgraded: number;
  readonly extra: number;
  readonly unsorted: number;
  readonly overlapping: number;
  /** Largest value after any op. */
  readonly maxLost: number;
  readonly maxDowngraded: number;
  /** Ops after which the table was wrong somewhere (lost, downgraded, extra, unsorted or overlapping). */
  readonly opsWrong: number;
  /** set/clear calls that failed. */
  readonly failures: number;
}

export interface DiffResult {
  /** Ops run (an implicit init [0] is not counted). */
  readonly ops: number;
  readonly perOp: readonly DiffOpResult[];
  readonly total: Readonly<Record<DiffKind, DiffKindTotal>> & {
    /** set/clear ops whose success differed, and checks whose rc differed. */
    readonly returnCodeDifferences: number;
    /** Ops whose answers (ok, check, text, dump layout) or per-sector content differed. */
    readonly opsDiffering: number;
  };
  /** The first op after which the two differed, and how; null when they never did. */
  readonly firstDivergence: { readonly line: number; readonly op: DiffOpName; readonly args: readonly number[]; readonly differs: readonly string[] } | null;
}

// ---- input -----------------------------------------------------------------------------

const ARG_NAMES: Readonly<Record<DiffOpName, readonly string[]>> = {
  init: ['shift'], set: ['s', 'len', 'ack'], clear: ['s', 'len'], check: ['s', 'len'],
  ackall: [], clearchanged: [], show: [], showu: [], dump: [],
};

/**
 * Parses and validates the input text (JSONL, trace format; `out` ignored).
 * @throws {RangeError} naming the line, the field, the value and what is allowed.
 */
export function parseDiffOps(text: string): DiffOp[] {
  if (typeof text !== 'string') throw new TypeError(`ops text must be a string, got ${describe(text)}`);
  const ops: DiffOp[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (err) {
      throw new RangeError(`line ${line} is not JSON: ${(err as Error).message}`, { cause: err });
    }
    const o = obj as { op?: unknown; args?: unknown };
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      throw new RangeError(`line ${line} must be an object {"op": NAME, "args": [...]}, got ${describe(obj)}`);
    }
    if (typeof o.op !== 'string' || !(DIFF_OPS as readonly string[]).includes(o.op)) {
      throw new RangeError(`line ${line}: op must be one of ${DIFF_OPS.join(', ')}, got ${describe(o.op)}`);
    }
    const op = o.op as DiffOpName;
    const names = ARG_NAMES[op];
    const args = o.args ?? [];
    if (!Array.isArray(args) || args.length !== names.length) {
      throw new RangeError(`line ${line}: ${op} args must be [${names.join(', ')}], got ${describe(o.args)}`);
    }
    ops.push({ line, op, args: checkArgs(line, op, args as unknown[]) });
  });
  return ops;
}

function checkArgs(line: number, op: DiffOpName, args: unknown[]): number[] {
  const field = (k: number): string => `line ${line}: ${op} args[${k}] (${ARG_NAMES[op][k]!})`;
  const int = (k: number, min: number, max: number, unit: string): number => {
    const v = args[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(`${field(k)} must be an integer ${unit}in ${min}..${max === SECTOR_LIMIT ? '2^53' : max}, got ${describe(v)}`);
    }
    return v;
  };
  switch (op) {
    case 'init':
      return [int(0, -1, 9, '')];
    case 'set':
    case 'clear':
    case 'check': {
      const s = int(0, 0, SECTOR_LIMIT, 'sector ');
      const len = int(1, 0, SECTOR_LIMIT - s, 'sector count ');
      if (op !== 'set') return [s, len];
      const ack = args[2];
      if (ack !== 0 && ack !== 1 && ack !== true && ack !== false) {
        throw new RangeError(`${field(2)} must be 0, 1, true or false, got ${describe(ack)}`);
      }
      return [s, len, ack === 1 || ack === true ? 1 : 0];
    }
    default:
      return [];
  }
}

// ---- the per-sector truth --------------------------------------------------------------

/** A maximal run of blocks in one state: 1 unacknowledged, 2 acknowledged. */
interface Run { s: bigint; e: bigint; st: 1 | 2 }
type State = 0 | 1 | 2;

/** `runs` with every block of [s, e) given state f(old state); runs stay sorted and maximal. */
function paint(runs: readonly Run[], s: bigint, e: bigint, f: (st: State) => State): Run[] {
  if (e <= s) return [...runs];
  const out: Run[] = [];
  const push = (a: bigint, b: bigint, st: State): void => {
    if (a >= b || st === 0) return;
    const last = out[out.length - 1];
    if (last !== undefined && last.e === a && last.st === st) last.e = b;
    else out.push({ s: a, e: b, st });
  };
  let cursor = s;
  for (const r of runs) {
    if (r.e <= s || r.s >= e) {
      if (r.s >= e && cursor < e) {
        push(cursor, e, f(0));
        cursor = e;
      }
      push(r.s, r.e, r.st);
      continue;
    }
    if (r.s < s) push(r.s, s, r.st);
    const a = r.s > s ? r.s : s;
    push(cursor, a, f(0));
    const b = r.e < e ? r.e : e;
    push(a, b, f(r.st));
    cursor = b;
    if (r.e > e) push(e, r.e, r.st);
  }
  if (cursor < e) push(cursor, e, f(0));
  return out;
}

/** The documented meaning of the op sequence, in blocks. */
class Truth {
  runs: Run[] = [];
  changed = false;
  shift = 0;

  init(shift: number): void {
    this.runs = [];
    this.changed = false;
    this.shift = Math.max(shift, 0);
  }

  set(s: number, len: number, ack: boolean): void {
    if (len === 0) return;
    const [a, b] = this.#round(s, len, true);
    const added = ack || this.#states(a, b).some((st) => st !== 2);
    this.runs = paint(this.runs, a, b, (st) => (ack || st === 2 ? 2 : 1));
    if (added) this.changed = true;
  }

  clear(s: number, len: number): void {
    if (len === 0) return;
    const [a, b] = this.#round(s, len, false);
    this.runs = paint(this.runs, a, b, () => 0);
    this.changed = true;
  }

  ackAll(): void {
    if (this.changed) return;
    this.runs = this.runs.length === 0 ? [] : paint(this.runs, this.runs[0]!.s, this.runs[this.runs.length - 1]!.e, (st) => (st === 0 ? 0 : 2));
  }

  /** [start, end) in blocks: outward for a set, inward for a clear. */
  #round(s: number, len: number, outward: boolean): [bigint, bigint] {
    const unit = 1n << BigInt(this.shift);
    const a = BigInt(s);
    const b = a + BigInt(len);
    return outward ? [a / unit, (b + unit - 1n) / unit] : [(a + unit - 1n) / unit, b / unit];
  }

  /** States of the blocks of [a, b) as the runs and gaps that cover it (0 for a gap). */
  #states(a: bigint, b: bigint): State[] {
    const out: State[] = [];
    let cursor = a;
    for (const r of this.runs) {
      if (r.e <= cursor) continue;
      if (r.s >= b) break;
      if (r.s > cursor) out.push(0);
      out.push(r.st);
      cursor = r.e;
    }
    if (cursor < b) out.push(0);
    return out;
  }
}

// ---- measuring a table -----------------------------------------------------------------

/**
 * Per-block state of a table's slots: covered by no entry (0), by some unacknowledged entry
 * (1, what check answers -1 for), or only by acknowledged ones (2).
 */
function coverage(slots: readonly TableSlot[]): Run[] {
  const events: [bigint, number, number][] = [];
  for (const [offset, len, acked] of slots) {
    events.push([offset, 1, acked ? 0 : 1], [offset + BigInt(len), -1, acked ? 0 : -1]);
  }
  events.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const runs: Run[] = [];
  let covered = 0;
  let unacked = 0;
  let from = 0n;
  for (let i = 0; i < events.length;) {
    const at = events[i]![0];
    if (covered > 0 && at > from) {
      const st: 1 | 2 = unacked > 0 ? 1 : 2;
      const last = runs[runs.length - 1];
      if (last !== undefined && last.e === from && last.st === st) last.e = at;
      else runs.push({ s: from, e: at, st });
    }
    for (; i < events.length && events[i]![0] === at; i++) {
      covered += events[i]![1];
      unacked += events[i]![2];
    }
    from = at;
  }
  return runs;
}

/** Blocks where truth and table disagree, by kind of disagreement. */
function compareRuns(truth: readonly Run[], table: readonly Run[]): { lost: bigint; downgraded: bigint; extra: bigint } {
  const points = [...new Set([...truth, ...table].flatMap((r) => [r.s, r.e]))].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  let i = 0;
  let j = 0;
  let lost = 0n;
  let downgraded = 0n;
  let extra = 0n;
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k]!;
    const len = points[k + 1]! - a;
    while (i < truth.length && truth[i]!.e <= a) i++;
    while (j < table.length && table[j]!.e <= a) j++;
    const t: State = i < truth.length && truth[i]!.s <= a ? truth[i]!.st : 0;
    const x: State = j < table.length && table[j]!.s <= a ? table[j]!.st : 0;
    if (t !== 0 && x === 0) lost += len;
    else if (t === 2 && x === 1) downgraded += len;
    else if (t === 0 && x !== 0) extra += len;
  }
  return { lost, downgraded, extra };
}

/** Slots out of order, and entries overlapping an earlier one in offset order. */
function disorder(slots: readonly TableSlot[]): { unsorted: number; overlapping: number } {
  let unsorted = 0;
  for (let i = 0; i + 1 < slots.length; i++) if (slots[i]![0] > slots[i + 1]![0]) unsorted++;
  const sorted = [...slots].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  let overlapping = 0;
  let end = -1n;
  for (const [offset, len] of sorted) {
    if (offset < end) overlapping++;
    const e = offset + BigInt(len);
    if (e > end) end = e;
  }
  return { unsorted, overlapping };
}

// ---- running ---------------------------------------------------------------------------

/** Options of {@link diffOps}. */
export interface DiffOptions {
  /** Table slots of both kinds (default 512, the kernel's). */
  readonly maxEntries?: number;
  /** wasm build (default: POISONBENCH_WASM, else release). */
  readonly build?: WasmBuild;
}

interface Side {
  kind: DiffKind;
  bb: Badblocks | undefined;
  total: { lost: number; downgraded: number; extra: number; unsorted: number; overlapping: number; maxLost: number; maxDowngraded: number; opsWrong: number; failures: number };
}

/**
 * Runs `ops` through `table-legacy` and `table` and measures both against the per-sector
 * truth after every op.
 * @throws {TypeError|RangeError} for invalid options (ops come from parseDiffOps).
 */
export async function diffOps(ops: readonly DiffOp[], options: DiffOptions = {}): Promise<DiffResult> {
  const truth = new Truth();
  const sides: Side[] = DIFF_KINDS.map((kind) => ({
    kind, bb: undefined,
    total: { lost: 0, downgraded: 0, extra: 0, unsorted: 0, overlapping: 0, maxLost: 0, maxDowngraded: 0, opsWrong: 0, failures: 0 },
  }));
  const create = async (shift: number): Promise<void> => {
    truth.init(shift);
    for (const side of sides) {
      side.bb?.detach();
      side.bb = await createBadblocks({
        kind: side.kind, shift,
        ...(options.maxEntries !== undefined ? { maxEntries: options.maxEntries } : {}),
        ...(options.build !== undefined ? { build: options.build } : {}),
      });
    }
  };
  const perOp: DiffOpResult[] = [];
  let returnCodeDifferences = 0;
  let opsDiffering = 0;
  let firstDivergence: DiffResult['firstDivergence'] = null;
  try {
    if (ops[0]?.op !== 'init') await create(0);
    for (const o of ops) {
      if (o.op === 'init') await create(o.args[0]!);
      const [s = 0, len = 0, ack = 0] = o.args;
      if (o.op === 'set') truth.set(s, len, ack === 1);
      else if (o.op === 'clear') truth.clear(s, len);
      else if (o.op === 'ackall') truth.ackAll();
      else if (o.op === 'clearchanged') truth.changed = false;

      const results = {} as Record<DiffKind, DiffKindResult>;
      const contents: string[] = [];
      const layouts: string[] = [];
      for (const side of sides) {
        const { result, content, layout } = runOne(side.bb!, o, truth);
        results[side.kind] = result;
        contents.push(content);
        layouts.push(layout);
        const t = side.total;
        Object.assign(t, { lost: result.lost, downgraded: result.downgraded, extra: result.extra, unsorted: result.unsorted, overlapping: result.overlapping });
        t.maxLost = Math.max(t.maxLost, result.lost);
        t.maxDowngraded = Math.max(t.maxDowngraded, result.downgraded);
        if (result.lost + result.downgraded + result.extra + result.unsorted + result.overlapping > 0) t.opsWrong++;
        if (result.ok === 0) t.failures++;
      }
      const [old, now] = [results['table-legacy'], results['table']];
      const differs: string[] = [];
      if (old.ok !== now.ok) differs.push('ok');
      if (JSON.stringify(old.check) !== JSON.stringify(now.check)) differs.push('check');
      if (old.text !== now.text) differs.push('text');
      if (o.op === 'dump' && layouts[0] !== layouts[1]) differs.push('entries');
      if (contents[0] !== contents[1]) differs.push('content');
      if (differs.includes('ok') || (old.check !== undefined && old.check.rc !== now.check?.rc)) returnCodeDifferences++;
      if (differs.length > 0) {
        opsDiffering++;
        firstDivergence ??= { line: o.line, op: o.op, args: o.args, differs };
      }
      perOp.push({ line: o.line, op: o.op, args: o.args, results, differs });
    }
  } finally {
    for (const side of sides) side.bb?.detach();
  }
  const total = Object.fromEntries(sides.map((side) => [side.kind, { ...side.total }])) as Record<DiffKind, DiffKindTotal>;
  return { ops: ops.length, perOp, total: { ...total, returnCodeDifferences, opsDiffering }, firstDivergence };
}

/** Applies one op to one table and measures it against the truth (already updated). */
function runOne(bb: Badblocks, o: DiffOp, truth: Truth): { result: DiffKindResult; content: string; layout: string } {
  const [s = 0, len = 0, ack = 0] = o.args;
  const answer: { ret?: number; ok?: number; check?: DiffKindResult['check']; text?: string } = {};
  switch (o.op) {
    case 'set':
    case 'clear': {
      const ret = o.op === 'set' ? bb.setRaw(s, len, ack === 1) : bb.clearRaw(s, len);
      answer.ret = ret;
      answer.ok = ret === (bb.kind === 'table-legacy' ? 0 : 1) ? 1 : 0;
      break;
    }
    case 'check': {
      const r = bb.check(s, len);
      answer.check = r.rc === 0 ? { rc: 0, firstBad: null, badSectors: null } : { rc: r.rc, firstBad: r.firstBad, badSectors: r.badSectors };
      break;
    }
    case 'ackall':
      bb.ackAll();
      break;
    case 'clearchanged':
      bb.clearChanged();
      break;
    case 'show':
    case 'showu':
      answer.text = bb.show(o.op === 'showu');
      break;
    default:
      break;
  }
  const slots = bb.tableSlots();
  const cov = coverage(slots);
  const unit = 2 ** Math.max(bb.shift, 0);
  const diff = compareRuns(truth.runs, cov);
  const result: DiffKindResult = {
    ...answer,
    count: bb.count,
    lost: Number(diff.lost) * unit,
    downgraded: Number(diff.downgraded) * unit,
    extra: Number(diff.extra) * unit,
    ...disorder(slots),
  };
  const text = (runs: readonly { s: bigint; e: bigint; st: number }[]): string => runs.map((r) => `${r.s}-${r.e}:${r.st}`).join(',');
  return { result, content: text(cov), layout: slots.map(([a, n, k]) => `${a},${n},${k ? 1 : 0}`).join(';') };
}

// ---- output ----------------------------------------------------------------------------

const COLUMNS = ['ok', 'ret', 'lost', 'downgraded', 'extra', 'unsorted', 'overlapping', 'count'] as const;

function opText(o: { op: string; args: readonly number[] }): string {
  return o.args.length === 0 ? o.op : `${o.op}(${o.args.join(', ')})`;
}

/**
 * The report a person reads: the first divergence, the ops where the two differ or a table
 * is wrong (all of them with `all`), and the totals. Sector counts are in sectors.
 */
export function formatDiffResult(result: DiffResult, file: string, all = false): string {
  const lines: string[] = [];
  lines.push(`${file}: ${result.ops} ops through table-legacy (<= 6.6) and table (6.15+)`);
  const fd = result.firstDivergence;
  lines.push(fd === null ? 'the two never differ' : `first divergence: line ${fd.line} ${opText(fd)} (differs: ${fd.differs.join(', ')})`);
  const rows: string[][] = [];
  for (const r of result.perOp) {
    const wrong = DIFF_KINDS.some((k) => { const x = r.results[k]; return x.lost + x.downgraded + x.extra + x.unsorted + x.overlapping > 0; });
    if (!all && r.differs.length === 0 && !wrong) continue;
    DIFF_KINDS.forEach((k, i) => {
      const x = r.results[k];
      const answer = x.check !== undefined ? `check ${x.check.rc}${x.check.rc === 0 ? '' : ` ${x.check.firstBad}+${x.check.badSectors}`}` : '';
      rows.push([i === 0 ? String(r.line) : '', i === 0 ? opText(r) : '', k,
        ...COLUMNS.map((c) => (x[c] === undefined ? '' : String(x[c]))), answer, i === 0 ? r.differs.join(',') : '']);
    });
  }
  if (rows.length > 0) {
    lines.push('', ...table(['line', 'op', 'kind', ...COLUMNS, 'answer', 'differs'], rows));
    if (!all) lines.push('(ops where the two agree and neither table is wrong are not listed; --all lists every op)');
  }
  lines.push('', 'total (lost/downgraded/extra/unsorted/overlapping after the last op; sectors)');
  const totals = DIFF_KINDS.map((k) => {
    const t = result.total[k];
    return [k, t.lost, t.downgraded, t.extra, t.unsorted, t.overlapping, t.maxLost, t.maxDowngraded, t.opsWrong, t.failures].map(String);
  });
  lines.push(...table(['kind', 'lost', 'downgraded', 'extra', 'unsorted', 'overlapping', 'max lost', 'max downgraded', 'ops wrong', 'failures'], totals));
  lines.push(`return-code differences: ${result.total.returnCodeDifferences}; ops differing: ${result.total.opsDiffering} of ${result.ops}`);
  return lines.join('\n');
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: readonly string[]): string => r.map((c, i) => c.padEnd(width[i]!)).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}

// ---- command line ----------------------------------------------------------------------

export const DIFF_HELP = `Usage: poisonbench badblocks diff --ops FILE.jsonl [--json] [--all] [--max-entries N]

Runs one badblocks operation sequence through the pre-6.7 kernel table (table-legacy) and
the 6.15 one (table), and reports where they diverge from what the sequence means per
sector: sectors lost (bad, but in no entry), acks downgraded (acknowledged, but in an
unacknowledged entry), extra sectors, unsorted and overlapping entries, return-code and
answer differences, and the first op after which the two differ. Exit 0 when the two never
differ, 1 when they do, 2 on bad input.

FILE is JSONL in the trace format (test/fixtures/badblocks-traces/README.md), one
{"op": NAME, "args": [...]} per line ("out" is ignored, so a kernel trace works too):
  init [shift]       shift -1..9 (a new pair of tables; implicit init [0] when absent)
  set [s, len, ack]  s, len sectors (s + len <= 2^53); ack 0/1
  clear [s, len]     check [s, len]
  ackall, clearchanged, show, showu, dump   (args [] or absent)
FILE "-" reads standard input.

Options:
  --ops FILE        the operation sequence (required)
  --json            print the whole result as JSON (every op)
  --all             list every op, not only those where something differs or is wrong
  --max-entries N   table slots of both kinds, 1..1048576 (default 512)
`;

/**
 * `poisonbench badblocks diff ...`: returns the exit status.
 * @throws {RangeError} for bad arguments or input (the CLI prints one line, exit 2).
 */
export async function diffMain(argv: readonly string[], io: { readFile: (path: string) => string; write: (text: string) => void }): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.write(DIFF_HELP);
    return 0;
  }
  let file: string | undefined;
  let json = false;
  let all = false;
  let maxEntries: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--ops') {
      file = argv[++i];
      if (file === undefined) throw new RangeError('--ops needs a FILE (a .jsonl op sequence, or - for standard input)');
    } else if (a === '--json') {
      json = true;
    } else if (a === '--all') {
      all = true;
    } else if (a === '--max-entries') {
      const v = argv[++i];
      const n = Number(v);
      if (v === undefined || !/^\d+$/.test(v) || n < 1 || n > 1 << 20) throw new RangeError(`--max-entries must be an integer 1..1048576, got ${JSON.stringify(v ?? '')}`);
      maxEntries = n;
    } else {
      throw new RangeError(`unknown argument ${JSON.stringify(a)} for badblocks diff${didYouMean(a, ['--ops', '--json', '--all', '--max-entries', '--help'])} (see --help)`);
    }
  }
  if (file === undefined) throw new RangeError('badblocks diff needs --ops FILE (a .jsonl op sequence, or - for standard input)');
  let text: string;
  try {
    text = io.readFile(file);
  } catch (err) {
    throw new RangeError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  // An empty file would "never differ": say it is empty instead of reporting a clean result.
  if (text.trim() === '') throw new RangeError(`${file === '-' ? 'standard input' : file} is empty: an op sequence is one JSON op per line (see poisonbench badblocks diff --help)`);
  let ops: DiffOp[];
  try {
    ops = parseDiffOps(text);
  } catch (err) {
    throw new RangeError(`${file}: ${(err as Error).message}`, { cause: err });
  }
  const result = await diffOps(ops, maxEntries === undefined ? {} : { maxEntries });
  io.write((json ? JSON.stringify({ file, ...result }, null, 2) : formatDiffResult(result, file, all)) + '\n');
  return result.firstDivergence === null ? 0 : 1;
}
