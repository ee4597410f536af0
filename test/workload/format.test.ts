/** The terminal rendering of a RunResult: one block per job, a total line, the model, incompleteness. */
import { describe, it, expect } from 'vitest';
import { formatRun } from '../../src/workload/format.js';
import { mergeJob } from '../../src/workload/metrics.js';
import { encodeHistogram, newHistogram } from '../../src/workload/latency.js';
import { modelParameters } from '../../src/workload/metrics.js';
import { resolveJobFile } from '../../src/workload/spec.js';
import { COUNTER_NAMES, type CounterName } from '../../src/nvdimm/state.js';
import type { WorkerResult } from '../../src/workload/protocol.js';

const zero = (): Record<CounterName, number> => Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as Record<CounterName, number>;

function result(errors: Record<string, number>, good: number): WorkerResult {
  const h = encodeHistogram(newHistogram());
  return {
    worker: 0, read: { ios: 10, ioBytes: 40960, goodBytes: good, errors }, write: { ios: 0, ioBytes: 0, goodBytes: 0, errors: {} },
    readHist: h, writeHist: h, signals: 0, bytesRecovered: 0, bytesNotReturned: 40960 - good, injectedLines: 0, scrubs: 0,
    byDeadline: false, loopNs: 1e9, cpu: { user_ms: 10, system_ms: 0 },
  };
}

describe('formatRun', () => {
  const jobs = resolveJobFile({ global: { ops: 10 }, jobs: [{ name: 'a' }, { name: 'b', path: 'block' }] });
  const counters = { before: zero(), after: zero(), injectedMain: 0, powerLostBytes: 0, memoryFailureCalls: 0, wallMs: 1, stoppedBy: 'ops', startupMs: 12 };
  const a = mergeJob(jobs[0]!, [result({ EIO: 1 }, 36864)], counters, true);
  const b = mergeJob(jobs[1]!, [result({ EIO: 2 }, 32768)], counters, true);

  it('prints each job, a total over the jobs and the model parameters', () => {
    const text = formatRun({ jobs: [a, b], model: modelParameters(jobs), complete: true });
    expect(text).toMatch(/^job a: dax randread bs=4KiB numjobs=1 mode=failfast on_error=give-up; 1\.00 s, stopped by ops; deterministic/);
    expect(text).toMatch(/^job b: block randread/m);
    expect(text).toContain('untimed start-up 12 ms');
    expect(text).toContain('total (2 jobs): 20 ops, 69,632 good bytes of 81,920, errors EIO=3; 0 clears (modelled 0.00 ms), 0 bytes recovered, 12,288 bytes lost');
    expect(text).toMatch(/^model: clear_latency = 10000 ns \(assumed\), ars_time = 100 ms \(assumed\)\n$/m);
  });

  it('says when a run is incomplete', () => {
    expect(formatRun({ jobs: [a], model: [], complete: false, error: 'job "a": worker 0 failed: x' })).toMatch(/INCOMPLETE: job "a": worker 0 failed: x; figures are partial\n$/);
  });

  const integrity = {
    after: 'power_fail' as const, blocks_verified: 4096, blocks_durable_ok: 4000, blocks_lost: 90, bytes_lost: 368640, poisoned_blocks: 5,
    torn_blocks: 1, reads_checked: 7000, read_mismatches: 0, violations: 0, evidence: [],
  };

  it('prints the integrity verification of a verifying job', () => {
    expect(formatRun({ jobs: [{ ...a, integrity }], model: [], complete: true })).toContain(
      '  integrity (after the power failure and reboot): 4,096 blocks verified, 4,000 intact, 90 unacknowledged lost 368,640 bytes, 5 poisoned, 1 torn; 7,000 reads checked, 0 mismatched; no violations\n');
  });

  it('a run with an integrity violation says FAILED and lists the evidence under the job', () => {
    const bad = { ...integrity, violations: 1, evidence: ['block 7 (target bytes 28672..32768): acknowledged durable ...'] };
    const text = formatRun({ jobs: [{ ...a, integrity: bad }], model: [], complete: false, error: 'job "a": integrity: 1 violation(s); first: block 7' });
    expect(text).toContain('; 1 VIOLATION(S)\n    block 7 (target bytes 28672..32768): acknowledged durable ...\n');
    expect(text).toMatch(/\nFAILED: job "a": integrity: 1 violation\(s\); first: block 7\n$/);
  });
});
