/**
 * The block ledger and the verification, on the main thread with no workers: blocks written
 * through the block engine as a worker writes them, then the media damaged on purpose in
 * each way the verification must catch. Expected counts come from what the test wrote.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { buildSystem } from '../../src/workload/engine.js';
import { resolveJobFile } from '../../src/workload/spec.js';
import { openEngine, type IoEngine } from '../../src/workload/io.js';
import { BlockLedger, F_TORN, F_UNACKED, LedgerView, checksumWords } from '../../src/workload/ledger.js';
import { LOST_LINE, verifyBlocks } from '../../src/workload/verify.js';
import { POISONED_LINE } from '../../src/workload/poison.js';
import type { System } from '../../src/nvdimm/system.js';

const BS = 4096;
const BLOCKS = 16;
let system: System | undefined;

afterEach(() => {
  system?.detach();
  system = undefined;
});

async function setup(): Promise<{ sys: System; ledger: BlockLedger; engine: IoEngine; write: (b: number, sync: boolean) => void; spa: (b: number) => number }> {
  const [job] = resolveJobFile({ global: { path: 'block', bs: '4k', span: `${BLOCKS * BS}`, verify: true, ops: 1 }, device: { size: '16MiB' }, jobs: [{}] });
  const built = await buildSystem(job!);
  const sys = built.system;
  system = sys;
  const buf = sys.bus.ioBuffer;
  const engine = openEngine('block', sys, { mode: 'failfast', buf });
  const ledger = new BlockLedger(sys, buf, false);
  const write = (b: number, sync: boolean): void => {
    const v = ledger.beforeWrite(b);
    ledger.afterWrite(b, v, engine.write(b * BS, BS));
    if (sync) {
      engine.sync();
      ledger.synced();
    }
  };
  return { sys, ledger, engine, write, spa: (b) => engine.spaOf(b * BS) };
}

const noReads = { checked: 0, mismatches: 0, evidence: [] };

describe('the ledger', () => {
  it('records a write as unacknowledged until the writer syncs; the checksums are those of the content written', async () => {
    const { sys, write, spa } = await setup();
    const view = new LedgerView(sys);
    const zero = checksumWords(new Int32Array(BS / 4), 0, BS / 4);
    expect([view.version(0), view.last(0), view.durable(0), view.flags(0)]).toEqual([0, zero, zero, 0]);
    write(0, false);
    const content = new Int32Array(sys.media.read(spa(0), BS).buffer);
    expect(view.version(0)).toBe(1);
    expect(view.last(0)).toBe(checksumWords(content, 0, BS / 4));
    expect(view.last(0)).not.toBe(zero);
    expect(view.durable(0)).toBe(zero);
    expect(view.flags(0)).toBe(F_UNACKED);
    write(1, true); // the sync acknowledges every block this thread wrote since its last one
    expect([view.flags(0), view.flags(1)]).toEqual([0, 0]);
    expect(view.durable(0)).toBe(view.last(0));
  });

  it('a read is checked against the last write: the bytes written pass, poisoned bytes or a prefix of other bytes do not', async () => {
    const { sys, ledger, engine, write } = await setup();
    write(3, true);
    expect(engine.read(3 * BS, BS)).toBe(BS);
    expect(ledger.checkRead(3, 3 * BS, BS, [], 0)).toBe(true);
    // A short read delivering the first 1024 bytes: they are compared, the rest is not.
    expect(ledger.checkRead(3, 3 * BS, 1024, [], 0)).toBe(true);
    sys.bus.ioBuffer.set(POISONED_LINE, 512); // the engines read into the I/O buffer
    expect(ledger.checkRead(3, 3 * BS, 1024, [], 0)).toBe(false);
    // A recovery-read-line result that skipped [512, 576) as poisoned: the skipped line is not data.
    expect(ledger.checkRead(3, 3 * BS, BS - 64, [{ offset: 3 * BS + 512, length: 64 }], 0)).toBe(true);
    expect(ledger.checkRead(3, 3 * BS, BS, [], 0)).toBe(false);
    expect(ledger.counts).toEqual({ checked: 5, mismatches: 2, unknown: 0 });
    expect(ledger.evidence[0]).toMatch(/^block 3 \(target byte 12288\)/);
  });

  it('a short write leaves the block torn: its reads are not compared, a whole remedy rewrite makes it known again', async () => {
    const { sys, ledger, engine } = await setup();
    const view = new LedgerView(sys);
    const v = ledger.beforeWrite(2);
    ledger.afterWrite(2, v, 1024);
    expect(view.flags(2) & F_TORN).toBe(F_TORN);
    expect(ledger.checkRead(2, 2 * BS, BS, [], 0)).toBe(true);
    expect(ledger.counts.unknown).toBe(1);
    ledger.beforeRestore(2 * BS, BS);
    const ok = engine.recoveryWrite(2 * BS, BS);
    ledger.afterRestore(2 * BS, BS, ok);
    expect(ok).toBe(true);
    expect(view.flags(2) & F_TORN).toBe(0);
    expect(engine.read(2 * BS, BS)).toBe(BS);
    expect(ledger.checkRead(2, 2 * BS, BS, [], 0)).toBe(true);
  });
});

describe('verification after a power failure', () => {
  it('passes when acknowledged blocks are intact and only unacknowledged lines were lost; the loss equals the media\'s count', async () => {
    const { sys, write } = await setup();
    write(0, true);
    write(1, false);
    write(2, true); // the fence is per thread: it makes block 1 durable too, and the ledger acknowledges it
    write(5, false);
    write(6, false);
    const { lostBytes } = sys.media.powerFail();
    expect(lostBytes).toBe(2 * BS);
    const r = verifyBlocks({ system: sys, spaOf: (off) => off + sys.namespaces[0]!.dataStart, powerFailed: true, powerLostBytes: lostBytes, reads: noReads });
    expect(r).toMatchObject({ after: 'power_fail', blocks_verified: BLOCKS, blocks_durable_ok: BLOCKS - 2, blocks_lost: 2, bytes_lost: 2 * BS, poisoned_blocks: 0, violations: 0 });
  });

  it('reports an acknowledged block holding other bytes, one that lost a line, disagreeing loss counts, and poisoned blocks apart', async () => {
    const { sys, write, spa } = await setup();
    for (const b of [0, 2, 3, 4]) write(b, true);
    // Block 2: durable bytes changed behind the ledger's back.
    sys.media.writeFlushcache(spa(2) + 128, new Uint8Array(64).fill(0xab));
    sys.media.fence();
    write(1, false);
    // Block 3: a plain store after its acknowledgement, never flushed: the power failure takes its line.
    sys.media.write(spa(3) + 256, new Uint8Array(64).fill(0xcd));
    // Block 4: poisoned (its content is not compared).
    sys.media.poison(spa(4) + 64, 64);
    const { lostBytes } = sys.media.powerFail();
    expect(lostBytes).toBe(BS + 64);
    expect(sys.media.read(spa(3) + 256, 64)).toEqual(LOST_LINE);
    const r = verifyBlocks({ system: sys, spaOf: (off) => off + sys.namespaces[0]!.dataStart, powerFailed: true, powerLostBytes: lostBytes, reads: noReads });
    expect(r).toMatchObject({ blocks_durable_ok: BLOCKS - 4, blocks_lost: 1, bytes_lost: BS, poisoned_blocks: 1, violations: 3 });
    expect(r.evidence[0]).toMatch(/^block 2 .*acknowledged durable .*holds other bytes/);
    expect(r.evidence[1]).toMatch(/^block 3 .*1 lost lines/);
    expect(r.evidence[2]).toBe(`the blocks lost ${BS} bytes to the power failure, but the media reported losing ${BS + 64}`);
  });

  it("adds the workers' mismatching reads to the violations", async () => {
    const { sys } = await setup();
    const r = verifyBlocks({ system: sys, spaOf: (off) => off + sys.namespaces[0]!.dataStart, powerFailed: false, powerLostBytes: 0, reads: { checked: 10, mismatches: 1, evidence: ['block 7: ...'] } });
    expect(r).toMatchObject({ after: 'run', blocks_durable_ok: BLOCKS, reads_checked: 10, read_mismatches: 1, violations: 1, evidence: ['block 7: ...'] });
  });
});

describe('verification at the end of a run', () => {
  it('every block must hold its last write, acknowledged or not', async () => {
    const { sys, write, spa } = await setup();
    write(0, true);
    write(1, false);
    const spaOf = (off: number): number => off + sys.namespaces[0]!.dataStart;
    expect(verifyBlocks({ system: sys, spaOf, powerFailed: false, powerLostBytes: 0, reads: noReads })).toMatchObject({ blocks_durable_ok: BLOCKS, violations: 0 });
    sys.media.write(spa(1) + 4032, new Uint8Array(64).fill(1));
    const r = verifyBlocks({ system: sys, spaOf, powerFailed: false, powerLostBytes: 0, reads: noReads });
    expect(r).toMatchObject({ blocks_durable_ok: BLOCKS - 1, violations: 1 });
    expect(r.evidence[0]).toMatch(/^block 1 .*holds other bytes than its last write/);
  });
});
