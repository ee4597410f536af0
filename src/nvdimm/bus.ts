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

  /** @internal built by system.ts */
  constructor(ctx: ThreadContext, base: number, listCapacity: number, model: ModelConfig) {
    this.ctx = ctx;
    this.model = model;
    this.mediaBase = ctx.layout.mediaBase;
    this.state = new BusState(ctx, base);
    this.firmware = new RangeList(this.state, listBase(base, listCapacity, 0), 'firmware');
    this.badrange = new RangeList(this.state, listBase(base, listCapacity, 1), 'badrange');
    this.clock = new Clock(this.state, model.time);
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
    return this.#namespaces.find((ns) => spa >= ns.regionStart && spa < ns.regionStart + ns.size);
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

  /** A snapshot of the bus counters (see COUNTER_NAMES in state.ts for their meaning). */
  counters(): Record<CounterName, number> {
    return this.state.counters();
  }
}
