/**
 * The shared-memory layout: regions are disjoint, aligned and inside the memory; the TS
 * mirror (src/core/layout.ts) and the AssemblyScript constants (assembly/layout.ts) agree;
 * the wasm module's static data stays below the header; the media size limit is exact; and
 * media at 1 GiB and at the 4 GiB-memory limit work at their last byte.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tsLayout from '../../src/core/layout.js';
import {
  computeLayout, mediaLimitBytes, readHeader, writeHeader, HEADER_BASE, HEADER_BYTES, HDR_REGIONS,
  REGION_MAX, REGION_ENTRY_BYTES, SLOT_LOG, LOG_ENTRY_BYTES, SLOT_SCRATCH, SLOT_STATS, SLOT_OWNER,
  SLOT_LOG_COUNT, SLOT_LOG_DRAINS, MEMORY_MAX_BYTES, WASM_PAGE_BYTES, type Layout, type LayoutConfig,
} from '../../src/core/layout.js';
import { compileModule, createSharedMemory, instantiate } from '../../src/core/wasm.js';
import { createShared } from '../../src/core/shared.js';
import { createMedia, type Media } from '../../src/core/media.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Every [base, base+bytes) the layout hands out, named, in no particular order. */
function regionsOf(l: Layout): { name: string; base: number; bytes: number }[] {
  return [
    { name: 'header', base: HEADER_BASE, bytes: HEADER_BYTES },
    { name: 'media', base: l.mediaBase, bytes: l.mediaBytes },
    { name: 'poison', base: l.poisonBase, bytes: l.poisonBytes },
    { name: 'state', base: l.stateBase, bytes: l.stateBytes },
    { name: 'pageFlags', base: l.pageFlagsBase, bytes: l.pageFlagsBytes },
    { name: 'threads', base: l.threadsBase, bytes: l.threadSlotBytes * l.maxThreads },
    ...l.regions.map((r, i) => ({ name: `regions[${i}]`, base: r.base, bytes: r.bytes })),
  ];
}

const CONFIGS: readonly LayoutConfig[] = [
  { mediaBytes: 0 },
  { mediaBytes: 4096 },
  { mediaBytes: 64 * KiB, maxThreads: 1, logCapacity: 1, ioBufferBytes: 4096 },
  { mediaBytes: 2 * MiB + 4096, maxThreads: 64, logCapacity: 3, eADR: true },
  { mediaBytes: 16 * MiB, regions: [{ kind: 1, bytes: 1 }, { kind: 2, bytes: 0 }, { kind: 3, bytes: 70000, param: 9 }] },
  { mediaBytes: 1 * GiB },
  { mediaBytes: mediaLimitBytes() },
];

describe('computeLayout', () => {
  it.each(CONFIGS.map((c) => [JSON.stringify({ ...c, regions: c.regions?.length }), c] as const))(
    'regions are disjoint, page-aligned and inside the memory: %s', (_name, config) => {
      const l = computeLayout(config);
      expect(l.totalBytes % WASM_PAGE_BYTES).toBe(0);
      expect(l.totalPages * WASM_PAGE_BYTES).toBe(l.totalBytes);
      expect(l.totalBytes).toBeLessThanOrEqual(MEMORY_MAX_BYTES);
      const regions = regionsOf(l).sort((a, b) => a.base - b.base);
      for (const r of regions) {
        expect(r.base % 4096, `${r.name} base`).toBe(0);
        expect(r.base + r.bytes, `${r.name} end`).toBeLessThanOrEqual(l.totalBytes);
      }
      for (let i = 1; i < regions.length; i++) {
        const prev = regions[i - 1]!;
        const cur = regions[i]!;
        expect(prev.base + prev.bytes, `${prev.name} overlaps ${cur.name}`).toBeLessThanOrEqual(cur.base);
      }
    });

  it.each(CONFIGS.map((c) => [c.mediaBytes, c] as const))(
    'metadata covers every line and page, thread slots hold their parts (media %d)', (_n, config) => {
      const l = computeLayout(config);
      const lines = l.mediaBytes / 64;
      expect(l.mediaBytes).toBe(config.mediaBytes);
      expect(l.poisonBytes * 8).toBeGreaterThanOrEqual(lines);
      expect(l.stateBytes).toBeGreaterThanOrEqual(lines);
      expect(l.pageFlagsBytes).toBeGreaterThanOrEqual(l.mediaBytes / 4096);
      // The wasm scans load 16 bytes at a time from the poison map and the state array.
      expect(l.poisonBytes % 16).toBe(0);
      expect(l.stateBytes % 16).toBe(0);
      // Slot parts in order: owner/log words, scratch, stats, log, I/O buffer.
      expect(SLOT_OWNER).toBeLessThan(SLOT_LOG_COUNT);
      expect(SLOT_LOG_DRAINS + 4).toBeLessThanOrEqual(SLOT_SCRATCH);
      expect(SLOT_SCRATCH + 64).toBeLessThanOrEqual(SLOT_STATS);
      expect(SLOT_STATS + 256).toBeLessThanOrEqual(SLOT_LOG);
      expect(SLOT_LOG + l.logCapacity * LOG_ENTRY_BYTES).toBeLessThanOrEqual(l.ioBufferOffset);
      expect(l.ioBufferOffset % 4096).toBe(0);
      expect(l.ioBufferOffset + l.ioBufferBytes).toBeLessThanOrEqual(l.threadSlotBytes);
      expect(l.threadSlotBytes % 4096).toBe(0);
    });

  it('the region directory fits in the header', () => {
    expect(HDR_REGIONS + REGION_MAX * REGION_ENTRY_BYTES).toBeLessThanOrEqual(HEADER_BYTES);
  });

  it('readHeader returns what writeHeader wrote', () => {
    const l = computeLayout({ mediaBytes: 8 * 4096, maxThreads: 3, logCapacity: 5, eADR: true,
      regions: [{ kind: 7, bytes: 5000, param: 11 }] });
    const memory = createSharedMemory(l.totalPages);
    writeHeader(memory, l);
    expect(readHeader(memory)).toEqual(l);
  });
});

/**
 * `export const NAME: type = value;` lines of assembly/layout.ts. A value may use earlier
 * names and integer operators; anything else fails the parse loudly.
 */
function parseAssemblyConstants(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = /^export const ([A-Z_][A-Z0-9_]*)\s*:\s*(\w+)\s*=\s*([^;]+);/gm;
  for (const m of text.matchAll(re)) {
    const name = m[1]!;
    let expr = m[3]!.trim();
    expr = expr.replace(/<\w+>/g, '').replace(/[A-Z_][A-Z0-9_]*/g, (id) => {
      const v = out.get(id);
      if (v === undefined) throw new Error(`assembly/layout.ts: ${name} uses unknown name ${id}`);
      return String(v);
    });
    if (!/^[0-9a-fA-Fx_\s+\-*/()<>|&~]+$/.test(expr)) {
      throw new Error(`assembly/layout.ts: cannot evaluate ${name} = ${m[3]}`);
    }
    const value = Number(new Function(`return (${expr.replace(/_/g, '')});`)());
    out.set(name, value >>> 0);
  }
  return out;
}

describe('TS and AssemblyScript layouts agree', () => {
  const asText = readFileSync(fileURLToPath(new URL('../../assembly/layout.ts', import.meta.url)), 'utf8');
  const asConsts = parseAssemblyConstants(asText);

  it('the parser finds every exported constant of assembly/layout.ts', () => {
    const declared = asText.match(/^export const /gm)?.length ?? 0;
    expect(declared).toBeGreaterThan(40);
    expect(asConsts.size).toBe(declared);
  });

  it('every AssemblyScript layout constant has a TS mirror with the same value', () => {
    const ts = tsLayout as unknown as Record<string, unknown>;
    const mismatches: string[] = [];
    for (const [name, value] of asConsts) {
      if (ts[name] !== value) mismatches.push(`${name}: assembly ${value}, src ${String(ts[name])}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('the wasm side finds the thread slot and I/O buffer where the TS layout puts them', () => {
    const ctx = createShared({ mediaBytes: 64 * KiB, maxThreads: 3, logCapacity: 7, ioBufferBytes: 8192 });
    const l = ctx.layout;
    expect(ctx.wasm.thread_slot() >>> 0).toBe(l.threadsBase + ctx.tid * l.threadSlotBytes);
    expect(ctx.ioBuf).toBe(l.threadsBase + ctx.tid * l.threadSlotBytes + l.ioBufferOffset);
    // A plain store through the wasm lands at the TS media base and marks the TS state byte.
    ctx.wasm.pmem_memset(l.mediaBase + 130, 0x5a, 1);
    expect(ctx.u8[l.mediaBase + 130]).toBe(0x5a);
    expect(ctx.u8[l.stateBase + 2]).toBe(tsLayout.LINE_DIRTY);
    ctx.wasm.poison_set_lines(9, 10);
    expect(ctx.u8[l.poisonBase + 1]).toBe(1 << 1);
  });

  it.each(['debug', 'release'] as const)('the %s module\'s static data ends below HEADER_BASE', (build) => {
    const wasm = instantiate(compileModule(build), createSharedMemory(2));
    const end = wasm.data_end() >>> 0;
    expect(end).toBeGreaterThan(0);
    expect(end).toBeLessThanOrEqual(HEADER_BASE);
  });
});

describe('mediaLimitBytes', () => {
  const settings: readonly Omit<LayoutConfig, 'mediaBytes'>[] = [
    {},
    { maxThreads: 64 },
    { maxThreads: 1, logCapacity: 1, ioBufferBytes: 4096 },
    { maxThreads: 4, ioBufferBytes: 256 * MiB, regions: [{ kind: 1, bytes: 100 * MiB }] },
  ];

  it.each(settings.map((s) => [JSON.stringify(s), s] as const))(
    'is the largest media computeLayout accepts, and one page more is refused naming the limit: %s',
    (_name, s) => {
      const limit = mediaLimitBytes(s);
      expect(limit % 4096).toBe(0);
      // The media gets at most 64/65 of 4 GiB (it needs 1/64 of itself in state bytes).
      expect(limit).toBeLessThan(MEMORY_MAX_BYTES * 64 / 65);
      expect(limit).toBeGreaterThan(GiB);
      expect(computeLayout({ ...s, mediaBytes: limit }).totalBytes).toBeLessThanOrEqual(MEMORY_MAX_BYTES);
      let err: unknown;
      try {
        computeLayout({ ...s, mediaBytes: limit + 4096 });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).message).toContain('mediaBytes');
      expect((err as Error).message).toContain(`at most ${limit}`);
    });
});

describe('large media', () => {
  /** Exercises the last byte, line and page of a media through the public API. */
  function useLastByte(m: Media): void {
    const last = m.size - 1;
    const lastLine = m.size - 64;
    m.write(last, new Uint8Array([0xab]));
    expect(Array.from(m.read(last, 1))).toEqual([0xab]);
    expect(m.lineState(last)).toEqual({ state: 'dirty' });
    const r = m.readMc(lastLine, 64);
    expect(r.notCopied).toBe(0);
    expect(r.data[63]).toBe(0xab);
    m.flush(last, 1);
    expect(m.lineState(last)).toEqual({ state: 'pending', owner: m.threadId });
    expect(m.fence()).toBe(64);
    expect(m.lineState(last)).toEqual({ state: 'durable' });

    m.poison(last, 1);
    expect(m.firstPoisoned(0, m.size)).toBe(lastLine);
    expect(m.readMc(lastLine - 64, 128).notCopied).toBe(64);
    m.unpoison(last, 1);
    expect(m.isPoisoned(0, m.size)).toBe(false);

    m.setMceNospec(m.size / 4096 - 1);
    expect(m.readMc(m.size - 4096 - 10, 20).notCopied).toBe(10);
    m.clearMceNospec(m.size / 4096 - 1);
    expect(m.readMc(m.size - 4096 - 10, 20).notCopied).toBe(0);

    m.writeFlushcache(last, new Uint8Array([1]));
    expect(m.volatileBytes(0, m.size)).toBe(64);
    expect(m.powerFail().lostBytes).toBe(64);
    expect(new TextDecoder().decode(m.read(lastLine, 64))).toBe('LOSTLINE'.repeat(8));
  }

  it('a 1 GiB media can be created from "1GiB" and used at its last byte', async () => {
    const m = await createMedia({ size: '1GiB' });
    expect(m.size).toBe(GiB);
    useLastByte(m);
  });

  it('a media of mediaLimitBytes() (addresses past 2^31) is usable at its last byte', async () => {
    const limit = mediaLimitBytes();
    expect(limit).toBeGreaterThan(2 ** 31 + 2 ** 30);
    const m = await createMedia({ size: limit });
    expect(m.size).toBe(limit);
    useLastByte(m);
  });
});
