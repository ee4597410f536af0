/**
 * CRC-32/ISO-HDLC against published check values (the CRC catalogue's check for
 * "123456789", and well-known strings) and against zlib's implementation on random data.
 */
import { describe, it, expect } from 'vitest';
import * as zlib from 'node:zlib';
import { crc32, formatCrc32 } from '../../src/sim/crc32.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('crc32', () => {
  it.each([
    ['', 0x00000000],
    ['a', 0xe8b7be43],
    ['abc', 0x352441c2],
    ['123456789', 0xcbf43926],
    ['The quick brown fox jumps over the lazy dog', 0x414fa339],
  ])('crc32(%j) = %d', (text, expected) => {
    expect(crc32(ascii(text))).toBe(expected);
  });

  it('is unsigned and can be computed in pieces', () => {
    const data = ascii('123456789');
    expect(crc32(data.subarray(4), crc32(data.subarray(0, 4)))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toBe(0xffffffff);
  });

  it('matches zlib on random buffers (fixed seed)', () => {
    const z = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
    if (!z) return; // zlib.crc32 needs Node 20.15+; the vectors above still apply
    let seed = 12345;
    for (let n = 0; n < 50; n++) {
      const buf = new Uint8Array(n * 97 + (n % 7));
      for (let i = 0; i < buf.length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        buf[i] = seed >>> 24;
      }
      expect(crc32(buf)).toBe(z(buf));
    }
  });

  it('formats as 0x and eight hex digits', () => {
    expect(formatCrc32(0xcbf43926)).toBe('0xcbf43926');
    expect(formatCrc32(0)).toBe('0x00000000');
    expect(formatCrc32(0x1)).toBe('0x00000001');
  });
});
