/**
 * Table validation (reference §6.5; DESIGN.md "Bad input"): every refusal names the field,
 * the value and the allowed range. Test namespaces hold 12288 data sectors each.
 */
import { describe, it, expect } from 'vitest';
import { createDm } from '../../src/dm/device.js';
import type { DmTargetSpec } from '../../src/dm/table.js';
import { disableNamespace } from '../../src/nvdimm/lifecycle.js';
import { threeNamespaces } from './helpers.js';

const bad = (v: unknown): DmTargetSpec => v as DmTargetSpec;

describe('createDm validation (§6.5, DESIGN.md "Bad input")', () => {
  it('name and the target list', async () => {
    const s = await threeNamespaces();
    const ok: DmTargetSpec = { type: 'linear', dev: s.pmem0, start: 0, len: 8 };
    expect(() => createDm('', [ok])).toThrow('name must be 1..127 letters, digits or _ . + - (starting with a letter or digit), got ""');
    expect(() => createDm('a/b', [ok])).toThrow(/^name must be .*, got "a\/b"$/);
    expect(() => createDm('x', [])).toThrow(`targets must be a list of 1..1024 targets ({ type: 'linear' | 'stripe' | 'error', ... }), got an array of 0`);
    expect(() => createDm('x', 'linear' as unknown as DmTargetSpec[])).toThrow(/^targets must be a list of 1\.\.1024 targets .*, got "linear"$/);
    expect(() => createDm('x', [ok, bad(5)])).toThrow(`targets[1] must be an object { type: 'linear' | 'stripe' | 'error', ... }, got 5`);
    expect(() => createDm('x', [bad({ type: 'thin', len: 8 })])).toThrow('targets[0].type must be one of linear, stripe, error, got "thin"');
  });

  it('members: a Namespace of one system, enabled, fsdax or raw (devdax refused)', async () => {
    const s = await threeNamespaces([{}, { mode: 'devdax' }]);
    expect(() => createDm('x', [bad({ type: 'linear', dev: 'pmem0', start: 0, len: 8 })]))
      .toThrow('targets[0].dev must be a Namespace (an fsdax or raw namespace of the system), got "pmem0"');
    expect(() => createDm('x', [{ type: 'linear', dev: s.pmem1, start: 0, len: 8 }]))
      .toThrow('targets[0].dev must be an fsdax or raw namespace, got pmem1 in devdax mode (a devdax namespace has no /dev/pmemX block device for device-mapper to open)');
    const other = await threeNamespaces();
    expect(() => createDm('x', [{ type: 'linear', dev: s.pmem0, start: 0, len: 8 }, { type: 'linear', dev: other.pmem0, start: 0, len: 8 }]))
      .toThrow('targets[1].dev must be a namespace of the same system as pmem0, got pmem0 of another system');
    disableNamespace(s.pmem2);
    expect(() => createDm('x', [{ type: 'stripe', devs: [s.pmem0, s.pmem2], chunk: 8 }]))
      .toThrow('targets[0].devs[1] must be an enabled namespace, got pmem2, which is disabled');
  });

  it('linear start and len: whole pages inside the member data', async () => {
    const s = await threeNamespaces();
    const lin = (start: unknown, len: unknown) => () => createDm('x', [bad({ type: 'linear', dev: s.pmem0, start, len })]);
    expect(lin(4, 8)).toThrow('targets[0].start must be an integer sector count, a multiple of 8 (whole pages), in [0, 12280] (pmem0 holds 12288 data sectors), got 4');
    expect(lin(12288, 8)).toThrow(/^targets\[0\]\.start must be .* in \[0, 12280\] .*, got 12288$/);
    expect(lin('0', 8)).toThrow(TypeError);
    expect(lin(8, 0)).toThrow('targets[0].len must be an integer sector count, a multiple of 8 (whole pages), in [8, 12280] (start 8 + len must stay inside pmem0\'s 12288 data sectors), got 0');
    expect(lin(8, 12288)).toThrow(/^targets\[0\]\.len must be .* in \[8, 12280\] .*, got 12288$/);
    expect(lin(8, 12)).toThrow(/, got 12$/);
    expect(lin(8, undefined)).toThrow(TypeError);
  });

  it('stripe devs, chunk and len', async () => {
    const s = await threeNamespaces();
    const st = (o: object) => () => createDm('x', [bad({ type: 'stripe', devs: [s.pmem0, s.pmem1], chunk: 8, ...o })]);
    expect(st({ devs: [s.pmem0] })).toThrow('targets[0].devs must be a list of 2..256 members (Namespace or { dev, start }), got an array of 1');
    expect(st({ devs: [s.pmem0, null] })).toThrow('targets[0].devs[1] must be a Namespace or { dev, start }, got null');
    expect(st({ devs: [s.pmem0, { dev: s.pmem1, start: 3 }] }))
      .toThrow('targets[0].devs[1].start must be an integer sector count, a multiple of 8 (whole pages), in [0, 12280] (pmem1 holds 12288 data sectors), got 3');
    // room 12288 sectors: the largest power of two in it is 8192
    expect(st({ chunk: 24 })).toThrow('targets[0].chunk must be a power-of-two sector count in [8, 8192] (whole pages; at most the smallest member room, 12288 sectors), got 24');
    expect(st({ chunk: 4 })).toThrow(/^targets\[0\]\.chunk must be a power-of-two sector count in \[8, 8192\] .*, got 4$/);
    expect(st({ chunk: 16384 })).toThrow(/, got 16384$/);
    expect(st({ chunk: '8' })).toThrow(TypeError);
    // room after start 12224: 12224 / 16 = 764 chunks -> len at most 764 * 16 * 2
    expect(() => createDm('x', [{ type: 'stripe', devs: [s.pmem0, { dev: s.pmem1, start: 64 }], chunk: 16, len: 48 }]))
      .toThrow('targets[0].len must be an integer sector count, a multiple of chunk * members = 32, in [32, 24448] (each member holds len / 2 sectors from its start), got 48');
    expect(st({ len: 0 })).toThrow(/^targets\[0\]\.len must be .* in \[16, 24576\] .*, got 0$/);
  });

  it('error len: whole pages', async () => {
    expect(() => createDm('x', [{ type: 'error', len: 7 }])).toThrow('targets[0].len must be an integer sector count, a multiple of 8 (whole pages), in [8, 35184372088832], got 7');
  });

  it('a member range used twice in one table is refused', async () => {
    const s = await threeNamespaces();
    expect(() => createDm('x', [{ type: 'linear', dev: s.pmem0, start: 0, len: 16 }, { type: 'linear', dev: s.pmem0, start: 8, len: 16 }]))
      .toThrow('targets[1].dev maps sectors [8, 24) of pmem0, which overlap [0, 16) already mapped by targets[0].dev; each member sector may appear once in a table');
    // a stripe's members hold len / n = 16 sectors each: [0, 16) and [8, 24) of pmem0 overlap
    expect(() => createDm('x', [{ type: 'stripe', devs: [s.pmem0, { dev: s.pmem0, start: 8 }], chunk: 8, len: 32 }]))
      .toThrow('targets[0].devs[1].dev maps sectors [8, 24) of pmem0, which overlap [0, 16) already mapped by targets[0].devs[0]; each member sector may appear once in a table');
    expect(() => createDm('x', [{ type: 'stripe', devs: [s.pmem0, s.pmem1], chunk: 8, len: 32 }, { type: 'linear', dev: s.pmem1, start: 0, len: 8 }]))
      .toThrow('targets[1].dev maps sectors [0, 8) of pmem1, which overlap [0, 16) already mapped by targets[0].devs[1]; each member sector may appear once in a table');
    // touching ranges are fine, and so is one namespace in two slots of a stripe
    expect(createDm('x', [{ type: 'linear', dev: s.pmem0, start: 0, len: 16 }, { type: 'linear', dev: s.pmem0, start: 16, len: 16 }]).sectors).toBe(32);
    expect(createDm('y', [{ type: 'stripe', devs: [s.pmem0, { dev: s.pmem0, start: 16 }], chunk: 8, len: 32 }]).sectors).toBe(32);
  });
});
