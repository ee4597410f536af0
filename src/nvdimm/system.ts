/**
 * The simulated platform: an nvdimm bus with one region and namespace per configured
 * namespace, over ONE shared WebAssembly.Memory that any thread can attach to.
 *
 * `createSystem()` resolves the configuration (config.ts), computes one layout and
 * initialises it; `attachSystem(handle)` gives another thread (a worker) its own view of the
 * same state. The layout's media is every region back to back; the regions of the layout
 * (src/core/layout.ts directory) are, in this order:
 *
 *   [0]            REGION_KIND_BUS   bus state: device mutex, clock, ARS, counters,
 *                                    namespace words, firmware list, badrange list (state.ts)
 *   [1 + 2i]       bb kind id        namespace i's pmem->bb   (sectors from its data start)
 *   [2 + 2i]       bb kind id        namespace i's region bb  (sectors from its region start)
 *   [1 + 2n + j]   caller's kind     `extraRegions[j]`, zeroed, for later layers (an fs
 *                                    extent table, process and mapping tables, ...): the
 *                                    layer that asked initialises it after createSystem and
 *                                    finds it again with `system.extraRegions[j]`
 *   [last]         REGION_KIND_SPARSE only when a namespace is sparse: one window table per
 *                                    sparse namespace, in namespace order (sparse.ts)
 *
 * Invariant: every byte an I/O path reads or changes is in that memory; `System`,
 * `Namespace` and `NvdimmBus` objects hold views and configuration only, and the handle (the
 * compiled module, the memory and the resolved configuration) crosses postMessage/workerData.
 *
 * Cost: creation zero-fills nothing (a fresh memory is zero) and initialises 2n + 1 small
 * headers; attaching instantiates the module once and claims a thread slot.
 */
import { attachShared, createShared, type SharedHandle, type ThreadContext } from '../core/shared.js';
import { mediaLimitBytes, type LayoutConfig, type Region, type RegionRequest } from '../core/layout.js';
import { Media } from '../core/media.js';
import { checkBoolean, checkInteger, checkKeys, describe } from '../core/validate.js';
import type { WasmBuild } from '../core/wasm.js';
import { Badblocks, badblocksRegion, initBadblocks, type BadblocksOptions } from '../badblocks/badblocks.js';
import { MAX_THREADS } from '../core/layout.js';
import {
  resolveModel, resolveNamespaces, type ModelConfig, type ModelOptions, type NamespaceConfig, type NamespaceOptions,
} from './config.js';
import { NvdimmBus } from './bus.js';
import { Namespace, type BadblocksSlot } from './namespace.js';
import { RangeList } from './badrange.js';
import type { ErrorMap } from './error-map.js';
import { seedErrorMap } from './seed.js';
import { REGION_KIND_SPARSE, SparseWindows, sparseTableBytes } from './sparse.js';
import { Clock } from './clock.js';
import {
  BusState, DEFAULT_ERROR_LIST_CAPACITY, MODE_CODE, NS_ALIVE, NS_ENABLES, NS_MODE,
  REGION_KIND_BUS, busRegionBytes, listBase,
} from './state.js';

export interface SystemOptions {
  /** The namespaces, one per region, laid out in order (config.ts NamespaceOptions). */
  readonly namespaces: readonly NamespaceOptions[];
  /** Model parameters: clear latency, ARS duration, virtual or real time. */
  readonly model?: ModelOptions;
  /** Thread slots, 1..64 (default 8): how many threads may attach at once. */
  readonly maxThreads?: number;
  /** Caches in the persistence domain: every store durable at once. */
  readonly eADR?: boolean;
  /** Room for later layers; see the header. */
  readonly extraRegions?: readonly RegionRequest[];
  /** Entries of the firmware error list and of the badrange list (default 16384 each). */
  readonly errorListCapacity?: number;
  /** I/O buffer bytes per thread (default 2 MiB). */
  readonly ioBufferBytes?: number;
  readonly build?: WasmBuild;
  /**
   * A real machine's error map (error-map.ts parseErrorMap), seeded once the system exists:
   * the state after boot (seed.ts). Map namespaces go to the namespaces of the same name.
   */
  readonly errorMap?: ErrorMap;
}

/** The resolved configuration, as carried by the handle. */
export interface SystemConfig {
  readonly namespaces: readonly NamespaceConfig[];
  readonly model: ModelConfig;
  readonly maxThreads: number;
  readonly eADR: boolean;
  readonly extraRegions: readonly RegionRequest[];
  readonly errorListCapacity: number;
}

/** What another thread needs: structured-cloneable (module, memory, plain config). */
export interface SystemHandle extends SharedHandle {
  readonly config: SystemConfig;
}

export class System {
  readonly config: SystemConfig;
  readonly bus: NvdimmBus;
  readonly namespaces: readonly Namespace[];
  /** This thread's media view (media offsets = SPA). */
  readonly media: Media;
  /** The regions requested with `extraRegions`, in the same order. */
  readonly extraRegions: readonly Region[];
  readonly #ctx: ThreadContext;

  /** @internal use createSystem()/attachSystem() */
  constructor(ctx: ThreadContext, config: SystemConfig) {
    this.#ctx = ctx;
    this.config = config;
    const regions = ctx.layout.regions;
    this.bus = new NvdimmBus(ctx, regions[0]!.base, config.errorListCapacity, config.model);
    const tables = sparseTables(config, regions);
    this.namespaces = config.namespaces.map((nc, i) => {
      const pmem = slot(regions[1 + 2 * i]!, bbOptions(nc, nc.size));
      const region = slot(regions[2 + 2 * i]!, bbOptions(nc, nc.size));
      const t = tables[i];
      const sparse = t === undefined || nc.sparse === null ? null : new SparseWindows(ctx.u8.buffer, t, nc.sparse.maxWindows, nc.sparse.backingBytes, nc.name);
      const ns = new Namespace(this.bus, nc, new Badblocks(ctx, pmem.base, nc.badblocks),
        new Badblocks(ctx, region.base, nc.badblocks), pmem, region, sparse);
      this.bus.addNamespace(ns);
      return ns;
    });
    this.media = new Media(ctx);
    const first = 1 + 2 * config.namespaces.length;
    this.extraRegions = regions.slice(first, first + config.extraRegions.length);
  }

  get model(): ModelConfig { return this.config.model; }
  get clock(): Clock { return this.bus.clock; }
  /** This thread's attachment (wasm instance, thread id, views). */
  get context(): ThreadContext { return this.#ctx; }
  /** Pass to another thread and call `attachSystem()` there. */
  get handle(): SystemHandle {
    return { module: this.#ctx.handle.module, memory: this.#ctx.handle.memory, config: this.config };
  }

  /**
   * The namespace named `name`.
   * @throws {RangeError} naming the known namespaces when there is none.
   */
  namespace(name: string): Namespace {
    const ns = this.namespaces.find((n) => n.name === name);
    if (ns === undefined) throw new RangeError(`namespace ${describe(name)} does not exist; namespaces: ${this.namespaces.map((n) => n.name).join(', ')}`);
    return ns;
  }

  /** Releases this thread's slot; the object must not be used afterwards. */
  detach(): void {
    this.#ctx.detach();
  }
}

/** Base address of each sparse namespace's window table (by namespace index; undefined when dense). */
function sparseTables(config: SystemConfig, regions: readonly Region[]): (number | undefined)[] {
  const r = regions.find((x) => x.kind === REGION_KIND_SPARSE && regions.indexOf(x) >= 1 + 2 * config.namespaces.length + config.extraRegions.length);
  let at = r?.base ?? 0;
  return config.namespaces.map((nc) => {
    if (nc.sparse === null || r === undefined) return undefined;
    const base = at;
    at += sparseTableBytes(nc.sparse.maxWindows);
    return base;
  });
}

function slot(r: Region, options: BadblocksOptions): BadblocksSlot {
  return { base: r.base, bytes: r.bytes, options };
}

/** A structure covering `bytes` of sectors: every kind at shift 0 (pmem's). */
function bbOptions(nc: NamespaceConfig, bytes: number): BadblocksOptions {
  if (nc.badblocks === 'bitmap') return { kind: 'bitmap', capacitySectors: bytes / 512 };
  return { kind: nc.badblocks, maxEntries: nc.badblocksMaxEntries };
}

/**
 * Resolves and checks every option.
 * @throws {TypeError|RangeError} naming the option and the allowed range.
 */
export function resolveSystem(options: SystemOptions): SystemConfig {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object such as { namespaces: [{ size: "64MiB" }] }, got ${describe(options)}`);
  }
  checkKeys('options', options, ['namespaces', 'model', 'maxThreads', 'eADR', 'extraRegions', 'errorListCapacity', 'ioBufferBytes', 'build', 'errorMap']);
  const namespaces = resolveNamespaces(options.namespaces);
  const model = resolveModel(options.model);
  const maxThreads = checkInteger('maxThreads', options.maxThreads ?? 8, 1, MAX_THREADS);
  const eADR = checkBoolean('eADR', options.eADR ?? false);
  const errorListCapacity = checkInteger('errorListCapacity', options.errorListCapacity ?? DEFAULT_ERROR_LIST_CAPACITY, 1, 1 << 24, 'entries');
  const extraRegions = options.extraRegions ?? [];
  if (!Array.isArray(extraRegions)) throw new TypeError(`extraRegions must be an array of { kind, bytes, param? }, got ${describe(extraRegions)}`);
  // Media bytes: a dense namespace's size, a sparse one's backing.
  const total = namespaces.reduce((a, n) => a + n.spaBytes, 0);
  const limit = mediaLimitBytes({ maxThreads });
  if (total > limit) {
    throw new RangeError(`namespaces: sizes add up to ${total} bytes of media (a sparse namespace counts its backing), more than the ${limit} bytes one wasm32 memory can hold with its metadata (maxThreads ${maxThreads}); a larger namespace can be sparse (README "Sparse media")`);
  }
  return { namespaces, model, maxThreads, eADR, extraRegions, errorListCapacity };
}

/**
 * Creates the platform in a new shared memory and attaches this thread.
 * @throws {TypeError|RangeError} naming the option for bad input.
 */
export async function createSystem(options: SystemOptions): Promise<System> {
  const config = resolveSystem(options);
  const ctx = createShared(layoutConfigOf(config, options.ioBufferBytes), options.build);
  initialise(ctx, config);
  const system = new System(ctx, config);
  if (options.errorMap !== undefined) {
    try {
      seedErrorMap(system, options.errorMap);
    } catch (err) {
      system.detach();
      throw err;
    }
  }
  return system;
}

/**
 * The layout createSystem() would ask for, without making a memory: callers that validate
 * ahead (scenario scripts) pass it to computeLayout() to learn whether the whole system —
 * media, metadata, badblocks, the extra regions — fits one wasm32 memory.
 * @throws {TypeError|RangeError} naming the option for bad input.
 */
export function systemLayoutConfig(options: SystemOptions): LayoutConfig {
  return layoutConfigOf(resolveSystem(options), options.ioBufferBytes);
}

function layoutConfigOf(config: SystemConfig, ioBufferBytes: number | undefined): LayoutConfig {
  const bbRegions = config.namespaces.flatMap((nc) => [
    badblocksRegion(bbOptions(nc, nc.size)),
    badblocksRegion(bbOptions(nc, nc.size)),
  ]);
  const sparseBytes = config.namespaces.reduce((a, n) => a + (n.sparse === null ? 0 : sparseTableBytes(n.sparse.maxWindows)), 0);
  return {
    mediaBytes: config.namespaces.reduce((a, n) => a + n.spaBytes, 0),
    maxThreads: config.maxThreads,
    eADR: config.eADR,
    ...(ioBufferBytes === undefined ? {} : { ioBufferBytes }),
    regions: [
      { kind: REGION_KIND_BUS, bytes: busRegionBytes(config.errorListCapacity), param: config.errorListCapacity },
      ...bbRegions,
      ...config.extraRegions,
      ...(sparseBytes === 0 ? [] : [{ kind: REGION_KIND_SPARSE, bytes: sparseBytes }]),
    ],
  };
}

/** Writes the initial state into a zeroed memory (creator only, before any other thread attaches). */
function initialise(ctx: ThreadContext, config: SystemConfig): void {
  const regions = ctx.layout.regions;
  const base = regions[0]!.base;
  const state = new BusState(ctx, base);
  Clock.init(state);
  RangeList.init(ctx.u8, listBase(base, config.errorListCapacity, 0), config.errorListCapacity);
  RangeList.init(ctx.u8, listBase(base, config.errorListCapacity, 1), config.errorListCapacity);
  config.namespaces.forEach((nc, i) => {
    const w = state.ns(i);
    state.setU32(w + NS_MODE, MODE_CODE[nc.mode]);
    state.setDataOffset(w, nc.dataOffset);
    state.setU32(w + NS_ENABLES, 1);
    state.setU32(w + NS_ALIVE, 1);
    initBadblocks(ctx, regions[1 + 2 * i]!.base, bbOptions(nc, nc.size));
    initBadblocks(ctx, regions[2 + 2 * i]!.base, bbOptions(nc, nc.size));
  });
  // Window tables: empty, then the initial windows (info-block chunk, working set, windows).
  const tables = sparseTables(config, regions);
  config.namespaces.forEach((nc, i) => {
    const t = tables[i];
    if (t === undefined || nc.sparse === null) return;
    SparseWindows.init(ctx.u8.buffer, t, nc.sparse.maxWindows);
    const view = new SparseWindows(ctx.u8.buffer, t, nc.sparse.maxWindows, nc.sparse.backingBytes, nc.name);
    state.lock(() => view.addLocked(nc.sparse!.initial));
  });
}

/**
 * Attaches the calling thread (e.g. a worker) to a system created elsewhere.
 * @throws {TypeError} when `handle` is not a System.handle; {Error} when every thread slot is taken.
 */
export async function attachSystem(handle: SystemHandle): Promise<System> {
  if (typeof handle !== 'object' || handle === null || typeof handle.config !== 'object' || handle.config === null) {
    throw new TypeError(`handle must be a System.handle, got ${describe(handle)}`);
  }
  return new System(attachShared(handle), handle.config);
}
