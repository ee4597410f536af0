/**
 * Whole-script validation against the declared platform: a command before any device
 * line, duplicate and unknown names, values outside the declared device (which depends on
 * the mode's data offset and on reconfigure), namespace modes, eADR, the namespace limits,
 * every bad line reported once (no cascades), and the typed arguments a valid script gives
 * the executor.
 */
import { describe, it, expect } from 'vitest';
import { validateScript, type ValidatedCommand } from '../../src/sim/validate.js';
import { MAX_NAMESPACES } from '../../src/nvdimm/config.js';

function errors(script: string): string[] {
  const v = validateScript(script);
  return v.ok ? [] : v.errors.map(String);
}

function commands(script: string): readonly ValidatedCommand[] {
  const v = validateScript(script);
  if (!v.ok) throw new Error(v.errors.map(String).join('\n'));
  return v.script.commands;
}

const MiB = 1024 * 1024;

describe('order and names', () => {
  it('refuses any command before the first device line', () => {
    expect(errors('read sector=0 bytes=512\ndevice size=64MiB\n')).toEqual([
      'line 1: read: comes before any device line; declare the namespace first, e.g. "device size=64MiB"',
    ]);
    expect(errors('# setup\n\nadvance ms=1\npower-fail\ndevice size=64MiB\n')).toEqual([
      'line 3: advance: comes before any device line; declare the namespace first, e.g. "device size=64MiB"',
      'line 4: power-fail: comes before any device line; declare the namespace first, e.g. "device size=64MiB"',
    ]);
  });

  it('refuses duplicate device names, given or defaulted', () => {
    expect(errors('device size=64MiB\ndevice name=pmem0 size=64MiB\n')).toEqual([
      'line 2: device: name: device "pmem0" is already declared on line 1',
    ]);
    expect(errors('device name=pmem1 size=2MiB mode=raw\ndevice size=2MiB mode=raw\n')).toEqual([
      'line 2: device: the default name "pmem1" is taken (line 1); give this device a name=',
    ]);
    expect(errors('device name=a size=2MiB mode=raw\ndevice size=2MiB mode=raw\ndevice name=b size=2MiB mode=raw\n')).toEqual([]);
  });

  it('refuses duplicate file names, on the same device or another', () => {
    const s = 'device size=64MiB\ndevice name=q size=64MiB\nfile name=f pgoff=0 pages=1\nfile name=f pgoff=8 pages=1\nfile dev=q name=f pgoff=0 pages=1\n';
    expect(errors(s)).toEqual([
      'line 4: file: name: file "f" is already declared on line 3',
      'line 5: file: name: file "f" is already declared on line 3',
    ]);
  });

  it('refuses unknown devices and files, suggesting declared ones', () => {
    const s = 'device size=64MiB\ndevice name=pmem1 size=64MiB\nfile name=data pgoff=0 pages=1\nread dev=pmem2 sector=0 bytes=1\npread file=date offset=0 bytes=1\n';
    expect(errors(s)).toEqual([
      'line 4: read: unknown device "pmem2" in dev=pmem2 (did you mean "pmem0" or "pmem1"?); declared: pmem0, pmem1',
      'line 5: pread: unknown file "date" in file=date (did you mean "data"?); declared: data',
    ]);
  });

  it('refuses names used before their declaration', () => {
    expect(errors('device size=64MiB\nread dev=late sector=0 bytes=1\ndevice name=late size=4MiB\n')).toEqual([
      'line 2: read: unknown device "late" in dev=late; declared: pmem0',
    ]);
  });

  it('refuses files that share device pages', () => {
    expect(errors('device size=64MiB\nfile name=a pgoff=10 pages=8\nfile name=b pgoff=17 pages=2\nfile name=c pgoff=18 pages=2\n')).toEqual([
      'line 3: file: pages [17, 19) of pmem0 overlap file "a" (line 2, pages [10, 18)); files do not share blocks (reflink is out of scope)',
    ]);
  });

  it('refuses dev and file together on fsync', () => {
    expect(errors('device size=64MiB\nfile name=f pgoff=0 pages=1\nfsync dev=pmem0 file=f\n')).toEqual([
      'line 3: fsync: give dev or file, not both (got dev=pmem0 and file=f)',
    ]);
  });
});

describe('values outside the declared device', () => {
  it('uses the data size: raw has no reservation, fsdax loses the ndctl info block + memmap', () => {
    // raw 64 MiB: 131072 sectors of data.
    expect(errors('device size=64MiB mode=raw\nread sector=131071 bytes=512\n')).toEqual([]);
    expect(errors('device size=64MiB mode=raw\nread sector=131072 bytes=512\n')[0]).toMatch(/^line 2: read: sector=131072 \+ bytes=512 ends at byte 67109376, past the end of pmem0's data, which holds 131072 512-byte sectors/);
    // fsdax 64 MiB: 8 KiB + 16384 pages * 64 B = 1056768 B, rounded up to 2 MiB.
    expect(errors('device size=64MiB\nread sector=126975 bytes=512\n')).toEqual([]);
    expect(errors('device size=64MiB\nread sector=126975 bytes=1k\n')).toHaveLength(1);
    // an explicit data offset
    expect(errors('device size=64MiB mode=fsdax data-offset=0\nread sector=131071 bytes=512\n')).toEqual([]);
  });

  it('checks each device against its own size', () => {
    const s = 'device size=64MiB mode=raw\ndevice name=small size=2MiB mode=raw\nwrite dev=small sector=4095 bytes=512\nwrite dev=small sector=4096 bytes=512\nwrite sector=4096 bytes=512\n';
    expect(errors(s)).toEqual([
      "line 4: write: sector=4096 + bytes=512 ends at byte 2097664, past the end of small's data, which holds 4096 512-byte sectors = 2097152 bytes (2MiB)",
    ]);
  });

  it('lets dax-access ask for pages past the end (D-5), but not start there', () => {
    expect(errors('device size=64MiB mode=raw\ndax-access pgoff=16383 pages=100 mode=access\n')).toEqual([]);
    expect(errors('device size=64MiB mode=raw\ndax-access pgoff=16384 pages=1 mode=access\n')).toHaveLength(1);
    expect(errors('device size=64MiB mode=raw\ndax-access pgoff=0 pages=-1 mode=access\n')).toEqual([]);
  });

  it('follows reconfigure: new mode, new data size, and the old files are gone', () => {
    const s = [
      'device size=64MiB mode=raw',                         // 1: 131072 sectors
      'read sector=131000 bytes=512',                       // 2: fine on raw
      'reconfigure mode=fsdax',                             // 3: 126976 sectors now
      'read sector=131000 bytes=512',                       // 4: past the end
      'file name=f pgoff=0 pages=1',                        // 5
      'reconfigure mode=devdax',                            // 6: the file is gone
      'pread file=f offset=0 bytes=1',                      // 7
      'read sector=0 bytes=512',                            // 8: no block device
      'clear-poison offset=0 len=512',                      // 9: fine on devdax
      'region-badblocks',                                   // 10: fine on devdax
    ].join('\n');
    expect(errors(s)).toEqual([
      "line 4: read: sector=131000 + bytes=512 ends at byte 67072512, past the end of pmem0's data, which holds 126976 512-byte sectors = 65011712 bytes (62MiB) (since the reconfigure on line 3)",
      'line 7: pread: file "f" was on pmem0, which line 6 reconfigured (its filesystem is gone)',
      'line 8: read: needs a raw or fsdax namespace, and pmem0 is devdax (since the reconfigure on line 6): a devdax namespace has no /dev/pmemX block device or pmem DAX operations',
    ]);
  });

  it('puts files only on fsdax namespaces', () => {
    expect(errors('device size=64MiB mode=raw\nfile name=f pgoff=0 pages=1\n')).toEqual([
      'line 2: file: needs a fsdax namespace, and pmem0 is raw: files live on an fs-dax filesystem, which needs an fsdax namespace',
    ]);
  });
});

describe('device lines', () => {
  it('keeps eADR platform-wide', () => {
    expect(errors('device size=4MiB eadr\ndevice name=b size=4MiB eadr\n')).toEqual([]);
    expect(errors('device size=4MiB\ndevice name=b size=4MiB eadr\n')).toEqual([
      'line 2: device: eadr is platform-wide (the CPU caches are in the persistence domain or not): pmem0 on line 1 was declared without it, so this line must be too',
    ]);
  });

  it(`allows at most ${MAX_NAMESPACES} namespaces`, () => {
    const lines = Array.from({ length: MAX_NAMESPACES + 1 }, (_, i) => `device name=d${i} size=2MiB mode=raw`);
    expect(errors(lines.join('\n'))).toEqual([`line ${MAX_NAMESPACES + 1}: device: at most ${MAX_NAMESPACES} device lines (namespaces) per script; this is number ${MAX_NAMESPACES + 1}`]);
  });

  it('refuses devices that do not fit one simulated memory together', () => {
    const e = errors('device size=2GiB\ndevice name=b size=2GiB\n');
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^line 2: device: size=2147483648 bytes \(2GiB\): the devices would need 4294967296 bytes \(4GiB\) of media in all, and one simulated memory holds at most \d+ bytes/);
  });

  it('says when a namespace is too small for its mode\'s reservation', () => {
    expect(errors('device size=2MiB\n')).toEqual([
      'line 1: device: a 2MiB fsdax namespace has no room for data: the ndctl layout reserves 2097152 bytes (2MiB) for the info block and memmap; use a larger size, mode=raw, or an explicit data-offset=',
    ]);
    expect(errors('device size=2MiB mode=raw\nreconfigure mode=devdax\n')).toHaveLength(1);
    expect(errors('device size=2MiB mode=fsdax data-offset=8k\n')).toEqual([]);
  });

  it('reports what nvdimm/config.ts refuses, under the script\'s key names', () => {
    expect(errors('device size=4MiB data-offset=4MiB\n')).toEqual([
      'line 1: device: data-offset must be an integer byte count in [0, 4190208] (the data must keep at least one page), got 4194304',
    ]);
    expect(errors('device size=4MiB badblocks-max-entries=2000000\n')).toEqual([
      'line 1: device: badblocks-max-entries must be an integer entries in [1, 1048576], got 2000000',
    ]);
  });
});

describe('reporting', () => {
  it('reports every bad line once, in line order, and nothing for the good ones', () => {
    const s = 'device size=64MiB\nread sector=x bytes=1\nwrite sector=0 bytes=1\nraed sector=0\nbadblocks\nzero-page\n';
    expect(errors(s).map((e) => e.slice(0, e.indexOf(':', 6)))).toEqual(['line 2', 'line 4', 'line 6']);
  });

  it('does not cascade: later lines using a malformed declaration are not reported again', () => {
    const s = 'device size=64XiB\nread sector=0 bytes=512\nfile name=f pgoff=0 pages=x\npread file=f offset=0 bytes=1\nread dev=pmem0 sector=999999999 bytes=1\n';
    expect(errors(s).map((e) => e.slice(0, 7))).toEqual(['line 1:', 'line 3:']);
  });

  it('validates an empty or comment-only script', () => {
    expect(validateScript('')).toEqual({ ok: true, script: { commands: [], platform: { namespaces: [], eadr: false } } });
    expect(validateScript('# nothing\n\n').ok).toBe(true);
  });
});

describe('the arguments a valid script gives the executor', () => {
  it('camel-cases keys, fills defaults, resolves dev, converts units and hex', () => {
    const cmds = commands([
      'device size=64MiB mode=raw',
      'device name=pmem1 size=4MiB mode=fsdax clear-unit=4k fw-clear-max=2k mce-lsb=12 kernel=5.19 badblocks=itree legacy-bus no-recovery',
      'write sector=0x60 bytes=4k',
      'read dev=pmem1 sector=8 bytes=1KiB',
      'inject-error block=42 count=8 notify',
      'dax-access pgoff=10 pages=8 mode=recovery-write',
      'file dev=pmem1 name=f pgoff=0 pages=1',
      'fsync file=f',
      'fsync',
      'badblocks-store text="100 8\\n"',
      'poison offset=0x12345 len=64',
    ].join('\n'));
    expect(cmds.map((c) => [c.line, c.word])).toEqual([
      [1, 'device'], [2, 'device'], [3, 'write'], [4, 'read'], [5, 'inject-error'], [6, 'dax-access'],
      [7, 'file'], [8, 'fsync'], [9, 'fsync'], [10, 'badblocks-store'], [11, 'poison'],
    ]);
    const [d0, d1] = cmds;
    expect(d0!.args).toMatchObject({ name: undefined, size: 64 * MiB, mode: 'raw', dataOffset: undefined, clearUnit: 256, mceLsb: 6, kernel: '6.15', badblocks: 'table', legacyBus: false, eadr: false, noRecovery: false });
    expect(d0!.word === 'device' && d0!.args.namespace).toMatchObject({ index: 0, name: 'pmem0', size: 64 * MiB, mode: 'raw', dataOffset: 0, regionStart: 0 });
    expect(d1!.word === 'device' && d1!.args.namespace).toMatchObject({
      index: 1, name: 'pmem1', mode: 'fsdax', dataOffset: 2 * MiB, clearUnit: 4096, fwClearMax: 2048, mceLsb: 12,
      badblocks: 'itree', legacyBus: true, noRecovery: true, regionStart: 64 * MiB,
    });
    expect(d1!.word === 'device' && d1!.args.namespace.kernel.version).toBe('5.19');
    expect(cmds[2]!.args).toEqual({ dev: 'pmem0', sector: 0x60, bytes: 4096, pattern: 0 });
    expect(cmds[3]!.args).toEqual({ dev: 'pmem1', sector: 8, bytes: 1024 });
    expect(cmds[4]!.args).toEqual({ dev: 'pmem0', block: 42, count: 8, notify: true, saturate: false });
    expect(cmds[5]!.args).toEqual({ dev: 'pmem0', pgoff: 10, pages: 8, mode: 'recovery-write' });
    expect(cmds[6]!.args).toEqual({ dev: 'pmem1', name: 'f', pgoff: 0, pages: 1 });
    expect(cmds[7]!.args).toEqual({ dev: 'pmem1', file: 'f' });
    expect(cmds[8]!.args).toEqual({ dev: 'pmem0', file: undefined });
    expect(cmds[9]!.args).toEqual({ dev: 'pmem0', text: '100 8\n' });
    expect(cmds[10]!.args).toEqual({ dev: 'pmem0', offset: 0x12345, len: 64 });
  });

  it('gives the factory every namespace as declared, and reconfigure its new layout', () => {
    const v = validateScript('device size=64MiB mode=raw eadr\nreconfigure mode=fsdax\ndevice name=b size=4MiB eadr\n');
    if (!v.ok) throw new Error(v.errors.join('\n'));
    expect(v.script.platform.eadr).toBe(true);
    expect(v.script.platform.namespaces.map((n) => [n.name, n.mode, n.dataOffset, n.regionStart])).toEqual([['pmem0', 'raw', 0, 0], ['b', 'fsdax', 2 * MiB, 64 * MiB]]);
    const r = v.script.commands[1]!;
    expect(r.word === 'reconfigure' && r.args.namespace).toMatchObject({ name: 'pmem0', mode: 'fsdax', dataOffset: 2 * MiB, regionStart: 0 });
  });
});
