/**
 * A mutex word in the shared memory, as the JS layers use it: the owner-tagged wasm mutex
 * (assembly/sync/mutex.ts: 0 free, else owner tid + 1, timed waits that give up when the
 * run is stopped) wrapped so that it is released however the critical section ends, with
 * the ownership checks the `...Locked` functions make.
 *
 * One class for every layer's lock (the device mutex, the fs mutex, the mm mutex, the rmap
 * mutex): each names itself and where its lock order is written, so a message says which
 * lock and which rule. None is recursive; `reentry: 'throw'` turns a second lock() by the
 * owner (which would wait for itself) into an error.
 *
 * Cost: one cmpxchg to take and one store to release when uncontended.
 */
import type { ThreadContext } from './shared.js';

export interface SharedMutexOptions {
  /** Prefix of the messages: the layer ('nvdimm', 'dax', 'mm', 'xfs'). */
  readonly layer: string;
  /** The lock's name in messages ('device mutex'). */
  readonly name: string;
  /** Where its lock order is written, for the assertHeld message. */
  readonly order: string;
  /** A second lock() by the owner: 'throw' (with this hint) instead of waiting for itself. */
  readonly reentry?: { readonly hint: string };
}

export class SharedMutex {
  readonly #ctx: ThreadContext;
  /** Absolute address of the mutex word (its waiter count follows it). */
  readonly address: number;
  readonly #o: SharedMutexOptions;

  constructor(ctx: ThreadContext, address: number, options: SharedMutexOptions) {
    this.#ctx = ctx;
    this.address = address;
    this.#o = options;
  }

  /**
   * Runs `fn` with the mutex held and releases it however `fn` ends.
   * @throws {Error} when the run was stopped while waiting (nothing changed), or on re-entry
   *   when the options ask for it.
   */
  lock<T>(fn: () => T): T {
    const { wasm } = this.#ctx;
    if (this.#o.reentry !== undefined && this.held()) {
      throw new Error(`${this.#o.layer}: ${this.#o.reentry.hint}`);
    }
    if (wasm.mutex_lock(this.address) !== 1) throw new Error(`${this.#o.layer}: the run was stopped while waiting for the ${this.#o.name}`);
    try {
      return fn();
    } finally {
      wasm.mutex_unlock(this.address);
    }
  }

  /** True when the calling thread holds the mutex. */
  held(): boolean {
    return this.#ctx.wasm.mutex_owner(this.address) === this.#ctx.tid;
  }

  /** @throws {Error} naming `where` when the calling thread does not hold the mutex. */
  assertHeld(where: string): void {
    if (!this.held()) {
      throw new Error(`${where}: the ${this.#o.name} must be held (${this.#o.order}); owner ${this.#ctx.wasm.mutex_owner(this.address)}, thread ${this.#ctx.tid}`);
    }
  }
}

/**
 * A view of a shared region guarded by one SharedMutex (the bus state, the fs, mm and rmap
 * regions): the lock, held and assertHeld every `...Locked` function relies on, written once.
 */
export abstract class MutexGuarded {
  readonly #mutex: SharedMutex;

  protected constructor(mutex: SharedMutex) {
    this.#mutex = mutex;
  }

  /**
   * Runs `fn` with the mutex held and releases it however `fn` ends.
   * @throws {Error} when the run was stopped while waiting (nothing changed).
   */
  lock<T>(fn: () => T): T {
    return this.#mutex.lock(fn);
  }

  /** True when the calling thread holds the mutex (checked by `...Locked` functions). */
  held(): boolean {
    return this.#mutex.held();
  }

  /** @throws {Error} when a `...Locked` function is called without the mutex. */
  assertHeld(where: string): void {
    this.#mutex.assertHeld(where);
  }
}
