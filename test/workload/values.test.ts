/** Durations, intervals and rates as job files write them (src/workload/values.ts). */
import { describe, it, expect } from 'vitest';
import { formatInterval, formatMs, formatRate, parseDurationMs, parseInterval, parseRate } from '../../src/workload/values.js';

describe('durations', () => {
  it('take ns, us, ms, s and min; a number is ms', () => {
    expect(parseDurationMs('2s')).toBe(2000);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('250us')).toBe(0.25);
    expect(parseDurationMs('10000ns')).toBe(0.01);
    expect(parseDurationMs('1min')).toBe(60_000);
    expect(parseDurationMs('300')).toBe(300);
    expect(parseDurationMs(300)).toBe(300);
  });
  it.each(['', 's', '2h', '-1s', 'fast', '1.2.3s'])('refuses %j', (v) => {
    expect(() => parseDurationMs(v)).toThrow(/must be a duration such as "2s"/);
  });
  it('refuses non-finite or negative numbers', () => {
    expect(() => parseDurationMs(-1)).toThrow(RangeError);
    expect(() => parseDurationMs(Infinity)).toThrow(RangeError);
  });
});

describe('intervals', () => {
  it('are durations or op counts', () => {
    expect(parseInterval('500ms')).toEqual({ ms: 500 });
    expect(parseInterval('5000ops')).toEqual({ ops: 5000 });
    expect(parseInterval(' 12 ops ')).toEqual({ ops: 12 });
  });
  it('refuse anything else', () => {
    expect(() => parseInterval('5000 op')).toThrow(/an op count such as "5000ops"/);
  });
});

describe('rates', () => {
  it('are per time (wall) or per op count (logical)', () => {
    expect(parseRate('20/s')).toEqual({ perMs: 0.02 });
    expect(parseRate('1/100ms')).toEqual({ perMs: 0.01 });
    expect(parseRate('3/ms')).toEqual({ perMs: 3 });
    expect(parseRate('1/1000ops')).toEqual({ perOp: 0.001 });
  });
  it.each(['20', '20/h', '/s', '1/0ops', '1/0s', 'x/s'])('refuses %j', (v) => {
    expect(() => parseRate(v)).toThrow(RangeError);
  });
});

describe('formatting', () => {
  it('writes values back as a user would', () => {
    expect(formatMs(2000)).toBe('2s');
    expect(formatMs(500)).toBe('500ms');
    expect(formatMs(0.01)).toBe('10us');
    expect(formatMs(0.0005)).toBe('500ns');
    expect(formatInterval({ ops: 5000 })).toBe('5000ops');
    expect(formatRate({ perMs: 0.02 })).toBe('20/s');
    expect(formatRate({ perOp: 0.001 })).toBe('1/1000ops');
  });
});
