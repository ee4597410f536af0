/**
 * src/nvdimm/config.ts: which badblocks structure a namespace gets. `table` is the kernel's
 * own table, so the kernel profile decides its algorithm: the rewrite landed in 6.7
 * (reference §1.9, §10 "a simulator should expose ... 6.5-6.6 (old badblocks ...)"), hence
 * 5.18, 5.19 and 6.5 run the pre-6.7 table.
 */
import { describe, expect, it } from 'vitest';
import { resolveNamespaces } from '../../src/nvdimm/config.js';
import { createSystem } from '../../src/nvdimm/system.js';
import type { KernelVersion } from '../../src/kernel/profiles.js';
import type { BadblocksKind } from '../../src/badblocks/kinds.js';

const kindOf = (kernel: KernelVersion, badblocks?: BadblocksKind): BadblocksKind =>
  resolveNamespaces([{ size: '2MiB', kernel, ...(badblocks === undefined ? {} : { badblocks }) }])[0]!.badblocks;

describe('badblocks kind by kernel profile', () => {
  it('table (asked or by default) is table-legacy before 6.7 and the 6.15 table after', () => {
    for (const kernel of ['5.18', '5.19', '6.5'] as const) {
      expect(kindOf(kernel)).toBe('table-legacy');
      expect(kindOf(kernel, 'table')).toBe('table-legacy');
    }
    expect(kindOf('6.15')).toBe('table');
    expect(kindOf('6.15', 'table')).toBe('table');
  });

  it('table-legacy may be asked for on any profile; the other structures are never changed', () => {
    expect(kindOf('6.15', 'table-legacy')).toBe('table-legacy');
    for (const kernel of ['5.18', '6.15'] as const) {
      for (const kind of ['itree', 'btree', 'bitmap'] as const) expect(kindOf(kernel, kind)).toBe(kind);
    }
  });

  it('the legacy table has the table\'s capacity rules (512 slots by default)', () => {
    const [nc] = resolveNamespaces([{ size: '2MiB', kernel: '5.18' }]);
    expect(nc!.badblocksMaxEntries).toBe(512);
    expect(() => resolveNamespaces([{ size: '2MiB', badblocks: 'list' as BadblocksKind }]))
      .toThrow(/namespaces\[0\]\.badblocks must be one of table, table-legacy, itree, btree, bitmap, got "list"/);
  });

  it('a 5.18 namespace\'s badblocks behave as the old table (L-1: an unacked set downgrades)', async () => {
    const sys = await createSystem({ namespaces: [{ size: '2MiB', kernel: '5.18' }] });
    const bb = sys.namespaces[0]!.bb;
    expect(bb.kind).toBe('table-legacy');
    bb.set(100, 16, true);
    bb.set(104, 4, false);
    expect(bb.entries()).toEqual([[100, 16, false]]);
    sys.detach();
  });
});
