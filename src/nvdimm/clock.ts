/**
 * The platform clock for modelled durations (DESIGN.md "Time"): ARS scrubs, firmware
 * CLEAR_ERROR latency, the ARS poll back-off.
 *
 * Two modes, chosen once per system (`model.time`):
 * - `virtual` (scenario scripts, tests): time is a shared i64 of nanoseconds in the bus
 *   region (BUS_CLOCK_NS). `spend(ns)` and `advance(ms)` add to it atomically, so every
 *   thread sees one timeline and results are deterministic.
 * - `real` (workloads): `now()` is wall time since the system was created, and `spend(ns)`
 *   busy-waits so the modelled cost shows in measured throughput; long waits (over 2 ms)
 *   sleep with Atomics.wait for all but the last 2 ms.
 *
 * Cost: one atomic add (virtual) or the modelled time itself (real).
 */
import { BUS_CLOCK_NS, BUS_EPOCH_MS, type BusState } from './state.js';
import { checkInteger } from '../core/validate.js';

const SPIN_BELOW_MS = 2;
const MAX_ADVANCE_MS = 1e12;

export class Clock {
  readonly mode: 'virtual' | 'real';
  readonly #ns: BigInt64Array;
  readonly #bus: BusState;
  readonly #sleeper = new Int32Array(new SharedArrayBuffer(4));

  constructor(bus: BusState, mode: 'virtual' | 'real') {
    this.mode = mode;
    this.#bus = bus;
    this.#ns = new BigInt64Array(bus.ctx.u8.buffer, bus.base + BUS_CLOCK_NS, 1);
  }

  /** Records the real-time origin (creator only). */
  static init(bus: BusState): void {
    bus.setF64(BUS_EPOCH_MS, performance.timeOrigin + performance.now());
  }

  /** Nanoseconds since the system was created (virtual: the modelled time spent so far). */
  now(): number {
    if (this.mode === 'virtual') return Number(Atomics.load(this.#ns, 0));
    return Math.round((performance.timeOrigin + performance.now() - this.#bus.f64(BUS_EPOCH_MS)) * 1e6);
  }

  /** Spends a modelled duration of `ns` nanoseconds (virtual: the clock moves; real: busy-wait). */
  spend(ns: number): void {
    if (ns <= 0) return;
    if (this.mode === 'virtual') {
      Atomics.add(this.#ns, 0, BigInt(Math.round(ns)));
      return;
    }
    const until = performance.now() + ns / 1e6;
    for (;;) {
      const left = until - performance.now();
      if (left <= 0) return;
      if (left > SPIN_BELOW_MS) Atomics.wait(this.#sleeper, 0, 0, left - SPIN_BELOW_MS);
    }
  }

  /**
   * Lets `ms` milliseconds pass (a script's `advance`).
   * @throws {TypeError|RangeError} naming `ms` unless it is an integer in [0, 1e12].
   */
  advance(ms: number): void {
    this.spend(checkInteger('ms', ms, 0, MAX_ADVANCE_MS, 'milliseconds') * 1e6);
  }
}
