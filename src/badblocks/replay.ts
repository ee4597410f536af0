/**
 * Replays a trace of the kernel's own `block/badblocks.c` (test/fixtures/badblocks-traces/,
 * README there) against a poisonbench badblocks structure and reports the first difference.
 *
 * A trace is JSONL, one `{"op", "args", "out"}` per line; `out` is what the kernel answered.
 * Each op is run on a structure created by the trace's `init` line, then every field that
 * the chosen kind is expected to reproduce is compared.
 *
 * Fields compared
 * - kinds `'table'` and `'table-legacy'` (bit-exact with the kernel, 6.15+ and <= 6.6; the
 *   legacy traces are in legacy/): every `out` field except `warn`: `ret` of set/clear (the
 *   kernel's raw value, `Badblocks.setRaw`/`clearRaw`: 6.15 bool, <= 6.6 set 0/1 and
 *   clear 0/-28) and `ok`, `changed`, `unacked_exist`, `count`, `digest`, check `ret`/
 *   `first_bad`/`bad_sectors`, show `len`/`text`, dump `shift`/`entries`. `dump` and
 *   `digest` are the kernel's raw table, in blocks, so they are compared with
 *   `Badblocks.tableSlots()` (blocks, offsets exact past 2^53), not with `entries()`.
 * - the run kinds (`itree`, `btree`, `bitmap`) keep the per-sector meaning only (DESIGN.md):
 *   `ok` of set/clear, `changed`, `unacked_exist`, `shift`, check `ret`, and the per-sector
 *   content: dump entries and show text are both reduced to maximal runs (same-ack runs for
 *   dump; bad sectors for show, unacknowledged ones for showu) before comparing. `count`,
 *   `digest`, `first_bad`/`bad_sectors` and the exact text depend on the table's 512-sector
 *   entries and are not compared. Three table-only effects end or relax the comparison
 *   (each noted):
 *   - once the kernel's table runs out of slots (a set or clear on an enabled table fails)
 *     it has dropped sectors a run kind keeps: the rest of the trace is skipped;
 *   - an unacked set over sectors that are all acked changes no sector, but the kernel sets
 *     `changed` when it merged two of its entries on the way, which later blocks ack_all:
 *     the rest of the trace is skipped;
 *   - the kernel's `unacked_exist` means "there probably are unacked sectors": 0 proves
 *     there are none and unacked sectors make it 1, but it can stay 1 after they are gone
 *     (the same merge sets it); that stale 1 is the only value not compared.
 *
 * Lines outside the contract (README "Which cases are inside the contract")
 * - arguments the API rejects (negative, not safe integers, s + len past 2^53, ack not 0/1):
 *   the API must throw a TypeError or RangeError and change nothing; that is a match. When
 *   the kernel changed its table for such a line (seen from `count`/`digest` for the table;
 *   assumed for any refused set/clear on a run kind, which cannot see the kernel's table),
 *   the two no longer hold the same state and the rest of the trace is skipped (noted).
 * - lines where the kernel did not return (`out.timeout`, lengths of 2^32 or more): check and
 *   clear must give the per-sector answer, computed from the entries before the op (which
 *   the previous lines proved equal to the kernel's). The rest of the trace is skipped.
 * - shift > 0: mainline discards its rounding, the project rounds as documented; the whole
 *   trace is reported `skipped` unless `outsideContract` asks to replay it literally (then
 *   it shows the difference as a mismatch). Not for `table-legacy`: the old code did round
 *   (set/check outward, clear inward), and the legacy table reproduces it, so its shift > 0
 *   traces are inside the contract.
 * - show text longer than a page: the kernel stops printing once it has written 4096 bytes
 *   and keeps 4095 of them; the project prints the whole table. The comparison derives the
 *   kernel's page from our text (`kernelPage()`) and compares that: `len` and `text`.
 */
import { createBadblocks, SECTOR_LIMIT, type Badblocks, type BadblocksEntry, type CheckResult } from './badblocks.js';
import { ALL_BADBLOCKS_KINDS, isTableKind, TRACE_OPS as OPS, type BadblocksKind } from './kinds.js';
import { describe } from '../core/validate.js';
import type { WasmBuild } from '../core/wasm.js';

/** Options of {@link replayTrace}. */
export interface ReplayOptions {
  /** The structure to replay on. */
  readonly kind: BadblocksKind;
  /**
   * Replay traces that are outside the contract (shift > 0) literally instead of reporting
   * them `skipped`. Default false.
   */
  readonly outsideContract?: boolean;
  /** table: slots (default 512, what the traces use). */
  readonly maxEntries?: number;
  /** bitmap: sectors covered (default as createBadblocks). */
  readonly capacitySectors?: number;
  /** wasm build (default: POISONBENCH_WASM, else release). */
  readonly build?: WasmBuild;
}

/** The first difference found: where, and what the kernel and the project answered. */
export interface ReplayMismatch {
  /** 1-based line of the trace. */
  readonly line: number;
  readonly op: string;
  /** `out` field (or `rejected`/`error` for argument handling, `entries[i]`, `runs[i]`). */
  readonly field: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

/** A line that was not compared literally, and why. */
export interface ReplayNote {
  readonly line: number;
  readonly op: string;
  readonly reason: string;
}

/**
 * Result of a replay. `state` is `'mismatch'` when some line differs (`mismatch` says
 * where), `'skipped'` when the whole trace is outside the contract, else `'match'`.
 */
export interface ReplayResult {
  readonly state: 'match' | 'mismatch' | 'skipped';
  readonly mismatch: ReplayMismatch | null;
  /** Op lines in the trace. */
  readonly lines: number;
  /** Op lines replayed and compared (including expected rejections and per-sector answers). */
  readonly compared: number;
  readonly notes: readonly ReplayNote[];
}

/** One parsed line. */
interface TraceLine {
  readonly line: number;
  readonly op: string;
  readonly args: readonly unknown[];
  readonly out: Readonly<Record<string, unknown>>;
}

type Op = (typeof OPS)[number];

/** The kernel's sysfs page (PAGE_SIZE on 4 KiB-page kernels). */
const SYSFS_PAGE_BYTES = 4096;

/** FNV-1a 64 of the empty string: the digest of an empty table. */
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const U64 = (1n << 64n) - 1n;

/**
 * The traces' table digest: FNV-1a 64 over `"{offset},{len},{ack};"` for every entry in
 * order, as 16 lowercase hex digits.
 */
export function tableDigest(entries: readonly (readonly [number | bigint, number, boolean | number])[]): string {
  let h = FNV_OFFSET;
  for (const [start, len, ack] of entries) {
    const text = `${start},${len},${ack === true || ack === 1 ? 1 : 0};`;
    for (let i = 0; i < text.length; i++) {
      h ^= BigInt(text.charCodeAt(i));
      h = (h * FNV_PRIME) & U64;
    }
  }
  return h.toString(16).padStart(16, '0');
}

/**
 * What the kernel's `badblocks_show` page holds when the full text is `text`: it keeps
 * printing lines while fewer than 4096 bytes are written (`len` counts whole lines, so it
 * may pass 4096), and the page keeps the first 4095 bytes plus a NUL.
 */
export function kernelPage(text: string): { len: number; text: string } {
  let len = 0;
  while (len < SYSFS_PAGE_BYTES && len < text.length) {
    const nl = text.indexOf('\n', len);
    len = nl < 0 ? text.length : nl + 1;
  }
  return { len, text: text.slice(0, Math.min(len, SYSFS_PAGE_BYTES - 1)) };
}

/** Entries as maximal runs of consecutive sectors with the same ack (per-sector meaning). */
function sameAckRuns(entries: readonly (readonly [number, number, boolean])[]): BadblocksEntry[] {
  const runs: BadblocksEntry[] = [];
  for (const [start, len, ack] of entries) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] + last[1] === start && last[2] === ack) last[1] += len;
    else runs.push([start, len, ack]);
  }
  return runs;
}

/** Sorted `[start, len]` ranges as maximal runs of bad sectors, whatever their ack. */
function badRuns(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const [start, len] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] + last[1] >= start) last[1] = Math.max(last[1], start + len - last[0]);
    else runs.push([start, len]);
  }
  return runs;
}

/** `"<start> <len>\n"` lines of sysfs text as ranges. */
function parseShowText(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [a, b] = line.split(' ');
    ranges.push([Number(a), Number(b)]);
  }
  return ranges;
}

/**
 * badblocks_check's answer from the per-sector meaning of `entries` (sorted, not
 * overlapping): the lowest entry overlapping [s, s+len) (len 0: the sector s), rc -1 when an
 * overlapping entry is unacknowledged.
 */
function checkEntries(entries: readonly BadblocksEntry[], s: number, len: number): CheckResult {
  const end = s + (len === 0 ? 1 : len);
  let first: BadblocksEntry | undefined;
  let unacked = false;
  for (const e of entries) {
    if (e[0] >= end || e[0] + e[1] <= s) continue;
    first ??= e;
    if (!e[2]) unacked = true;
  }
  if (first === undefined) return { rc: 0 };
  return { rc: unacked ? -1 : 1, firstBad: first[0], badSectors: first[1] };
}

/** Per-sector content of `entries` after clearing [s, s+len). */
function clearEntries(entries: readonly BadblocksEntry[], s: number, len: number): BadblocksEntry[] {
  const end = s + len;
  const out: BadblocksEntry[] = [];
  for (const [a, l, ack] of entries) {
    const b = a + l;
    if (b <= s || a >= end) { out.push([a, l, ack]); continue; }
    if (a < s) out.push([a, s - a, ack]);
    if (b > end) out.push([end, b - end, ack]);
  }
  return out;
}

/** Whether every sector of [s, s+len) is in an acked entry. */
function allAcked(entries: readonly BadblocksEntry[], s: number, len: number): boolean {
  let cursor = s;
  const end = s + len;
  for (const [a, l, ack] of entries) {
    if (a + l <= cursor) continue;
    if (a > cursor || !ack) return false;
    cursor = a + l;
    if (cursor >= end) return true;
  }
  return cursor >= end;
}

/** Whether set/clear/check arguments are inside the API's contract (README). */
function argsValid(op: Op, args: readonly unknown[]): boolean {
  const [s, len, ack] = args;
  if (typeof s !== 'number' || typeof len !== 'number') return false;
  if (!Number.isSafeInteger(s) || !Number.isSafeInteger(len) || s < 0 || len < 0) return false;
  if (len > SECTOR_LIMIT - s) return false;
  if (op === 'set' && ack !== 0 && ack !== 1) return false;
  return true;
}

/** What a comparison needs to know of the structure's visible state. */
interface Snapshot {
  readonly entries: BadblocksEntry[];
  readonly count: number;
  readonly changed: boolean;
  readonly unackedExist: boolean;
}

function snapshot(bb: Badblocks): Snapshot {
  return { entries: bb.entries(), count: bb.count, changed: bb.changed, unackedExist: bb.unackedExist };
}

function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  return a.count === b.count && a.changed === b.changed && a.unackedExist === b.unackedExist &&
    JSON.stringify(a.entries) === JSON.stringify(b.entries);
}

/** Thrown inside the replay loop to stop at the first difference. */
class Mismatch extends Error {
  constructor(readonly detail: ReplayMismatch) {
    super(`line ${detail.line} (${detail.op}): ${detail.field}`);
  }
}

function parseTrace(text: string): TraceLine[] {
  if (typeof text !== 'string') throw new TypeError(`trace text must be a string, got ${describe(text)}`);
  const lines: TraceLine[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (err) {
      throw new SyntaxError(`trace line ${i + 1} is not JSON: ${(err as Error).message}`, { cause: err });
    }
    const o = obj as { op?: unknown; args?: unknown; out?: unknown };
    if (typeof o !== 'object' || o === null || typeof o.op !== 'string' || !Array.isArray(o.args) ||
        typeof o.out !== 'object' || o.out === null) {
      throw new TypeError(`trace line ${i + 1} must be {"op": string, "args": [...], "out": {...}}, got ${describe(obj)}`);
    }
    if (!(OPS as readonly string[]).includes(o.op)) {
      throw new RangeError(`trace line ${i + 1}: op must be one of ${OPS.join(', ')}, got ${describe(o.op)}`);
    }
    lines.push({ line: i + 1, op: o.op, args: o.args, out: o.out as Record<string, unknown> });
  });
  return lines;
}

/**
 * Replays one trace (the text of a `.jsonl` file) on a new structure of `options.kind`.
 * @returns the first mismatch, or a match/skip with notes on lines not compared literally.
 * @throws {TypeError|RangeError|SyntaxError} for malformed traces or options (naming the
 *   line or the option); a difference in behaviour is a result, never an exception.
 */
export async function replayTrace(text: string, options: ReplayOptions): Promise<ReplayResult> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object such as { kind: 'table' }, got ${describe(options)}`);
  }
  if (!ALL_BADBLOCKS_KINDS.includes(options.kind)) {
    throw new RangeError(`options.kind must be one of ${ALL_BADBLOCKS_KINDS.map((k) => `'${k}'`).join(', ')}, got ${describe(options.kind)}`);
  }
  const trace = parseTrace(text);
  const table = isTableKind(options.kind);
  const notes: ReplayNote[] = [];
  let compared = 0;
  let bb: Badblocks | undefined;
  /** Set once the kernel and the structure no longer hold the same state. */
  let divergedAt: ReplayNote | undefined;

  const result = (state: ReplayResult['state'], mismatch: ReplayMismatch | null): ReplayResult =>
    ({ state, mismatch, lines: trace.length, compared, notes });

  try {
    for (const t of trace) {
      const op = t.op as Op;
      const fail = (field: string, expected: unknown, actual: unknown): never => {
        throw new Mismatch({ line: t.line, op, field, expected, actual });
      };
      const expect = (field: string, expected: unknown, actual: unknown): void => {
        if (JSON.stringify(expected) !== JSON.stringify(actual)) fail(field, expected, actual);
      };
      const out = t.out;

      if (op === 'init') {
        const shift = t.args[0];
        if (typeof shift !== 'number' || !Number.isInteger(shift)) {
          throw new TypeError(`trace line ${t.line}: init args must be [shift], got ${describe(t.args)}`);
        }
        if (shift > 0 && options.outsideContract !== true && options.kind !== 'table-legacy') {
          notes.push({ line: t.line, op, reason: `skipped: outside contract (shift ${shift} > 0: mainline discards its rounding, the project rounds set/check outward and clear inward)` });
          return result('skipped', null);
        }
        bb?.detach();
        bb = await createBadblocks({
          kind: options.kind, shift,
          ...(table && options.maxEntries !== undefined ? { maxEntries: options.maxEntries } : {}),
          ...(options.kind === 'bitmap' && options.capacitySectors !== undefined ? { capacitySectors: options.capacitySectors } : {}),
          ...(options.build !== undefined ? { build: options.build } : {}),
        });
        divergedAt = undefined;
        expect('rc', out['rc'], 0);
        compareState(bb, out, table, expect, ['shift', 'changed', 'unacked_exist']);
        compared++;
        continue;
      }
      if (bb === undefined) throw new RangeError(`trace line ${t.line}: ${op} before init`);
      if (divergedAt !== undefined) {
        notes.push({ line: t.line, op, reason: `skipped: state differs from the kernel's since line ${divergedAt.line} (${divergedAt.reason})` });
        continue;
      }

      const timedOut = out['timeout'] === true;
      switch (op) {
        case 'set':
        case 'clear':
        case 'check': {
          if (!argsValid(op, t.args)) {
            // Outside the API's contract: must be refused, changing nothing.
            const before = snapshot(bb);
            let threw: unknown;
            try {
              if (op === 'set') bb.set(t.args[0] as number, t.args[1] as number, t.args[2] as boolean);
              else if (op === 'clear') bb.clear(t.args[0] as number, t.args[1] as number);
              else bb.check(t.args[0] as number, t.args[1] as number);
            } catch (err) {
              threw = err;
            }
            if (!(threw instanceof RangeError || threw instanceof TypeError)) {
              fail('rejected', 'TypeError or RangeError', threw === undefined ? 'no error' : String(threw));
            }
            const after = snapshot(bb);
            if (!sameSnapshot(before, after)) fail('rejected', before, after);
            compared++;
            // The table's count and digest show whether the kernel changed anything; for the
            // run kinds the kernel's new content is unknown, so any refused set/clear ends
            // the comparison.
            if (op !== 'check' && (timedOut || !table || !kernelStateIs(bb, out, table))) {
              const what = table ? 'changed its table with' : 'ran';
              divergedAt = { line: t.line, op, reason: `the kernel ${what} ${op}(${t.args.join(', ')}), which the API refuses` };
              notes.push(divergedAt);
            }
            break;
          }
          const [s, len] = t.args as [number, number, number?];
          if (timedOut) {
            if (compareTimeout(bb, op, s, len, t.args[2], table, expect, notes, t)) compared++;
            divergedAt = { line: t.line, op, reason: 'the kernel did not return' };
            break;
          }
          if (op === 'check') {
            const r = bb.check(s, len);
            expect('ret', out['ret'], r.rc);
            if (table) {
              expect('first_bad', out['first_bad'], r.rc === 0 ? null : r.firstBad);
              expect('bad_sectors', out['bad_sectors'], r.rc === 0 ? null : r.badSectors);
            }
            compared++;
            break;
          }
          if (!table && out['ok'] === 0 && bb.shift >= 0 && len > 0) {
            // Only a full table makes an enabled kernel set/clear fail.
            divergedAt = { line: t.line, op, reason: `the kernel's table ran out of slots (count ${String(out['count'])}), a table-only limit` };
            notes.push(divergedAt);
            break;
          }
          // An unacked set over sectors that are all acked changes no sector; the kernel still
          // sets `changed` when it combined two entries on the way (a table-only effect).
          const noSectorChanges = !table && op === 'set' && t.args[2] === 0 && !bb.changed &&
            allAcked(bb.entries(), s, len);
          const ret = op === 'set' ? bb.setRaw(s, len, t.args[2] === 1) : bb.clearRaw(s, len);
          const ok = ret === (options.kind === 'table-legacy' ? 0 : 1);
          if (table) expect('ret', out['ret'], ret);
          expect('ok', out['ok'], ok ? 1 : 0);
          if (noSectorChanges && out['changed'] === 1 && !bb.changed) {
            divergedAt = { line: t.line, op, reason: 'the kernel set `changed` for a set that changed no sector (it combined two table entries), a table-only effect' };
            notes.push(divergedAt);
            compared++;
            break;
          }
          compareState(bb, out, table, expect, ['changed', 'unacked_exist']);
          compared++;
          break;
        }
        case 'ackall':
        case 'clearchanged': {
          if (op === 'ackall') bb.ackAll();
          else bb.clearChanged();
          compareState(bb, out, table, expect, ['changed', 'unacked_exist']);
          compared++;
          break;
        }
        case 'show':
        case 'showu': {
          const text = bb.show(op === 'showu');
          const kText = String(out['text']);
          const kLen = out['len'] as number;
          if (table) {
            const page = kernelPage(text);
            if (page.len >= SYSFS_PAGE_BYTES) {
              notes.push({ line: t.line, op, reason: `compared the first page: the kernel stops at ${SYSFS_PAGE_BYTES} bytes (len ${kLen}), the project prints all ${text.length}` });
            }
            expect('len', kLen, page.len);
            expect('text', kText, page.text);
          } else if (kLen < SYSFS_PAGE_BYTES) {
            const kRuns = badRuns(parseShowText(kText));
            const ours = badRuns(parseShowText(text));
            expectList('runs', kRuns, ours, fail);
          } else {
            notes.push({ line: t.line, op, reason: 'text not compared: the kernel cut it at one page' });
          }
          compareState(bb, out, table, expect, ['unacked_exist']);
          compared++;
          break;
        }
        case 'dump': {
          compareState(bb, out, table, expect, ['shift', 'changed', 'unacked_exist']);
          const kEntries = (out['entries'] as [number, number, number][]).map(
            ([a, l, ack]) => [a, l, ack === 1] as BadblocksEntry);
          const ours = table ? rawTable(bb) : bb.entries();
          if (table) expectList('entries', kEntries, ours, fail);
          else expectList('runs', sameAckRuns(kEntries), sameAckRuns(ours), fail);
          compared++;
          break;
        }
        default:
          break;
      }
    }
  } catch (err) {
    if (err instanceof Mismatch) return result('mismatch', err.detail);
    throw err;
  } finally {
    bb?.detach();
  }
  return result('match', null);
}

type Expect = (field: string, expected: unknown, actual: unknown) => void;

/**
 * Compares the header fields an op's `out` carries (`fields` always, plus `count` and
 * `digest` for the table).
 */
function compareState(bb: Badblocks, out: Readonly<Record<string, unknown>>, table: boolean, expect: Expect,
  fields: readonly ('shift' | 'changed' | 'unacked_exist')[]): void {
  for (const f of fields) {
    if (!(f in out)) continue;
    if (f === 'shift') expect(f, out[f], bb.shift);
    else if (f === 'changed') expect(f, out[f], bb.changed ? 1 : 0);
    else if (table || out[f] === 0 || bb.entries().some((e) => !e[2])) {
      // For the run kinds: the kernel's flag means "there probably are unacked sectors";
      // 0 proves there are none, and with unacked sectors present it is 1, but it may stay
      // 1 after they are gone (an unacked set that only combined two acked entries sets
      // it). Only that stale 1 is left uncompared.
      expect(f, out[f], bb.unackedExist ? 1 : 0);
    }
  }
  if (!table) return;
  if ('count' in out) expect('count', out['count'], bb.count);
  if ('digest' in out) expect('digest', out['digest'], tableDigest(bb.tableSlots()));
}

/**
 * The table as the kernel holds it (blocks, exact offsets) for the digest, and as numbers
 * for a dump's entries (the trace's JSON numbers are doubles too, rounded the same way).
 */
function rawTable(bb: Badblocks): BadblocksEntry[] {
  return bb.tableSlots().map(([s, n, ack]) => [Number(s), n, ack]);
}

/** Whether the kernel's state after a line equals the structure's (both unchanged). */
function kernelStateIs(bb: Badblocks, out: Readonly<Record<string, unknown>>, table: boolean): boolean {
  let same = true;
  const expect: Expect = (_f, e, a) => { if (JSON.stringify(e) !== JSON.stringify(a)) same = false; };
  compareState(bb, out, table, expect, ['changed', 'unacked_exist']);
  return same;
}

/** Compares two lists element by element, reporting the first differing index. */
function expectList(field: string, expected: readonly unknown[], actual: readonly unknown[],
  fail: (field: string, expected: unknown, actual: unknown) => never): void {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    if (JSON.stringify(e) !== JSON.stringify(a)) fail(`${field}[${i}]`, e ?? null, a ?? null);
  }
}

/**
 * A line the kernel never finished (its `int` length wrapped): check and clear must give
 * the per-sector answer for the entries before the op. A set has no reference answer.
 * Returns whether the line was compared.
 */
function compareTimeout(bb: Badblocks, op: 'set' | 'clear' | 'check', s: number, len: number, ack: unknown,
  table: boolean, expect: Expect, notes: ReplayNote[], t: TraceLine): boolean {
  const before = bb.entries();
  const unackedBefore = bb.unackedExist;
  if (op === 'check') {
    const want = checkEntries(table ? before : sameAckRuns(before), s, len);
    const got = bb.check(s, len);
    expect('ret', want.rc, got.rc);
    if (table && want.rc !== 0 && got.rc !== 0) {
      expect('first_bad', want.firstBad, got.firstBad);
      expect('bad_sectors', want.badSectors, got.badSectors);
    }
    notes.push({ line: t.line, op, reason: `the kernel did not return (length ${len}); compared with the per-sector answer` });
    return true;
  }
  if (op === 'clear') {
    // A clear fails only when all of it needs a split on a full table, i.e. it lies strictly
    // inside one entry of at most 512 sectors: never for the lengths that hang the kernel.
    const ok = bb.clear(s, len);
    const want = sameAckRuns(clearEntries(before, s, len));
    expect('ok', 1, ok ? 1 : 0);
    expect('changed', 1, bb.changed ? 1 : 0);
    // badblocks_update_acked: cleared only when no unacked entry is left.
    expect('unacked_exist', unackedBefore && want.some((e) => !e[2]) ? 1 : 0, bb.unackedExist ? 1 : 0);
    expectRuns(want, sameAckRuns(bb.entries()), expect);
    notes.push({ line: t.line, op, reason: `the kernel did not return (length ${len}); compared with the per-sector answer` });
    return true;
  }
  notes.push({ line: t.line, op, reason: `not compared: the kernel did not return for set(${s}, ${len}, ${String(ack)})` });
  return false;
}

function expectRuns(want: readonly BadblocksEntry[], got: readonly BadblocksEntry[], expect: Expect): void {
  const n = Math.max(want.length, got.length);
  for (let i = 0; i < n; i++) expect(`runs[${i}]`, want[i] ?? null, got[i] ?? null);
}

/** One line a person reads: `FILE: match (N of M ops compared)` or the first mismatch. */
export function formatReplayResult(result: ReplayResult, file: string): string {
  const head = `${file}: ${result.state} (${result.compared} of ${result.lines} ops compared)`;
  const notes = result.notes.map((n) => `  note line ${n.line} (${n.op}): ${n.reason}`);
  if (result.mismatch === null) return [head, ...notes].join('\n');
  const m = result.mismatch;
  return [head, `  first mismatch at line ${m.line} (${m.op}), field ${m.field}: kernel ${JSON.stringify(m.expected)}, poisonbench ${JSON.stringify(m.actual)}`, ...notes].join('\n');
}
