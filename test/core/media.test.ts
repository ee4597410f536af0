/**
 * The media core: copy_mc and flushcache acceptance cases C-1..C-6 (reference §9.10, §5),
 * and the persistence model (DESIGN.md "Semantics decisions", reference §5.3). Expected
 * values come from the reference text, not from the code.
 */
import { describe, it, expect } from 'vitest';
import { createMedia, attachMedia, Media } from '../../src/core/media.js';
import { createShared } from '../../src/core/shared.js';
import { SLOT_LOG_DRAINS, SLOT_LOG_COUNT, PENDING_BASE, LINE_DURABLE } from '../../src/core/layout.js';

const LINE = 64;
const PAGE = 4096;
const LOST = 'LOSTLINE'.repeat(LINE / 8);

/** Deterministic non-zero test bytes (differ from the zeroed media and from "LOSTLINE"). */
function pattern(len: number, seed = 1): Uint8Array {
  const out = new Uint8Array(len);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < len; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x >>> 24) | 1;
  }
  return out;
}

/** The 64-byte lines that byte range [off, off+len) touches (len > 0). */
function touchedLines(off: number, len: number): number[] {
  const lines: number[] = [];
  for (let l = Math.floor(off / LINE); l <= Math.floor((off + len - 1) / LINE); l++) lines.push(l);
  return lines;
}

const text = (b: Uint8Array): string => new TextDecoder('latin1').decode(b);

describe('copy_mc (reference §5.1, §9.10)', () => {
  it('C-1 poisoned line at src+1024 of a 4096-byte copy leaves 3072 not copied', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    // 8-aligned; the poisoned *line* starts at src+1024, so src is line-aligned too.
    const src = 2 * PAGE + 3 * LINE;
    const data = pattern(4096);
    m.write(src, data);
    m.poison(src + 1024, 1);
    const r = m.readMc(src, 4096);
    expect(r.notCopied).toBe(3072);
    // dst[0..1024) valid
    expect(r.data).toEqual(data.subarray(0, 1024));
  });

  it('C-1 through the raw copy: returns 3072 and writes nothing past dst+1024', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    const { wasm, u8, ioBuf, layout } = m.context;
    const src = PAGE; // page- and so 8-aligned: the poisoned line is src+1024
    const data = pattern(4096, 2);
    m.write(src, data);
    m.poison(src + 1024, 64);
    u8.fill(0xee, ioBuf, ioBuf + 4096);
    expect(wasm.copy_mc(ioBuf, layout.mediaBase + src, 4096) >>> 0).toBe(3072);
    expect(u8.slice(ioBuf, ioBuf + 1024)).toEqual(data.subarray(0, 1024));
    expect(u8.slice(ioBuf + 1024, ioBuf + 4096).every((b) => b === 0xee)).toBe(true);
  });

  it('C-2 src ≡ 3 (mod 64) with the next line poisoned leaves len − 61 not copied', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    const src = 5 * LINE + 3;
    const len = 1000;
    const data = pattern(len, 3);
    m.write(src, data);
    m.poison(src + 61, 64); // exactly the next line: src+61 .. src+125
    expect(m.firstPoisoned(0, m.size)).toBe(src + 61);
    const r = m.readMc(src, len);
    expect(r.notCopied).toBe(len - 61);
    expect(r.data).toEqual(data.subarray(0, 61));
  });

  it.each([0, 1, 17, 63])('C-3 src inside a poisoned line (+%d) copies nothing', async (into) => {
    const m = await createMedia({ size: 64 * 1024 });
    const line = 100 * LINE;
    m.write(line, pattern(LINE * 4, 4));
    m.poison(line, LINE);
    const r = m.readMc(line + into, 200);
    expect(r.notCopied).toBe(200);
    expect(r.data.length).toBe(0);
  });

  it('C-4 _copy_mc_to_iter on case C-1 copies 1024 bytes (readMc data length)', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    const src = 3 * PAGE;
    const data = pattern(4096, 5);
    m.write(src, data);
    m.poison(src + 1024, 1);
    const r = m.readMc(src, 4096);
    expect(r.data.length).toBe(1024);
    expect(r.data.length + r.notCopied).toBe(4096);
  });

  it('a clean copy and a copy that ends right before the poisoned line copy everything', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    const data = pattern(8192, 6);
    m.write(0, data);
    m.poison(4096, 1);
    expect(m.readMc(0, 4096)).toEqual({ data: data.subarray(0, 4096), notCopied: 0 });
    expect(m.readMc(4096 + 64, 4096 - 64)).toEqual({ data: data.subarray(4160), notCopied: 0 });
    expect(m.readMc(4095, 0)).toEqual({ data: new Uint8Array(0), notCopied: 0 });
  });

  it('the copy stops at the first of several poisoned lines', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    m.poison(9000, 1); // line 140 starts at 8960
    m.poison(20000, 1);
    expect(m.readMc(100, 30000).notCopied).toBe(30000 - (8960 - 100));
    expect(m.readMc(8960 + 64, 30000).notCopied).toBe(30000 - (19968 - 9024));
  });
});

describe('memcpy_flushcache (reference §5.3, C-5)', () => {
  it('C-5 100 bytes at dst ≡ 3 (mod 8): every touched line pending until fence, lost on power fail', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    const before = pattern(m.size, 7);
    // Start from durable content so that any line the write wrongly touches shows.
    m.writeFlushcache(0, before);
    m.fence();
    const off = 10 * LINE + 59; // 699 ≡ 3 (mod 8), crosses two line boundaries
    expect(off % 8).toBe(3);
    const lines = touchedLines(off, 100);
    expect(lines).toEqual([10, 11, 12]);

    m.writeFlushcache(off, pattern(100, 8));
    for (const l of lines) expect(m.lineState(l * LINE)).toEqual({ state: 'pending', owner: m.threadId });
    expect(m.lineState(9 * LINE + 63)).toEqual({ state: 'durable' });
    expect(m.lineState(13 * LINE)).toEqual({ state: 'durable' });
    // Nothing durable until the fence: a power failure now loses exactly the touched lines.
    expect(m.volatileBytes(0, m.size)).toBe(lines.length * LINE);
    expect(m.powerFail().lostBytes).toBe(lines.length * LINE);
    const after = m.read(0, m.size);
    for (let l = 0; l < m.size / LINE; l++) {
      const got = after.subarray(l * LINE, (l + 1) * LINE);
      if (lines.includes(l)) expect(text(got), `line ${l}`).toBe(LOST);
      else expect(got, `line ${l}`).toEqual(before.subarray(l * LINE, (l + 1) * LINE));
    }
    for (const l of lines) expect(m.lineState(l * LINE)).toEqual({ state: 'durable' });
  });

  it('C-5 after the fence the same write survives a power failure', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    const off = 10 * LINE + 59;
    const data = pattern(100, 9);
    m.writeFlushcache(off, data);
    expect(m.fence()).toBe(touchedLines(off, 100).length * LINE);
    for (const l of touchedLines(off, 100)) expect(m.lineState(l * LINE)).toEqual({ state: 'durable' });
    expect(m.powerFail().lostBytes).toBe(0);
    expect(m.read(off, 100)).toEqual(data);
  });

  it('writing a poisoned line (plain or flushcache) does not clear the poison', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    m.poison(4096, 128);
    m.write(4096, pattern(64, 10));
    m.writeFlushcache(4096 + 64, pattern(64, 11));
    m.flush(4096, 128);
    m.fence();
    expect(m.isPoisoned(4096, 64)).toBe(true);
    expect(m.isPoisoned(4096 + 64, 64)).toBe(true);
    expect(m.readMc(4096, 128).notCopied).toBe(128);
    // The bytes themselves were stored (a plain load sees them).
    expect(m.read(4096, 64)).toEqual(pattern(64, 10));
  });
});

describe('set_mce_nospec / clear_mce_nospec (reference §5.4, C-6)', () => {
  it('C-6 every byte of a not-present page faults for copy_mc; clear_mce_nospec maps it again', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    const data = pattern(m.size, 12);
    m.write(0, data);
    const pfn = 5;
    m.setMceNospec(pfn);
    for (const k of [0, 1, 63, 64, 2048, 4095]) {
      expect(m.readMc(pfn * PAGE + k, 1).notCopied, `byte ${k}`).toBe(1);
    }
    // A copy from the page before stops at the page start; one after it is unaffected.
    expect(m.readMc(pfn * PAGE - 100, 200)).toEqual({ data: data.subarray(pfn * PAGE - 100, pfn * PAGE), notCopied: 100 });
    expect(m.readMc((pfn + 1) * PAGE, PAGE).notCopied).toBe(0);
    // The page is unmapped for the kernel, not poisoned: plain loads and the poison map are unchanged.
    expect(m.isPoisoned(0, m.size)).toBe(false);
    expect(m.read(pfn * PAGE, PAGE)).toEqual(data.subarray(pfn * PAGE, (pfn + 1) * PAGE));

    m.clearMceNospec(pfn);
    expect(m.readMc(pfn * PAGE, PAGE)).toEqual({ data: data.subarray(pfn * PAGE, (pfn + 1) * PAGE), notCopied: 0 });
    expect(m.readMc(0, m.size).notCopied).toBe(0);
  });

  it('C-6 neighbouring pages (same flag word) are set and cleared independently', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    m.setMceNospec(4);
    m.setMceNospec(5);
    m.clearMceNospec(4);
    expect(m.readMc(4 * PAGE, PAGE).notCopied).toBe(0);
    expect(m.readMc(5 * PAGE, 10).notCopied).toBe(10);
    m.setMceNospec(5); // already not present: still one clear maps it again
    m.clearMceNospec(5);
    expect(m.readMc(0, m.size).notCopied).toBe(0);
  });

  it('C-6 clearing a page that was never unmapped does not hide a later set_mce_nospec', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    m.clearMceNospec(3);
    m.setMceNospec(7);
    expect(m.readMc(0, m.size).notCopied).toBe(m.size - 7 * PAGE);
    m.clearMceNospec(7);
    m.clearMceNospec(7);
    m.setMceNospec(2);
    expect(m.readMc(0, m.size).notCopied).toBe(m.size - 2 * PAGE);
  });

  it('C-6 a not-present page stops the copy before a later poisoned line, and vice versa', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    m.setMceNospec(6);
    m.poison(3 * PAGE + 640, 1);
    expect(m.readMc(0, m.size).notCopied).toBe(m.size - (3 * PAGE + 640));
    m.unpoison(3 * PAGE + 640, 1);
    m.poison(8 * PAGE, 1);
    expect(m.readMc(0, m.size).notCopied).toBe(m.size - 6 * PAGE);
  });
});

describe('persistence domain (reference §5.3)', () => {
  it('a plain write leaves its lines dirty and a power failure loses them as "LOSTLINE"', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    m.write(130, pattern(10, 13)); // line 2 only
    m.write(1000, pattern(100, 14)); // lines 15, 16, 17
    expect(m.lineState(130)).toEqual({ state: 'dirty' });
    expect(m.lineState(1000)).toEqual({ state: 'dirty' });
    expect(m.lineState(64)).toEqual({ state: 'durable' });
    expect(m.volatileBytes(0, m.size)).toBe(4 * LINE);
    expect(m.powerFail()).toEqual({ lostBytes: 4 * LINE });
    for (const l of [2, 15, 16, 17]) expect(text(m.read(l * LINE, LINE))).toBe(LOST);
    expect(m.read(0, 128).every((b) => b === 0)).toBe(true);
    expect(m.read(18 * LINE, m.size - 18 * LINE).every((b) => b === 0)).toBe(true);
    expect(m.volatileBytes(0, m.size)).toBe(0);
    expect(m.powerFail().lostBytes).toBe(0);
  });

  it('flush turns only dirty lines pending: durable stays durable, another thread\'s pending stays its own', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    const other = await attachMedia(m.handle);
    expect(other.threadId).not.toBe(m.threadId);
    m.write(0, pattern(64, 15)); // line 0 dirty
    // line 1 durable
    other.writeFlushcache(128, pattern(64, 16)); // line 2 pending(other)
    m.writeFlushcache(192, pattern(64, 17)); // line 3 pending(me)
    m.fence();
    m.write(192, pattern(64, 18)); // line 3 dirty again
    m.flush(0, 4 * LINE);
    expect(m.lineState(0)).toEqual({ state: 'pending', owner: m.threadId });
    expect(m.lineState(64)).toEqual({ state: 'durable' });
    expect(m.lineState(128)).toEqual({ state: 'pending', owner: other.threadId });
    expect(m.lineState(192)).toEqual({ state: 'pending', owner: m.threadId });
    expect(m.fence()).toBe(2 * LINE);
    expect(m.lineState(0)).toEqual({ state: 'durable' });
    expect(m.lineState(128)).toEqual({ state: 'pending', owner: other.threadId });
    expect(m.powerFail().lostBytes).toBe(LINE);
    expect(text(m.read(128, 64))).toBe(LOST);
    expect(m.read(192, 64)).toEqual(pattern(64, 18));
    other.detach();
  });

  it('a fence makes durable only the calling thread\'s pending lines', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    const a = await attachMedia(m.handle);
    const b = await attachMedia(m.handle);
    a.writeFlushcache(0, pattern(100, 19)); // lines 0, 1
    b.writeFlushcache(4096, pattern(10, 20)); // line 64
    expect(m.fence()).toBe(0);
    expect(b.fence()).toBe(LINE);
    expect(m.lineState(0)).toEqual({ state: 'pending', owner: a.threadId });
    expect(m.lineState(4096)).toEqual({ state: 'durable' });
    // b takes over line 1 before a fences: a's fence must leave it pending for b.
    b.writeFlushcache(64, pattern(1, 21));
    expect(a.fence()).toBe(LINE);
    expect(m.lineState(0)).toEqual({ state: 'durable' });
    expect(m.lineState(64)).toEqual({ state: 'pending', owner: b.threadId });
    expect(m.powerFail().lostBytes).toBe(LINE);
    a.detach();
    b.detach();
  });

  it('a plain store after a flush makes the line dirty again and the fence leaves it dirty', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    m.writeFlushcache(640, pattern(64, 22));
    m.write(650, pattern(4, 23));
    expect(m.fence()).toBe(0);
    expect(m.lineState(640)).toEqual({ state: 'dirty' });
  });

  it('eADR: every write is durable at once and a power failure loses nothing', async () => {
    const m = await createMedia({ size: 64 * 1024, eADR: true });
    expect(m.eADR).toBe(true);
    const d1 = pattern(300, 24);
    const d2 = pattern(77, 25);
    m.write(5, d1);
    m.writeFlushcache(1003, d2);
    m.flush(0, m.size);
    for (const off of [5, 300, 1003, 1079]) expect(m.lineState(off)).toEqual({ state: 'durable' });
    expect(m.volatileBytes(0, m.size)).toBe(0);
    expect(m.fence()).toBe(0);
    expect(m.powerFail().lostBytes).toBe(0);
    expect(m.read(5, 300)).toEqual(d1);
    expect(m.read(1003, 77)).toEqual(d2);
  });

  it('writes and flushes of zero bytes change no line state', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    m.write(100, new Uint8Array(0));
    m.writeFlushcache(200, new Uint8Array(0));
    m.flush(300, 0);
    m.write(m.size, new Uint8Array(0));
    expect(m.volatileBytes(0, m.size)).toBe(0);
  });
});

describe('pending log overflow (persist.ts)', () => {
  it('a full log drains early: its lines become durable and SLOT_LOG_DRAINS counts it', () => {
    const ctx = createShared({ mediaBytes: 64 * 1024, logCapacity: 2 });
    const { wasm, u8, u32, layout } = ctx;
    const slot = wasm.thread_slot() >>> 0;
    const drains = (): number => u32[(slot + SLOT_LOG_DRAINS) / 4]!;
    const state = (line: number): number => u8[layout.stateBase + line]!;
    const mine = PENDING_BASE + ctx.tid;

    // Two separate ranges fill the log.
    wasm.persist_mark_pending(0 * 64, 64);
    wasm.persist_mark_pending(10 * 64, 128);
    expect([state(0), state(10), state(11)]).toEqual([mine, mine, mine]);
    expect(u32[(slot + SLOT_LOG_COUNT) / 4]).toBe(2);
    expect(drains()).toBe(0);

    // A third separate range: the log drains (an early fence), then records the new range.
    wasm.persist_mark_pending(20 * 64, 64);
    expect(drains()).toBe(1);
    expect([state(0), state(10), state(11)]).toEqual([LINE_DURABLE, LINE_DURABLE, LINE_DURABLE]);
    expect(state(20)).toBe(mine);
    expect(wasm.pmem_wmb() >>> 0).toBe(1);
    expect(state(20)).toBe(LINE_DURABLE);

    // Through the copy export as well: three separate flushcache copies drain once more.
    const src = ctx.ioBuf;
    for (const line of [30, 40, 50]) wasm.memcpy_flushcache(layout.mediaBase + line * 64, src, 64);
    expect(drains()).toBe(2);
    expect([state(30), state(40), state(50)]).toEqual([LINE_DURABLE, LINE_DURABLE, mine]);

    // And through clean_cache_range of dirty lines.
    wasm.pmem_wmb();
    for (const line of [60, 70, 80]) {
      wasm.persist_mark_dirty(line * 64, 64);
      wasm.clean_cache_range(line * 64, 64);
    }
    expect(drains()).toBe(3);
    expect([state(60), state(70), state(80)]).toEqual([LINE_DURABLE, LINE_DURABLE, mine]);
  });

  it('adjacent and overlapping ranges coalesce in the log and do not drain it', () => {
    const ctx = createShared({ mediaBytes: 64 * 1024, logCapacity: 2 });
    const { wasm, u8, u32, layout } = ctx;
    const slot = wasm.thread_slot() >>> 0;
    for (let line = 0; line < 32; line++) wasm.persist_mark_pending(line * 64 + 5, 50);
    wasm.persist_mark_pending(10 * 64, 64 * 4);
    expect(u32[(slot + SLOT_LOG_DRAINS) / 4]).toBe(0);
    expect(u32[(slot + SLOT_LOG_COUNT) / 4]).toBe(1);
    expect(wasm.pmem_wmb() >>> 0).toBe(32);
    for (let line = 0; line < 32; line++) expect(u8[layout.stateBase + line]).toBe(LINE_DURABLE);
  });

  it('a drain does not make another thread\'s pending lines durable', async () => {
    const ctx = createShared({ mediaBytes: 64 * 1024, logCapacity: 2 });
    const m = new Media(ctx);
    const other = await attachMedia(m.handle);
    other.writeFlushcache(64, pattern(64, 26));
    for (const off of [0, 640, 1280]) m.writeFlushcache(off, pattern(64, 27));
    expect(m.lineState(0)).toEqual({ state: 'durable' });
    expect(m.lineState(64)).toEqual({ state: 'pending', owner: other.threadId });
    // A power failure loses the other thread's line and this thread's undrained one.
    expect(m.powerFail().lostBytes).toBe(2 * LINE);
  });
});

describe('threads on one memory', () => {
  it('each attachment claims its own thread id; a detached id is reused', async () => {
    const m = await createMedia({ size: 4096, maxThreads: 3 });
    const a = await attachMedia(m.handle);
    const b = await attachMedia(m.handle);
    expect(new Set([m.threadId, a.threadId, b.threadId]).size).toBe(3);
    await expect(attachMedia(m.handle)).rejects.toThrow(/maxThreads = 3/);
    const freed = a.threadId;
    a.detach();
    const c = await attachMedia(m.handle);
    expect(c.threadId).toBe(freed);
  });

  it('an attachment sees the writes and poison of another', async () => {
    const m = await createMedia({ size: 64 * 1024 });
    const a = await attachMedia(m.handle);
    m.write(1000, pattern(50, 28));
    m.poison(8192, 1);
    expect(a.read(1000, 50)).toEqual(pattern(50, 28));
    expect(a.readMc(8000, 1000).notCopied).toBe(1000 - 192);
  });
});
