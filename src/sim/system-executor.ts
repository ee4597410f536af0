/**
 * The real executor of scenario scripts: every command word driven through the simulated
 * system (src/nvdimm, src/pmem, src/dax) on a virtual clock (DESIGN.md "Time").
 *
 *   validated script ─ run.ts ─► SystemExecutor.<method>(args) ─► nvdimm / pmem / dax API
 *                                      │
 *                                      └─ one System (createSystem) + one fs-dax filesystem
 *
 * Set-up (the factory, before line 1): every namespace the script declares is in the layout
 * from the start, placed one region after another (SimPlatform), with an fs-dax region for
 * files; then every namespace is disabled, and each `device` line enables (probes) its own.
 * One thread, one slot: a script is sequential, and the output is deterministic.
 *
 * | command          | call                                                              | ret                      |
 * |------------------|-------------------------------------------------------------------|--------------------------|
 * | device           | enableNamespace                                                   | 0 / EIO (probe failed)   |
 * | reconfigure      | reconfigureNamespace(mode, data offset); the fs on it is dropped  | 0 / EIO                  |
 * | inject-error     | injectError(block, count, notify, saturate)                       | 0 / ENOMEM               |
 * | uninject         | uninjectError                                                     | 0                        |
 * | inject-status    | injectStatus                                                      | [{block, count}]         |
 * | poison           | media.poison(ns.spa(offset), len): latent, hardware only          | 0                        |
 * | error-map        | seedErrorMap (parsed at validation): windows, poison, short ARS   | 0                        |
 * | scrub [short]    | scrub(bus, {short, range: the namespace's region}), waited for    | 0                        |
 * | badblocks        | ns.bb.show()                                                      | sysfs text               |
 * | region-badblocks | ns.regionBb.show()                                                | sysfs text               |
 * | badblocks-store  | ns.bb.store(text) (acknowledged)                                  | bytes / EINVAL, ENOSPC   |
 * | read, write      | pmemRead / pmemWrite, one bio per BIO_BYTES (see below)           | bytes / EIO, EINVAL, ... |
 * | fsync            | pmemFlush (no file) or DaxFile.fsync                              | 0                        |
 * | clear-poison     | nvdimmClearPoison(bus, ns.spa(offset), len)                       | bytes cleared / ENXIO    |
 * | zero-page        | daxZeroPageRange                                                  | 0 / EIO, ENXIO           |
 * | dax-access       | daxDirectAccess                                                   | pages / EHWPOISON, ...   |
 * | recovery-write   | daxRecoveryWrite                                                  | bytes (0 = refused)      |
 * | file             | FsDax.createFile                                                  | 0 / EBUSY, ENOSPC        |
 * | pread, pwrite    | daxPread / daxPwrite (dax_iomap_rw, one call)                     | bytes / EIO, EFAULT, ... |
 * | punch-hole       | DaxFile.punchHole                                                 | 0 / EIO, ...             |
 * | advance          | clock.advance(ms)                                                 | 0                        |
 * | power-fail       | media.powerFail (FsDax.powerFail when files exist)                | bytes lost               |
 *
 * Block reads and writes are O_DIRECT pread/pwrite on /dev/pmemX as __blkdev_direct_IO
 * issues them from a page-aligned buffer: one bio per BIO_MAX_VECS (256) pages = 1 MiB,
 * every bio submitted even after one failed, each bio processed segment by segment and
 * stopped at its first failure (pmem_submit_bio, P-7). The call returns the byte count, or
 * the errno of the first failed bio (a direct I/O with a failed bio reports the error, not
 * a short count). Bio boundaries fall on page boundaries from the request start, so the
 * segments are the ones a single pmemRead/pmemWrite would make.
 *
 * Extra output fields (deterministic; absent when they do not apply):
 *   delivered  read that failed: bytes the failed read still copied into the user buffer
 *   written    write that failed: bytes written before the failing segment(s)
 *   cause      read/write that failed: badblocks | mce | unmapped | clear (pmem/block.ts)
 *   mce        read/pread: machine checks the command raised by consuming poison (> 0 only)
 *   cleared    bytes the firmware cleared during the command (> 0 only; not on clear-poison,
 *              whose ret is that count): writes, recovery, zeroing, probe memmap clears
 *   records    scrub: firmware records in the namespace's region after the scrub
 *   dropped    scrub: ranges the last populate of the namespace's badblocks (the region's
 *              for devdax) could not record — a full table (E-6) — (> 0 only)
 *   durable    fsync: bytes the fence made durable
 *   files      power-fail with files: bytes each file lost, by name
 */
import type { System } from '../nvdimm/system.js';
import type { NamespaceConfig, NamespaceOptions, ModelOptions } from '../nvdimm/config.js';
import type { Namespace } from '../nvdimm/namespace.js';
import { disableNamespace, enableNamespace, reconfigureNamespace } from '../nvdimm/lifecycle.js';
import { injectError, injectStatus, uninjectError } from '../nvdimm/inject.js';
import { scrub } from '../nvdimm/ars.js';
import { nvdimmClearPoison } from '../nvdimm/clear.js';
import type { CounterName } from '../nvdimm/state.js';
import { pmemFlush, pmemRead, pmemWrite, type BioFailure } from '../pmem/block.js';
import { daxDirectAccess, daxRecoveryWrite, daxZeroPageRange } from '../dax/super.js';
import type { DaxFile, FsDax } from '../dax/fs.js';
import { createMmSystem } from '../mm/system.js';
import { createSystem } from '../nvdimm/system.js';
import { seedErrorMap } from '../nvdimm/seed.js';
import { sparseOptionsOf } from '../nvdimm/sparse.js';
import type { Mm } from '../mm/mm.js';
import { createProcess, mmap, type Mapping, type Process } from '../mm/process.js';
import { load, store } from '../mm/access.js';
import { madviseHwpoison, madviseSoftOffline, memoryFailureEvent, unbind } from '../mm/events.js';
import { readSignals, signalCount, signalsSinceLocked, type SigInfo } from '../mm/signals.js';
import type { MmCounterName } from '../mm/region.js';
import { createDm, dmDaxDirectAccess, dmDaxRecoveryWrite, dmDaxZeroPageRange, dmRead, dmWrite, type DmDevice } from '../dm/index.js';
import { daxPread, daxPwrite } from '../dax/iomap.js';
import type { WasmBuild } from '../core/wasm.js';
import type { ExecArgs, ExecutorFactory, JsonValue, SimExecutor, SimOutcome, SimPlatform } from './executor.js';

/** One direct-I/O bio: BIO_MAX_VECS (256) single-page segments of a page-aligned buffer. */
export const BIO_BYTES = 256 * 4096;

export interface SystemExecutorOptions {
  /** Wasm build (default: POISONBENCH_WASM, else release; src/core/wasm.ts). */
  readonly build?: WasmBuild;
  /** Model parameters (clear latency, ARS duration); time is always virtual here. */
  readonly model?: Omit<ModelOptions, 'time'>;
}

/** The namespace options that resolve to `c` again (config.ts). */
function optionsOf(c: NamespaceConfig): NamespaceOptions {
  return {
    name: c.name, size: c.size, mode: c.mode, dataOffset: c.dataOffset, clearUnit: c.clearUnit,
    fwClearMax: c.fwClearMax, mceLsb: c.mceLsb, kernel: c.kernel.version, badblocks: c.badblocks,
    badblocksMaxEntries: c.badblocksMaxEntries, legacyBus: c.legacyBus, noRecovery: c.noRecovery,
    ...(c.sparse === null ? {} : { sparse: sparseOptionsOf(c.sparse, c.dataOffset) }),
  };
}

/** An executor factory over the simulated system with `options`. */
export function systemExecutorFactory(options: SystemExecutorOptions = {}): ExecutorFactory {
  return async (platform: SimPlatform): Promise<SimExecutor> => {
    const namespaces = platform.namespaces.map(optionsOf);
    const systemOptions = {
      namespaces,
      model: { ...options.model, time: 'virtual' as const },
      maxThreads: 1,
      eADR: platform.eadr,
      ...(options.build === undefined ? {} : { build: options.build }),
    };
    // A sparse device has no fs or mm (validation refuses their commands): their per-page
    // tables are sized by the logical namespace size (src/mm/system.ts), terabytes here.
    const { system, fs, mm } = namespaces.some((n) => n.sparse !== undefined)
      ? { system: await createSystem(systemOptions), fs: null, mm: null }
      : await createMmSystem(systemOptions);
    try {
      system.config.namespaces.forEach((got, i) => {
        const want = platform.namespaces[i]!;
        if (got.regionStart !== want.regionStart || got.dataOffset !== want.dataOffset || got.name !== want.name) {
          throw new Error(`namespace ${want.name}: the system placed it at ${got.regionStart}+${got.dataOffset}, validation at ${want.regionStart}+${want.dataOffset}`);
        }
      });
      // Each namespace is enabled by its own device line.
      for (const ns of system.namespaces) disableNamespace(ns);
      return new SystemExecutor(system, fs, mm);
    } catch (err) {
      system.detach();
      throw err;
    }
  };
}

/** The factory `poisonbench sim` uses: default model, the build POISONBENCH_WASM selects. */
export const createSystemExecutor: ExecutorFactory = systemExecutorFactory();

type Fields = Record<string, JsonValue>;

class SystemExecutor implements SimExecutor {
  readonly #system: System;
  readonly #fsOrNull: FsDax | null;
  readonly #mmOrNull: Mm | null;
  readonly #files = new Map<string, DaxFile>();
  readonly #procs = new Map<string, Process>();
  readonly #maps = new Map<string, Mapping>();
  readonly #dms = new Map<string, DmDevice>();
  #closed = false;

  constructor(system: System, fs: FsDax | null, mm: Mm | null) {
    this.#system = system;
    this.#fsOrNull = fs;
    this.#mmOrNull = mm;
  }

  // Null only with a sparse device, whose scripts validation keeps away from files and mm.
  get #fs(): FsDax {
    if (this.#fsOrNull === null) throw new Error('this script has a sparse device: it has no filesystem');
    return this.#fsOrNull;
  }

  get #mm(): Mm {
    if (this.#mmOrNull === null) throw new Error('this script has a sparse device: it has no mm');
    return this.#mmOrNull;
  }

  #ns(name: string): Namespace {
    return this.#system.namespace(name);
  }

  #file(name: string): DaxFile {
    const f = this.#files.get(name);
    if (f === undefined) throw new Error(`file ${JSON.stringify(name)} was not created (its file line failed)`);
    return f;
  }

  /** Runs `fn`, adding `cleared` (and with `mce`, the machine checks) to its fields. */
  #tracked(fn: () => SimOutcome, opts: { mce?: boolean } = {}): SimOutcome {
    const bus = this.#system.bus;
    const before = bus.counters();
    const out = fn();
    const after = bus.counters();
    const delta = (c: CounterName): number => after[c] - before[c];
    const extra: Fields = {};
    if (delta('clearedBytes') > 0) extra['cleared'] = delta('clearedBytes');
    if (opts.mce === true && delta('mce') > 0) extra['mce'] = delta('mce');
    if (Object.keys(extra).length === 0) return out;
    return { ...out, fields: { ...out.fields, ...extra } };
  }

  device(a: ExecArgs<'device'>): SimOutcome {
    const ns = this.#ns(a.namespace.name);
    return this.#tracked(() => {
      const r = enableNamespace(ns);
      return { ret: r.ok ? 0 : r.errno };
    });
  }

  reconfigure(a: ExecArgs<'reconfigure'>): SimOutcome {
    const ns = this.#ns(a.dev);
    return this.#tracked(() => {
      const r = reconfigureNamespace(ns, { mode: a.namespace.mode, dataOffset: a.namespace.dataOffset });
      // ndctl create-namespace -f -e re-creates the namespace: its filesystem is gone.
      this.#fsOrNull?.dropNamespace(ns);
      for (const [name, f] of this.#files) if (f.dev.ns === ns) this.#files.delete(name);
      return { ret: r.ok ? 0 : r.errno };
    });
  }

  injectError(a: ExecArgs<'inject-error'>): SimOutcome {
    const r = injectError(this.#ns(a.dev), { block: a.block, count: a.count, notify: a.notify, saturate: a.saturate });
    return { ret: r.ok ? 0 : r.errno };
  }

  uninject(a: ExecArgs<'uninject'>): SimOutcome {
    uninjectError(this.#ns(a.dev), { block: a.block, count: a.count });
    return { ret: 0 };
  }

  injectStatus(a: ExecArgs<'inject-status'>): SimOutcome {
    return { ret: injectStatus(this.#ns(a.dev)).map((r) => ({ block: r.block, count: r.count })) };
  }

  poison(a: ExecArgs<'poison'>): SimOutcome {
    const ns = this.#ns(a.dev);
    this.#system.media.poison(ns.spa(a.offset, a.len), a.len);
    return { ret: 0 };
  }

  errorMap(a: ExecArgs<'error-map'>): SimOutcome {
    const [r] = seedErrorMap(this.#system, a.map, { namespaces: { [a.map.namespaces[0]!.name]: a.dev } });
    return { ret: 0, fields: { ranges: r!.ranges, sectors: r!.sectors, ...(r!.windowsAdded > 0 ? { windows: r!.windowsAdded } : {}) } };
  }

  scrub(a: ExecArgs<'scrub'>): SimOutcome {
    const ns = this.#ns(a.dev);
    const r = scrub(this.#system.bus, { short: a.short, range: { start: ns.regionStart, length: ns.spaBytes } });
    const stats = ns.populateStats();
    const dropped = (ns.mode === 'devdax' ? stats.regionBb : stats.bb).lastDropped;
    return { ret: 0, fields: { records: r.records.length, ...(dropped > 0 ? { dropped } : {}) } };
  }

  badblocks(a: ExecArgs<'badblocks'>): SimOutcome {
    return { ret: this.#ns(a.dev).bb.show() };
  }

  regionBadblocks(a: ExecArgs<'region-badblocks'>): SimOutcome {
    return { ret: this.#ns(a.dev).regionBb.show() };
  }

  badblocksStore(a: ExecArgs<'badblocks-store'>): SimOutcome {
    // A refusal throws a KernelError (EINVAL, ENOSPC): the runner makes it the ret.
    return { ret: this.#ns(a.dev).bb.store(a.text) };
  }

  read(a: ExecArgs<'read'>): SimOutcome {
    const dm = this.#dms.get(a.dev);
    if (dm !== undefined) {
      return this.#tracked(() => {
        const r = dmRead(dm, a.sector, a.bytes);
        return r.ok ? { ret: r.bytes, data: r.data } : { ret: r.errno, fields: { delivered: r.bytesDone, ...(r.cause === undefined ? {} : { cause: r.cause }) } };
      }, { mce: true });
    }
    const ns = this.#ns(a.dev);
    return this.#tracked(() => {
      const n = a.bytes;
      const data = new Uint8Array(n);
      if (n % 512 !== 0) {
        // O_DIRECT alignment: refused before any bio (pmemRead says EINVAL).
        const r = pmemRead(ns, a.sector, n, { out: data });
        return r.ok ? { ret: r.bytes, data: r.data } : { ret: r.errno };
      }
      let failed: { errno: string; cause?: BioFailure } | undefined;
      let delivered = 0;
      for (let off = 0; off < n; off += BIO_BYTES) {
        const len = Math.min(BIO_BYTES, n - off);
        const r = pmemRead(ns, a.sector + off / 512, len, { out: data.subarray(off, off + len) });
        if (r.ok) {
          delivered += r.bytes;
        } else {
          delivered += r.bytesDone;
          failed ??= { errno: r.errno, ...(r.cause === undefined ? {} : { cause: r.cause }) };
        }
      }
      if (failed === undefined) return { ret: n, data };
      return { ret: failed.errno, fields: { delivered, ...(failed.cause === undefined ? {} : { cause: failed.cause }) } };
    }, { mce: true });
  }

  write(a: ExecArgs<'write'>): SimOutcome {
    const dm = this.#dms.get(a.dev);
    if (dm !== undefined) {
      return this.#tracked(() => {
        const r = dmWrite(dm, a.sector, new Uint8Array(a.bytes).fill(a.pattern));
        return r.ok ? { ret: r.bytes } : { ret: r.errno, fields: { written: r.bytesDone, ...(r.cause === undefined ? {} : { cause: r.cause }) } };
      });
    }
    const ns = this.#ns(a.dev);
    return this.#tracked(() => {
      const n = a.bytes;
      if (n % 512 !== 0) {
        const r = pmemWrite(ns, a.sector, new Uint8Array(n).fill(a.pattern));
        return { ret: r.ok ? r.bytes : r.errno };
      }
      const chunk = new Uint8Array(Math.min(n, BIO_BYTES)).fill(a.pattern);
      let failed: { errno: string; cause?: BioFailure } | undefined;
      let written = 0;
      for (let off = 0; off < n; off += BIO_BYTES) {
        const len = Math.min(BIO_BYTES, n - off);
        const r = pmemWrite(ns, a.sector + off / 512, chunk.subarray(0, len));
        if (r.ok) {
          written += r.bytes;
        } else {
          written += r.bytesDone;
          failed ??= { errno: r.errno, ...(r.cause === undefined ? {} : { cause: r.cause }) };
        }
      }
      if (failed === undefined) return { ret: n };
      return { ret: failed.errno, fields: { written, ...(failed.cause === undefined ? {} : { cause: failed.cause }) } };
    });
  }

  fsync(a: ExecArgs<'fsync'>): SimOutcome {
    if (a.file !== undefined) return { ret: 0, fields: { durable: this.#file(a.file).fsync().durableBytes } };
    return { ret: 0, fields: { durable: pmemFlush(this.#ns(a.dev)) } };
  }

  clearPoison(a: ExecArgs<'clear-poison'>): SimOutcome {
    const ns = this.#ns(a.dev);
    const r = nvdimmClearPoison(this.#system.bus, ns.spa(a.offset, a.len), a.len);
    return { ret: r.ok ? r.cleared : r.errno };
  }

  zeroPage(a: ExecArgs<'zero-page'>): SimOutcome {
    const dm = this.#dms.get(a.dev);
    if (dm !== undefined) {
      return this.#tracked(() => {
        const r = dmDaxZeroPageRange(dm, a.pgoff, a.pages);
        return { ret: r.ok ? 0 : r.errno };
      });
    }
    const ns = this.#ns(a.dev);
    return this.#tracked(() => {
      const r = daxZeroPageRange(ns, a.pgoff, a.pages);
      return { ret: r.ok ? 0 : r.errno };
    });
  }

  daxAccess(a: ExecArgs<'dax-access'>): SimOutcome {
    const dm = this.#dms.get(a.dev);
    const r = dm !== undefined ? dmDaxDirectAccess(dm, a.pgoff, a.pages, a.mode) : daxDirectAccess(this.#ns(a.dev), a.pgoff, a.pages, a.mode);
    return { ret: r.ok ? r.pages : r.errno };
  }

  recoveryWrite(a: ExecArgs<'recovery-write'>): SimOutcome {
    const dm = this.#dms.get(a.dev);
    if (dm !== undefined) {
      return this.#tracked(() => ({ ret: dmDaxRecoveryWrite(dm, a.pgoff, a.offset, new Uint8Array(a.bytes).fill(a.pattern), this.#mm.dmRecoveryPolicy) }));
    }
    const ns = this.#ns(a.dev);
    return this.#tracked(() => ({ ret: daxRecoveryWrite(ns, a.pgoff, a.offset, new Uint8Array(a.bytes).fill(a.pattern)) }));
  }

  file(a: ExecArgs<'file'>): SimOutcome {
    const r = this.#fs.createFile({ dev: this.#dms.get(a.dev) ?? this.#ns(a.dev), name: a.name, pgoff: a.pgoff, pages: a.pages });
    if ('errno' in r) return { ret: r.errno };
    this.#files.set(a.name, r);
    return { ret: 0 };
  }

  pread(a: ExecArgs<'pread'>): SimOutcome {
    const file = this.#file(a.file);
    return this.#tracked(() => {
      const r = daxPread(file, a.offset, a.bytes);
      return r.ok ? { ret: r.bytes, data: r.data } : { ret: r.errno };
    }, { mce: true });
  }

  pwrite(a: ExecArgs<'pwrite'>): SimOutcome {
    const file = this.#file(a.file);
    return this.#tracked(() => {
      const r = daxPwrite(file, a.offset, new Uint8Array(a.bytes).fill(a.pattern));
      return { ret: r.ok ? r.bytes : r.errno };
    });
  }

  punchHole(a: ExecArgs<'punch-hole'>): SimOutcome {
    const file = this.#file(a.file);
    return this.#tracked(() => {
      const r = file.punchHole(a.offset, a.bytes);
      return { ret: r.ok ? 0 : r.errno };
    });
  }

  advance(a: ExecArgs<'advance'>): SimOutcome {
    this.#system.clock.advance(a.ms);
    return { ret: 0 };
  }

  powerFail(_a: ExecArgs<'power-fail'>): SimOutcome {
    if (this.#files.size === 0) return { ret: this.#system.media.powerFail().lostBytes };
    const r = this.#fs.powerFail();
    const files: Fields = {};
    for (const f of r.files) files[f.name] = f.lostBytes;
    return { ret: r.lostBytes, fields: { files } };
  }

  // ---- src/mm, src/xfs, src/dm ----

  #proc(name: string): Process {
    const p = this.#procs.get(name);
    if (p === undefined) throw new Error(`process ${JSON.stringify(name)} was not created (its process line failed)`);
    return p;
  }

  #mapping(a: { process: string; file?: string | undefined; dev?: string | undefined }): Mapping {
    const key = `${a.process}|${a.file !== undefined ? `file:${a.file}` : `dev:${a.dev!}`}`;
    const m = this.#maps.get(key);
    if (m === undefined) throw new Error(`${key}: the mmap line failed`);
    return m;
  }

  /**
   * Runs `fn` and adds to its fields the first signal `proc` received during it and the mm's
   * work counters that moved.
   */
  #mmTracked(proc: Process | null, fn: () => SimOutcome): SimOutcome {
    const r = this.#mm.region;
    const before = this.#mm.counters();
    const sigBefore = proc === null ? 0 : signalCount(r, proc.index);
    const out = fn();
    const after = this.#mm.counters();
    const d = (c: MmCounterName): number => after[c] - before[c];
    const extra: Fields = {};
    if (proc !== null) {
      const got = r.lock(() => signalsSinceLocked(r, proc.index, sigBefore));
      if (got.length > 0) Object.assign(extra, sigFields(got[0]!));
    }
    const work: [string, MmCounterName][] = [['notifications', 'notifications'], ['rmapLookups', 'rmapLookups'], ['unmapped', 'pagesUnmapped'], ['signals', 'signals'], ['hwpoison', 'hwpoisonPages']];
    for (const [field, c] of work) if (d(c) > 0) extra[field] = d(c);
    return { ...out, fields: { ...out.fields, ...extra } };
  }

  fs(a: ExecArgs<'fs'>): SimOutcome {
    this.#fs.reformat(a.format);
    return { ret: 0 };
  }

  process(a: ExecArgs<'process'>): SimOutcome {
    this.#procs.set(a.name, createProcess(this.#mm, a.name, { mceKill: a.earlyKill ? 'early' : 'default' }));
    return { ret: 0 };
  }

  sysctl(a: ExecArgs<'sysctl'>): SimOutcome {
    this.#mm.earlyKill = a.memoryFailureEarlyKill === '1';
    return { ret: 0 };
  }

  mmap(a: ExecArgs<'mmap'>): SimOutcome {
    const proc = this.#proc(a.process);
    const target = a.file !== undefined ? this.#file(a.file) : this.#ns(a.dev!);
    const m = mmap(this.#mm, proc, target, a.pud ? 'pud' : a.pmd ? 'pmd' : 'pte');
    if ('errno' in m) return { ret: m.errno };
    this.#maps.set(`${a.process}|${a.file !== undefined ? `file:${a.file}` : `dev:${a.dev}`}`, m);
    return { ret: 0, fields: { addr: hex(m.vaddr) } };
  }

  load(a: ExecArgs<'load'>): SimOutcome {
    const map = this.#mapping(a);
    return this.#tracked(() => this.#mmTracked(map.process, () => {
      const r = load(this.#mm, map, a.offset, 8);
      return { ret: 'errno' in r ? r.errno : 0 };
    }), { mce: true });
  }

  store(a: ExecArgs<'store'>): SimOutcome {
    const map = this.#mapping(a);
    return this.#tracked(() => this.#mmTracked(map.process, () => {
      const r = store(this.#mm, map, a.offset, new Uint8Array(8).fill(a.pattern));
      return { ret: 'errno' in r ? r.errno : 0 };
    }));
  }

  madviseHwpoison(a: ExecArgs<'madvise-hwpoison'>): SimOutcome {
    const map = this.#mapping(a);
    return this.#mmTracked(map.process, () => {
      const r = madviseHwpoison(this.#mm, map, a.offset, a.root);
      return { ret: r.ok ? 0 : r.errno };
    });
  }

  madviseSoftOffline(a: ExecArgs<'madvise-soft-offline'>): SimOutcome {
    return { ret: madviseSoftOffline(this.#mm, this.#mapping(a), a.offset, a.root).errno };
  }

  signals(a: ExecArgs<'signals'>): SimOutcome {
    return { ret: readSignals(this.#mm.region, this.#proc(a.process).index).log.map(sigFields) };
  }

  memoryFailure(a: ExecArgs<'memory-failure'>): SimOutcome {
    const dev = this.#dms.get(a.dev) ?? this.#ns(a.dev);
    return this.#tracked(() => this.#mmTracked(null, () => {
      const r = memoryFailureEvent(this.#mm, dev, a.pfnOffset, a.len);
      const failed = Object.keys(r.results).find((k) => k !== '0' && k !== 'EOPNOTSUPP');
      return { ret: failed ?? 0, fields: { calls: r.calls } };
    }));
  }

  unbind(a: ExecArgs<'unbind'>): SimOutcome {
    const ns = this.#ns(a.dev);
    return this.#mmTracked(null, () => {
      const r = unbind(this.#mm, ns);
      return { ret: r === null ? 0 : r };
    });
  }

  dm(a: ExecArgs<'dm'>): SimOutcome {
    const ns = (n: string): Namespace => this.#ns(n);
    const spec = a.type === 'error'
      ? [{ type: 'error' as const, len: a.sectors! }]
      : a.type === 'linear'
        ? a.pieces.map((p) => ({ type: 'linear' as const, dev: ns(p.dev), start: p.start!, len: p.len! }))
        : [{ type: 'stripe' as const, devs: a.pieces.map((p) => ns(p.dev)), chunk: a.chunk! }];
    const dm = createDm(a.name, spec);
    this.#dms.set(a.name, dm);
    this.#mm.addDm(dm);
    return { ret: 0 };
  }

  policy(a: ExecArgs<'policy'>): SimOutcome {
    if (a.memoryFailure !== undefined) this.#mm.memoryFailurePolicy = a.memoryFailure;
    if (a.dmRecovery !== undefined) this.#mm.dmRecoveryPolicy = a.dmRecovery;
    return { ret: 0 };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#system.detach();
  }
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** A signal as the output line shows it. */
function sigFields(s: SigInfo): Fields {
  return { signal: s.signal, code: s.code, ...(s.lsb === undefined ? {} : { lsb: s.lsb }), ...(s.addr === undefined ? {} : { addr: hex(s.addr) }) };
}
