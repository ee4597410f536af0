/**
 * Output lines: fixed key order (line, cmd, ret, crc32, known fields, then the rest sorted),
 * the same order inside nested records, ", " and ": " separators, crc32 added from the
 * returned bytes, and inconsistent outcomes refused as executor bugs.
 */
import { describe, it, expect } from 'vitest';
import { formatRecord, formatJson } from '../../src/sim/output.js';

describe('formatRecord', () => {
  it('prints line, cmd and ret in that order with spaced separators', () => {
    expect(formatRecord(3, 'write', { ret: 4096 })).toBe('{"line": 3, "cmd": "write", "ret": 4096}');
    expect(formatRecord(4, 'read', { ret: 'EIO' })).toBe('{"line": 4, "cmd": "read", "ret": "EIO"}');
  });

  it('escapes sysfs text as JSON', () => {
    expect(formatRecord(5, 'badblocks', { ret: '42 8\n' })).toBe('{"line": 5, "cmd": "badblocks", "ret": "42 8\\n"}');
  });

  it('adds crc32 of the returned bytes after ret', () => {
    const data = new TextEncoder().encode('123456789');
    expect(formatRecord(1, 'read', { ret: 9, data })).toBe('{"line": 1, "cmd": "read", "ret": 9, "crc32": "0xcbf43926"}');
    expect(formatRecord(1, 'read', { ret: 0, data: new Uint8Array(0) })).toBe('{"line": 1, "cmd": "read", "ret": 0, "crc32": "0x00000000"}');
  });

  it('orders extra fields the same whatever order the executor built them in', () => {
    const a = formatRecord(9, 'load', { ret: 0, fields: { zeta: 1, addr: '0x7f0000000000', lsb: 12, alpha: true, signal: 'SIGBUS', code: 'BUS_MCEERR_AR' } });
    const b = formatRecord(9, 'load', { ret: 0, fields: { code: 'BUS_MCEERR_AR', alpha: true, signal: 'SIGBUS', zeta: 1, lsb: 12, addr: '0x7f0000000000' } });
    expect(a).toBe(b);
    expect(a).toBe('{"line": 9, "cmd": "load", "ret": 0, "signal": "SIGBUS", "code": "BUS_MCEERR_AR", "lsb": 12, "addr": "0x7f0000000000", "alpha": true, "zeta": 1}');
  });

  it('orders keys inside ret records too', () => {
    expect(formatRecord(2, 'inject-status', { ret: [{ count: 8, block: 42 }, { count: 1, block: 60 }] }))
      .toBe('{"line": 2, "cmd": "inject-status", "ret": [{"block": 42, "count": 8}, {"block": 60, "count": 1}]}');
    expect(formatRecord(2, 'inject-status', { ret: [] })).toBe('{"line": 2, "cmd": "inject-status", "ret": []}');
  });

  it('is valid JSON that parses back to the same values', () => {
    const line = formatRecord(7, 'x', { ret: 'a "quoted"\ttext\n', fields: { nested: { b: [1, null, false], a: 'é' } } });
    expect(JSON.parse(line)).toEqual({ line: 7, cmd: 'x', ret: 'a "quoted"\ttext\n', nested: { a: 'é', b: [1, null, false] } });
  });

  it('refuses outcomes that contradict themselves or shadow the fixed keys', () => {
    expect(() => formatRecord(1, 'read', { ret: 10, data: new Uint8Array(9) })).toThrow(/outcome.data holds 9 bytes but ret is 10/);
    expect(() => formatRecord(1, 'read', { ret: 'EIO', data: new Uint8Array(0) })).toThrow(TypeError);
    expect(() => formatRecord(1, 'read', { ret: 0, fields: { line: 2 } })).toThrow(/may not set line/);
    expect(() => formatRecord(1, 'read', { ret: 0, fields: { crc32: '0x0' } })).toThrow(/may not set crc32/);
    expect(() => formatRecord(1, 'read', { ret: NaN })).toThrow(/finite/);
  });
});

describe('formatJson', () => {
  it('renders every JSON type', () => {
    expect(formatJson(null)).toBe('null');
    expect(formatJson(true)).toBe('true');
    expect(formatJson(-1.5)).toBe('-1.5');
    expect(formatJson([])).toBe('[]');
    expect(formatJson({})).toBe('{}');
    expect(formatJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a": [2, {"c": 4, "d": 3}], "b": 1}');
  });
});
