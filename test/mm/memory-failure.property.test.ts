/**
 * Properties of the mm over random sequences (fixed seeds): poison, loads, stores, block
 * writes (which clear known poison), clears and injected failure events, on xfs and ext4,
 * under both policies.
 *
 *  1. No process ever reads a poisoned byte silently: a load of a line with hardware poison
 *     ends in a signal, never in data (§5.1, §6.1).
 *  2. Every process that mapped a failed page when a failure event hit it, and was collected
 *     (early kill, or the consumer), is unmapped there afterwards or was signalled (§6.2).
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createMmSystem } from '../../src/mm/system.js';
import { createProcess, mmap, type Mapping } from '../../src/mm/process.js';
import { load, store } from '../../src/mm/access.js';
import { memoryFailureEvent } from '../../src/mm/events.js';
import { readSignals } from '../../src/mm/signals.js';
import { pmemWrite } from '../../src/pmem/block.js';
import { nvdimmClearPoison } from '../../src/nvdimm/clear.js';

const PAGES = 32;
type Op =
  | { k: 'poison'; page: number; line: number }
  | { k: 'load'; who: number; page: number; line: number }
  | { k: 'store'; who: number; page: number; line: number }
  | { k: 'write'; page: number }
  | { k: 'clear'; page: number }
  | { k: 'fail'; page: number; pages: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('poison' as const), page: fc.nat(PAGES - 1), line: fc.nat(63) }),
  fc.record({ k: fc.constant('load' as const), who: fc.nat(1), page: fc.nat(PAGES - 1), line: fc.nat(63) }),
  fc.record({ k: fc.constant('store' as const), who: fc.nat(1), page: fc.nat(PAGES - 1), line: fc.nat(63) }),
  fc.record({ k: fc.constant('write' as const), page: fc.nat(PAGES - 1) }),
  fc.record({ k: fc.constant('clear' as const), page: fc.nat(PAGES - 1) }),
  fc.record({ k: fc.constant('fail' as const), page: fc.nat(PAGES - 4), pages: fc.integer({ min: 1, max: 4 }) }),
);

describe('mm properties', () => {
  for (const type of ['xfs', 'ext4'] as const) {
    for (const policy of ['per-page', 'range'] as const) {
      it(`${type}, ${policy}: no silent poisoned read; every collected mapper of a failed page is unmapped or signalled`, async () => {
        const { system, fs, mm } = await createMmSystem(
          { namespaces: [{ name: 'pmem0', size: 64 * 1024 * 1024, mode: 'fsdax' }], model: { time: 'virtual' }, maxThreads: 2 },
          { fs: { type } },
        );
        try {
          const ns = system.namespaces[0]!;
          const file = fs.createFile({ ns, name: 'f', pgoff: 512, pages: PAGES });
          if ('errno' in file) throw new Error(file.errno);
          mm.memoryFailurePolicy = policy;
          const procs = [createProcess(mm, 'A', { mceKill: 'early' }), createProcess(mm, 'B')];
          const maps = procs.map((p, i) => mmap(mm, p, file, i === 0 ? 'pmd' : 'pte')) as Mapping[];
          await fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
            for (const o of ops) {
              if (o.k === 'poison') system.media.poison(ns.spa((512 + o.page) * 4096 + o.line * 64), 64);
              else if (o.k === 'write') pmemWrite(ns, (512 + o.page) * 8, new Uint8Array(4096));
              else if (o.k === 'clear') nvdimmClearPoison(system.bus, ns.spa((512 + o.page) * 4096), 4096);
              else if (o.k === 'store') store(mm, maps[o.who]!, o.page * 4096 + o.line * 64, new Uint8Array(8).fill(1));
              else if (o.k === 'load') {
                const spa = ns.spa((512 + o.page) * 4096 + o.line * 64);
                const poisoned = system.media.isPoisoned(spa, 8);
                const r = load(mm, maps[o.who]!, o.page * 4096 + o.line * 64);
                if (poisoned) expect('errno' in r || !r.ok, `load of poisoned line (page ${o.page} line ${o.line})`).toBe(true);
                if (!('errno' in r) && r.ok) expect(system.media.isPoisoned(spa, 8)).toBe(false);
              } else {
                // Who mapped the failed pages before the event (A is early kill: always collected).
                const a = maps[0]!;
                const mappedBefore: number[] = [];
                for (let k = o.page; k < o.page + o.pages; k++) if (mm.region.pte[a.pte + k]! >= 12) mappedBefore.push(k);
                const sigBefore = readSignals(mm.region, procs[0]!.index).total;
                memoryFailureEvent(mm, ns, (512 + o.page) * 4096, o.pages * 4096);
                const signalled = readSignals(mm.region, procs[0]!.index).total > sigBefore;
                for (const k of mappedBefore) {
                  expect(mm.region.pte[a.pte + k]! < 12 || signalled, `A mapped page ${k} and is neither unmapped nor signalled`).toBe(true);
                }
              }
            }
          }), { seed: 0x5eed + (type === 'xfs' ? 1 : 0) + (policy === 'range' ? 2 : 0), numRuns: 60 });
        } finally {
          system.detach();
        }
      }, 120_000);
    }
  }
});
