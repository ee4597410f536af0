/**
 * Running scripts through an executor (the fake one): nothing runs unless the whole script
 * is well-formed, commands reach the executor in order with their typed arguments, output
 * is one deterministic JSON line per command, kernel refusals are ret values, and a failure
 * inside the simulator stops the run at its line and still closes the executor.
 */
import { describe, it, expect } from 'vitest';
import * as zlib from 'node:zlib';
import { simulate, runScript } from '../../src/sim/run.js';
import { validateScript } from '../../src/sim/validate.js';
import { SimRuntimeError } from '../../src/sim/errors.js';
import { KernelError } from '../../src/core/errors.js';
import { crc32, formatCrc32 } from '../../src/sim/crc32.js';
import { FakeExecutor, fakeFactory } from './fake-executor.js';

async function run(script: string, overrides = {}): Promise<{ out: string[]; made: FakeExecutor[]; result: Awaited<ReturnType<typeof simulate>> }> {
  const f = fakeFactory(overrides);
  const out: string[] = [];
  const result = await simulate(script, f.create, (l) => out.push(l));
  return { out, made: f.made, result };
}

/** The CRC of `n` bytes of `byte`, from zlib where available (an independent implementation). */
function crcOf(byte: number, n: number): string {
  const data = new Uint8Array(n).fill(byte);
  const z = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  return formatCrc32(z ? z(data) : crc32(data));
}

const GOOD = [
  '# E-1-like flow through the fake executor',
  'device size=64MiB mode=raw',
  'write sector=8 bytes=1k pattern=0xab',
  'read sector=8 bytes=1k',
  'inject-error block=100 count=8 notify',
  'read sector=96 bytes=4k',
  'inject-status',
  'badblocks',
  'badblocks-store text="x"',
  'write sector=96 bytes=4k',
  'badblocks',
].join('\n');

describe('the whole script is validated before anything runs', () => {
  it('a bad line 10 means line 1 never ran: no executor is even created', async () => {
    const lines = ['device size=64MiB', ...Array.from({ length: 8 }, (_, i) => `write sector=${i * 8} bytes=4k`), 'read sector=0 bytes=4k bogus=1'];
    const { out, made, result } = await run(lines.join('\n'));
    expect(result.status).toBe('malformed');
    expect(result.status === 'malformed' && result.errors.map(String)).toEqual(['line 10: read: unknown key "bogus"; read takes dev, sector, bytes']);
    expect(made).toEqual([]);
    expect(out).toEqual([]);
  });

  it('the same script without the bad line runs every line', async () => {
    const lines = ['device size=64MiB', ...Array.from({ length: 8 }, (_, i) => `write sector=${i * 8} bytes=4k`), 'read sector=0 bytes=4k'];
    const { out, made, result } = await run(lines.join('\n'));
    expect(result).toEqual({ status: 'ran', commands: 10 });
    expect(made).toHaveLength(1);
    expect(made[0]!.calls.map((c) => c.method)).toEqual(['device', ...Array(8).fill('write'), 'read']);
    expect(out).toHaveLength(10);
  });

  it('creates no executor for a script without commands', async () => {
    const { made, result } = await run('# nothing to do\n');
    expect(result).toEqual({ status: 'ran', commands: 0 });
    expect(made).toEqual([]);
  });
});

describe('output', () => {
  it('prints one JSON line per command with line, cmd, ret, crc32 and errno names', async () => {
    const { out } = await run(GOOD);
    expect(out).toEqual([
      '{"line": 2, "cmd": "device", "ret": 0}',
      '{"line": 3, "cmd": "write", "ret": 1024}',
      `{"line": 4, "cmd": "read", "ret": 1024, "crc32": "${crcOf(0xab, 1024)}"}`,
      '{"line": 5, "cmd": "inject-error", "ret": 0}',
      '{"line": 6, "cmd": "read", "ret": "EIO"}',
      '{"line": 7, "cmd": "inject-status", "ret": [{"block": 100, "count": 8}]}',
      '{"line": 8, "cmd": "badblocks", "ret": "100 8\\n"}',
      '{"line": 9, "cmd": "badblocks-store", "ret": "EINVAL"}',
      '{"line": 10, "cmd": "write", "ret": 4096}',
      '{"line": 11, "cmd": "badblocks", "ret": "104 4\\n"}',
    ]);
    for (const l of out) expect(() => JSON.parse(l)).not.toThrow();
  });

  it('is byte-identical across runs', async () => {
    const a = await run(GOOD);
    const b = await run(GOOD);
    expect(a.out).toEqual(b.out);
  });

  it('passes the executor the typed arguments and the resolved namespace', async () => {
    const { made } = await run('device size=64MiB\nfile name=f pgoff=10 pages=8\npwrite file=f offset=0 bytes=32k pattern=7\nfsync file=f\n');
    const calls = made[0]!.calls;
    expect(calls[0]!.args).toMatchObject({ size: 64 * 1024 * 1024, mode: 'fsdax', namespace: { name: 'pmem0', dataOffset: 2 * 1024 * 1024 } });
    expect(calls.slice(1)).toEqual([
      { method: 'file', args: { dev: 'pmem0', name: 'f', pgoff: 10, pages: 8 } },
      { method: 'pwrite', args: { file: 'f', offset: 0, bytes: 32768, pattern: 7 } },
      { method: 'fsync', args: { dev: 'pmem0', file: 'f' } },
    ]);
    expect(made[0]!.platform.namespaces.map((n) => n.name)).toEqual(['pmem0']);
  });

  it('reports a thrown KernelError as its errno name and goes on', async () => {
    const { out } = await run('device size=64MiB\nclear-poison offset=0x80 len=0x100\nadvance ms=5\n', {
      clearPoison: () => { throw new KernelError('ENXIO', 'not aligned to the clear unit'); },
    });
    expect(out).toEqual([
      '{"line": 1, "cmd": "device", "ret": 0}',
      '{"line": 2, "cmd": "clear-poison", "ret": "ENXIO"}',
      '{"line": 3, "cmd": "advance", "ret": 0}',
    ]);
  });

  it('puts executor fields on the line in the fixed order', async () => {
    const { out } = await run('device size=64MiB\nscrub\n', { scrub: () => ({ ret: 0, fields: { zz: 1, ms: 1000, addr: '0x10' } }) });
    expect(out[1]).toBe('{"line": 2, "cmd": "scrub", "ret": 0, "addr": "0x10", "ms": 1000, "zz": 1}');
  });

  it('awaits asynchronous executor methods', async () => {
    const { out } = await run('device size=64MiB\npower-fail\n', { powerFail: async () => ({ ret: 4096 }) });
    expect(out[1]).toBe('{"line": 2, "cmd": "power-fail", "ret": 4096}');
  });
});

describe('failures inside the simulator', () => {
  it('stop the run at their line with a SimRuntimeError, after printing the lines before, and close the executor', async () => {
    const f = fakeFactory({ read: () => { throw new Error('wasm trap: out of bounds'); } });
    const out: string[] = [];
    const err = await simulate('device size=64MiB\nwrite sector=0 bytes=512\nread sector=0 bytes=512\nadvance ms=1\n', f.create, (l) => out.push(l)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimRuntimeError);
    expect((err as SimRuntimeError).line).toBe(3);
    expect((err as SimRuntimeError).message).toBe('line 3: read failed inside the simulator: wasm trap: out of bounds');
    expect(out).toHaveLength(2);
    expect(f.made[0]!.calls.map((c) => c.method)).toEqual(['device', 'write', 'read']);
    expect(f.made[0]!.closed).toBe(1);
  });

  it('treat an inconsistent outcome as a simulator failure', async () => {
    const err = await run('device size=64MiB\nread sector=0 bytes=512\n', { read: () => ({ ret: 512, data: new Uint8Array(10) }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimRuntimeError);
    expect((err as Error).message).toMatch(/^line 2: read failed inside the simulator: outcome.data holds 10 bytes but ret is 512/);
  });

  it('close the executor once after a successful run too', async () => {
    const v = validateScript('device size=64MiB\n');
    if (!v.ok) throw new Error('invalid');
    const e = new FakeExecutor(v.script.platform);
    await runScript(v.script, e, () => undefined);
    expect(e.closed).toBe(1);
  });
});
