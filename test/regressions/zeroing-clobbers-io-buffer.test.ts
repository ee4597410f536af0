/**
 * Regression: a pwrite into a hole whose data is a view of the thread's I/O buffer (what the
 * workload engine passes) stored zeros. The allocation zeroed the new block by staging zeros
 * in that same I/O buffer (src/pmem/copy.ts), overwriting the caller's data before the write
 * copied it. F-9 says the rewrite after a punch must land: the page then reads back as written.
 */
import { describe, it, expect } from 'vitest';
import { createFsdaxSystem } from '../../src/dax/fs.js';
import { daxPread, daxPwrite } from '../../src/dax/iomap.js';

describe('regression: zeroing a new block must not clobber a write staged in the I/O buffer', () => {
  it('F-9 punch, then pwrite from an I/O-buffer view: the page holds the written bytes', async () => {
    const { system, fs } = await createFsdaxSystem({ namespaces: [{ name: 'pmem0', size: 64 * 1024 * 1024, mode: 'fsdax' }], model: { time: 'virtual' } });
    try {
      const file = fs.createFile({ ns: 'pmem0', name: 'f', pgoff: 16, pages: 4 });
      if ('errno' in file) throw new Error(file.errno);
      expect(file.punchHole(4096, 4096)).toEqual({ ok: true });
      const io = system.bus.ioBuffer.subarray(0, 4096);
      io.fill(0xa5);
      expect(daxPwrite(file, 4096, io)).toEqual({ ok: true, bytes: 4096 });
      const r = daxPread(file, 4096, 4096);
      expect(r.ok && r.data.every((b) => b === 0xa5)).toBe(true);
    } finally {
      system.detach();
    }
  });
});
