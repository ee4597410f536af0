/**
 * The parent side of the worker fixtures' RPC protocol (test/helpers/rpc-fixture.mjs): the
 * parent posts { id, op, args }, the worker answers { id, result } or { id, error }, and
 * announces itself once with { ready: true, threadId }.
 */
import { Worker } from 'node:worker_threads';

export class RpcWorker {
  readonly worker: Worker;
  /** The worker's thread id once it is ready; -1 before. */
  threadId = -1;
  /** Resolves with the worker's thread id on its `ready` message; rejects if it errors first. */
  readonly started: Promise<number>;
  #next = 0;
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(fixture: URL | string, workerData: unknown) {
    this.worker = new Worker(fixture, { workerData });
    this.started = new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.on('message', (msg: { ready?: boolean; threadId?: number; id?: number; result?: unknown; error?: string }) => {
        if (msg.ready) {
          this.threadId = msg.threadId ?? -1;
          return resolve(this.threadId);
        }
        if (msg.id === undefined) return;
        const w = this.#waiting.get(msg.id);
        this.#waiting.delete(msg.id);
        if (msg.error !== undefined) w?.reject(new Error(msg.error));
        else w?.resolve(msg.result);
      });
    });
    this.worker.on('error', (e) => {
      for (const w of this.#waiting.values()) w.reject(e);
      this.#waiting.clear();
    });
  }

  call<T>(op: string, ...args: unknown[]): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}
