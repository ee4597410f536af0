/**
 * xfsDaxNotifyFailure against the rules of reference §6.4 and cases M-1, M-3, M-4, M-5, M-8
 * of §9.11. Every expected value is worked out by hand from this filesystem (dev 0: 64 pages,
 * allocation groups of 16 pages; A, B, C are files 1, 2, 3; the small numbers are file pages):
 *
 *   AG    |0               |1               |2               |3               |
 *   page   0 2       10        20        30        40  44                    64
 *          [M]       [A 0..9  ][B 5..14  ]         [C 0..3]
 *
 * A crosses the AG 0 / AG 1 boundary at page 16 (the rmap does not split records by AG; the
 * walk clips the failed range to each AG instead, as the kernel's per-AG notify range does).
 */
import { describe, it, expect } from 'vitest';
import { OWNER_BMBT, OWNER_LOG } from '../../src/xfs/rmap-region.js';
import { reserveMetadata, type Rmap } from '../../src/xfs/rmap.js';
import { xfsDaxNotifyFailure, type XfsNotifyFailureInput } from '../../src/xfs/notify-failure.js';
import { makeRmap, rec } from './helpers.js';

const A = 1;
const B = 2;
const C = 3;
const P = 4096;

function fs(): Rmap {
  const { rmap } = makeRmap(32, [64, 48]);
  expect(reserveMetadata(rmap, 0, 2)).toBe(true);
  rmap.insert(rec(0, 10, 10, A, 0));
  rmap.insert(rec(0, 20, 10, B, 5));
  rmap.insert(rec(0, 40, 4, C, 0));
  return rmap;
}

/** A mounted rmapbt=1 filesystem on dev 0, every inode cached, failed bytes [offsetBytes, +lenBytes). */
function input(rmap: Rmap, o: Partial<XfsNotifyFailureInput>): XfsNotifyFailureInput {
  return { rmap, dev: 0, mounted: true, rmapbt: true, agPages: 16, inodeCached: () => true, ...o };
}

const nothing = { kills: [], invalidate: [], shutdown: null, freezeThaw: false, range: null, rmapLookups: 0, recordsVisited: 0, skippedUncached: 0 };

describe('xfs_dax_notify_failure: data (M-1)', () => {
  it('a range starting mid-record, crossing two records and an AG boundary: one query per AG, kills at the right file pages, merged per file', () => {
    // Failed pages 14..22.
    //   AG 0 walks 14-15: A [10,20) -> A pages 4..5
    //   AG 1 walks 16-22: A [10,20) -> A pages 6..9; B [20,30) -> B pages 5..7
    // A's two pieces touch in the file: one kill A 4..9.
    const rmap = fs();
    expect(xfsDaxNotifyFailure(input(rmap, { offsetBytes: 14 * P, lenBytes: 9 * P }))).toEqual({
      ret: 0, kills: [{ file: A, pgoff: 4, pgcnt: 6 }, { file: B, pgoff: 5, pgcnt: 3 }], invalidate: [], shutdown: null,
      freezeThaw: false, range: { startPage: 14, pages: 9 }, rmapLookups: 2, recordsVisited: 3, skippedUncached: 0,
    });
  });

  it('one page in the middle of a record: pgoff = record file offset + distance into the record', () => {
    // Page 25 is B's 6th page: B page 5 + 5 = 10.
    expect(xfsDaxNotifyFailure(input(fs(), { offsetBytes: 25 * P, lenBytes: P }))).toMatchObject({
      ret: 0, kills: [{ file: B, pgoff: 10, pgcnt: 1 }], rmapLookups: 1, recordsVisited: 1,
    });
  });

  it('free pages: no records, ret 0', () => {
    expect(xfsDaxNotifyFailure(input(fs(), { offsetBytes: 31 * P, lenBytes: 9 * P }))).toEqual({
      ...nothing, ret: 0, range: { startPage: 31, pages: 9 }, rmapLookups: 2,
    });
  });

  it('a file\'s ranges are sorted and joined when they touch in the file, kept apart when they do not', () => {
    const rmap = fs();
    // File 4: pages 4..7 at device 50-53, pages 0..3 at 56-59. File 5: pages 0..1 at 60-61, 10..11 at 62-63.
    rmap.insert(rec(0, 50, 4, 4, 4));
    rmap.insert(rec(0, 56, 4, 4, 0));
    rmap.insert(rec(0, 60, 2, 5, 0));
    rmap.insert(rec(0, 62, 2, 5, 10));
    expect(xfsDaxNotifyFailure(input(rmap, { offsetBytes: 50 * P, lenBytes: 14 * P })).kills).toEqual([
      { file: 4, pgoff: 0, pgcnt: 8 }, { file: 5, pgoff: 0, pgcnt: 2 }, { file: 5, pgoff: 10, pgcnt: 2 },
    ]);
  });
});

describe('xfs_dax_notify_failure: rounding and range checks', () => {
  it('a sub-page byte range covers every page it touches', () => {
    const rmap = fs();
    // Last byte of page 10 and first byte of page 11: A pages 0..1.
    expect(xfsDaxNotifyFailure(input(rmap, { offsetBytes: 10 * P + 4095, lenBytes: 2 }))).toMatchObject({
      ret: 0, kills: [{ file: A, pgoff: 0, pgcnt: 2 }], range: { startPage: 10, pages: 2 },
    });
    // One byte inside page 10: A page 0 only.
    expect(xfsDaxNotifyFailure(input(rmap, { offsetBytes: 10 * P + 100, lenBytes: 1 }))).toMatchObject({
      kills: [{ file: A, pgoff: 0, pgcnt: 1 }], range: { startPage: 10, pages: 1 },
    });
    // Page 19's last sector and 97 bytes of page 20 (513 bytes: BTOBB gives two daddrs): A page 9, B page 5.
    expect(xfsDaxNotifyFailure(input(rmap, { offsetBytes: 19 * P + 3584, lenBytes: 513 }))).toMatchObject({
      kills: [{ file: A, pgoff: 9, pgcnt: 1 }, { file: B, pgoff: 5, pgcnt: 1 }], range: { startPage: 19, pages: 2 },
    });
  });

  it('a range starting past the device -> ENXIO; one running past its end is clipped', () => {
    const rmap = fs();
    expect(xfsDaxNotifyFailure(input(rmap, { offsetBytes: 64 * P, lenBytes: 1 }))).toEqual({ ...nothing, ret: 'ENXIO' });
    expect(xfsDaxNotifyFailure(input(rmap, { offsetBytes: 64 * P - 1, lenBytes: 10 * P }))).toEqual({
      ...nothing, ret: 0, range: { startPage: 63, pages: 1 }, rmapLookups: 1,
    });
    expect(xfsDaxNotifyFailure(input(rmap, { offsetBytes: 40 * P, lenBytes: Infinity }))).toMatchObject({
      ret: 0, kills: [{ file: C, pgoff: 0, pgcnt: 4 }], range: { startPage: 40, pages: 24 }, rmapLookups: 2,
    });
    // A device smaller than the rmap's view of it (bdev_nr_bytes decides).
    expect(xfsDaxNotifyFailure(input(rmap, { devicePages: 32, offsetBytes: 40 * P, lenBytes: P })).ret).toBe('ENXIO');
  });

  it('not mounted (SB_BORN clear) -> EIO before anything else', () => {
    expect(xfsDaxNotifyFailure(input(fs(), { mounted: false, rmapbt: false, offsetBytes: 99 * P, lenBytes: 1 }))).toEqual({ ...nothing, ret: 'EIO' });
  });
});

describe('xfs_dax_notify_failure: metadata (M-3), rmapbt=0 (M-4), uncached inodes (M-5)', () => {
  it('M-3: a metadata page -> SHUTDOWN_CORRUPT_ONDISK and EFSCORRUPTED', () => {
    expect(xfsDaxNotifyFailure(input(fs(), { offsetBytes: P, lenBytes: P }))).toEqual({
      ...nothing, ret: 'EFSCORRUPTED', shutdown: 'SHUTDOWN_CORRUPT_ONDISK', range: { startPage: 1, pages: 1 }, rmapLookups: 1, recordsVisited: 1,
    });
  });

  it('M-3: metadata and data in one range -> the data kills stand, and the fs still shuts down', () => {
    // Pages 0..11: M [0,2) and A pages 0..1.
    expect(xfsDaxNotifyFailure(input(fs(), { offsetBytes: 0, lenBytes: 12 * P }))).toMatchObject({
      ret: 'EFSCORRUPTED', shutdown: 'SHUTDOWN_CORRUPT_ONDISK', kills: [{ file: A, pgoff: 0, pgcnt: 2 }], invalidate: [], recordsVisited: 2,
    });
  });

  it('M-3: an extent-map (bmbt) block or the internal log is metadata too', () => {
    const rmap = fs();
    rmap.insert(rec(0, 50, 2, OWNER_BMBT));
    rmap.insert(rec(0, 56, 8, OWNER_LOG));
    expect(xfsDaxNotifyFailure(input(rmap, { offsetBytes: 51 * P, lenBytes: 1 }))).toMatchObject({ ret: 'EFSCORRUPTED', shutdown: 'SHUTDOWN_CORRUPT_ONDISK' });
    expect(xfsDaxNotifyFailure(input(rmap, { offsetBytes: 60 * P, lenBytes: 1 }))).toMatchObject({ ret: 'EFSCORRUPTED', shutdown: 'SHUTDOWN_CORRUPT_ONDISK' });
  });

  it('M-4: rmapbt=0 -> EOPNOTSUPP (memory_failure falls back to the generic path), no lookup', () => {
    expect(xfsDaxNotifyFailure(input(fs(), { rmapbt: false, offsetBytes: 14 * P, lenBytes: P }))).toEqual({ ...nothing, ret: 'EOPNOTSUPP' });
  });

  it('M-5: the owner\'s inode is not cached -> skipped, ret 0, no kills', () => {
    expect(xfsDaxNotifyFailure(input(fs(), { inodeCached: (o) => o !== A, offsetBytes: 14 * P, lenBytes: 2 * P }))).toEqual({
      ...nothing, ret: 0, range: { startPage: 14, pages: 2 }, rmapLookups: 1, recordsVisited: 1, skippedUncached: 1,
    });
  });

  it('inodeCached runs without the rmap mutex held, so it may take the locks before it', () => {
    const rmap = fs();
    const held: boolean[] = [];
    const r = xfsDaxNotifyFailure(input(rmap, { offsetBytes: 14 * P, lenBytes: 9 * P, inodeCached: () => { held.push(rmap.held()); return rmap.records(0).length > 0; } }));
    expect(held).toEqual([false, false, false]);
    expect(r.kills).toHaveLength(2);
  });
});

describe('xfs_dax_notify_failure: MF_MEM_PRE_REMOVE (M-8) and the external log', () => {
  it('M-8: whole device under preRemove -> every cached file\'s ranges killed and invalidated, metadata ignored, FORCE_UMOUNT, ret 0', () => {
    // B's inode is not cached: skipped. Four AGs, one query each, visiting M and A (AG 0),
    // A again and B (AG 1), C (AG 2): five records.
    const want = {
      ret: 0, kills: [{ file: A, pgoff: 0, pgcnt: 10 }, { file: C, pgoff: 0, pgcnt: 4 }],
      invalidate: [{ file: A, pgoff: 0, pgcnt: 10 }, { file: C, pgoff: 0, pgcnt: 4 }],
      shutdown: 'SHUTDOWN_FORCE_UMOUNT', freezeThaw: true, range: { startPage: 0, pages: 64 }, rmapLookups: 4, recordsVisited: 5, skippedUncached: 1,
    };
    const rmap = fs();
    const cached = (o: number): boolean => o !== B;
    expect(xfsDaxNotifyFailure(input(rmap, { preRemove: true, wholeDevice: true, inodeCached: cached }))).toEqual(want);
    // offset 0 and len U64_MAX is the kernel's spelling of the whole device.
    expect(xfsDaxNotifyFailure(input(rmap, { preRemove: true, offsetBytes: 0, lenBytes: Infinity, inodeCached: cached }))).toEqual(want);
  });

  it('a short last allocation group is one more query', () => {
    // AGs of 20 pages over 64: 0-19, 20-39, 40-59, 60-63.
    expect(xfsDaxNotifyFailure(input(fs(), { wholeDevice: true, agPages: 20 }))).toMatchObject({ rmapLookups: 4, ret: 'EFSCORRUPTED' });
  });

  it('external log device: CORRUPT_ONDISK and EFSCORRUPTED (even with rmapbt=0); 0 under preRemove; ENXIO outside', () => {
    const rmap = fs();
    expect(xfsDaxNotifyFailure(input(rmap, { device: 'log', rmapbt: false, offsetBytes: 0, lenBytes: P }))).toEqual({ ...nothing, ret: 'EFSCORRUPTED', shutdown: 'SHUTDOWN_CORRUPT_ONDISK' });
    expect(xfsDaxNotifyFailure(input(rmap, { device: 'log', preRemove: true, wholeDevice: true }))).toEqual({ ...nothing, ret: 0 });
    expect(xfsDaxNotifyFailure(input(rmap, { device: 'log', offsetBytes: 64 * P, lenBytes: P }))).toEqual({ ...nothing, ret: 'ENXIO' });
  });
});

describe('xfs_dax_notify_failure: bad input throws TypeError/RangeError naming the field, value and range', () => {
  it('each field', () => {
    const rmap = fs();
    const before = rmap.records(0);
    const ok = { offsetBytes: 0, lenBytes: P };
    const bad: [Partial<XfsNotifyFailureInput>, ErrorConstructor, RegExp][] = [
      [{ rmap: {} as Rmap }, TypeError, /rmap must be an Rmap, got a Object/],
      [{ dev: 2 }, RangeError, /dev must be an integer device index in \[0, 1\] \(the rmap's device table has 2 devices\), got 2/],
      [{ dev: -1 }, RangeError, /dev must be an integer/],
      [{ devicePages: 65 }, RangeError, /devicePages must be an integer pages in \[1, 64\] \(the rmap's dev 0 has 64 pages\), got 65/],
      [{ mounted: 1 as never }, TypeError, /mounted must be a boolean, got 1/],
      [{ rmapbt: undefined as never }, TypeError, /rmapbt must be a boolean, got undefined/],
      [{ preRemove: 'yes' as never }, TypeError, /preRemove must be a boolean/],
      [{ device: 'rt' as never }, RangeError, /device must be 'data' or 'log', got "rt"/],
      [{ inodeCached: undefined as never }, TypeError, /inodeCached must be a function/],
      [{ agPages: 0 }, RangeError, /agPages must be an integer pages in \[1, 4294967295\], got 0/],
      [{ agPages: 2.5 }, RangeError, /agPages .* got 2\.5/],
      [{ offsetBytes: -1 }, RangeError, /offsetBytes must be an integer bytes in \[0, 9007199254740991\], got -1/],
      [{ offsetBytes: undefined }, TypeError, /offsetBytes must be an integer bytes/],
      [{ lenBytes: 0 }, RangeError, /lenBytes must be an integer bytes in \[1, 9007199254740991\] or Infinity \(U64_MAX\), got 0/],
      [{ lenBytes: NaN }, RangeError, /lenBytes .* got NaN/],
      [{ wholeDevice: true, offsetBytes: 5 }, RangeError, /wholeDevice means offsetBytes 0 and lenBytes Infinity/],
    ];
    for (const [o, type, msg] of bad) {
      expect(() => xfsDaxNotifyFailure(input(rmap, { ...ok, ...o })), JSON.stringify(o)).toThrow(type);
      expect(() => xfsDaxNotifyFailure(input(rmap, { ...ok, ...o }))).toThrow(msg);
    }
    expect(() => xfsDaxNotifyFailure(null as never)).toThrow(TypeError);
    expect(() => xfsDaxNotifyFailure(input(rmap, { offsetBytes: 10 * P, lenBytes: P, inodeCached: () => 1 as never }))).toThrow(/inodeCached must return a boolean, got 1 for owner 1/);
    expect(rmap.records(0)).toEqual(before);
    expect(rmap.held()).toBe(false);
  });
});
