/**
 * dm-stripe's stripe_map_sector (reference §6.5) and a striped DmDevice's sector mapping.
 * Every expected value is worked out by hand from the formula:
 *   c = floor(x / chunk), o = x % chunk, stripe = c % n, sector = floor(c / n) * chunk + o
 * (+ the member's start).
 */
import { describe, it, expect } from 'vitest';
import { stripeMapSector, stripeUnmapSector } from '../../src/dm/stripe.js';
import { createDm } from '../../src/dm/device.js';
import { NS_SECTORS, named, threeNamespaces } from './helpers.js';

describe('stripe_map_sector (§6.5)', () => {
  it('§6.5 chunk 8 over 2 members', () => {
    // x 0:   c 0, o 0 -> stripe 0 % 2 = 0, sector 0*8 + 0 = 0
    expect(stripeMapSector(0, 8, 2)).toEqual({ stripe: 0, sector: 0 });
    // x 8:   c 1, o 0 -> stripe 1, sector floor(1/2)*8 + 0 = 0
    expect(stripeMapSector(8, 8, 2)).toEqual({ stripe: 1, sector: 0 });
    // x 13:  c 1, o 5 -> stripe 1, sector 0*8 + 5 = 5
    expect(stripeMapSector(13, 8, 2)).toEqual({ stripe: 1, sector: 5 });
    // x 16:  c 2, o 0 -> stripe 0, sector 1*8 + 0 = 8
    expect(stripeMapSector(16, 8, 2)).toEqual({ stripe: 0, sector: 8 });
    // x 37:  c 4, o 5 -> stripe 0, sector 2*8 + 5 = 21
    expect(stripeMapSector(37, 8, 2)).toEqual({ stripe: 0, sector: 21 });
    // x 100: c 12, o 4 -> stripe 0, sector 6*8 + 4 = 52
    expect(stripeMapSector(100, 8, 2)).toEqual({ stripe: 0, sector: 52 });
    // x 127: c 15, o 7 -> stripe 1, sector 7*8 + 7 = 63
    expect(stripeMapSector(127, 8, 2)).toEqual({ stripe: 1, sector: 63 });
  });

  it('§6.5 chunk 16 over 3 members', () => {
    // x 50:   c 3, o 2 -> stripe 3 % 3 = 0, sector 1*16 + 2 = 18
    expect(stripeMapSector(50, 16, 3)).toEqual({ stripe: 0, sector: 18 });
    // x 100:  c 6, o 4 -> stripe 0, sector 2*16 + 4 = 36
    expect(stripeMapSector(100, 16, 3)).toEqual({ stripe: 0, sector: 36 });
    // x 130:  c 8, o 2 -> stripe 2, sector 2*16 + 2 = 34
    expect(stripeMapSector(130, 16, 3)).toEqual({ stripe: 2, sector: 34 });
    // x 1000: c 62, o 8 -> stripe 62 % 3 = 2, sector 20*16 + 8 = 328
    expect(stripeMapSector(1000, 16, 3)).toEqual({ stripe: 2, sector: 328 });
    // x 20:   c 1, o 4 -> stripe 1, sector 0*16 + 4 = 4
    expect(stripeMapSector(20, 16, 3)).toEqual({ stripe: 1, sector: 4 });
  });

  it('§6.5 chunk 8 over 3 and chunk 16 over 2', () => {
    // chunk 8, 3 members, x 61: c 7, o 5 -> stripe 1, sector 2*8 + 5 = 21
    expect(stripeMapSector(61, 8, 3)).toEqual({ stripe: 1, sector: 21 });
    // chunk 16, 2 members, x 77: c 4, o 13 -> stripe 0, sector 2*16 + 13 = 45
    expect(stripeMapSector(77, 16, 2)).toEqual({ stripe: 0, sector: 45 });
  });

  it('§6.5 the inverse gives back the target offset', () => {
    // member 2, sector 328, chunk 16, 3 members: k 20, o 8 -> (20*3 + 2)*16 + 8 = 1000
    expect(stripeUnmapSector(2, 328, 16, 3)).toBe(1000);
    // member 1, sector 5, chunk 8, 2 members: k 0, o 5 -> (0*2 + 1)*8 + 5 = 13
    expect(stripeUnmapSector(1, 5, 8, 2)).toBe(13);
    for (let x = 0; x < 500; x++) {
      const m = stripeMapSector(x, 16, 3);
      expect(stripeUnmapSector(m.stripe, m.sector, 16, 3)).toBe(x);
    }
  });
});

describe('striped dm device: mapSector (§6.5)', () => {
  it('§6.5 chunk 16 over pmem0..pmem2, pmem1 from sector 64: member, member sector, sectors to the chunk end', async () => {
    const s = await threeNamespaces();
    const dm = createDm('st', [{ type: 'stripe', devs: [s.pmem0, { dev: s.pmem1, start: 64 }, s.pmem2], chunk: 16 }]);
    // default len: room = min(12288, 12288 - 64, 12288) = 12224 = 764 chunks of 16 -> 12224 * 3
    expect(dm.sectors).toBe(12224 * 3);
    expect(dm.dataPages).toBe(12224 * 3 / 8);
    // x 1000: stripe 2 sector 328 (above); 16 - 8 = 8 sectors left in the chunk
    expect(named(dm.mapSector(1000))).toEqual({ target: 0, ns: 'pmem2', nsSector: 328, sectorsLeftInIoUnit: 8 });
    // x 20: stripe 1 sector 4, + pmem1's start 64 = 68; 16 - 4 = 12 left
    expect(named(dm.mapSector(20))).toEqual({ target: 0, ns: 'pmem1', nsSector: 68, sectorsLeftInIoUnit: 12 });
    // x 50: stripe 0 sector 18; 16 - 2 = 14 left
    expect(named(dm.mapSector(50))).toEqual({ target: 0, ns: 'pmem0', nsSector: 18, sectorsLeftInIoUnit: 14 });
    // last sector: x 36671, c 2291 (= 36656 / 16), o 15 -> stripe 2291 % 3 = 2, sector 763*16 + 15 = 12223
    expect(named(dm.mapSector(36671))).toEqual({ target: 0, ns: 'pmem2', nsSector: 12223, sectorsLeftInIoUnit: 1 });
  });

  it('§6.5 chunk 8 over 2 members, after a linear target: the target offset is x = sector - begin', async () => {
    const s = await threeNamespaces();
    const dm = createDm('st', [
      { type: 'linear', dev: s.pmem2, start: 0, len: 32 },
      { type: 'stripe', devs: [s.pmem0, s.pmem1], chunk: 8, len: 64 },
    ]);
    expect(dm.sectors).toBe(96);
    // dm sector 32 + 13: x 13 -> stripe 1 sector 5 (above); 8 - 5 = 3 left
    expect(named(dm.mapSector(45))).toEqual({ target: 1, ns: 'pmem1', nsSector: 5, sectorsLeftInIoUnit: 3 });
    // dm sector 32 + 16: x 16 -> stripe 0 sector 8; a whole chunk left
    expect(named(dm.mapSector(48))).toEqual({ target: 1, ns: 'pmem0', nsSector: 8, sectorsLeftInIoUnit: 8 });
    // the default len takes every whole chunk of the smaller room
    const full = createDm('full', [{ type: 'stripe', devs: [s.pmem0, s.pmem1], chunk: 8 }]);
    expect(full.sectors).toBe(NS_SECTORS * 2);
  });
});
