/**
 * The inode lock (`inode->i_rwsem`) of an fs-dax file, in shared memory: reads take it
 * shared, writes and hole punches exclusive (reference §4.3: `xfs_file_dax_write`,
 * `ext4_dax_write_iter`). That exclusion is what serialises recovery writes — the v9
 * `recovery_lock` was dropped because of it (§3.5) — and what keeps a file's page map
 * stable under a reader (src/dax/fs.ts).
 *
 * Three i32 words, at `word` of the file's entry:
 *
 *   +0  count     0 free; n > 0 held by n readers; -(tid + 1) held by writer `tid`
 *   +4  waiters   threads parked (or about to park) in Atomics.wait on `count`
 *   +8  wwait     writers waiting: new readers hold back while it is non-zero
 *
 * Protocol: every change of `count` is a compare-and-swap, so a reader and a writer never
 * both win. Readers back off while a writer waits (`wwait`), so a stream of readers cannot
 * starve a writer (the kernel's rwsem hands off to a waiting writer for the same reason).
 * Release stores/decrements `count` first and only then looks at `waiters`: a waiter
 * increments `waiters` *before* it re-reads `count`, so either the releaser sees it and
 * notifies, or the waiter sees the released value and does not sleep (the same ordering
 * rule as assembly/sync/mutex.ts, with seq-cst atomics on the words themselves).
 *
 * Waits are slices of WAIT_SLICE_MS and check the shared stop flag (DESIGN.md "Locks"): a
 * stopped run throws from lock*() instead of parking forever; a crashed writer's tid stays
 * in `count` so the stuck lock names its holder. Not recursive: a thread must not take the
 * lock it holds (no I/O path here does).
 *
 * Lock order (src/nvdimm/state.ts): i_rwsem -> fs mutex -> device mutex -> badblocks mutex.
 *
 * Cost: one compare-and-swap to take, one atomic RMW and one load to release, uncontended
 * (a reader also loads `wwait` first). Every I/O call takes and releases the lock, so those
 * uncontended steps — a take tried on a free lock, and every release — are made in wasm
 * (assembly/sync/rwsem.ts: the same seq-cst operations on the same words), where they cost
 * one call of about 2 ns instead of JS Atomics calls of 5-10 ns each; only a lock found busy
 * enters the loops below. A writer that wins at once never touches `wwait`: nobody had to
 * hold back for it.
 */
import { HEADER_BASE, HDR_STOP } from '../core/layout.js';
import type { ThreadContext } from '../core/shared.js';
import type { WasmExports } from '../core/wasm.js';

const COUNT = 0;
const WAITERS = 1;
const WWAIT = 2;
/** Bytes the lock takes in a file entry. */
export const RWSEM_BYTES = 12;
const SPIN_TRIES = 64;
const WAIT_SLICE_MS = 50;

export class InodeLock {
  readonly #i32: Int32Array;
  readonly #at: number;
  readonly #stop: number;
  readonly #me: number;
  /** Absolute address of `count` (the wasm fast paths take it). */
  readonly #word: number;
  readonly #wasm: WasmExports;

  /** The lock whose words start at absolute address `word` (4-byte aligned). */
  constructor(ctx: ThreadContext, word: number) {
    this.#i32 = new Int32Array(ctx.u8.buffer);
    this.#at = word / 4;
    this.#stop = (HEADER_BASE + HDR_STOP) / 4;
    this.#me = -(ctx.tid + 1);
    this.#word = word;
    this.#wasm = ctx.wasm;
  }

  /** down_read. @throws {Error} when the run was stopped while waiting. */
  lockShared(): void {
    if (this.#wasm.rwsem_try_read(this.#word) === 1) return; // no writer waiting, the lock free
    const i32 = this.#i32;
    const at = this.#at;
    for (let i = 0; ; i++) {
      const v = Atomics.load(i32, at + COUNT);
      if (v >= 0 && Atomics.load(i32, at + WWAIT) === 0
        && Atomics.compareExchange(i32, at + COUNT, v, v + 1) === v) return;
      if (i >= SPIN_TRIES) this.#park(v);
    }
  }

  /** up_read. */
  unlockShared(): void {
    this.#wasm.rwsem_read_unlock(this.#word); // decrement, then wake the parked if it was the last
  }

  /** down_write. @throws {Error} when the run was stopped while waiting (nothing held). */
  lockExclusive(): void {
    // The lock free: nobody had to hold back for us, so `wwait` stays untouched.
    if (this.#wasm.rwsem_try_write(this.#word, this.#me) === 1) return;
    Atomics.add(this.#i32, this.#at + WWAIT, 1);
    try {
      for (let i = 0; ; i++) {
        if (Atomics.compareExchange(this.#i32, this.#at + COUNT, 0, this.#me) === 0) return;
        if (i >= SPIN_TRIES) this.#park(Atomics.load(this.#i32, this.#at + COUNT));
      }
    } finally {
      // Readers that backed off for us wait on `count`; our release (or give-up) wakes them.
      Atomics.sub(this.#i32, this.#at + WWAIT, 1);
    }
  }

  /** up_write. */
  unlockExclusive(): void {
    this.#wasm.rwsem_write_unlock(this.#word); // store 0, then wake the parked
  }

  /** Runs `fn` with the lock held shared and releases it however `fn` ends. */
  shared<T>(fn: () => T): T {
    this.lockShared();
    try {
      return fn();
    } finally {
      this.unlockShared();
    }
  }

  /** Runs `fn` with the lock held exclusive and releases it however `fn` ends. */
  exclusive<T>(fn: () => T): T {
    this.lockExclusive();
    try {
      return fn();
    } finally {
      this.unlockExclusive();
    }
  }

  /** The holder as the words say: 'free', `{ readers }` or `{ writer: tid }` (diagnostics, tests). */
  owner(): 'free' | { readonly readers: number } | { readonly writer: number } {
    const v = Atomics.load(this.#i32, this.#at + COUNT);
    if (v === 0) return 'free';
    return v > 0 ? { readers: v } : { writer: -v - 1 };
  }

  /** Sleeps one slice unless `count` moved away from `seen`; throws when the run is stopped. */
  #park(seen: number): void {
    if (Atomics.load(this.#i32, this.#stop) !== 0) {
      throw new Error('dax: the run was stopped while waiting for an inode lock');
    }
    Atomics.add(this.#i32, this.#at + WAITERS, 1);
    Atomics.wait(this.#i32, this.#at + COUNT, seen, WAIT_SLICE_MS);
    Atomics.sub(this.#i32, this.#at + WAITERS, 1);
  }
}
