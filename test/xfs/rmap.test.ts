/**
 * The reverse map's operations, case by case (the numbered cases of src/xfs/rmap.ts). In the
 * pictures E are existing records, S the inserted or removed range; each column is a device
 * page; a letter names the owner (A = file 1, B = file 2, M = OWNER_META) and the small
 * number under it is the file page. Expected values are written out by hand.
 */
import { describe, it, expect } from 'vitest';
import { OWNER_BMBT, OWNER_LOG, OWNER_META, REGION_KIND_RMAP, findRmapRegion, formatRmap, rmapRegion } from '../../src/xfs/rmap-region.js';
import { Rmap, reserveMetadata } from '../../src/xfs/rmap.js';
import { createShared } from '../../src/core/shared.js';
import { makeRmap, rec } from './helpers.js';

const A = 1;
const B = 2;
const C = 3;

describe('rmap insert', () => {
  it('case 1: no neighbour it continues -> a record of its own (gap, other owner, file offset that does not continue)', () => {
    //   10  14      20  24            E1 A0..3 at 10-13; S1 A10..13 at 20-23 (a gap)
    //   [E1 ]   ... [S1 ]
    const { rmap } = makeRmap(16);
    expect(rmap.insert(rec(0, 10, 4, A, 0))).toBe(true);
    expect(rmap.insert(rec(0, 20, 4, A, 10))).toBe(true);
    // touching 10-13 but owner B: no merge
    expect(rmap.insert(rec(0, 14, 2, B, 0))).toBe(true);
    // touching B's 14-15, owner B, but file page 7 does not continue B's 0..1
    expect(rmap.insert(rec(0, 16, 2, B, 7))).toBe(true);
    expect(rmap.records(0)).toEqual([rec(0, 10, 4, A, 0), rec(0, 14, 2, B, 0), rec(0, 16, 2, B, 7), rec(0, 20, 4, A, 10)]);
    expect(rmap.count).toBe(4);
    expect(rmap.check()).toEqual([]);
  });

  it('case 2: E continues into S -> E grows', () => {
    //   10      14  16
    //   [E  A0-3][S A4-5]   ->   [ A0-5      ]
    const { rmap } = makeRmap(16);
    rmap.insert(rec(0, 10, 4, A, 0));
    expect(rmap.insert(rec(0, 14, 2, A, 4))).toBe(true);
    expect(rmap.records(0)).toEqual([rec(0, 10, 6, A, 0)]);
  });

  it('case 3: S continues into E -> E starts earlier and takes S\'s file offset', () => {
    //   10      14  16
    //   [S A0-3][E A4-5]    ->   [ A0-5      ]
    const { rmap } = makeRmap(16);
    rmap.insert(rec(0, 14, 2, A, 4));
    expect(rmap.insert(rec(0, 10, 4, A, 0))).toBe(true);
    expect(rmap.records(0)).toEqual([rec(0, 10, 6, A, 0)]);
  });

  it('case 4: S joins E1 and E2 -> one record, one slot fewer', () => {
    //   10  12  14  16
    //   [E1][S ][E2]         ->   [ A0-5      ]
    //   A0-1 A2-3 A4-5
    const { rmap } = makeRmap(16);
    rmap.insert(rec(0, 10, 2, A, 0));
    rmap.insert(rec(0, 14, 2, A, 4));
    expect(rmap.count).toBe(2);
    expect(rmap.insert(rec(0, 12, 2, A, 2))).toBe(true);
    expect(rmap.records(0)).toEqual([rec(0, 10, 6, A, 0)]);
    expect(rmap.count).toBe(1);
  });

  it('metadata merges on the device alone (it has no file offset); devices never merge with each other', () => {
    const { rmap } = makeRmap(16);
    rmap.insert(rec(0, 0, 4, OWNER_META));
    rmap.insert(rec(0, 4, 4, OWNER_META));
    rmap.insert(rec(0, 8, 2, OWNER_LOG)); // another non-inode owner: separate
    // dev 1 first page after dev 0's last: a different device, inserted out of order
    rmap.insert(rec(1, 0, 4, A, 4));
    rmap.insert(rec(0, 60, 4, A, 0));
    expect(rmap.records(0)).toEqual([rec(0, 0, 8, OWNER_META), rec(0, 8, 2, OWNER_LOG), rec(0, 60, 4, A, 0)]);
    expect(rmap.records(1)).toEqual([rec(1, 0, 4, A, 4)]);
    expect(rmap.check()).toEqual([]);
  });

  it('an overlapping insert throws RangeError naming the record it hits and changes nothing', () => {
    //   10      14
    //   [E  A0-3]
    //        [S ]   pages 12-15
    const { rmap } = makeRmap(16);
    rmap.insert(rec(0, 10, 4, A, 0));
    expect(() => rmap.insert(rec(0, 12, 4, B, 0))).toThrow(RangeError);
    expect(() => rmap.insert(rec(0, 12, 4, B, 0))).toThrow(/pages \[12, 16\) of dev 0 overlap the record .*"startPage":10/);
    expect(() => rmap.insert(rec(0, 8, 10, A, 0))).toThrow(RangeError); // S covers E
    expect(() => rmap.insert(rec(0, 11, 1, A, 1))).toThrow(RangeError); // S inside E
    expect(rmap.records(0)).toEqual([rec(0, 10, 4, A, 0)]);
  });
});

describe('rmap remove', () => {
  it('case 1: S covers E -> E is gone; removing nothing is fine', () => {
    //   10  14          ->   (empty)
    //   [E ]
    //  [===S===]  8-17
    const { rmap } = makeRmap(16);
    rmap.insert(rec(0, 10, 4, A, 0));
    expect(rmap.remove(0, 30, 4)).toBe(true); // nothing there
    expect(rmap.records(0)).toEqual([rec(0, 10, 4, A, 0)]);
    expect(rmap.remove(0, 8, 10)).toBe(true);
    expect(rmap.records(0)).toEqual([]);
    expect(rmap.count).toBe(0);
  });

  it('case 2: S cuts E\'s head (the rest keeps its file offset, moved on) or its tail', () => {
    //   10          20
    //   [E  A0..A9   ]
    //   [S ]              remove 10-12  ->  [13-19: A3..A9]
    //              [S ]   remove 17-19  ->  [13-16: A3..A6]
    const { rmap } = makeRmap(16);
    rmap.insert(rec(0, 10, 10, A, 0));
    expect(rmap.remove(0, 10, 3)).toBe(true);
    expect(rmap.records(0)).toEqual([rec(0, 13, 7, A, 3)]);
    expect(rmap.remove(0, 17, 3)).toBe(true);
    expect(rmap.records(0)).toEqual([rec(0, 13, 4, A, 3)]);
  });

  it('case 3: S inside E -> E splits in two, one slot more', () => {
    //   10          20
    //   [E  A0..A9   ]
    //      [S]            remove 13-14  ->  [10-12: A0..A2] [15-19: A5..A9]
    const { rmap } = makeRmap(16);
    rmap.insert(rec(0, 10, 10, A, 0));
    expect(rmap.remove(0, 13, 2)).toBe(true);
    expect(rmap.records(0)).toEqual([rec(0, 10, 3, A, 0), rec(0, 15, 5, A, 5)]);
    expect(rmap.check()).toEqual([]);
  });

  it('case 4: S spans several records -> head of the first and tail of the last survive', () => {
    //   10  14  18  22
    //   [E1][E2][E3]        E1 A0-3, E2 B0-3, E3 A8-11
    //     [=====S===]       remove 12-19 -> [10-11: A0-1] [20-21: A10-11]
    const { rmap } = makeRmap(16);
    rmap.insert(rec(0, 10, 4, A, 0));
    rmap.insert(rec(0, 14, 4, B, 0));
    rmap.insert(rec(0, 18, 4, A, 8));
    expect(rmap.remove(0, 12, 8)).toBe(true);
    expect(rmap.records(0)).toEqual([rec(0, 10, 2, A, 0), rec(0, 20, 2, A, 10)]);
  });

  it('splitting a metadata record keeps file offset 0 on both sides; other devices are untouched', () => {
    const { rmap } = makeRmap(16);
    rmap.insert(rec(0, 0, 8, OWNER_META));
    rmap.insert(rec(1, 0, 8, OWNER_META));
    rmap.remove(0, 2, 2);
    expect(rmap.records(0)).toEqual([rec(0, 0, 2, OWNER_META), rec(0, 4, 4, OWNER_META)]);
    expect(rmap.records(1)).toEqual([rec(1, 0, 8, OWNER_META)]);
  });
});

describe('rmap query, records, clear', () => {
  //   10  14  18  20  24
  //   [A ][B ]    [C ]     dev 0;  dev 1: [A] at 12-15
  function three(): Rmap {
    const { rmap } = makeRmap(16);
    rmap.insert(rec(0, 10, 4, A, 0));
    rmap.insert(rec(0, 14, 4, B, 0));
    rmap.insert(rec(0, 20, 4, C, 0));
    rmap.insert(rec(1, 12, 4, A, 4));
    return rmap;
  }

  it('visits every record overlapping the range, in order, and returns the count', () => {
    const rmap = three();
    const seen: number[] = [];
    expect(rmap.query(0, 12, 3, (r) => { seen.push(r.owner); })).toBe(2); // 12-14: A and B
    expect(seen).toEqual([A, B]);
    expect(rmap.query(0, 18, 2, () => undefined)).toBe(0); // the gap 18-19
    expect(rmap.query(0, 17, 4, () => undefined)).toBe(2); // 17-20: B and C
    expect(rmap.query(0, 13, 1, () => undefined)).toBe(1); // A's last page
    expect(rmap.query(0, 24, 40, () => undefined)).toBe(0); // past C
    expect(rmap.query(0, 0, 64, () => undefined)).toBe(3); // dev 1's record is not dev 0's
  });

  it('a visitor returning false stops the walk (counted)', () => {
    const rmap = three();
    expect(rmap.query(0, 0, 64, (r) => r.owner !== B)).toBe(2);
  });

  it('clear(dev) removes that device\'s records only and returns how many', () => {
    const rmap = three();
    expect(rmap.clear(0)).toBe(3);
    expect(rmap.records(0)).toEqual([]);
    expect(rmap.records(1)).toEqual([rec(1, 12, 4, A, 4)]);
    expect(rmap.clear(0)).toBe(0);
  });
});

describe('capacity', () => {
  it('an insert that needs a slot when all are used returns false and changes nothing; merging inserts still fit', () => {
    const { rmap } = makeRmap(3);
    expect(rmap.insert(rec(0, 0, 2, A, 0))).toBe(true);
    expect(rmap.insert(rec(0, 10, 2, B, 0))).toBe(true);
    expect(rmap.insert(rec(0, 20, 2, C, 0))).toBe(true);
    const before = rmap.records(0);
    expect(rmap.insert(rec(0, 30, 2, A, 30))).toBe(false);
    expect(rmap.insert(rec(1, 0, 2, A, 30))).toBe(false);
    expect(rmap.records(0)).toEqual(before);
    expect(rmap.records(1)).toEqual([]);
    expect(rmap.count).toBe(3);
    expect(rmap.insert(rec(0, 2, 2, A, 2))).toBe(true); // case 2: no new slot
    expect(rmap.records(0)[0]).toEqual(rec(0, 0, 4, A, 0));
  });

  it('a remove that would split one record in two on a full map returns false and changes nothing', () => {
    const { rmap } = makeRmap(2);
    rmap.insert(rec(0, 0, 10, A, 0));
    rmap.insert(rec(0, 20, 10, B, 0));
    expect(rmap.remove(0, 4, 2)).toBe(false);
    expect(rmap.records(0)).toEqual([rec(0, 0, 10, A, 0), rec(0, 20, 10, B, 0)]);
    expect(rmap.remove(0, 8, 14)).toBe(true); // head and tail of two records: no new slot
    expect(rmap.records(0)).toEqual([rec(0, 0, 8, A, 0), rec(0, 22, 8, B, 2)]);
  });
});

describe('locking', () => {
  it('...Locked methods assert the mutex is held; lock() is not recursive', () => {
    const { rmap } = makeRmap(8);
    expect(() => rmap.insertLocked(rec(0, 0, 1, A, 0))).toThrow(/Rmap.insertLocked: the rmap mutex must be held/);
    expect(() => rmap.removeLocked(0, 0, 1)).toThrow(/must be held/);
    expect(() => rmap.queryLocked(0, 0, 1, () => undefined)).toThrow(/must be held/);
    expect(() => rmap.recordsLocked(0)).toThrow(/must be held/);
    expect(() => rmap.clearLocked(0)).toThrow(/must be held/);
    expect(rmap.held()).toBe(false);
    rmap.lock(() => {
      expect(rmap.held()).toBe(true);
      expect(rmap.insertLocked(rec(0, 0, 1, A, 0))).toBe(true);
      expect(rmap.recordsLocked(0)).toEqual([rec(0, 0, 1, A, 0)]);
      expect(() => rmap.records(0)).toThrow(/not recursive/);
    });
    expect(rmap.held()).toBe(false);
    expect(() => rmap.lock(() => { throw new Error('boom'); })).toThrow('boom');
    expect(rmap.held()).toBe(false); // released however fn ended
  });

  it('a query visitor that changes the map is caught', () => {
    const { rmap } = makeRmap(8);
    rmap.insert(rec(0, 0, 4, A, 0));
    expect(() => rmap.query(0, 0, 4, () => { rmap.removeLocked(0, 0, 1); })).toThrow(/visitor changed the map/);
    expect(rmap.held()).toBe(false);
  });
});

describe('reserveMetadata', () => {
  it('makes the first metaPages pages of a device one OWNER_META record', () => {
    const { rmap } = makeRmap(8);
    expect(reserveMetadata(rmap, 1, 0)).toBe(true);
    expect(rmap.records(1)).toEqual([]);
    expect(reserveMetadata(rmap, 1, 3)).toBe(true);
    expect(rmap.insert(rec(1, 3, 2, A, 0))).toBe(true);
    expect(rmap.records(1)).toEqual([rec(1, 0, 3, OWNER_META), rec(1, 3, 2, A, 0)]);
    expect(() => reserveMetadata(rmap, 1, 4)).toThrow(/overlap/);
    expect(() => reserveMetadata(rmap, 1, 49)).toThrow(/metaPages must be an integer pages in \[0, 48\]/);
    expect(() => reserveMetadata(rmap, 2, 1)).toThrow(RangeError);
    expect(() => reserveMetadata({} as Rmap, 0, 1)).toThrow(TypeError);
  });
});

describe('bad input: TypeError/RangeError naming the field, value and range; nothing changes', () => {
  it('insert', () => {
    const { rmap } = makeRmap(8);
    rmap.insert(rec(0, 10, 4, A, 0));
    const before = rmap.records(0);
    const bad: [unknown, RegExp, ErrorConstructor][] = [
      [null, /rec must be \{ dev, startPage, pages, owner, fileOffsetPages \}, got null/, TypeError],
      [rec(-1, 0, 1, A), /rec\.dev must be an integer device index in \[0, 1\].* got -1/, RangeError],
      [rec(2, 0, 1, A), /rec\.dev must be an integer device index in \[0, 1\] \(the rmap's device table has 2 devices\), got 2/, RangeError],
      [rec(0, 64, 1, A), /rec\.startPage must be an integer device page in \[0, 63\] \(dev 0 has 64 pages\), got 64/, RangeError],
      [rec(0, 0, 0, A), /rec\.pages must be an integer page count in \[1, 64\].*got 0/, RangeError],
      [rec(0, 0, 1.5, A), /rec\.pages .* got 1\.5/, RangeError],
      [rec(0, 60, 5, A), /rec\.pages must be an integer page count in \[1, 4\]/, RangeError],
      [{ ...rec(0, 0, 1, A), startPage: '3' }, /rec\.startPage must be .* got "3"/, TypeError],
      [rec(0, 0, 1, 0x80000000), /rec\.owner must be a file index in \[0, 2147483647\] or one of the OWNER_\* constants .* got 2147483648/, RangeError],
      [rec(0, 0, 1, -1), /rec\.owner must be an integer owner in \[0, 4294967295\]/, RangeError],
      [rec(0, 0, 1, OWNER_META, 3), /rec\.fileOffsetPages must be an integer file page in \[0, 0\] \(a non-inode owner has no file offset\), got 3/, RangeError],
      [rec(0, 0, 4, A, 0xfffffffd), /rec\.fileOffsetPages must be an integer file page in \[0, 4294967291\]/, RangeError],
    ];
    for (const [r, msg, type] of bad) {
      expect(() => rmap.insert(r as never), JSON.stringify(r)).toThrow(type);
      expect(() => rmap.insert(r as never)).toThrow(msg);
    }
    expect(rmap.records(0)).toEqual(before);
    expect(rmap.insert(rec(0, 0, 1, OWNER_BMBT))).toBe(true); // every OWNER_* is accepted
  });

  it('remove, query, records, clear, devicePages', () => {
    const { rmap } = makeRmap(8);
    rmap.insert(rec(1, 10, 4, A, 0));
    expect(() => rmap.remove(1, 10, -1)).toThrow(/pages must be an integer page count in \[1, 38\].* got -1/);
    expect(() => rmap.remove(1, 48, 1)).toThrow(/startPage must be an integer device page in \[0, 47\] \(dev 1 has 48 pages\), got 48/);
    expect(() => rmap.remove(3, 0, 1)).toThrow(/dev must be an integer device index in \[0, 1\]/);
    expect(() => rmap.query(1, 0, 1, 'x' as never)).toThrow(TypeError);
    expect(() => rmap.query(1, 0, 0, () => undefined)).toThrow(RangeError);
    expect(() => rmap.records(1.5)).toThrow(/dev must be an integer device index in \[0, 1\].* got 1\.5/);
    expect(() => rmap.clear(-1)).toThrow(RangeError);
    expect(() => rmap.devicePages(2)).toThrow(RangeError);
    expect(rmap.devicePages(1)).toBe(48);
    expect(rmap.records(1)).toEqual([rec(1, 10, 4, A, 0)]);
  });

  it('rmapRegion, formatRmap, the constructor', () => {
    expect(() => rmapRegion(0)).toThrow(/capacityRecords must be an integer records in \[1, 16777216\], got 0/);
    expect(() => rmapRegion(1.5)).toThrow(RangeError);
    expect(rmapRegion(10)).toEqual({ kind: REGION_KIND_RMAP, bytes: 512 + 200, param: 10 });
    const ctx = createShared({ mediaBytes: 0, maxThreads: 2, ioBufferBytes: 4096, regions: [rmapRegion(4), { kind: 7, bytes: 4096 }] });
    const region = findRmapRegion(ctx.layout.regions);
    expect(() => new Rmap(ctx, region)).toThrow(/holds no reverse map; call formatRmap\(\)/);
    expect(() => formatRmap(ctx, region, { devicePages: [] })).toThrow(/devicePages must list 1\.\.64 device sizes in pages/);
    expect(() => formatRmap(ctx, region, { devicePages: [8, 0] })).toThrow(/devicePages\[1\] must be an integer pages in \[1, 4294967295\], got 0/);
    expect(() => formatRmap(ctx, ctx.layout.regions[1]!, { devicePages: [8] })).toThrow(/region\.kind must be REGION_KIND_RMAP/);
    expect(() => new Rmap(ctx, region)).toThrow(Error); // the failed formats wrote nothing
    formatRmap(ctx, region, { devicePages: [8] });
    const rmap = new Rmap(ctx, region);
    expect([rmap.capacity, rmap.devices, rmap.devicePages(0)]).toEqual([4, 1, 8]);
    expect(() => findRmapRegion([])).toThrow(/no rmap region/);
  });
});
