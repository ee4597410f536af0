/** Did-you-mean: the edit distance and which candidates are offered. */
import { describe, it, expect } from 'vitest';
import { editDistance, suggestions, didYouMean } from '../../src/sim/suggest.js';

describe('editDistance (optimal string alignment)', () => {
  it.each([
    ['', '', 0], ['abc', '', 3], ['', 'abc', 3], ['read', 'read', 0],
    ['kitten', 'sitting', 3], ['raed', 'read', 1], ['sectr', 'sector', 1], ['ca', 'abc', 3],
    ['flaw', 'lawn', 2], ['mce-lbs', 'mce-lsb', 1],
  ])('%j → %j = %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('suggestions', () => {
  const words = ['read', 'write', 'pread', 'pwrite', 'inject-error', 'inject-status', 'uninject', 'fsync'];

  it('offers near misses, nearest first', () => {
    expect(suggestions('raed', words)).toEqual(['read']);
    expect(suggestions('wirte', words)).toEqual(['write', 'pwrite']);
    expect(suggestions('prad', words)).toEqual(['pread']);
  });

  it('offers prefix matches before near misses', () => {
    expect(suggestions('inject', words)).toEqual(['inject-error', 'inject-status', 'uninject']);
  });

  it('offers nothing for an unrelated word', () => {
    expect(suggestions('power', words)).toEqual([]);
    expect(didYouMean('zzz', words)).toBe('');
  });

  it('ignores case when comparing', () => {
    expect(suggestions('READ', words)[0]).toBe('read');
  });

  it('formats one, two or three candidates', () => {
    expect(didYouMean('raed', words)).toBe(' (did you mean "read"?)');
    expect(didYouMean('wirte', words)).toBe(' (did you mean "write" or "pwrite"?)');
    expect(didYouMean('inject', words)).toBe(' (did you mean "inject-error", "inject-status" or "uninject"?)');
  });
});
