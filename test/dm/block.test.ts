/**
 * Block I/O on a dm device: split per target and chunk, forwarded to the members' pmem
 * block path (reference §6.5, §3.3; P-1, P-3, P-7 through dm).
 */
import { describe, it, expect } from 'vitest';
import { createDm } from '../../src/dm/device.js';
import { dmRead, dmWrite } from '../../src/dm/block.js';
import { disableNamespace } from '../../src/nvdimm/lifecycle.js';
import { knownBad, memberBytes, pattern, threeNamespaces } from './helpers.js';

describe('dm block I/O split across targets (§6.5)', () => {
  // dm [0, 16) = pmem0 sectors [0, 16); dm [16, 32) = pmem1 sectors [64, 80).
  const setup = async () => {
    const s = await threeNamespaces();
    const dm = createDm('lin', [{ type: 'linear', dev: s.pmem0, start: 0, len: 16 }, { type: 'linear', dev: s.pmem1, start: 64, len: 16 }]);
    return { s, dm };
  };

  it('§6.5 a 16 KiB write lands as 8 KiB on pmem0 at byte 0 and 8 KiB on pmem1 at byte 64*512; reads back', async () => {
    const { s, dm } = await setup();
    const data = pattern(16384, 1);
    expect(dmWrite(dm, 0, data)).toEqual({ ok: true, bytes: 16384 });
    expect(memberBytes(s, s.pmem0, 0, 8192)).toEqual(data.subarray(0, 8192));
    expect(memberBytes(s, s.pmem1, 32768, 8192)).toEqual(data.subarray(8192));
    const r = dmRead(dm, 0, 16384);
    expect(r.ok).toBe(true);
    expect(r.data).toEqual(data);
  });

  it('§6.5 a request that does not start on a page: dm sector 12, 4096 B = pmem0 sectors 12-15 + pmem1 sectors 64-67', async () => {
    const { s, dm } = await setup();
    const data = pattern(4096, 2);
    expect(dmWrite(dm, 12, data)).toEqual({ ok: true, bytes: 4096 });
    expect(memberBytes(s, s.pmem0, 12 * 512, 2048)).toEqual(data.subarray(0, 2048));
    expect(memberBytes(s, s.pmem1, 64 * 512, 2048)).toEqual(data.subarray(2048));
    const out = new Uint8Array(5000);
    const r = dmRead(dm, 12, 4096, out);
    expect(r).toMatchObject({ ok: true, bytes: 4096 });
    expect(r.data).toEqual(data);
    expect(r.data.buffer).toBe(out.buffer);
  });

  it('§6.5 stripe chunk 8: dm pages 0,1,2,3 land on pmem0 page 0, pmem1 page 0, pmem0 page 1, pmem1 page 1', async () => {
    const s = await threeNamespaces();
    const dm = createDm('st', [{ type: 'stripe', devs: [s.pmem0, s.pmem1], chunk: 8 }]);
    const data = pattern(16384, 3);
    expect(dmWrite(dm, 0, data)).toEqual({ ok: true, bytes: 16384 });
    expect(memberBytes(s, s.pmem0, 0, 4096)).toEqual(data.subarray(0, 4096));
    expect(memberBytes(s, s.pmem1, 0, 4096)).toEqual(data.subarray(4096, 8192));
    expect(memberBytes(s, s.pmem0, 4096, 4096)).toEqual(data.subarray(8192, 12288));
    expect(memberBytes(s, s.pmem1, 4096, 4096)).toEqual(data.subarray(12288));
    expect(dmRead(dm, 0, 16384).data).toEqual(data);
  });

  it('P-7 through dm: pmem1 bb [(64,8,A)] -> a read of dm [0, 32) delivers pmem0\'s 8 KiB, then EIO', async () => {
    const { s, dm } = await setup();
    knownBad(s.pmem1, 64, 8);
    const r = dmRead(dm, 0, 16384);
    expect(r).toMatchObject({ ok: false, errno: 'EIO', bytesDone: 8192, target: 1, cause: 'badblocks' });
    expect(r.data.length).toBe(8192);
  });

  it('P-1/P-3 through dm: a read of the bad page fails with no data; a 4 KiB write clears it first; then reads work', async () => {
    const { s, dm } = await setup();
    knownBad(s.pmem1, 64, 8);
    expect(dmRead(dm, 16, 4096)).toMatchObject({ ok: false, errno: 'EIO', bytesDone: 0, target: 1, cause: 'badblocks' });
    const data = pattern(4096, 4);
    expect(dmWrite(dm, 16, data)).toEqual({ ok: true, bytes: 4096 });
    expect(s.pmem1.bb.entries()).toEqual([]);
    expect(dmRead(dm, 16, 4096)).toMatchObject({ ok: true, bytes: 4096, data });
  });

  it('P-5 through dm: clear unit 4096, a 512-byte write on a bad sector -> EIO, data not written', async () => {
    const s = await threeNamespaces([{}, { clearUnit: 4096 }]);
    const dm = createDm('lin', [{ type: 'linear', dev: s.pmem0, start: 0, len: 16 }, { type: 'linear', dev: s.pmem1, start: 64, len: 16 }]);
    knownBad(s.pmem1, 64, 8);
    expect(dmWrite(dm, 16, pattern(512, 5))).toMatchObject({ ok: false, errno: 'EIO', bytesDone: 0, target: 1, cause: 'clear' });
    expect(s.pmem1.bb.entries()).toEqual([[64, 8, true]]);
  });

  it('§6.5 io_err_map: the error target fails reads and writes with EIO after the pieces before it', async () => {
    const s = await threeNamespaces();
    const dm = createDm('err', [
      { type: 'linear', dev: s.pmem0, start: 0, len: 16 },
      { type: 'error', len: 8 },
      { type: 'linear', dev: s.pmem1, start: 0, len: 16 },
    ]);
    expect(dmRead(dm, 16, 512)).toMatchObject({ ok: false, errno: 'EIO', bytesDone: 0, target: 1, cause: 'error-target' });
    const r = dmRead(dm, 0, 40 * 512);
    expect(r).toMatchObject({ ok: false, errno: 'EIO', bytesDone: 8192, target: 1, cause: 'error-target' });
    expect(r.data.length).toBe(8192);
    const data = pattern(40 * 512, 6);
    expect(dmWrite(dm, 0, data)).toEqual({ ok: false, errno: 'EIO', bytesDone: 8192, target: 1, cause: 'error-target' });
    expect(memberBytes(s, s.pmem0, 0, 8192)).toEqual(data.subarray(0, 8192));
    // processing stops at the first failed piece (block.ts header): pmem1 is not written
    expect(memberBytes(s, s.pmem1, 0, 8192).every((b) => b === 0)).toBe(true);
    // the last target alone is fine
    expect(dmRead(dm, 24, 8192)).toMatchObject({ ok: true, bytes: 8192 });
  });

  it('§3.3 a disabled member fails its piece with ENXIO; a length not a multiple of 512 -> EINVAL', async () => {
    const { s, dm } = await setup();
    disableNamespace(s.pmem1);
    expect(dmRead(dm, 0, 16384)).toMatchObject({ ok: false, errno: 'ENXIO', bytesDone: 8192, target: 1 });
    expect(dmWrite(dm, 0, pattern(100))).toEqual({ ok: false, errno: 'EINVAL', bytesDone: 0 });
    expect(dmRead(dm, 0, 100)).toMatchObject({ ok: false, errno: 'EINVAL', bytesDone: 0 });
  });

  it('DESIGN.md "Bad input": dmRead/dmWrite name the argument, the value and the allowed range', async () => {
    const { dm } = await setup();
    expect(() => dmRead(dm, 32, 512)).toThrow('sector must be an integer sector in [0, 31] (sector*512 + 512 bytes must stay inside dm device lin\'s 16384 bytes), got 32');
    expect(() => dmRead(dm, 0, 16385)).toThrow('bytes must be an integer byte count in [0, 16384] (dm device lin holds 16384 bytes), got 16385');
    expect(() => dmRead(dm, 0, 4096, new Uint8Array(10))).toThrow('out must hold the 4096 bytes read, got 10');
    expect(() => dmWrite(dm, 0, [1, 2] as unknown as Uint8Array)).toThrow('data must be a Uint8Array, got an array of 2');
    expect(() => dmWrite(dm, 1.5, pattern(512))).toThrow(RangeError);
  });
});
