/**
 * fs-dax file I/O from worker threads (DESIGN.md "The one rule of shared state"): a worker
 * mounts the filesystem the main thread created and reads, recovers (F-2) and fsyncs its
 * files; fsync fences only the calling thread's lines; the inode lock keeps a reader from
 * ever seeing half of a concurrent write (reads shared, writes exclusive, §4.3).
 *
 * The workers run fixtures/fs-worker.mjs, which loads the BUILT library from dist/ (Node 20
 * workers cannot load .ts): `npm run build` must have run.
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { System } from '../../src/nvdimm/system.js';
import { daxPread, daxPwrite } from '../../src/dax/iomap.js';
import { knownBad, pattern } from '../nvdimm/helpers.js';
import { fileAt10 } from './helpers.js';
import { RpcWorker } from '../helpers/rpc-worker.js';

const FIXTURE = new URL('./fixtures/fs-worker.mjs', import.meta.url);
const BUILT = fileURLToPath(new URL('../../dist/src/dax/iomap.js', import.meta.url));

class FsWorker extends RpcWorker {
  readonly ready: Promise<number> = this.started;

  constructor(sys: System, barrier: SharedArrayBuffer) {
    super(FIXTURE, { handle: sys.handle, barrier });
  }
}

describe('fs-dax file I/O from worker threads', () => {
  let workers: FsWorker[] = [];

  beforeAll(() => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` before these tests`);
  });

  afterEach(async () => {
    await Promise.all(workers.map((w) => w.worker.terminate()));
    workers = [];
  });

  it('a worker reads a file the main thread wrote, recovers its bad pages (F-2) and fsyncs; the main thread sees it all', async () => {
    const s = await fileAt10('table');
    const data = pattern(32768, 1);
    expect(daxPwrite(s.file, 0, data)).toEqual({ ok: true, bytes: 32768 });
    knownBad(s.ns, 100, 8);
    const w = new FsWorker(s.sys, new SharedArrayBuffer(4));
    workers = [w];
    expect(await w.ready).not.toBe(s.sys.context.tid);
    expect(await w.call('files')).toEqual(['f']);
    expect(await w.call('pread', 'f', 0, 8192)).toMatchObject({ ok: true, bytes: 8192, data: Array.from(data.subarray(0, 8192)) });
    expect(await w.call('pread', 'f', 0, 32768)).toMatchObject({ ok: false, errno: 'EIO' }); // F-1
    expect(await w.call('pwrite', 'f', 0, 0x5a, 32768)).toEqual({ ok: true, bytes: 32768 }); // F-2
    expect(s.ns.bb.entries()).toEqual([]);
    // The worker's lines are pending for the worker: the main thread's fsync does not fence them.
    expect(s.file.volatileBytes()).toBe(32768);
    expect(s.file.fsync().durableBytes).toBe(0);
    expect(s.file.volatileBytes()).toBe(32768);
    expect(await w.call('fsync', 'f')).toEqual({ ok: true, durableBytes: 32768 });
    expect(s.file.volatileBytes()).toBe(0);
    expect(daxPread(s.file, 0, 32768)).toMatchObject({ ok: true, data: new Uint8Array(32768).fill(0x5a) });
  });

  it('a worker punches a hole and fills it (F-9); the main thread sees the new extent and the cleared block', async () => {
    const s = await fileAt10('table');
    knownBad(s.ns, 96, 8);
    const w = new FsWorker(s.sys, new SharedArrayBuffer(4));
    workers = [w];
    await w.ready;
    expect(await w.call('punchHole', 'f', 8192, 4096)).toEqual({ ok: true });
    expect(s.file.extents()[1]).toEqual({ offset: 8192, length: 4096, pgoff: null });
    expect(await w.call('pwrite', 'f', 8192, 0x33, 4096)).toEqual({ ok: true, bytes: 4096 });
    expect(s.file.extents()).toEqual([{ offset: 0, length: 32768, pgoff: 10 }]);
    expect(s.ns.bb.entries()).toEqual([]);
    expect(s.fs.fsck()).toEqual([]);
  });

  it('reads shared, writes exclusive: a reader racing a writer never sees a mix of two whole-file writes', async () => {
    const s = await fileAt10('table', {}, {}, 16);
    const barrier = new SharedArrayBuffer(4);
    const writer = new FsWorker(s.sys, barrier);
    const reader = new FsWorker(s.sys, barrier);
    workers = [writer, reader];
    await Promise.all([writer.ready, reader.ready]);
    const rounds = 3000;
    const [written, read] = await Promise.all([
      writer.call<number>('writeRounds', { name: 'f', rounds, fills: [0xa1, 0xb2], parties: 2 }),
      reader.call<{ reads: number; torn: number }>('readRounds', { name: 'f', rounds, parties: 2 }),
    ]);
    expect(written).toBe(rounds);
    expect(read).toEqual({ reads: rounds, torn: 0 });
    expect(s.file.lock.owner()).toBe('free');
  });
});
