/**
 * Sparse media (src/nvdimm/sparse.ts): namespaces of a real machine's size, with bytes only in
 * windows. Offsets, sectors and badblocks stay real (logical) numbers past 4 GiB; SPAs and
 * pfns are backing addresses; an access outside the windows is a SparseHoleError; a worker
 * attaching later sees the same windows (shared memory). Expected values follow from the
 * layout's definitions (config.ts: the fsdax reservation; sparse.ts: 2 MiB chunks), never
 * from a run.
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSystem, resolveSystem, type System } from '../../src/nvdimm/system.js';
import { defaultDataOffset } from '../../src/nvdimm/config.js';
import { parseErrorMap, ErrorMapError } from '../../src/nvdimm/error-map.js';
import { seedErrorMap } from '../../src/nvdimm/seed.js';
import { coalesce, SparseHoleError, WINDOW_ALIGN } from '../../src/nvdimm/sparse.js';
import { injectError, injectStatus } from '../../src/nvdimm/inject.js';
import { nvdimmClearPoison } from '../../src/nvdimm/clear.js';
import { pmemRead, pmemWrite } from '../../src/pmem/block.js';
import { daxDirectAccess, daxRecoveryWrite } from '../../src/dax/super.js';
import { RpcWorker } from '../helpers/rpc-worker.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const TIB = 1024 * GIB;
const M2 = WINDOW_ALIGN;

describe('sparse options (config.ts, sparse.ts)', () => {
  const resolve = (sparse: unknown, extra: Record<string, unknown> = {}): unknown =>
    resolveSystem({ namespaces: [{ size: '1TiB', sparse: sparse as never, ...extra }] });

  it('a namespace may exceed the memory only when sparse; the media holds its backing', () => {
    expect(() => resolveSystem({ namespaces: [{ size: '1TiB' }] })).toThrow(/sizes add up to 1099511627776 bytes of media .* a larger namespace can be sparse/);
    const c = resolveSystem({ namespaces: [{ size: '4TiB', sparse: {} }, { size: '8MiB' }] });
    expect(c.namespaces.map((n) => [n.size, n.spaBytes, n.regionStart])).toEqual([[4 * TIB, 64 * MIB, 0], [8 * MIB, 8 * MIB, 64 * MIB]]);
    expect(c.namespaces[0]!.sparse).toMatchObject({ backingBytes: 64 * MIB, workingSetBytes: 2 * MIB, marginBytes: 0, maxWindows: 1024, initial: [{ start: 0, bytes: M2 }] });
  });

  it('wrong types, out-of-range values, unknown keys and conflicts name the option', () => {
    expect(() => resolve('yes')).toThrow(/^namespaces\[0\]\.sparse must be an object such as \{ backing: "64MiB", workingSet: "2MiB" \}, got "yes"/);
    expect(() => resolve({ backing: true })).toThrow(/^namespaces\[0\]\.sparse\.backing must be a size such as 4096/);
    expect(() => resolve({ backing: '3MiB' })).toThrow(/^namespaces\[0\]\.sparse\.backing must be a multiple of 2 MiB, got 3145728/);
    expect(() => resolve({ backing: '8GiB' })).toThrow(/^namespaces\[0\]\.sparse\.backing must be an integer bytes in \[2097152, 4294967296\]/);
    expect(() => resolve({ workingSet: '2TiB' })).toThrow(/^namespaces\[0\]\.sparse\.workingSet must be an integer bytes in \[0, 1099511627776\]/);
    expect(() => resolve({ margin: -1 })).toThrow(/^namespaces\[0\]\.sparse\.margin must be a non-negative whole number of bytes, got -1/);
    expect(() => resolve({ maxWindows: 0 })).toThrow(/^namespaces\[0\]\.sparse\.maxWindows must be an integer windows in \[1, 1048576\], got 0/);
    expect(() => resolve({ windows: [{ offset: '1TiB', len: 1 }] })).toThrow(/^namespaces\[0\]\.sparse\.windows\[0\]\.offset must be an integer byte offset in \[0, 1099511627775\]/);
    expect(() => resolve({ windows: {} })).toThrow(/^namespaces\[0\]\.sparse\.windows must be an array of \{ offset, len \}/);
    expect(() => resolve({ workingSet: '1GiB' })).toThrow(/^namespaces\[0\]\.sparse\.backing 67108864 bytes is too small: .* need 1073741824 bytes .* give backing of at least 1073741824/);
    expect(() => resolve({ margn: 1 })).toThrow(/^namespaces\[0\]\.sparse\.margn is not a sparse option; options: backing, workingSet, margin, windows, maxWindows/);
    expect(() => resolve({}, { badblocks: 'bitmap' })).toThrow(/^namespaces\[0\]\.badblocks "bitmap" covers every sector of the region .* a sparse namespace needs table, itree or btree/);
  });

  it('coalesce: ranges widened by the margin, rounded out to 2 MiB chunks, clipped, merged when they touch', () => {
    expect(coalesce([{ start: 5 * MIB, bytes: 512 }, { start: 6 * MIB + 1, bytes: 1 }, { start: 100 * MIB, bytes: 1 }], 0, 101 * MIB))
      .toEqual([{ start: 4 * MIB, bytes: 4 * MIB }, { start: 100 * MIB, bytes: 1 * MIB }]);
    expect(coalesce([{ start: 5 * MIB, bytes: 512 }], MIB, 64 * MIB)).toEqual([{ start: 4 * MIB, bytes: 4 * MIB }]);
    expect(coalesce([{ start: 5 * MIB, bytes: 512 }], MIB + 1, 64 * MIB)).toEqual([{ start: 2 * MIB, bytes: 6 * MIB }]);
  });
});

describe('a sparse namespace at real scale', () => {
  let sys: System | undefined;
  afterEach(() => { sys?.detach(); sys = undefined; });

  // 1.5 TiB fsdax: the ndctl reservation is 64 B per 4 KiB page + 8 KiB, rounded up to 2 MiB.
  const SIZE = 1536 * GIB;
  const DATA_OFFSET = defaultDataOffset('fsdax', SIZE);
  const BAD = 3_000_000_000; // a data sector 1.4 TiB in, far past 2^32 bytes

  async function seeded(): Promise<System> {
    sys = await createSystem({ namespaces: [{ name: 'pmem0', size: '1536GiB', mode: 'fsdax', sparse: { backing: '16MiB' } }], maxThreads: 4 });
    seedErrorMap(sys, parseErrorMap(`${BAD} 8\n${BAD + 100} 16\n`, { dev: 'pmem0' }));
    return sys;
  }

  it('keeps real sector numbers and a data offset past 2^32, with only the windows in the media', async () => {
    const s = await seeded();
    const ns = s.namespaces[0]!;
    expect(DATA_OFFSET).toBe(24 * GIB + 2 * MIB);
    expect([ns.size, ns.dataOffset, ns.dataBytes, s.context.layout.mediaBytes]).toEqual([SIZE, DATA_OFFSET, SIZE - DATA_OFFSET, 16 * MIB]);
    // Windows: the info-block chunk, the 2 MiB working set at the data start, one chunk around both ranges.
    const chunk = Math.floor((DATA_OFFSET + BAD * 512) / M2) * M2;
    expect(ns.sparse!.windows()).toEqual([{ start: 0, bytes: M2, backing: 0 }, { start: DATA_OFFSET, bytes: M2, backing: M2 }, { start: chunk, bytes: M2, backing: 2 * M2 }]);
    expect(ns.bb.show()).toBe(`${BAD} 8\n${BAD + 100} 16\n`);
    expect(ns.regionBb.show()).toBe(`${BAD + DATA_OFFSET / 512} 8\n${BAD + 100 + DATA_OFFSET / 512} 16\n`);
    // SPAs are backing addresses: the third window's bytes, inside the 16 MiB media.
    const spa = ns.spa(BAD * 512, 4096);
    expect(spa).toBe(2 * M2 + (DATA_OFFSET + BAD * 512 - chunk));
    expect(s.bus.firmware.entries()).toEqual([{ start: spa, length: 4096 }, { start: spa + 100 * 512, length: 8192 }]);
    expect(injectStatus(ns)).toEqual([{ block: BAD, count: 8 }, { block: BAD + 100, count: 16 }]);
  });

  it('block and DAX I/O inside windows: failfast, recovery write, block write clearing, at real offsets', async () => {
    const s = await seeded();
    const ns = s.namespaces[0]!;
    expect(pmemRead(ns, BAD, 4096)).toMatchObject({ ok: false, errno: 'EIO', cause: 'badblocks' }); // P-1
    expect(pmemRead(ns, BAD + 8, 512)).toMatchObject({ ok: true, bytes: 512 }); // P-2
    expect(daxDirectAccess(ns, BAD / 8, 4, 'access')).toEqual({ ok: false, errno: 'EHWPOISON' }); // D-1
    expect(daxRecoveryWrite(ns, BAD / 8, 0, new Uint8Array(4096).fill(0x5a))).toBe(4096); // D-8
    expect(pmemRead(ns, BAD, 4096)).toMatchObject({ ok: true, data: new Uint8Array(4096).fill(0x5a) });
    expect(pmemWrite(ns, BAD + 96, new Uint8Array(8192).fill(7))).toMatchObject({ ok: true }); // P-3: clears [96, 112) of the range
    expect(ns.bb.show()).toBe(`${BAD + 112} 4\n`);
    // A clean direct_access hands out pages only to the end of the window (the address is contiguous only there).
    const chunkEnd = Math.floor((DATA_OFFSET + BAD * 512) / M2) * M2 + M2;
    expect(daxDirectAccess(ns, BAD / 8 + 16, 1 << 20, 'access')).toMatchObject({ ok: true, pages: (chunkEnd - DATA_OFFSET) / 4096 - (BAD / 8 + 16) });
  });

  it('the wasm clean fast paths (I/O-buffer views, empty badblocks) decline a sparse namespace: data lands at the translated address', async () => {
    sys = await createSystem({ namespaces: [{ name: 'pmem0', size: '1TiB', sparse: { windows: [{ offset: '600GiB', len: '2MiB' }] } }], maxThreads: 2 });
    const ns = sys.namespaces[0]!;
    const sector = 600 * GIB / 512;
    const io = sys.bus.ioBuffer;
    io.subarray(0, 8192).fill(0xc3);
    expect(pmemWrite(ns, sector, io.subarray(0, 8192))).toMatchObject({ ok: true, bytes: 8192 });
    io.subarray(0, 8192).fill(0);
    expect(pmemRead(ns, sector, 8192, { out: io.subarray(0, 8192) })).toMatchObject({ ok: true, bytes: 8192 });
    expect(io.subarray(0, 8192).every((b) => b === 0xc3)).toBe(true);
    // The bytes are in the window's backing (the second chunk of the media), nowhere else.
    expect(sys.media.read(M2, 8192).every((b) => b === 0xc3)).toBe(true);
    expect(sys.media.read(0, M2).every((b) => b === 0)).toBe(true);
  });

  it('latent poison consumed inside a window: the MCE path records the real sector (backing → logical)', async () => {
    const s = await seeded();
    const ns = s.namespaces[0]!;
    const off = (BAD + 200) * 512 + 64;
    s.media.poison(ns.spa(off, 1), 1); // P-8's latent line, 100 sectors past the second range
    expect(pmemRead(ns, BAD + 200, 512)).toMatchObject({ ok: false, errno: 'EIO', cause: 'mce' });
    expect(ns.bb.show()).toBe(`${BAD} 8\n${BAD + 100} 16\n${BAD + 200} 1\n`);
    // memory_failure marked the backing page HWPoison (fsdax has struct pages).
    expect(s.context.wasm.page_flags(ns.pfn((BAD + 200) / 8)) & 1).toBe(1);
    // nvdimm_clear_poison on the backing SPA clears the region badblocks at the real region sector.
    expect(nvdimmClearPoison(s.bus, ns.spa((BAD + 200) * 512, 512), 512)).toEqual({ ok: true, cleared: 512 });
    expect(ns.regionBb.show()).toBe(`${BAD + DATA_OFFSET / 512} 8\n${BAD + 100 + DATA_OFFSET / 512} 16\n`);
  });

  it('outside the windows: a SparseHoleError naming the range and the nearest windows, never other bytes', async () => {
    const s = await seeded();
    const ns = s.namespaces[0]!;
    const hole = 1_000_000_000;
    expect(() => pmemRead(ns, hole, 4096)).toThrow(SparseHoleError);
    expect(() => pmemRead(ns, hole, 4096)).toThrow(new RegExp(`^namespace pmem0 is sparse and bytes \\[${hole * 512}, ${hole * 512 + 4096}\\) from the data start are not \\(wholly\\) backed by one window; nearest windows \\(data bytes\\): \\[0, 2097152\\), \\[`));
    expect(() => pmemWrite(ns, hole, new Uint8Array(4096))).toThrow(SparseHoleError);
    expect(() => daxDirectAccess(ns, hole / 8, 1, 'access')).toThrow(SparseHoleError);
    // A range running off the end of its window is refused as a whole.
    const end = (Math.floor((DATA_OFFSET + BAD * 512) / M2) * M2 + M2 - DATA_OFFSET) / 512;
    expect(() => pmemRead(ns, end - 4, 4096)).toThrow(SparseHoleError);
    // inject-error checks before it changes anything.
    const before = s.bus.firmware.entries();
    expect(() => injectError(ns, { block: hole, count: 1 })).toThrow(SparseHoleError);
    expect(s.bus.firmware.entries()).toEqual(before);
    expect(() => ns.dataStart).toThrow(/namespace pmem0 is sparse: translate each range with spaOf\(\)/);
  });

  it('seeding past the backing is refused, changing nothing; a margin widens the windows', async () => {
    sys = await createSystem({ namespaces: [{ name: 'pmem0', size: '1TiB', sparse: { backing: '8MiB', margin: '1MiB' } }], maxThreads: 2 });
    const ns = sys.namespaces[0]!;
    // raw: the info-block chunk is the working set; 6 MiB left. Each range with ±1 MiB takes 4 MiB (2 chunks).
    const far = (n: number): number => n * 64 * GIB / 512;
    const before = ns.sparse!.windows();
    expect(() => seedErrorMap(sys!, parseErrorMap(`${far(1)} 8\n${far(2)} 8\n`, { dev: 'pmem0', file: 'm' })))
      .toThrow(new ErrorMapError('m: pmem0: the sparse backing of pmem0 is too small: these windows need 8388608 more bytes, 6291456 of 8388608 are free; give a larger sparse backing (at least 10485760 bytes) or a smaller margin'));
    expect(ns.sparse!.windows()).toEqual(before);
    expect(ns.bb.show()).toBe('');
    expect(sys.bus.firmware.count).toBe(0);
    seedErrorMap(sys, parseErrorMap(`${far(1)} 8\n`, { dev: 'pmem0' }));
    expect(ns.sparse!.windows()[1]).toEqual({ start: 64 * GIB - M2, bytes: 2 * M2, backing: M2 });
  });
});

describe('a worker thread on a sparse system', () => {
  const FIXTURE = new URL('./fixtures/sparse-worker.mjs', import.meta.url);
  const BUILT = fileURLToPath(new URL('../../dist/src/nvdimm/sparse.js', import.meta.url));
  let worker: RpcWorker | undefined;
  beforeAll(() => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` before these tests`);
  });
  afterEach(async () => { await worker?.terminate(); worker = undefined; });

  it('sees the same windows and data offset from the memory alone, and does I/O at real offsets', async () => {
    const sys = await createSystem({ namespaces: [{ name: 'pmem0', size: '1536GiB', mode: 'fsdax', sparse: {} }], maxThreads: 4 });
    try {
      const ns = sys.namespaces[0]!;
      const bad = 3_000_000_000;
      // Seeded after the worker attached: it must pick the new windows up from the shared table.
      worker = new RpcWorker(FIXTURE, { handle: sys.handle });
      await worker.started;
      seedErrorMap(sys, parseErrorMap(`${bad} 8\n`, { dev: 'pmem0' }));
      const view = await worker.call<{ windows: unknown; dataOffset: number; bb: string }>('view', 0);
      expect(view).toEqual({ windows: ns.sparse!.windows(), dataOffset: ns.dataOffset, bb: `${bad} 8\n` });
      expect(view.dataOffset).toBeGreaterThan(2 ** 32);
      expect(await worker.call('read', 0, bad, 4096)).toMatchObject({ ok: false, errno: 'EIO', cause: 'badblocks' });
      expect(await worker.call('write', 0, bad, 4096, 3)).toMatchObject({ ok: true });
      expect(ns.bb.show()).toBe('');
      expect(pmemRead(ns, bad, 4096)).toMatchObject({ ok: true, data: new Uint8Array(4096).fill(3) });
      expect(await worker.call('readHole', 0, 1_000_000_000)).toMatchObject({ name: 'SparseHoleError' });
    } finally {
      sys.detach();
    }
  });
});
