/**
 * The reboot after a power failure (src/workload/reboot.ts): the kernel's volatile state is
 * rebuilt and the platform's is kept. A system with poison of three kinds — recorded by the
 * firmware (a long scrub found it), known to the kernel only (a machine check), and latent —
 * plus page flags and a user mapping; after the reboot only what the firmware recorded is
 * known, every page flag is clear, the mapping's entries are gone, and the media and its
 * hardware poison are untouched.
 */
import { it, expect, afterEach } from 'vitest';
import { buildSystem } from '../../src/workload/engine.js';
import { resolveJobFile } from '../../src/workload/spec.js';
import { rebootSystem } from '../../src/workload/reboot.js';
import { scrub } from '../../src/nvdimm/ars.js';
import { nfitHandleMceLocked } from '../../src/nvdimm/mce.js';
import { badblocksSectors } from '../../src/nvdimm/invariants.js';
import { PG_HWPOISON } from '../../src/core/layout.js';
import { createProcess, load, mmap } from '../../src/mm/index.js';
import { PTE_NONE } from '../../src/mm/region.js';
import { mappingWords } from '../../src/mm/process.js';
import type { System } from '../../src/nvdimm/system.js';

let system: System | undefined;
afterEach(() => {
  system?.detach();
  system = undefined;
});

it('empties badrange and badblocks, clears page flags, drops mappings, then the boot scrub brings back what the firmware recorded', async () => {
  const [job] = resolveJobFile({ global: { path: 'mmap', ops: 1, verify: true }, device: { size: '16MiB' }, jobs: [{}] });
  const { system: sys, mm } = await buildSystem(job!);
  system = sys;
  const ns = sys.namespaces[0]!;
  const bus = sys.bus;
  const at = (sector: number): number => ns.dataStart + sector * 512;
  // Sector 100: latent poison a long scrub finds (a firmware record). Sector 300: known
  // through a machine check only (badrange and bb, no firmware record). Sector 500: latent.
  sys.media.poison(at(100), 64);
  scrub(bus);
  sys.media.poison(at(300), 64);
  bus.state.lock(() => nfitHandleMceLocked(bus, at(300)));
  sys.media.poison(at(500), 64);
  const pfn = Math.floor(at(300) / 4096);
  sys.context.wasm.page_set_flags(pfn, PG_HWPOISON);
  sys.media.setMceNospec(pfn);
  // A process maps worker 0's file and faults its first page in.
  const proc = createProcess(mm!, 'app');
  const map = mmap(mm!, proc, mm!.fs!.open('data0'), 'pte');
  if (!('index' in map)) throw new Error('mmap failed');
  expect(load(mm!, map, 0, 8).ok).toBe(true);
  const pte = mm!.region.lock(() => mappingWords(mm!, map.index).pte);
  expect(mm!.region.pte[pte]).not.toBe(PTE_NONE);
  expect(badblocksSectors(ns.bb)).toEqual(new Set([100, 300]));
  const data = sys.media.read(ns.dataStart, 1 << 20);

  const r = rebootSystem(sys, mm);

  expect(r).toEqual({ records: 1, pagesFlagged: 1, mappingsDropped: 1 });
  expect(bus.badrange.entries()).toEqual(bus.firmware.entries());
  expect(bus.firmware.entries()).toEqual([{ start: at(100), length: 64 }]);
  expect(badblocksSectors(ns.bb)).toEqual(new Set([100]));
  expect(sys.context.wasm.page_flags(pfn)).toBe(0);
  expect(mm!.region.pte[pte]).toBe(PTE_NONE);
  // Kept: the bytes and the hardware poison of every line.
  expect(sys.media.read(ns.dataStart, 1 << 20)).toEqual(data);
  expect([100, 300, 500].map((s) => sys.media.isPoisoned(at(s), 64))).toEqual([true, true, true]);
  expect(ns.alive).toBe(true);
});
