/**
 * A fake SimExecutor for testing the scenario language, not the simulated kernel: it
 * records every call in order and answers from a deliberately tiny model (one pattern byte
 * per sector; a set of bad sectors that reads refuse and writes clear), enough to give
 * reads checkable bytes and errno results. Any method can be overridden per test.
 *
 * Nothing here is a reference for kernel behaviour; the real executor over src/nvdimm,
 * src/pmem and src/dax is tested against the reference cases.
 */
import { KernelError } from '../../src/core/errors.js';
import type { ExecArgs, SimExecutor, SimOutcome, SimPlatform } from '../../src/sim/executor.js';

export interface Call {
  readonly method: string;
  readonly args: unknown;
}

type Overrides = Partial<Omit<SimExecutor, 'close'>>;

export class FakeExecutor implements SimExecutor {
  readonly calls: Call[] = [];
  closed = 0;
  readonly platform: SimPlatform;
  private readonly overrides: Overrides;
  /** dev → sector → pattern byte last written there. */
  private readonly bytes = new Map<string, Map<number, number>>();
  /** dev → bad sectors (injected, not yet written). */
  private readonly bad = new Map<string, Set<number>>();
  private readonly injected = new Map<string, Set<number>>();
  private readonly files = new Map<string, { dev: string; pgoff: number }>();

  constructor(platform: SimPlatform, overrides: Overrides = {}) {
    this.platform = platform;
    this.overrides = overrides;
  }

  private record<W extends keyof Overrides>(method: W, args: unknown, fallback: () => SimOutcome): SimOutcome | Promise<SimOutcome> {
    this.calls.push({ method, args });
    const o = this.overrides[method] as ((a: unknown) => SimOutcome | Promise<SimOutcome>) | undefined;
    return o ? o(args) : fallback();
  }

  private set(map: Map<string, Set<number>>, dev: string): Set<number> {
    let s = map.get(dev);
    if (!s) map.set(dev, (s = new Set()));
    return s;
  }

  private readSectors(dev: string, firstSector: number, bytes: number): SimOutcome {
    const bad = this.bad.get(dev);
    const data = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) {
      const sector = firstSector + Math.floor(i / 512);
      if (bad?.has(sector)) return { ret: 'EIO' };
      data[i] = this.bytes.get(dev)?.get(sector) ?? 0;
    }
    return { ret: bytes, data };
  }

  private writeSectors(dev: string, firstSector: number, bytes: number, pattern: number): SimOutcome {
    let m = this.bytes.get(dev);
    if (!m) this.bytes.set(dev, (m = new Map()));
    for (let s = firstSector; s < firstSector + Math.ceil(bytes / 512); s++) {
      m.set(s, pattern);
      this.bad.get(dev)?.delete(s);
    }
    return { ret: bytes };
  }

  private runs(sectors: Set<number> | undefined): [number, number][] {
    const sorted = [...(sectors ?? [])].sort((a, b) => a - b);
    const out: [number, number][] = [];
    for (const s of sorted) {
      const last = out[out.length - 1];
      if (last && last[0] + last[1] === s) last[1]++;
      else out.push([s, 1]);
    }
    return out;
  }

  device(a: ExecArgs<'device'>) { return this.record('device', a, () => ({ ret: 0 })); }
  reconfigure(a: ExecArgs<'reconfigure'>) { return this.record('reconfigure', a, () => ({ ret: 0 })); }
  injectError(a: ExecArgs<'inject-error'>) {
    return this.record('injectError', a, () => {
      for (let b = a.block; b < a.block + a.count; b++) {
        this.set(this.injected, a.dev).add(b);
        if (a.notify) this.set(this.bad, a.dev).add(b);
      }
      return { ret: 0 };
    });
  }
  uninject(a: ExecArgs<'uninject'>) {
    return this.record('uninject', a, () => {
      for (let b = a.block; b < a.block + a.count; b++) this.injected.get(a.dev)?.delete(b);
      return { ret: 0 };
    });
  }
  injectStatus(a: ExecArgs<'inject-status'>) {
    // Keys deliberately in the "wrong" order: the output must not depend on it.
    return this.record('injectStatus', a, () => ({ ret: this.runs(this.injected.get(a.dev)).map(([block, count]) => ({ count, block })) }));
  }
  poison(a: ExecArgs<'poison'>) { return this.record('poison', a, () => ({ ret: 0 })); }
  scrub(a: ExecArgs<'scrub'>) {
    return this.record('scrub', a, () => {
      for (const b of this.injected.get(a.dev) ?? []) this.set(this.bad, a.dev).add(b);
      return { ret: 0 };
    });
  }
  badblocks(a: ExecArgs<'badblocks'>) {
    return this.record('badblocks', a, () => ({ ret: this.runs(this.bad.get(a.dev)).map(([s, n]) => `${s} ${n}\n`).join('') }));
  }
  regionBadblocks(a: ExecArgs<'region-badblocks'>) { return this.record('regionBadblocks', a, () => ({ ret: '' })); }
  badblocksStore(a: ExecArgs<'badblocks-store'>) {
    return this.record('badblocksStore', a, () => {
      const m = /^(\d+) (\d+)\n?$/.exec(a.text);
      if (!m) throw new KernelError('EINVAL', 'bad badblocks text');
      for (let s = Number(m[1]); s < Number(m[1]) + Number(m[2]); s++) this.set(this.bad, a.dev).add(s);
      return { ret: a.text.length };
    });
  }
  read(a: ExecArgs<'read'>) { return this.record('read', a, () => this.readSectors(a.dev, a.sector, a.bytes)); }
  write(a: ExecArgs<'write'>) { return this.record('write', a, () => this.writeSectors(a.dev, a.sector, a.bytes, a.pattern)); }
  fsync(a: ExecArgs<'fsync'>) { return this.record('fsync', a, () => ({ ret: 0 })); }
  clearPoison(a: ExecArgs<'clear-poison'>) { return this.record('clearPoison', a, () => ({ ret: a.len })); }
  zeroPage(a: ExecArgs<'zero-page'>) { return this.record('zeroPage', a, () => ({ ret: a.pages === 1 ? 0 : 'EIO' })); }
  daxAccess(a: ExecArgs<'dax-access'>) { return this.record('daxAccess', a, () => ({ ret: a.pages < 0 ? 'EINVAL' : a.pages })); }
  recoveryWrite(a: ExecArgs<'recovery-write'>) { return this.record('recoveryWrite', a, () => ({ ret: a.bytes })); }
  file(a: ExecArgs<'file'>) {
    return this.record('file', a, () => {
      this.files.set(a.name, { dev: a.dev, pgoff: a.pgoff });
      return { ret: 0 };
    });
  }
  pread(a: ExecArgs<'pread'>) {
    return this.record('pread', a, () => {
      const f = this.files.get(a.file)!;
      return this.readSectors(f.dev, f.pgoff * 8 + Math.floor(a.offset / 512), a.bytes);
    });
  }
  pwrite(a: ExecArgs<'pwrite'>) {
    return this.record('pwrite', a, () => {
      const f = this.files.get(a.file)!;
      return this.writeSectors(f.dev, f.pgoff * 8 + Math.floor(a.offset / 512), a.bytes, a.pattern);
    });
  }
  punchHole(a: ExecArgs<'punch-hole'>) { return this.record('punchHole', a, () => ({ ret: 0 })); }
  errorMap(a: ExecArgs<'error-map'>) { return this.record('errorMap', a, () => ({ ret: 0 })); }
  advance(a: ExecArgs<'advance'>) { return this.record('advance', a, () => ({ ret: 0 })); }
  powerFail(a: ExecArgs<'power-fail'>) { return this.record('powerFail', a, () => ({ ret: 0 })); }
  fs(a: ExecArgs<'fs'>) { return this.record('fs', a, () => ({ ret: 0 })); }
  process(a: ExecArgs<'process'>) { return this.record('process', a, () => ({ ret: 0 })); }
  sysctl(a: ExecArgs<'sysctl'>) { return this.record('sysctl', a, () => ({ ret: 0 })); }
  mmap(a: ExecArgs<'mmap'>) { return this.record('mmap', a, () => ({ ret: 0 })); }
  load(a: ExecArgs<'load'>) { return this.record('load', a, () => ({ ret: 0 })); }
  store(a: ExecArgs<'store'>) { return this.record('store', a, () => ({ ret: 0 })); }
  madviseHwpoison(a: ExecArgs<'madvise-hwpoison'>) { return this.record('madviseHwpoison', a, () => ({ ret: 0 })); }
  madviseSoftOffline(a: ExecArgs<'madvise-soft-offline'>) { return this.record('madviseSoftOffline', a, () => ({ ret: 'EIO' })); }
  signals(a: ExecArgs<'signals'>) { return this.record('signals', a, () => ({ ret: [] })); }
  memoryFailure(a: ExecArgs<'memory-failure'>) { return this.record('memoryFailure', a, () => ({ ret: 0 })); }
  unbind(a: ExecArgs<'unbind'>) { return this.record('unbind', a, () => ({ ret: 0 })); }
  dm(a: ExecArgs<'dm'>) { return this.record('dm', a, () => ({ ret: 0 })); }
  policy(a: ExecArgs<'policy'>) { return this.record('policy', a, () => ({ ret: 0 })); }
  close(): void {
    this.closed++;
  }
}

/** A factory that remembers the executor it made (and the platform it was given). */
export function fakeFactory(overrides: Overrides = {}): { create: (p: SimPlatform) => Promise<FakeExecutor>; made: FakeExecutor[] } {
  const made: FakeExecutor[] = [];
  return {
    made,
    create: async (platform) => {
      const e = new FakeExecutor(platform, overrides);
      made.push(e);
      return e;
    },
  };
}
