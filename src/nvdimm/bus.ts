/**
 * The nvdimm bus as one thread sees it: the shared bus state (state.ts), the firmware error
 * list and the kernel's badrange list (badrange.ts), the clock, the model parameters and the
 * namespaces (one per region). Every operation of src/nvdimm and src/pmem reaches the
 * platform through this object; it holds views and configuration only, all state is in the
 * shared memory, so every thread builds its own NvdimmBus over the same bytes.
 *
 * Physical addresses ("SPA") are media byte offsets: region i starts at the sum of the sizes
 * of regions 0..i-1 (config.ts).
 */
import type { ThreadContext } from '../core/shared.js';
import type { ModelConfig } from './config.js';
import { BusState, listBase, type CounterName } from './state.js';
import { RangeList } from './badrange.js';
import { Clock } from './clock.js';
import type { Namespace } from './namespace.js';

export class NvdimmBus {
  /** @internal the shared words and the device mutex. */
  readonly state: BusState;
  /** The platform firmware's error list (injections, long-scrub findings), SPA bytes. */
  readonly firmware: RangeList;
  /** The kernel's bus `badrange` list: the source of every badblocks entry, SPA bytes. */
  readonly badrange: RangeList;
  readonly clock: Clock;
  readonly model: ModelConfig;
  readonly ctx: ThreadContext;
  /** Absolute address of the media in the memory (SPA 0). */
  readonly mediaBase: number;
  readonly #namespaces: Namespace[] = [];
  /** The shared memory's buffer (reading `.buffer` of a typed array is a runtime call). */
  readonly #memory: ArrayBufferLike;
  /** The last view ioAddress() found inside the I/O buffer, and its address. */
  #ioView: Uint8Array | null = null;
  #ioViewAddr = -1;

  /** @internal built by system.ts */
  constructor(ctx: ThreadContext, base: number, listCapacity: number, model: ModelConfig) {
    this.ctx = ctx;
    this.model = model;
    this.mediaBase = ctx.layout.mediaBase;
    this.state = new BusState(ctx, base);
    this.firmware = new RangeList(this.state, listBase(base, listCapacity, 0), 'firmware');
    this.badrange = new RangeList(this.state, listBase(base, listCapacity, 1), 'badrange');
    this.clock = new Clock(this.state, model.time);
    this.#memory = ctx.u8.buffer;
  }

  /** @internal called once by system.ts while building this thread's view. */
  addNamespace(ns: Namespace): void {
    this.#namespaces.push(ns);
  }

  get namespaces(): readonly Namespace[] {
    return this.#namespaces;
  }

  /** The namespace whose region holds SPA byte `spa`, or undefined past the last region. */
  namespaceAt(spa: number): Namespace | undefined {
    return this.#namespaces.find((ns) => spa >= ns.regionStart && spa < ns.regionStart + ns.spaBytes);
  }

  /**
   * This thread's I/O buffer as a view of the shared memory (`layout.ioBufferBytes` bytes).
   * Reads into a view of it, and writes from one, skip the staging copy (src/pmem/copy.ts);
   * its content is overwritten by this thread's next I/O that does not use it, and by
   * Badblocks.entries() (which pages entries through it).
   */
  get ioBuffer(): Uint8Array {
    return this.ctx.u8.subarray(this.ctx.ioBuf, this.ctx.ioBuf + this.ctx.layout.ioBufferBytes);
  }

  /**
   * @internal Absolute address of `a[0]` when all of `a` lies inside this thread's I/O buffer
   * (wasm can then copy straight into or out of it, src/pmem/copy.ts), else -1.
   * Why the one-entry cache: on this Node, `.buffer` and `.byteOffset` of a typed array are
   * runtime calls (about 12 and 8 ns), paid on every I/O call otherwise, while callers pass
   * the same view again and again. A view's buffer, offset and length never change (the
   * shared memory never grows), so the answer for a view stays true; only views inside the
   * I/O buffer are remembered, so no caller memory is kept alive.
   */
  ioAddress(a: Uint8Array): number {
    if (a === this.#ioView) return this.#ioViewAddr;
    if (a.buffer !== this.#memory) return -1;
    const at = a.byteOffset;
    const { ioBuf, layout } = this.ctx;
    if (at < ioBuf || at + a.length > ioBuf + layout.ioBufferBytes) return -1;
    this.#ioView = a;
    this.#ioViewAddr = at;
    return at;
  }

  /** @internal True when `a` is a view of the shared memory (anywhere in it). */
  inMemory(a: Uint8Array): boolean {
    return a === this.#ioView || a.buffer === this.#memory;
  }

  /** A snapshot of the bus counters (see COUNTER_NAMES in state.ts for their meaning). */
  counters(): Record<CounterName, number> {
    return this.state.counters();
  }
}
