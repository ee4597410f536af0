/**
 * fs-dax files (src/dax/fs.ts, blocks.ts): creation, extents, hole punching, block
 * allocation that zeroes first (reference §3.3, §7.5, §9.9 F-9; P-9 for the zeroing), fsync
 * and power failure (DESIGN.md persistence), and the shared-state rules (a stale handle, a
 * reconfigured namespace).
 */
import { describe, it, expect } from 'vitest';
import { describeKinds, knownBad, pattern } from '../nvdimm/helpers.js';
import { daxPread, daxPwrite } from '../../src/dax/iomap.js';
import { createFsdaxSystem, mountDax, mkfsDax } from '../../src/dax/fs.js';
import { fsdaxRegion } from '../../src/dax/fs-region.js';
import { createSystem } from '../../src/nvdimm/system.js';
import { reconfigureNamespace } from '../../src/nvdimm/lifecycle.js';
import { fileAt10 } from './helpers.js';

const LOST = new TextEncoder().encode('LOSTLINE');

describeKinds('files, extents, holes', (kind) => {
  it('a file maps page k to device page pgoff + k: one extent; its data is what the device holds', async () => {
    const s = await fileAt10(kind);
    expect(s.file.extents()).toEqual([{ offset: 0, length: 8 * 4096, pgoff: 10 }]);
    const data = pattern(8 * 4096, 1);
    s.sys.media.write(s.ns.dataStart + 10 * 4096, data);
    expect(daxPread(s.file, 0, 8 * 4096)).toMatchObject({ ok: true, data });
    expect(s.fs.fsck()).toEqual([]);
  });

  it('pages of another file -> EBUSY; a full file table or page-map arena -> ENOSPC; a used name throws', async () => {
    const { system, fs } = await createFsdaxSystem({ namespaces: [{ size: '8MiB', mode: 'fsdax', badblocks: kind }] }, { maxFiles: 2, maxFilePages: 12 });
    const ns = system.namespaces[0]!;
    expect(fs.createFile({ ns, name: 'a', pgoff: 10, pages: 8 })).toHaveProperty('name', 'a');
    expect(fs.createFile({ ns, name: 'b', pgoff: 17, pages: 2 })).toEqual({ ok: false, errno: 'EBUSY' });
    expect(fs.createFile({ ns, name: 'b', pgoff: 18, pages: 5 })).toEqual({ ok: false, errno: 'ENOSPC' });
    expect(() => fs.createFile({ ns, name: 'a', pgoff: 40, pages: 1 })).toThrow(/already used/);
    expect(fs.createFile({ ns: 'pmem0', name: 'b', pgoff: 18, pages: 4 })).toHaveProperty('name', 'b');
    expect(fs.createFile({ ns, name: 'c', pgoff: 30, pages: 1 })).toEqual({ ok: false, errno: 'ENOSPC' });
    expect(fs.files()).toEqual(['a', 'b']);
    expect(fs.fsck()).toEqual([]);
  });

  it('punch-hole of whole pages: the pages become holes (read as zeros), their blocks return to the pool', async () => {
    const s = await fileAt10(kind);
    expect(daxPwrite(s.file, 0, pattern(8 * 4096, 2))).toEqual({ ok: true, bytes: 8 * 4096 });
    expect(s.file.punchHole(8192, 8192)).toEqual({ ok: true });
    expect(s.file.extents()).toEqual([
      { offset: 0, length: 8192, pgoff: 10 }, { offset: 8192, length: 8192, pgoff: null }, { offset: 16384, length: 16384, pgoff: 14 },
    ]);
    expect(daxPread(s.file, 8192, 8192)).toMatchObject({ ok: true, data: new Uint8Array(8192) });
    expect(s.fs.createFile({ ns: s.ns, name: 'g', pgoff: 12, pages: 2 })).toHaveProperty('name', 'g');
    expect(s.fs.fsck()).toEqual([]);
  });

  it('punch-hole of partial pages zeroes them through DAX and frees nothing; KEEP_SIZE keeps i_size', async () => {
    const s = await fileAt10(kind);
    const data = pattern(8 * 4096, 3);
    expect(daxPwrite(s.file, 0, data)).toEqual({ ok: true, bytes: 8 * 4096 });
    expect(s.file.punchHole(100, 5000)).toEqual({ ok: true });
    expect(s.file.extents()).toEqual([{ offset: 0, length: 8 * 4096, pgoff: 10 }]);
    const expected = data.slice();
    expected.fill(0, 100, 5100);
    expect(daxPread(s.file, 0, 8 * 4096)).toMatchObject({ ok: true, data: expected });
    expect(s.file.punchHole(8 * 4096 - 10, 1 << 20)).toEqual({ ok: true });
    expect(s.file.sizeBytes).toBe(8 * 4096);
  });

  it('[derived, §4.2 dax_mem2blk_err] zeroing a partial page that is known bad fails the punch with EIO before anything is freed', async () => {
    const s = await fileAt10(kind);
    knownBad(s.ns, 100, 8);
    // Head [4000, 4096) of page 11 is clean and zeroed; the tail [8192, 8292) lies in bad page 12.
    expect(s.file.punchHole(4000, 4292)).toEqual({ ok: false, errno: 'EIO', zeroed: [{ offset: 4000, length: 96 }] });
    expect(s.file.extents()).toEqual([{ offset: 0, length: 8 * 4096, pgoff: 10 }]);
    expect(s.ns.bb.entries()).toEqual([[100, 8, true]]);
  });

  it('a read of a hole over a bad block returns zeros without touching the device', async () => {
    const s = await fileAt10(kind);
    expect(s.file.punchHole(8192, 4096)).toEqual({ ok: true });
    knownBad(s.ns, 96, 8);
    expect(daxPread(s.file, 8192, 4096)).toMatchObject({ ok: true, bytes: 4096, data: new Uint8Array(4096) });
    expect(s.sys.bus.counters().mce).toBe(8); // the injection's notifies only
  });
});

describeKinds('F-9 punch hole, then write: allocation zeroes the block first', (kind) => {
  it('F-9 the same block is reallocated and zeroed through the pmem write path: poison cleared (bb as P-9), write succeeds, later loads succeed', async () => {
    const s = await fileAt10(kind);
    knownBad(s.ns, 100, 8);
    expect(s.file.punchHole(2 * 4096, 4096)).toEqual({ ok: true });
    const data = pattern(4096, 9);
    expect(daxPwrite(s.file, 2 * 4096, data)).toEqual({ ok: true, bytes: 4096 });
    expect(s.file.extents()).toEqual([{ offset: 0, length: 8 * 4096, pgoff: 10 }]);
    expect(s.ns.bb.entries()).toEqual([[104, 4, true]]);
    expect(s.sys.media.isPoisoned(s.ns.dataStart + 12 * 4096, 4096)).toBe(false);
    expect(daxPread(s.file, 2 * 4096, 4096)).toMatchObject({ ok: true, bytes: 4096, data });
    expect(s.fs.fsck()).toEqual([]);
  });

  it('F-9 fragmentation: another block is allocated; the old one returns to the pool still bad, cleared only when reallocated and zeroed', async () => {
    const s = await fileAt10(kind, {}, { allocator: 'other' });
    // Device pages 0-9 are taken, so the lowest free block other than 12 is 18.
    expect(s.fs.createFile({ ns: s.ns, name: 'low', pgoff: 0, pages: 10 })).toHaveProperty('name', 'low');
    const g = s.fs.createFile({ ns: s.ns, name: 'g', pgoff: 30, pages: 1 });
    if (!('name' in g)) throw new Error(g.errno);
    knownBad(s.ns, 100, 8);
    expect(s.file.punchHole(2 * 4096, 4096)).toEqual({ ok: true });
    const data = pattern(4096, 10);
    expect(daxPwrite(s.file, 2 * 4096, data)).toEqual({ ok: true, bytes: 4096 });
    expect(s.file.extents()).toEqual([
      { offset: 0, length: 8192, pgoff: 10 }, { offset: 8192, length: 4096, pgoff: 18 }, { offset: 12288, length: 5 * 4096, pgoff: 13 },
    ]);
    expect(daxPread(s.file, 2 * 4096, 4096)).toMatchObject({ ok: true, data });
    expect(s.ns.bb.entries()).toEqual([[100, 8, true]]);
    expect(s.sys.media.isPoisoned(s.ns.dataStart + 12 * 4096, 4096)).toBe(true);
    // g's block moves the same way and takes the lowest free block: 12, which is zeroed.
    expect(g.punchHole(0, 4096)).toEqual({ ok: true });
    expect(daxPwrite(g, 0, pattern(4096, 11))).toEqual({ ok: true, bytes: 4096 });
    expect(g.extents()).toEqual([{ offset: 0, length: 4096, pgoff: 12 }]);
    expect(s.ns.bb.entries()).toEqual([[104, 4, true]]);
    expect(s.fs.fsck()).toEqual([]);
  });

  it('a zeroing clear that falls short (P-6) fails the write with EIO; the hole and the free block stay', async () => {
    const s = await fileAt10(kind, { fwClearMax: 2048 });
    knownBad(s.ns, 96, 8);
    expect(s.file.punchHole(2 * 4096, 4096)).toEqual({ ok: true });
    expect(daxPwrite(s.file, 2 * 4096, pattern(4096, 12))).toEqual({ ok: false, errno: 'EIO' });
    expect(s.file.extents()[1]).toEqual({ offset: 8192, length: 4096, pgoff: null });
    expect(s.fs.fsck()).toEqual([]);
  });

  it('a write into a hole with no free block -> ENOSPC', async () => {
    const { system, fs } = await createFsdaxSystem({ namespaces: [{ size: '4MiB', mode: 'fsdax', badblocks: kind }] });
    const ns = system.namespaces[0]!;
    const f = fs.createFile({ ns, name: 'all', pgoff: 0, pages: ns.dataPages });
    if (!('name' in f)) throw new Error(f.errno);
    expect(f.punchHole(0, 4096)).toEqual({ ok: true });
    expect(fs.createFile({ ns, name: 'squatter', pgoff: 0, pages: 1 })).toHaveProperty('name', 'squatter');
    expect(daxPwrite(f, 0, pattern(10))).toEqual({ ok: false, errno: 'ENOSPC' });
  });
});

describeKinds('durability: flushcache, fsync, power failure', (kind) => {
  it('a DAX write leaves its lines pending until fsync; after fsync a power failure loses nothing', async () => {
    const s = await fileAt10(kind);
    const data = pattern(8192, 13);
    expect(daxPwrite(s.file, 0, data)).toEqual({ ok: true, bytes: 8192 });
    expect(s.file.volatileBytes()).toBe(8192);
    expect(s.file.fsync()).toEqual({ ok: true, durableBytes: 8192 });
    expect(s.file.volatileBytes()).toBe(0);
    expect(s.fs.powerFail()).toEqual({ lostBytes: 0, files: [{ name: 'f', lostBytes: 0 }] });
    expect(daxPread(s.file, 0, 8192)).toMatchObject({ ok: true, data });
  });

  it('without fsync a power failure loses the written lines: the file reads the LOSTLINE pattern there', async () => {
    const s = await fileAt10(kind);
    expect(daxPwrite(s.file, 4096 + 64, pattern(128, 14))).toEqual({ ok: true, bytes: 128 });
    expect(s.fs.powerFail()).toEqual({ lostBytes: 128, files: [{ name: 'f', lostBytes: 128 }] });
    const r = daxPread(s.file, 4096, 4096);
    expect(r.ok && r.data.subarray(64, 72)).toEqual(LOST);
    expect(r.ok && r.data.subarray(0, 64)).toEqual(new Uint8Array(64));
  });

  it('allocation zeroing and punch zeroing are flushcache writes too: pending until fsync', async () => {
    const s = await fileAt10(kind);
    s.file.fsync();
    expect(s.file.punchHole(0, 4096 + 100)).toEqual({ ok: true });
    expect(s.file.volatileBytes()).toBe(128); // the partial page's zeroed lines (bytes 4096..4195)
    expect(daxPwrite(s.file, 0, pattern(10, 15))).toEqual({ ok: true, bytes: 10 });
    expect(s.file.volatileBytes()).toBe(4096 + 128); // the zeroed new block, whose first line also holds the data
    s.file.fsync();
    expect(s.file.volatileBytes()).toBe(0);
  });
});

describe('shared state', () => {
  it('a second mount (as a worker would) sees the files', async () => {
    const s = await fileAt10('table');
    const again = mountDax(s.sys);
    expect(again.files()).toEqual(['f']);
    expect(again.open('f').extents()).toEqual(s.file.extents());
    expect(() => again.open('nope')).toThrow(/no file "nope"; files: f/);
  });

  it('a reconfigured namespace: its handles throw until dropNamespace; then its files are gone and its blocks free', async () => {
    const s = await fileAt10('table');
    expect(reconfigureNamespace(s.ns, { mode: 'fsdax', dataOffset: 4 * 1024 * 1024 })).toEqual({ ok: true });
    expect(() => daxPread(s.file, 0, 10)).toThrow(/reconfigured/);
    s.fs.dropNamespace(s.ns);
    expect(s.fs.files()).toEqual([]);
    expect(() => daxPread(s.file, 0, 10)).toThrow(/no longer exists/);
    // 8 MiB - 4 MiB of data offset: 1024 pages, all free again.
    const f = s.fs.createFile({ ns: s.ns, name: 'f', pgoff: 0, pages: s.ns.dataPages });
    expect(f).toHaveProperty('pages', 1024);
    // A file re-created under the same name (even in the same table entry) is a new file: the old handle stays stale.
    expect(() => daxPwrite(s.file, 0, new Uint8Array(1))).toThrow(/no longer exists/);
    expect(s.fs.fsck()).toEqual([]);
  });

  it('mkfs needs the region; bad options are named', async () => {
    const sys = await createSystem({ namespaces: [{ size: '4MiB', mode: 'fsdax' }] });
    expect(() => mkfsDax(sys)).toThrow(/no fs-dax region/);
    expect(() => fsdaxRegion([4 << 20], { maxFiles: 0 })).toThrow(/fs.maxFiles/);
    const { fs, system } = await createFsdaxSystem({ namespaces: [{ size: '4MiB', mode: 'fsdax' }, { size: '2MiB', name: 'raw0' }] });
    expect(() => { fs.allocator = 'best' as 'same'; }).toThrow(/allocator/);
    expect(() => fs.createFile({ ns: 'raw0', name: 'x', pgoff: 0, pages: 1 })).toThrow(/raw mode/);
    expect(() => fs.createFile({ ns: system.namespaces[0]!, name: 'a/b', pgoff: 0, pages: 1 })).toThrow(/name/);
    expect(() => fs.createFile({ ns: system.namespaces[0]!, name: 'x', pgoff: 1e6, pages: 1 })).toThrow(/pgoff/);
    const f = fs.createFile({ ns: system.namespaces[0]!, name: 'x', pgoff: 0, pages: 1 });
    if (!('name' in f)) throw new Error(f.errno);
    expect(() => f.punchHole(0, 0)).toThrow(/bytes/);
  });
});
