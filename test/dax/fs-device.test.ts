/**
 * Files on a device-mapper device (src/dax/fs-device.ts): the fs-dax paths through
 * dm_dax_direct_access's translation and I/O-unit clamping (reference §6.5), with the cases
 * of the plain namespace replayed through dm (F-1, F-2, F-8, F-9, M-2, F-7, M-1).
 *
 * Layout used below (script defaults: a 64 MiB fsdax namespace has a 2 MiB data offset, so
 * 15872 data pages). `dm0` stripes pmem0 and pmem1 with chunk=16 sectors (2 pages):
 * dm page d lies in chunk c = floor(d / 2) on member c % 2, member page
 * floor(c / 2) * 2 + d % 2 (dm-stripe.c stripe_map_sector). File f at dm page 32, 8 pages:
 *
 *   file page  0  1 | 2  3 | 4  5 | 6  7
 *   member     pmem0 | pmem1 | pmem0 | pmem1
 *   member pg 16 17 |16 17 |18 19 |18 19        (member page 16 = member sector 128)
 *
 * Expected values are derived from that translation and the case named in each title.
 */
import { describe, it, expect } from 'vitest';
import { runScript, hex } from '../helpers/scenario.js';
import { crc32, formatCrc32 } from '../../src/sim/crc32.js';

const run = runScript;

const A = 0x7f0000000000;
const crcOf = (byte: number, n: number): string => formatCrc32(crc32(new Uint8Array(n).fill(byte)));

const stripe = (fs = 'fs type=ext4', pmem1 = ''): string => `
device name=pmem0 size=64MiB
device name=pmem1 size=64MiB ${pmem1}
${fs}
dm name=dm0 type=stripe devs=pmem0,pmem1 chunk=16
file name=f dev=dm0 pgoff=32 pages=8
`;
/** Lines the stripe set-up prints (2 devices, fs, dm, file). */
const S = 5;

describe('files on a striped dm device: §6.5 translation', () => {
  it('§6.5 file pages 2-3 land on pmem1 pages 16-17 and pages 0-1 on pmem0 pages 16-17', async () => {
    const out = await run(stripe() + `
pwrite file=f offset=0 bytes=8KiB pattern=0xab
pwrite file=f offset=8KiB bytes=8KiB pattern=0xcd
read dev=pmem0 sector=128 bytes=8KiB
read dev=pmem1 sector=128 bytes=8KiB
read dev=dm0 sector=256 bytes=16KiB
`);
    expect(out.slice(S).map((l) => l.ret)).toEqual([8192, 8192, 8192, 8192, 16384]);
    expect(out[S + 2]!['crc32']).toBe(crcOf(0xab, 8192));
    expect(out[S + 3]!['crc32']).toBe(crcOf(0xcd, 8192));
    const both = new Uint8Array(16384).fill(0xab);
    both.fill(0xcd, 8192);
    expect(out[S + 4]!['crc32']).toBe(formatCrc32(crc32(both)));
  });

  it('F-1 through dm: direct_access is clamped to the chunk, so a read advances over the clean chunk and stops at the bad one (a short count, not EIO)', async () => {
    const out = await run(stripe() + `
inject-error dev=pmem1 block=128 count=1 notify
pread file=f offset=0 bytes=32KiB
pread file=f offset=8KiB bytes=8KiB
`);
    // pmem0 pages 16-17 (file pages 0-1) are one unit: 8192 bytes; the next unit starts on the bad sector.
    expect(out[S + 1]).toMatchObject({ cmd: 'pread', ret: 8192 });
    expect(out[S + 2]).toMatchObject({ cmd: 'pread', ret: 'EIO' });
  });

  it('F-1 on a plain namespace, for contrast: one chunk covers the whole read, so the bad sector fails all of it', async () => {
    const out = await run(`
device name=pmem0 size=64MiB
file name=f pgoff=32 pages=8
inject-error dev=pmem0 block=${(32 + 2) * 8} count=1 notify
pread file=f offset=0 bytes=32KiB
`);
    expect(out[3]).toMatchObject({ cmd: 'pread', ret: 'EIO' });
  });

  it('F-2 through dm (per-target): a pwrite over a bad member page is a recovery write on that member', async () => {
    const out = await run(stripe() + `
inject-error dev=pmem1 block=128 count=8 notify
pwrite file=f offset=8KiB bytes=4KiB pattern=0x5a
pread file=f offset=8KiB bytes=4KiB
badblocks dev=pmem1
`);
    expect(out[S + 1]).toMatchObject({ cmd: 'pwrite', ret: 4096 });
    expect(out[S + 2]).toMatchObject({ cmd: 'pread', ret: 4096, crc32: crcOf(0x5a, 4096) });
    expect(out[S + 3]!.ret).toBe('');
  });

  it('F-8 mixed members (per-target): the member without recovery_write gives EFAULT, the other recovers', async () => {
    const out = await run(stripe('fs type=ext4', 'no-recovery') + `
inject-error dev=pmem0 block=128 count=8 notify
inject-error dev=pmem1 block=128 count=8 notify
pwrite file=f offset=0 bytes=4KiB
pwrite file=f offset=8KiB bytes=4KiB
`);
    expect(out[S + 2]).toMatchObject({ cmd: 'pwrite', ret: 4096 });
    expect(out[S + 3]).toMatchObject({ cmd: 'pwrite', ret: 'EFAULT' });
  });

  it('F-8 mixed members (all-or-nothing): no member recovers through dm', async () => {
    const out = await run(stripe('fs type=ext4', 'no-recovery') + `
policy dm-recovery=all-or-nothing
inject-error dev=pmem0 block=128 count=8 notify
pwrite file=f offset=0 bytes=4KiB
`);
    expect(out[S + 2]).toMatchObject({ cmd: 'pwrite', ret: 'EFAULT' });
  });

  it('F-9 through dm: punch the bad page, rewrite it: the new block is zeroed through its member\'s write path, which clears the poison', async () => {
    const out = await run(stripe() + `
inject-error dev=pmem1 block=128 count=8 notify
punch-hole file=f offset=8KiB bytes=4KiB
pwrite file=f offset=8KiB bytes=4KiB pattern=0x77
badblocks dev=pmem1
pread file=f offset=8KiB bytes=4KiB
`);
    expect(out.slice(S + 1).map((l) => l.ret)).toEqual([0, 4096, '', 4096]);
    expect(out[S + 4]!['crc32']).toBe(crcOf(0x77, 4096));
  });
});

describe('files on a dm error target', () => {
  it('§6.5 io_err_dax_direct_access: every read, write and fault of the file fails (EIO; SIGBUS BUS_ADRERR)', async () => {
    const out = await run(`
device name=pmem0 size=64MiB
dm name=dm0 type=error sectors=2048
file name=f dev=dm0 pgoff=0 pages=4
process name=A
mmap process=A file=f
pread file=f offset=0 bytes=4KiB
pwrite file=f offset=0 bytes=4KiB
load process=A file=f offset=0
`);
    expect(out.slice(5).map((l) => l.ret)).toEqual(['EIO', 'EIO', 0]);
    expect(out[7]).toMatchObject({ signal: 'SIGBUS', code: 'BUS_ADRERR', addr: hex(A) });
  });
});

describe('memory failure under a file on dm', () => {
  it('M-2 through dm (ext4, generic path via page->mapping): the consumer gets BUS_MCEERR_AR lsb 12 for its page; the page is HWPoison', async () => {
    const out = await run(stripe() + `
process name=A
mmap process=A file=f
poison dev=pmem1 offset=${16 * 4096 + 128} len=64
load process=A file=f offset=${2 * 4096 + 128}
`);
    expect(out[S + 3]).toMatchObject({ cmd: 'load', ret: 0, signal: 'SIGBUS', code: 'BUS_MCEERR_AR', lsb: 12, addr: hex(A + 2 * 4096) });
    expect(out[S + 3]!['hwpoison']).toBe(1);
  });

  const failure = (policy: string): string => stripe('fs type=xfs') + `
process name=A early-kill
mmap process=A file=f
load process=A file=f offset=${2 * 4096}
load process=A file=f offset=${3 * 4096}
policy memory-failure=${policy}
memory-failure dev=pmem1 pfn-offset=${16 * 4096} len=8KiB
signals process=A
`;

  it('§6.3 per-page (Linux): dm has no holder to forward to, so xfs is not asked: the generic path signals per page', async () => {
    const out = await run(failure('per-page'));
    const l = out[S + 5]!;
    expect(l).toMatchObject({ cmd: 'memory-failure', ret: 0, calls: 2, hwpoison: 2, signals: 2 });
    expect(l['rmapLookups']).toBeUndefined();
    expect(out[S + 6]!.ret).toEqual([
      { signal: 'SIGBUS', code: 'BUS_MCEERR_AO', lsb: 12, addr: hex(A + 2 * 4096) },
      { signal: 'SIGBUS', code: 'BUS_MCEERR_AO', lsb: 12, addr: hex(A + 3 * 4096) },
    ]);
  });

  it('§6.3 range (the alternative): dm forwards the member range as dm pages to xfs, whose rmap finds f; one signal for the range', async () => {
    const out = await run(failure('range'));
    const l = out[S + 5]!;
    expect(l).toMatchObject({ cmd: 'memory-failure', ret: 0, calls: 1, hwpoison: 2, signals: 1 });
    expect(l['rmapLookups']).toBeGreaterThan(0);
    expect(out[S + 6]!.ret).toEqual([{ signal: 'SIGBUS', code: 'BUS_MCEERR_AO', lsb: 12, addr: hex(A + 2 * 4096) }]);
  });
});

describe('PMD faults through dm (§4.4, F-7)', () => {
  const pmd = (table: string): string => `
device name=pmem0 size=64MiB
device name=pmem1 size=64MiB
dm name=dm0 ${table}
file name=f dev=dm0 pgoff=512 pages=1024
process name=A
mmap process=A file=f pmd
poison dev=pmem0 offset=${512 * 4096 + 64} len=64
load process=A file=f offset=64
`;

  it('M-1 through a linear target: direct_access grants the 2 MiB unit, so the consumer\'s mapping shift is 21', async () => {
    const out = await run(pmd('type=linear devs=pmem0:0:32768'));
    expect(out[7]).toMatchObject({ cmd: 'load', signal: 'SIGBUS', code: 'BUS_MCEERR_AR', lsb: 21, addr: hex(A) });
  });

  it('F-7 through a stripe with 64 KiB chunks: direct_access stops at the chunk end, the PMD fault falls back to PTEs (lsb 12)', async () => {
    // dm page 512 is chunk 32 (16 pages each): member 0, member page 16 * 16 = 256.
    const out = await run(pmd('type=stripe devs=pmem0,pmem1 chunk=128').replace(`offset=${512 * 4096 + 64}`, `offset=${256 * 4096 + 64}`));
    expect(out[7]).toMatchObject({ cmd: 'load', signal: 'SIGBUS', code: 'BUS_MCEERR_AR', lsb: 12, addr: hex(A) });
  });
});

describe('the fs device API', () => {
  async function twoMembers() {
    const { createMmSystem } = await import('../../src/mm/system.js');
    const { createDm } = await import('../../src/dm/device.js');
    const s = await createMmSystem({
      namespaces: [{ name: 'pmem0', size: 64 * 1024 * 1024, mode: 'fsdax' }, { name: 'pmem1', size: 64 * 1024 * 1024, mode: 'fsdax' }],
      model: { time: 'virtual' }, maxThreads: 2,
    });
    const [n0, n1] = s.system.namespaces;
    const dm = createDm('dm0', [{ type: 'stripe', devs: [n0!, n1!], chunk: 16 }]);
    s.mm.addDm(dm);
    return { ...s, dm, n0: n0!, n1: n1! };
  }

  it('a dm block is owned through its member page: a namespace file over the same member page is EBUSY, and the reverse', async () => {
    const s = await twoMembers();
    try {
      // dm pages 4-5 are chunk 2 -> pmem0 pages 2-3 (the stripe layout in the header).
      const f = s.fs.createFile({ dev: s.dm, name: 'f', pgoff: 4, pages: 2 });
      expect('errno' in f).toBe(false);
      expect(s.fs.createFile({ dev: s.n0, name: 'g', pgoff: 3, pages: 1 })).toEqual({ ok: false, errno: 'EBUSY' });
      expect('errno' in s.fs.createFile({ dev: s.n0, name: 'g', pgoff: 4, pages: 1 })).toBe(false);
      // pmem0 page 4 is dm page 8.
      expect(s.fs.createFile({ dev: 'dm0', name: 'h', pgoff: 8, pages: 1 })).toEqual({ ok: false, errno: 'EBUSY' });
      expect(s.fs.fsck()).toEqual([]);
    } finally {
      s.system.detach();
    }
  });

  it('punching a dm file frees its member blocks (fsck stays clean); refusals name the field', async () => {
    const s = await twoMembers();
    try {
      const f = s.fs.createFile({ dev: s.dm, name: 'f', pgoff: 0, pages: 8 });
      if ('errno' in f) throw new Error(f.errno);
      expect(f.punchHole(0, 8 * 4096)).toEqual({ ok: true });
      expect(s.fs.fsck()).toEqual([]);
      expect('errno' in s.fs.createFile({ dev: s.n1, name: 'g', pgoff: 0, pages: 4 })).toBe(false);
      expect(() => s.fs.createFile({ dev: 'dm9', name: 'x', pgoff: 0, pages: 1 })).toThrow(/dev must name a namespace \(pmem0, pmem1\) or a registered dm device \(dm0\), got "dm9"/);
      expect(() => s.fs.createFile({ dev: s.dm, name: 'x', pgoff: s.dm.dataPages, pages: 1 })).toThrow(/pgoff must be .*inside device dm0's/);
      expect(() => s.fs.createFile({ dev: s.dm, ns: s.n0, name: 'x', pgoff: 0, pages: 1 })).toThrow(/give dev or ns, not both/);
    } finally {
      s.system.detach();
    }
  });
});
