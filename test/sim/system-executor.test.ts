/**
 * The real executor command by command: short scripts for the reference cases the shipped
 * scenarios (scenarios.test.ts) do not cover, and for the executor's own rules (direct-I/O
 * bios, the extra output fields, power failure). Each step's expectation is written from the
 * reference (case id or section in the step's note) or, where it says so, from the design
 * the executor documents (system-executor.ts header); never recorded from a run. Every case
 * runs on each badblocks structure it does not depend on.
 */
import { describe, it, expect } from 'vitest';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { BADBLOCKS_KINDS, type BadblocksKind } from '../../src/badblocks/kinds.js';
import { simulate } from '../../src/sim/run.js';
import type { ExecutorFactory, JsonValue } from '../../src/sim/executor.js';
import { createSystemExecutor, BIO_BYTES } from '../../src/sim/system-executor.js';

const K4 = 4096;
const MIB = 1024 * 1024;

/** What one output line must hold: ret, fields (`undefined` = absent), and the bytes a read returns. */
interface Want {
  readonly ret: JsonValue;
  readonly fields?: Readonly<Record<string, JsonValue | undefined>>;
  readonly data?: Uint8Array;
}

/** A command, and what it must print (null: set-up whose ret 0 is all there is to it). */
type Step = readonly [command: string, want: Want | null, ref: string];

interface Case {
  readonly name: string;
  readonly kinds?: readonly BadblocksKind[];
  readonly steps: readonly Step[];
}

const fill = (n: number, b: number): Uint8Array => new Uint8Array(n).fill(b);
const crcText = (data: Uint8Array): string => '0x' + (zlibCrc32(data) >>> 0).toString(16).padStart(8, '0');
/** The pattern a power failure leaves in each lost line (DESIGN.md persistence; README). */
const lost = (n: number): Uint8Array => new TextEncoder().encode('LOSTLINE'.repeat(n / 8));

const CASES: readonly Case[] = [
  {
    name: 'P-5: with a 4 KiB clear unit a 512-byte write over bad sectors fails (ENXIO from the clear), bb unchanged',
    steps: [
      ['device size=8MiB mode=raw clear-unit=4096', null, 'setup'],
      ['inject-error block=100 count=8 notify', null, 'setup'],
      ['write sector=100 bytes=512 pattern=0x99', { ret: 'EIO', fields: { cause: 'clear', written: 0, cleared: undefined } }, 'P-5'],
      ['badblocks', { ret: '100 8\n' }, 'P-5'],
    ],
  },
  {
    name: 'P-6: the firmware clears 2048 of 4096 bytes: EIO, nothing written, bb unchanged',
    steps: [
      ['device size=8MiB mode=raw fw-clear-max=2048', null, 'setup'],
      ['inject-error block=100 count=8 notify', null, 'setup'],
      ['write sector=96 bytes=4k', { ret: 'EIO', fields: { cause: 'clear', written: 0, cleared: 2048 } }, 'P-6'],
      ['badblocks', { ret: '100 8\n' }, 'P-6: badblocks_clear(96, 4) leaves (100, 8)'],
    ],
  },
  {
    name: 'N-3, N-4: nvdimm_clear_poison clears the region bb of a whole aligned range, refuses an unaligned one; pmem bb untouched',
    steps: [
      ['device size=8MiB mode=raw', null, 'setup'],
      ['inject-error block=8 count=8 notify', null, 'setup'],
      ['region-badblocks', { ret: '8 8\n' }, 'N-10'],
      ['clear-poison offset=0x80 len=0x100', { ret: 'ENXIO' }, 'N-4'],
      ['region-badblocks', { ret: '8 8\n' }, 'N-4: nothing changes'],
      ['clear-poison offset=0x1000 len=0x1000', { ret: K4 }, 'N-3'],
      ['region-badblocks', { ret: '' }, 'N-3: sectors 8..15 gone'],
      ['badblocks', { ret: '8 8\n' }, '§2.2 step 6: the namespace bb is not updated here'],
    ],
  },
  {
    name: 'N-5: a partial firmware clear (256 of 512) leaves the region bb; the block path sees cleared < len',
    steps: [
      ['device size=8MiB mode=raw fw-clear-max=256', null, 'setup'],
      ['inject-error block=8 count=1 notify saturate', null, 'setup'],
      ['clear-poison offset=4096 len=512', { ret: 256 }, 'N-5'],
      ['region-badblocks', { ret: '8 1\n' }, 'N-5: region bb untouched (cleared < 512)'],
      ['write sector=8 bytes=512', { ret: 'EIO', fields: { cause: 'clear', cleared: 256 } }, 'N-5'],
    ],
  },
  {
    name: 'N-6: a legacy bus pretends to clear: callers believe it, the media keeps its poison',
    steps: [
      ['device size=8MiB mode=raw legacy-bus', null, 'setup'],
      ['inject-error block=100 count=8 notify', null, 'setup'],
      ['clear-poison offset=51200 len=4096', { ret: K4 }, 'N-6: returns len'],
      ['write sector=100 bytes=4k', { ret: K4, fields: { cleared: undefined } }, 'N-6: the write believes the clear'],
      ['badblocks', { ret: '' }, 'N-6, §3.2: pmem_clear_bb of the "cleared" sectors'],
      ['read sector=100 bytes=4k', { ret: 'EIO', fields: { cause: 'mce' } }, 'N-6: media untouched'],
    ],
  },
  {
    name: 'N-8: a clear ending exactly at the region\'s last byte does not reach the region bb',
    steps: [
      ['device size=2MiB mode=raw', null, 'setup'],
      ['inject-error block=4088 count=8 notify', null, 'setup'],
      ['region-badblocks', { ret: '4088 8\n' }, 'N-10'],
      ['clear-poison offset=0x1ff000 len=4096', { ret: K4 }, 'N-8'],
      ['region-badblocks', { ret: '4088 8\n' }, 'N-8'],
    ],
  },
  {
    name: 'D-3, D-7: DAX_RECOVERY_WRITE page counts, including the unsigned wrap',
    steps: [
      ['device size=8MiB mode=fsdax', null, 'setup'],
      ['device name=b size=8MiB mode=fsdax', null, 'setup'],
      ['device name=c size=8MiB mode=fsdax', null, 'setup'],
      ['badblocks-store text="96 8\\n"', { ret: 5 }, '§1.7: the input length'],
      ['dax-access pgoff=12 pages=4 mode=recovery-write', { ret: 1 }, 'D-3'],
      ['badblocks-store dev=b text="80 24\\n"', { ret: 6 }, '§1.7'],
      ['dax-access dev=b pgoff=11 pages=4 mode=recovery-write', { ret: 4 }, 'D-7: d = 8 clamps to nr'],
      ['badblocks-store dev=c text="90 20\\n"', { ret: 6 }, '§1.7'],
      ['dax-access dev=c pgoff=12 pages=4 mode=recovery-write', { ret: 1 }, 'D-7: d = 6 gives 1'],
    ],
  },
  {
    name: 'D-8, D-9: recovery_write refuses a partial page, clears and writes a whole one',
    steps: [
      ['device size=8MiB mode=fsdax', null, 'setup'],
      ['inject-error block=100 count=8 notify', null, 'setup'],
      ['recovery-write pgoff=12 offset=0 bytes=2048', { ret: 0, fields: { cleared: undefined } }, 'D-9'],
      ['badblocks', { ret: '100 8\n' }, 'D-9: nothing changes'],
      ['recovery-write pgoff=12 offset=0 bytes=4096 pattern=0x3c', { ret: K4, fields: { cleared: K4 } }, 'D-8'],
      ['badblocks', { ret: '104 4\n' }, 'D-8'],
      ['read sector=96 bytes=4k', { ret: K4, data: fill(K4, 0x3c) }, 'D-8: the data is written'],
    ],
  },
  {
    name: 'D-10: recovery_write whose clear falls short returns 0, bb unchanged',
    steps: [
      ['device size=8MiB mode=fsdax fw-clear-max=2048', null, 'setup'],
      ['inject-error block=100 count=8 notify', null, 'setup'],
      ['recovery-write pgoff=12 offset=0 bytes=4096', { ret: 0, fields: { cleared: 2048 } }, 'D-10'],
      ['badblocks', { ret: '100 8\n' }, 'D-10'],
    ],
  },
  {
    name: 'D-11, F-2 on 5.19: DAX_ACCESS says EIO and recovery is keyed on EIO',
    steps: [
      ['device size=8MiB mode=fsdax kernel=5.19', null, 'setup'],
      ['file name=f pgoff=10 pages=8', null, 'setup'],
      ['inject-error block=100 count=8 notify', null, 'setup'],
      ['dax-access pgoff=10 pages=8 mode=access', { ret: 'EIO' }, 'D-11'],
      ['dax-access pgoff=10 pages=8 mode=recovery-write', { ret: 3 }, 'D-11 (D-2)'],
      ['pwrite file=f offset=0 bytes=32k', { ret: 8 * K4 }, 'D-11 (F-2)'],
      ['badblocks', { ret: '' }, 'F-2'],
    ],
  },
  {
    name: 'F-8: without recovery_write F-2 becomes EFAULT; dax_recovery_write returns 0',
    steps: [
      ['device size=8MiB mode=fsdax no-recovery', null, 'setup'],
      ['file name=f pgoff=10 pages=8', null, 'setup'],
      ['inject-error block=100 count=8 notify', null, 'setup'],
      ['pwrite file=f offset=0 bytes=32k', { ret: 'EFAULT', fields: { cleared: undefined } }, 'F-8'],
      ['badblocks', { ret: '100 8\n' }, 'F-8'],
      ['recovery-write pgoff=12 offset=0 bytes=4096', { ret: 0 }, '§4.2: no recovery_write op -> 0'],
    ],
  },
  {
    name: 'E-3 (block part), §1.7: sysfs store makes sectors bad (acknowledged); malformed text is EINVAL',
    steps: [
      ['device size=8MiB mode=fsdax', null, 'setup'],
      ['badblocks-store text="96 8\\n"', { ret: 5 }, 'E-3: a page-aligned block, §1.7'],
      ['badblocks', { ret: '96 8\n' }, '§1.7'],
      ['read sector=96 bytes=4k', { ret: 'EIO', fields: { cause: 'badblocks' } }, 'E-3: a 4 KiB direct read fails'],
      ['write sector=96 bytes=4k', { ret: K4, fields: { cleared: K4 } }, 'E-3: a block write clears'],
      ['badblocks', { ret: '' }, 'E-3, P-4'],
      ['badblocks-store text="97 1"', { ret: 4 }, '§1.7 (no newline)'],
      ['read sector=96 bytes=4k', { ret: 'EIO' }, 'E-3: one sector inside the page'],
      ['badblocks-store text="200 0\\n"', { ret: 'EINVAL' }, '§1.7: length <= 0'],
      ['badblocks-store text="1 2 x"', { ret: 'EINVAL' }, '§1.7: a third field that is not a newline'],
      ['badblocks-store text="7"', { ret: 'EINVAL' }, '§1.7: fewer than 2 fields'],
      ['badblocks', { ret: '97 1\n' }, '§1.7: refusals change nothing'],
    ],
  },
  {
    name: '§1.7: a set the structure cannot hold is ENOSPC',
    kinds: ['table', 'itree', 'btree'],
    steps: [
      ['device size=8MiB mode=raw badblocks-max-entries=2', null, 'setup'],
      ['badblocks-store text="0 1\\n"', { ret: 4 }, '§1.7'],
      ['badblocks-store text="2 1\\n"', { ret: 4 }, '§1.7'],
      ['badblocks-store text="4 1\\n"', { ret: 'ENOSPC' }, '§1.7: set failed'],
      ['badblocks', { ret: '0 1\n2 1\n' }, '§1.7'],
    ],
  },
  {
    name: '§2.3: a short scrub returns the firmware list only; a long one finds latent poison',
    steps: [
      ['device size=8MiB mode=raw', null, 'setup'],
      ['poison offset=4096 len=64', null, 'setup'],
      ['scrub short', { ret: 0, fields: { records: 0 } }, '§2.3 short ARS'],
      ['badblocks', { ret: '' }, '§2.3'],
      ['advance ms=5000', { ret: 0 }, 'DESIGN.md Time'],
      ['scrub', { ret: 0, fields: { records: 1 } }, '§2.3 long ARS'],
      ['badblocks', { ret: '8 1\n' }, '§2.1: [4096, +64) rounds out to sector 8'],
    ],
  },
  {
    name: '§2.1: uninject removes the firmware records; badblocks keep what they learnt',
    steps: [
      ['device size=8MiB mode=fsdax', null, 'setup'],
      ['inject-error block=42 count=8 notify', null, 'setup'],
      ['uninject block=42 count=8', { ret: 0 }, 'E-1'],
      ['inject-status', { ret: [] }, 'E-1'],
      ['badblocks', { ret: '42 8\n' }, '§2.1: populate only adds'],
    ],
  },
  {
    name: '§4.2, §2.4: dax_zero_page_range of more than one page and dax_direct_access of nr < 0; a probe whose memmap clear falls short',
    steps: [
      ['device size=8MiB mode=raw fw-clear-max=2048', null, 'setup'],
      ['inject-error block=100 count=1 notify', null, 'setup'],
      ['reconfigure mode=fsdax', { ret: 'EIO', fields: { cleared: 2048 } }, '§2.4: nsio_rw_bytes -EIO when less than size is cleared'],
      ['dax-access pgoff=0 pages=1 mode=access', { ret: 'ENXIO' }, '§4.2: device not alive'],
      ['reconfigure mode=raw', { ret: 0 }, 'setup'],
      ['device name=b size=8MiB mode=fsdax', null, 'setup'],
      ['zero-page dev=b pgoff=1 pages=2', { ret: 'EIO' }, '§4.2: only nr == 1'],
      ['dax-access dev=b pgoff=0 pages=-1 mode=access', { ret: 'EINVAL' }, '§4.2: nr < 0'],
    ],
  },
  {
    name: 'DESIGN.md persistence, §5.3: what a power failure takes, with fsync, files and eADR',
    steps: [
      ['device size=8MiB mode=fsdax', null, 'setup'],
      ['device name=r size=8MiB mode=raw', null, 'setup'],
      ['write dev=r sector=0 bytes=4k pattern=0x10', { ret: K4 }, 'setup'],
      ['power-fail', { ret: K4, fields: { files: undefined } }, '§5.3: the unflushed 4 KiB is lost'],
      ['read dev=r sector=0 bytes=512', { ret: 512, data: lost(512) }, 'DESIGN.md: lost lines read LOSTLINE'],
      ['write dev=r sector=0 bytes=4k pattern=0x20', { ret: K4 }, 'setup'],
      ['fsync dev=r', { ret: 0, fields: { durable: K4 } }, '§3.3: REQ_PREFLUSH -> nvdimm_flush'],
      ['power-fail', { ret: 0 }, '§5.3'],
      ['read dev=r sector=0 bytes=4k', { ret: K4, data: fill(K4, 0x20) }, '§5.3'],
      ['file name=f pgoff=0 pages=2', null, 'setup'],
      ['pwrite file=f offset=0 bytes=8k pattern=0x30', { ret: 2 * K4 }, 'setup'],
      ['power-fail', { ret: 2 * K4, fields: { files: { f: 2 * K4 } } }, '§5.3'],
      ['pwrite file=f offset=0 bytes=8k pattern=0x30', { ret: 2 * K4 }, 'setup'],
      ['fsync file=f', { ret: 0, fields: { durable: 2 * K4 } }, '§5.3'],
      ['power-fail', { ret: 0, fields: { files: { f: 0 } } }, '§5.3'],
      ['pread file=f offset=0 bytes=8k', { ret: 2 * K4, data: fill(2 * K4, 0x30) }, '§5.3'],
    ],
  },
  {
    name: 'DESIGN.md eADR: caches in the persistence domain lose nothing',
    steps: [
      ['device size=8MiB mode=raw eadr', null, 'setup'],
      ['write sector=0 bytes=4k pattern=0x10', { ret: K4 }, 'setup'],
      ['power-fail', { ret: 0 }, 'DESIGN.md eADR'],
    ],
  },
  {
    name: 'O_DIRECT: lengths that are not 512-byte multiples are EINVAL (logical block size)',
    steps: [
      ['device size=8MiB mode=raw', null, 'setup'],
      ['read sector=0 bytes=100', { ret: 'EINVAL' }, 'O_DIRECT'],
      ['write sector=0 bytes=1000', { ret: 'EINVAL' }, 'O_DIRECT'],
    ],
  },
  {
    // Design (system-executor.ts, after __blkdev_direct_IO): one bio per 1 MiB, every bio
    // submitted; each stops at its first failing segment (P-7); the call reports the error.
    name: 'direct I/O over 1 MiB: one bio per MiB, every bio submitted, the error reported',
    steps: [
      ['device size=8MiB mode=raw', null, 'setup'],
      ['inject-error block=16 count=8 notify', null, 'setup: page 2 of the first MiB'],
      ['inject-error block=2064 count=8 notify', null, 'setup: page 2 of the second MiB'],
      ['read sector=0 bytes=2MiB', { ret: 'EIO', fields: { delivered: 2 * 2 * K4, cause: 'badblocks' } }, 'design: 2 good pages per bio'],
      ['read sector=0 bytes=1MiB', { ret: 'EIO', fields: { delivered: 2 * K4 } }, 'P-7'],
      ['read sector=4096 bytes=3MiB', { ret: 3 * MIB, data: new Uint8Array(3 * MIB) }, 'design: clean, three bios'],
      ['device name=p size=8MiB mode=raw fw-clear-max=2048', null, 'setup'],
      ['inject-error dev=p block=16 count=8 notify', null, 'setup'],
      ['write dev=p sector=0 bytes=2MiB pattern=0x5a', { ret: 'EIO', fields: { written: 2 * K4 + MIB, cause: 'clear', cleared: 2048 } }, 'design: the second bio is written'],
      ['read dev=p sector=2048 bytes=1MiB', { ret: MIB, data: fill(MIB, 0x5a) }, 'design'],
    ],
  },
];

async function runCase(c: Case, kind: BadblocksKind): Promise<Record<string, JsonValue>[]> {
  const text = c.steps.map(([cmd]) => (cmd.startsWith('device ') ? `${cmd} badblocks=${kind}` : cmd)).join('\n') + '\n';
  const out: string[] = [];
  const r = await simulate(text, createSystemExecutor, (l) => out.push(l));
  expect(r).toEqual({ status: 'ran', commands: c.steps.length });
  return out.map((l) => JSON.parse(l) as Record<string, JsonValue>);
}

describe('system executor', () => {
  it('bios are BIO_MAX_VECS (256) pages', () => {
    expect(BIO_BYTES).toBe(256 * 4096);
  });

  for (const c of CASES) {
    describe(c.name, () => {
      for (const kind of c.kinds ?? BADBLOCKS_KINDS) {
        it(kind, async () => {
          const records = await runCase(c, kind);
          c.steps.forEach(([cmd, want, ref], i) => {
            const r = records[i]!;
            const where = `step ${i + 1} "${cmd}" (${ref}, ${kind})`;
            expect(r['line'], where).toBe(i + 1);
            if (want === null) {
              expect(r['ret'], where).toBe(0);
              return;
            }
            expect(r['ret'], where).toEqual(want.ret);
            for (const [k, v] of Object.entries(want.fields ?? {})) expect(r[k], `${where} ${k}`).toEqual(v);
            if (want.data !== undefined) expect(r['crc32'], `${where} crc32`).toBe(crcText(want.data));
          });
        });
      }
    });
  }

  it('releases the system once, after the last line', async () => {
    let closed = 0;
    const create: ExecutorFactory = async (platform) => {
      const e = await createSystemExecutor(platform);
      const close = e.close!.bind(e);
      e.close = () => {
        closed++;
        return close();
      };
      return e;
    };
    await expect(simulate('device size=8MiB mode=fsdax\nread sector=0 bytes=512\n', create, () => {})).resolves.toEqual({ status: 'ran', commands: 2 });
    expect(closed).toBe(1);
  });
});
