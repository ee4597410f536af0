// The worker side of the fixtures' RPC protocol (parent side: test/helpers/rpc-worker.ts).
// Plain .mjs so that worker threads on Node 20 can load it.
import { parentPort } from 'node:worker_threads';

/** A barrier over `sab` (Int32Array word 0): waits until `parties` workers have arrived. */
export function barrier(sab) {
  const word = new Int32Array(sab);
  return function arriveAndWait(parties) {
    Atomics.add(word, 0, 1);
    Atomics.notify(word, 0);
    for (;;) {
      const n = Atomics.load(word, 0);
      if (n >= parties) return;
      Atomics.wait(word, 0, n, 1000);
    }
  };
}

/**
 * Answers each { id, op, args } synchronously with { id, result } or { id, error } by running
 * `ops[op]` (or, given `target`, the method of that name on `target` when `ops` lacks it),
 * then announces { ready: true, threadId }.
 */
export function serve(ops, threadId, target) {
  parentPort.on('message', ({ id, op, args }) => {
    try {
      let result;
      if (target === undefined || op in ops) result = ops[op](...args);
      else if (typeof target[op] === 'function') result = target[op](...args);
      else throw new Error(`unknown op ${op}`);
      parentPort.postMessage({ id, result });
    } catch (e) {
      parentPort.postMessage({ id, error: String((e && e.stack) || e) });
    }
  });
  parentPort.postMessage({ ready: true, threadId });
}
