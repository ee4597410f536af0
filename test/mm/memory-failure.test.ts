/**
 * memory_failure, mmap faults, notify_failure and the policies as scenario scripts through
 * the real simulated system (reference §4.4, §6; M-1..M-9, F-6, F-7, D-6).
 *
 * Every expected value is written from the reference case named in the test title; the
 * addresses follow the deterministic layout (process i at 0x7f0000000000 + i * 2^40,
 * a file page k at + k * 4096) and the defaults of the script language (a 64 MiB fsdax
 * namespace: data offset 2 MiB, so data page p is pfn 512 + p, and a file at pgoff 512 is
 * 2 MiB aligned physically, as a PMD needs).
 */
import { describe, it, expect } from 'vitest';
import { runScript, hex } from '../helpers/scenario.js';

const run = runScript;

const A = 0x7f0000000000;
const B = A + 2 ** 40;
/** The xfs/ext4 set-up: two processes map one 4 MiB file (file page k = device page 512 + k). */
const setup = (fs: string, aMap: string, bFlags = ''): string => `
device size=64MiB
${fs}
process name=A
process name=B ${bFlags}
file name=f pgoff=512 pages=1024
mmap process=A file=f ${aMap}
mmap process=B file=f
load process=B file=f offset=0x3000
poison offset=0x202100 len=64
`;

describe('M-1 xfs rmap, PMD consumer', () => {
  it('M-1: A gets BUS_MCEERR_AR lsb 21; the 2 MiB unit is unmapped for everyone; late-kill B gets nothing', async () => {
    const out = await run(setup('fs type=xfs', 'pmd') + 'load process=A file=f offset=0x2100\nsignals process=B\n');
    const l = out[9]!;
    expect(l).toMatchObject({ cmd: 'load', ret: 0, signal: 'SIGBUS', code: 'BUS_MCEERR_AR', lsb: 21, addr: hex(A + 0x2000) });
    // 512 PMD pages of A + B's one PTE page (0x3000) inside the same 2 MiB file range.
    expect(l['unmapped']).toBe(513);
    expect(l['rmapLookups']).toBeGreaterThan(0);
    expect(out[10]).toMatchObject({ cmd: 'signals', ret: [] });
  });

  it('M-1 + F-6: B\'s next access to the bad page faults: SIGBUS BUS_MCEERR_AR lsb 12 (the poison is in badblocks now)', async () => {
    const out = await run(setup('fs type=xfs', 'pmd') + 'load process=A file=f offset=0x2100\nload process=B file=f offset=0x2100\n');
    expect(out[10]).toMatchObject({ ret: 0, signal: 'SIGBUS', code: 'BUS_MCEERR_AR', lsb: 12, addr: hex(B + 0x2100) });
  });

  it('M-1: early-kill B (PR_MCE_KILL_EARLY) mapping the failed page gets BUS_MCEERR_AO with its own mapping\'s lsb (12)', async () => {
    const out = await run(setup('fs type=xfs', 'pmd', 'early-kill').replace('poison', 'load process=B file=f offset=0x2000\npoison') + 'load process=A file=f offset=0x2100\nsignals process=B\n');
    expect(out[10]).toMatchObject({ code: 'BUS_MCEERR_AR', lsb: 21, signals: 2 });
    expect(out[11]!.ret).toEqual([{ signal: 'SIGBUS', code: 'BUS_MCEERR_AO', lsb: 12, addr: hex(B + 0x2000) }]);
  });

  it('M-1: early-kill B that does not map the failed page (only page 3) is not told: dev_pagemap_mapping_shift() is 0', async () => {
    const out = await run(setup('fs type=xfs', 'pmd', 'early-kill') + 'load process=A file=f offset=0x2100\nsignals process=B\n');
    expect(out[9]).toMatchObject({ code: 'BUS_MCEERR_AR', lsb: 21, signals: 1 });
    expect(out[10]!.ret).toEqual([]);
  });

  it('M-1: early kill by sysctl vm.memory_failure_early_kill=1: B, mapping the failed page, gets AO lsb 12', async () => {
    const out = await run(setup('fs type=xfs', 'pmd').replace('poison', 'load process=B file=f offset=0x2000\npoison') + 'sysctl memory_failure_early_kill=1\nload process=A file=f offset=0x2100\nsignals process=B\n');
    const sig = out[out.length - 1]!.ret as Record<string, unknown>[];
    expect(sig).toEqual([{ signal: 'SIGBUS', code: 'BUS_MCEERR_AO', lsb: 12, addr: hex(B + 0x2000) }]);
  });
});

describe('M-2 / M-4 generic path', () => {
  it('M-2: ext4 (no holder): same signals through page->mapping, no rmap lookup, no notification past pmem', async () => {
    const out = await run(setup('fs type=ext4', 'pmd') + 'load process=A file=f offset=0x2100\nsignals process=B\n');
    expect(out[9]).toMatchObject({ code: 'BUS_MCEERR_AR', lsb: 21, addr: hex(A + 0x2000), unmapped: 513 });
    expect(out[9]!['rmapLookups']).toBeUndefined();
    expect(out[10]!.ret).toEqual([]);
  });

  it('M-4: xfs with rmapbt=0 says EOPNOTSUPP: the generic path, M-2\'s signals', async () => {
    const out = await run(setup('fs type=xfs rmapbt=0', 'pmd') + 'load process=A file=f offset=0x2100\n');
    expect(out[9]).toMatchObject({ code: 'BUS_MCEERR_AR', lsb: 21, unmapped: 513 });
    expect(out[9]!['rmapLookups']).toBeUndefined();
  });
});

describe('M-3, M-5: xfs metadata and uncached inodes', () => {
  it('M-3: a failure in xfs metadata shuts the filesystem down; the consumer of a mapped page there gets a plain SIGBUS', async () => {
    const out = await run(`
device size=64MiB
fs type=xfs
process name=A
file name=f pgoff=512 pages=16
mmap process=A file=f
memory-failure pfn-offset=0x4000 len=4096
pread file=f offset=0 bytes=4096
`);
    expect(out[5]).toMatchObject({ cmd: 'memory-failure', ret: 'EFSCORRUPTED' });
    // After SHUTDOWN_CORRUPT_ONDISK every file I/O fails.
    expect(out[6]).toMatchObject({ cmd: 'pread', ret: 'EIO' });
  });

  it('M-5: a poisoned block of an inode not in memory is skipped: ret 0, nobody signalled, data still bad', async () => {
    const out = await run(`
device size=64MiB
fs type=xfs
process name=A early-kill
file name=f pgoff=512 pages=16
file name=g pgoff=600 pages=16
memory-failure pfn-offset=0x${(600 * 4096).toString(16)} len=4096
signals process=A
`);
    expect(out[5]).toMatchObject({ ret: 0, rmapLookups: 1 });
    expect(out[5]!['signals']).toBeUndefined();
    expect(out[6]!.ret).toEqual([]);
  });
});

describe('M-6 madvise', () => {
  const s = `
device size=64MiB
process name=A
file name=f pgoff=512 pages=16
mmap process=A file=f
`;
  it('M-6: MADV_HWPOISON as root: SIGBUS BUS_MCEERR_AR to the caller; as non-root EPERM; MADV_SOFT_OFFLINE fails', async () => {
    const out = await run(s + 'madvise-hwpoison process=A file=f offset=0x1000\nmadvise-hwpoison process=A file=f offset=0x1000 root\nmadvise-soft-offline process=A file=f offset=0 root\nbadblocks\n');
    expect(out[4]).toMatchObject({ ret: 'EPERM' });
    expect(out[5]).toMatchObject({ ret: 0, signal: 'SIGBUS', code: 'BUS_MCEERR_AR', lsb: 12, addr: hex(A + 0x1000) });
    expect(out[6]!.ret).not.toBe(0);
    // No hardware poison: no badblocks entry (§6.2).
    expect(out[7]!.ret).toBe('');
  });
});

describe('M-7 device dax', () => {
  it.each([['', 12, 1], ['pmd', 21, 512], ['pud', 30, 262144]])('M-7: devdax mapping %s: consumed poison -> AR with lsb %i; the whole unit unmapped', async (flag, lsb, unit) => {
    const out = await run(`
device size=2GiB mode=devdax
process name=A
mmap process=A dev=pmem0 ${flag}
load process=A dev=pmem0 offset=0x5000
poison offset=0x5040 len=64
load process=A dev=pmem0 offset=0x5040
`);
    expect(out[5]).toMatchObject({ signal: 'SIGBUS', code: 'BUS_MCEERR_AR', lsb, addr: hex(A + 0x5000), unmapped: unit });
  });
});

describe('M-8 unbind', () => {
  /** A mounted xfs, one in-core file mapped and touched by A, then the namespace is unbound. */
  const unbindScript = (kernel: string): string => `
device size=64MiB kernel=${kernel}
fs type=xfs
process name=A
file name=f pgoff=512 pages=16
mmap process=A file=f
load process=A file=f offset=0
unbind
signals process=A
`;

  it('M-8: 6.7+ unbind under a mounted xfs: PRE_REMOVE, mappers of in-core files get AO, no HWPoison, fs force-unmounted', async () => {
    const out = await run(unbindScript('6.15'));
    expect(out[6]).toMatchObject({ cmd: 'unbind', ret: 0, unmapped: 1, signals: 1 });
    expect(out[6]!['hwpoison']).toBeUndefined();
    expect(out[7]!.ret).toEqual([{ signal: 'SIGBUS', code: 'BUS_MCEERR_AO', lsb: 12, addr: hex(A) }]);
  });

  it('M-8 before 6.7 (profile 6.5): no PRE_REMOVE, nobody is told', async () => {
    const out = await run(unbindScript('6.5'));
    expect(out[6]).toMatchObject({ ret: 0 });
    expect(out[6]!['signals']).toBeUndefined();
    expect(out[7]!.ret).toEqual([]);
  });
});

describe('M-9 raw namespace', () => {
  it('M-9: a kernel copy_mc on a raw namespace: memory_failure ENXIO, the block read EIO, no signal', async () => {
    const out = await run(`
device size=64MiB mode=raw
process name=A early-kill
poison offset=0x1000 len=64
read sector=8 bytes=4096
memory-failure pfn-offset=0x1000 len=4096
signals process=A
`);
    expect(out[3]).toMatchObject({ ret: 'EIO' });
    expect(out[4]).toMatchObject({ ret: 'ENXIO' });
    expect(out[5]!.ret).toEqual([]);
  });
});

describe('F-6, F-7 faults', () => {
  it('F-6: a PTE read fault on a known-bad page: SIGBUS BUS_MCEERR_AR lsb 12 (6.5+), BUS_ADRERR before 6.5', async () => {
    for (const [kernel, code] of [['6.15', 'BUS_MCEERR_AR'], ['5.19', 'BUS_ADRERR']] as const) {
      const out = await run(`
device size=64MiB kernel=${kernel}
process name=A
file name=f pgoff=10 pages=8
badblocks-store text="96 8"
mmap process=A file=f
load process=A file=f offset=0x2008
`);
      expect(out[5]).toMatchObject({ signal: 'SIGBUS', code, addr: hex(A + 0x2008) });
      if (code === 'BUS_MCEERR_AR') expect(out[5]!['lsb']).toBe(12);
    }
  });

  it('F-7: a PMD fault over a 2 MiB extent with one bad page falls back: the other 511 pages map, the bad page -> F-6', async () => {
    const bad = (512 + 512 + 7) * 8; // file page 7 of a file at device page 512
    const out = await run(`
device size=64MiB
process name=A
file name=f pgoff=512 pages=512
badblocks-store text="${bad - 512 * 8} 8"
mmap process=A file=f pmd
load process=A file=f offset=0x6000
load process=A file=f offset=0x1ff000
load process=A file=f offset=0x7000
`);
    expect(out[5]).toMatchObject({ ret: 0 });
    expect(out[5]!['signal']).toBeUndefined();
    expect(out[6]).toMatchObject({ ret: 0 });
    expect(out[7]).toMatchObject({ signal: 'SIGBUS', code: 'BUS_MCEERR_AR', lsb: 12, addr: hex(A + 0x7000) });
  });
});

describe('policies: per-page vs range', () => {
  const script = (policy: string): string => `
device size=64MiB
fs type=xfs
policy memory-failure=${policy}
process name=A early-kill
file name=f pgoff=512 pages=64
mmap process=A file=f
${Array.from({ length: 16 }, (_, k) => `load process=A file=f offset=0x${(k * 4096).toString(16)}`).join('\n')}
memory-failure pfn-offset=0x${(512 * 4096).toString(16)} len=64KiB
signals process=A
`;
  it('per-page (Linux): 16 pages -> 16 memory_failure calls, 16 AO signals, one per PTE page', async () => {
    const out = await run(script('per-page'));
    const mf = out.find((l) => l.cmd === 'memory-failure')!;
    expect(mf).toMatchObject({ ret: 0, calls: 16, signals: 16, unmapped: 16, hwpoison: 16 });
    expect((out[out.length - 1]!.ret as unknown[]).length).toBe(16);
  });

  it('range: one memory_failure, one notification per layer, one AO signal for the first page, all 16 unmapped and poisoned', async () => {
    const out = await run(script('range'));
    const mf = out.find((l) => l.cmd === 'memory-failure')!;
    expect(mf).toMatchObject({ ret: 0, calls: 1, notifications: 2, signals: 1, unmapped: 16, hwpoison: 16 });
    expect(out[out.length - 1]!.ret).toEqual([{ signal: 'SIGBUS', code: 'BUS_MCEERR_AO', lsb: 12, addr: hex(A) }]);
  });
});

describe('D-6 through dax-access', () => {
  it('D-6: nr < 0 -> EINVAL; a dead (unbound) device -> ENXIO', async () => {
    const out = await run(`
device size=64MiB
dax-access pgoff=0 pages=-1 mode=access
unbind
dax-access pgoff=0 pages=1 mode=access
`);
    expect(out[1]).toMatchObject({ ret: 'EINVAL' });
    expect(out[3]).toMatchObject({ ret: 'ENXIO' });
  });
});
