/**
 * Bad input (DESIGN.md "Bad input"): every Media method, createMedia and attachMedia throw a
 * TypeError (wrong type) or RangeError (right type, bad value) whose message names the
 * argument and the allowed range, and change nothing. Also parseSize's accepted forms.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { createMedia, attachMedia, type Media } from '../../src/core/media.js';
import { mediaLimitBytes } from '../../src/core/layout.js';
import { parseSize } from '../../src/core/units.js';

const SIZE = 16 * 1024;
const PAGES = SIZE / 4096;

/** Everything a call could change, read through the public API. */
function snapshot(m: Media): unknown {
  const lines = [];
  for (let off = 0; off < m.size; off += 64) lines.push([m.lineState(off), m.isPoisoned(off, 64)]);
  const pages = [];
  for (let p = 0; p < m.size / 4096; p++) pages.push(m.readMc(p * 4096 + 4032, 64).notCopied);
  return { bytes: Buffer.from(m.read(0, m.size)).toString('base64'), lines, pages, volatile: m.volatileBytes(0, m.size) };
}

type ErrorClass = typeof TypeError | typeof RangeError;

/** A bad call, the error class it must throw, and words its message must contain. */
interface BadCall {
  readonly name: string;
  readonly call: (m: Media) => unknown;
  readonly error: ErrorClass;
  readonly mentions: readonly string[];
}

const BIG = Number.MAX_SAFE_INTEGER + 2; // 2^53 + 2: an unsafe integer
const NOT_A_NUMBER: readonly [string, unknown][] = [['"0"', '0'], ['null', null], ['undefined', undefined], ['1n', 1n], ['{}', {}]];
const BAD_NUMBERS: readonly [string, number][] = [['-1', -1], ['1.5', 1.5], ['NaN', NaN], ['Infinity', Infinity], ['-0.5', -0.5], ['2^53+2', BIG]];

/** Offset/len cases for a method `(offset, len)` on a SIZE-byte media. */
function rangeCases(method: 'read' | 'readMc' | 'flush' | 'poison' | 'unpoison' | 'isPoisoned' | 'firstPoisoned' | 'volatileBytes'): BadCall[] {
  const call = (off: unknown, len: unknown) => (m: Media): unknown => (m[method] as (a: unknown, b: unknown) => unknown)(off, len);
  const offRange = `[0, ${SIZE}]`;
  return [
    ...NOT_A_NUMBER.map(([s, v]) => ({ name: `${method}(${s}, 1)`, call: call(v, 1), error: TypeError, mentions: ['offset', offRange] })),
    ...BAD_NUMBERS.map(([s, v]) => ({ name: `${method}(${s}, 1)`, call: call(v, 1), error: RangeError, mentions: ['offset', offRange] })),
    { name: `${method}(SIZE+1, 0)`, call: call(SIZE + 1, 0), error: RangeError, mentions: ['offset', offRange] },
    ...NOT_A_NUMBER.map(([s, v]) => ({ name: `${method}(0, ${s})`, call: call(0, v), error: TypeError, mentions: ['len', offRange] })),
    ...BAD_NUMBERS.map(([s, v]) => ({ name: `${method}(0, ${s})`, call: call(0, v), error: RangeError, mentions: ['len', offRange] })),
    { name: `${method}(100, SIZE-99)`, call: call(100, SIZE - 99), error: RangeError, mentions: ['len', `[0, ${SIZE - 100}]`] },
    { name: `${method}(SIZE, 1)`, call: call(SIZE, 1), error: RangeError, mentions: ['len', '[0, 0]'] },
  ];
}

/** (offset, bytes) cases for write and writeFlushcache. */
function writeCases(method: 'write' | 'writeFlushcache'): BadCall[] {
  const call = (off: unknown, bytes: unknown) => (m: Media): unknown => (m[method] as (a: unknown, b: unknown) => unknown)(off, bytes);
  const ok = new Uint8Array(8).fill(0x77);
  const notBytes: [string, unknown][] = [
    ['number[]', [1, 2, 3]], ['ArrayBuffer', new ArrayBuffer(8)], ['Int8Array', new Int8Array(8)],
    ['Uint16Array', new Uint16Array(4)], ['DataView', new DataView(new ArrayBuffer(8))], ['string', 'abcd'],
    ['null', null], ['undefined', undefined],
  ];
  return [
    ...notBytes.map(([s, v]) => ({ name: `${method}(0, ${s})`, call: call(0, v), error: TypeError, mentions: ['bytes', 'Uint8Array'] })),
    ...NOT_A_NUMBER.map(([s, v]) => ({ name: `${method}(${s}, bytes)`, call: call(v, ok), error: TypeError, mentions: ['offset', `[0, ${SIZE}]`] })),
    ...BAD_NUMBERS.map(([s, v]) => ({ name: `${method}(${s}, bytes)`, call: call(v, ok), error: RangeError, mentions: ['offset', `[0, ${SIZE}]`] })),
    // The range check must come before any byte is stored: a write that would pass the end
    // writes nothing at all, and the message names the bytes (their length) and the room left.
    { name: `${method}(SIZE-4, 8 bytes)`, call: call(SIZE - 4, ok), error: RangeError, mentions: ['bytes', '[0, 4]'] },
    { name: `${method}(SIZE+1, 0 bytes)`, call: call(SIZE + 1, new Uint8Array(0)), error: RangeError, mentions: ['offset', `[0, ${SIZE}]`] },
  ];
}

function pfnCases(method: 'setMceNospec' | 'clearMceNospec'): BadCall[] {
  const call = (pfn: unknown) => (m: Media): unknown => (m[method] as (a: unknown) => unknown)(pfn);
  const range = `[0, ${PAGES - 1}]`;
  return [
    ...NOT_A_NUMBER.map(([s, v]) => ({ name: `${method}(${s})`, call: call(v), error: TypeError, mentions: ['pfn', range] })),
    ...BAD_NUMBERS.map(([s, v]) => ({ name: `${method}(${s})`, call: call(v), error: RangeError, mentions: ['pfn', range] })),
    { name: `${method}(PAGES)`, call: call(PAGES), error: RangeError, mentions: ['pfn', range] },
  ];
}

const lineStateCases: BadCall[] = [
  ...NOT_A_NUMBER.map(([s, v]) => ({ name: `lineState(${s})`, call: (m: Media) => m.lineState(v as number), error: TypeError, mentions: ['offset', `[0, ${SIZE - 1}]`] })),
  ...BAD_NUMBERS.map(([s, v]) => ({ name: `lineState(${s})`, call: (m: Media) => m.lineState(v), error: RangeError, mentions: ['offset', `[0, ${SIZE - 1}]`] })),
  { name: 'lineState(SIZE)', call: (m: Media) => m.lineState(SIZE), error: RangeError, mentions: ['offset', `[0, ${SIZE - 1}]`] },
];

const CASES: BadCall[] = [
  ...writeCases('write'), ...writeCases('writeFlushcache'),
  ...rangeCases('read'), ...rangeCases('readMc'), ...rangeCases('flush'), ...rangeCases('poison'),
  ...rangeCases('unpoison'), ...rangeCases('isPoisoned'), ...rangeCases('firstPoisoned'), ...rangeCases('volatileBytes'),
  ...pfnCases('setMceNospec'), ...pfnCases('clearMceNospec'), ...lineStateCases,
];

describe('Media methods reject bad input and change nothing', () => {
  let m: Media;

  beforeAll(async () => {
    m = await createMedia({ size: SIZE });
    // A state with every kind of line, poison and an unmapped page, so a stray change shows.
    m.write(0, new Uint8Array(SIZE).map((_, i) => (i * 7) & 0xff));
    m.flush(0, 4096);
    m.fence();
    m.writeFlushcache(4096, new Uint8Array(100).fill(5));
    m.poison(8192, 64);
    m.setMceNospec(3);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const before = snapshot(m);
    let err: unknown;
    try {
      c.call(m);
    } catch (e) {
      err = e;
    }
    expect(err, 'must throw').toBeInstanceOf(c.error);
    const msg = (err as Error).message;
    for (const word of c.mentions) expect(msg).toContain(word);
    expect(snapshot(m)).toEqual(before);
  });

  it('the snapshot used above sees changes of bytes, state, poison and unmapped pages', async () => {
    const n = await createMedia({ size: SIZE });
    const s0 = snapshot(n);
    n.setMceNospec(1);
    const s1 = snapshot(n);
    expect(s1).not.toEqual(s0);
    n.poison(100, 1);
    const s2 = snapshot(n);
    expect(s2).not.toEqual(s1);
    n.writeFlushcache(SIZE - 1, new Uint8Array([0]));
    const s3 = snapshot(n);
    expect(s3).not.toEqual(s2);
    n.fence();
    expect(snapshot(n)).not.toEqual(s3);
  });
});

describe('createMedia and attachMedia reject bad options', () => {
  const limit = mediaLimitBytes();
  const cases: readonly { name: string; options: unknown; error: ErrorClass; mentions: readonly string[] }[] = [
    { name: 'no options', options: undefined, error: TypeError, mentions: ['options'] },
    { name: 'null options', options: null, error: TypeError, mentions: ['options'] },
    { name: 'a string', options: '1GiB', error: TypeError, mentions: ['options'] },
    { name: 'no size', options: {}, error: TypeError, mentions: ['size'] },
    { name: 'size true', options: { size: true }, error: TypeError, mentions: ['size'] },
    { name: 'size -4096', options: { size: -4096 }, error: RangeError, mentions: ['size', '4096'] },
    { name: 'size 0', options: { size: 0 }, error: RangeError, mentions: ['size', '4096'] },
    { name: 'size 4095', options: { size: 4095 }, error: RangeError, mentions: ['size', '4096'] },
    { name: 'size 4096.5', options: { size: 4096.5 }, error: RangeError, mentions: ['size', '4096'] },
    { name: 'size NaN', options: { size: NaN }, error: RangeError, mentions: ['size'] },
    { name: 'size unsafe', options: { size: BIG }, error: RangeError, mentions: ['size'] },
    { name: 'size 6144 (not whole pages)', options: { size: 6144 }, error: RangeError, mentions: ['size', '4096'] },
    { name: 'size "6k" (not whole pages)', options: { size: '6k' }, error: RangeError, mentions: ['size', '4096'] },
    { name: 'size "4 bananas"', options: { size: '4 bananas' }, error: RangeError, mentions: ['size', 'KiB'] },
    { name: 'size "-4k"', options: { size: '-4k' }, error: RangeError, mentions: ['size'] },
    { name: 'size one page over the limit', options: { size: limit + 4096 }, error: RangeError, mentions: ['size', String(limit)] },
    { name: 'size "8GiB"', options: { size: '8GiB' }, error: RangeError, mentions: ['size', String(limit)] },
    { name: 'eADR "yes"', options: { size: 4096, eADR: 'yes' }, error: TypeError, mentions: ['eADR', 'boolean'] },
    { name: 'eADR 1', options: { size: 4096, eADR: 1 }, error: TypeError, mentions: ['eADR', 'boolean'] },
    { name: 'maxThreads 0', options: { size: 4096, maxThreads: 0 }, error: RangeError, mentions: ['maxThreads', '[1, 64]'] },
    { name: 'maxThreads 65', options: { size: 4096, maxThreads: 65 }, error: RangeError, mentions: ['maxThreads', '[1, 64]'] },
    { name: 'maxThreads 1.5', options: { size: 4096, maxThreads: 1.5 }, error: RangeError, mentions: ['maxThreads', '[1, 64]'] },
    { name: 'maxThreads "2"', options: { size: 4096, maxThreads: '2' }, error: TypeError, mentions: ['maxThreads', '[1, 64]'] },
    { name: 'build "fast"', options: { size: 4096, build: 'fast' }, error: RangeError, mentions: ['build', 'debug', 'release'] },
    { name: 'build 3', options: { size: 4096, build: 3 }, error: TypeError, mentions: ['build', 'debug', 'release'] },
  ];

  it.each(cases.map((c) => [c.name, c] as const))('createMedia: %s', async (_name, c) => {
    let err: unknown;
    try {
      await createMedia(c.options as Parameters<typeof createMedia>[0]);
    } catch (e) {
      err = e;
    }
    expect(err, 'must throw').toBeInstanceOf(c.error);
    for (const word of c.mentions) expect((err as Error).message).toContain(word);
  });

  it('createMedia accepts the smallest size, as a number or a string', async () => {
    expect((await createMedia({ size: 4096 })).size).toBe(4096);
    expect((await createMedia({ size: '4k', maxThreads: 1 })).size).toBe(4096);
  });

  it.each([
    ['undefined', undefined], ['null', null], ['{}', {}], ['a Media', 'media'],
    ['{ module, memory: ArrayBuffer }', 'badmemory'],
  ] as const)('attachMedia(%s) throws a TypeError naming the handle', async (_name, h) => {
    let handle: unknown = h;
    if (h === 'media' || h === 'badmemory') {
      const m = await createMedia({ size: 4096 });
      handle = h === 'media' ? m : { module: m.handle.module, memory: new ArrayBuffer(8) };
    }
    await expect(attachMedia(handle as Media['handle'])).rejects.toThrow(TypeError);
    await expect(attachMedia(handle as Media['handle'])).rejects.toThrow(/handle/);
  });
});

describe('parseSize', () => {
  it.each([
    ['4096', 4096], ['0', 0], ['4k', 4096], ['4K', 4096], ['4KB', 4096], ['4KiB', 4096], ['4kib', 4096],
    ['2MiB', 2 * 1024 * 1024], ['2m', 2 * 1024 * 1024], ['1g', 1024 ** 3], ['1GiB', 1024 ** 3],
    ['3t', 3 * 1024 ** 4], ['512b', 512], [' 8 KiB ', 8192], ['1.5k', 1536], ['0.5m', 512 * 1024],
  ] as const)('"%s" is %d bytes', (text, bytes) => {
    expect(parseSize('size', text)).toBe(bytes);
  });

  it('a number of bytes passes through when it is a non-negative safe integer', () => {
    expect(parseSize('size', 4096)).toBe(4096);
    expect(parseSize('size', 0)).toBe(0);
  });

  it.each(['', ' ', 'k', '4x', '4kk', '4 k b', '-4k', '+4k', '1e3', '0x10', '4,096', '4.k', '.5k', '4 KiBs'])(
    '"%s" is refused with a RangeError naming the field and the accepted forms', (text) => {
      expect(() => parseSize('blockSize', text)).toThrow(RangeError);
      expect(() => parseSize('blockSize', text)).toThrow(/^blockSize must be a size such as 4096, "4k" or "2MiB"/);
    });

  it.each(['1.3', '0.1k', '9007199254740993', '99999999t'])(
    '"%s" is refused with a RangeError: not a whole, safe number of bytes', (text) => {
      expect(() => parseSize('blockSize', text)).toThrow(RangeError);
      expect(() => parseSize('blockSize', text)).toThrow(/^blockSize must come to a whole number of bytes below 2\^53/);
    });

  it.each([[-1], [1.5], [NaN], [Infinity], [2 ** 53]])('the number %d is refused with a RangeError naming the field', (n) => {
    expect(() => parseSize('size', n)).toThrow(RangeError);
    expect(() => parseSize('size', n)).toThrow(/size/);
  });

  it.each([[null], [undefined], [true], [{}], [[4096]], [4096n]])('%s is refused with a TypeError naming the field', (v) => {
    expect(() => parseSize('size', v)).toThrow(TypeError);
    expect(() => parseSize('size', v)).toThrow(/size must be a size such as 4096/);
  });
});
