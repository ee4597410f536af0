/**
 * One shared memory, one compiled module, and a thread's attachment to them.
 *
 * `createShared()` computes the layout, creates the memory, writes the header and attaches
 * the calling thread. `attachShared(handle)` is what any other thread does with the
 * `SharedHandle` it was given (both members cross `postMessage`/`workerData`).
 */
import { computeLayout, readHeader, writeHeader, type Layout, type LayoutConfig } from './layout.js';
import { compileModule, createSharedMemory, defaultBuild, instantiate, type WasmBuild, type WasmExports } from './wasm.js';

/** What another thread needs to use the same state: both fields are shareable. */
export interface SharedHandle {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
}

/** This thread's attachment: its wasm instance, its thread id and views of the memory. */
export interface ThreadContext {
  readonly handle: SharedHandle;
  readonly layout: Layout;
  readonly wasm: WasmExports;
  /** Thread id, 0..maxThreads-1: owner of this thread's slot and pending lines. */
  readonly tid: number;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  /** Absolute address of this thread's I/O buffer. */
  readonly ioBuf: number;
  /** Releases the thread slot; the context must not be used afterwards. */
  detach(): void;
}

/** Creates the memory for `config` and attaches the calling thread. */
export function createShared(config: LayoutConfig, build: WasmBuild = defaultBuild()): ThreadContext {
  const layout = computeLayout(config);
  const module = compileModule(build);
  const memory = createSharedMemory(layout.totalPages);
  writeHeader(memory, layout);
  return attachShared({ module, memory });
}

/**
 * Attaches the calling thread to an existing shared memory.
 * @throws {Error} when the memory holds no layout, or every thread slot is taken.
 */
export function attachShared(handle: SharedHandle): ThreadContext {
  if (!(handle?.module instanceof WebAssembly.Module) || !(handle.memory instanceof WebAssembly.Memory)) {
    throw new TypeError('handle must be a { module: WebAssembly.Module, memory: WebAssembly.Memory } from createShared()');
  }
  const layout = readHeader(handle.memory);
  const wasm = instantiate(handle.module, handle.memory);
  const tid = wasm.attach();
  if (tid === -2) {
    throw new Error(`every thread slot is in use (maxThreads = ${layout.maxThreads}); detach a thread or raise maxThreads (at most 64)`);
  }
  if (tid < 0) throw new Error('memory does not hold a poisonbench layout this module understands');
  const buffer = handle.memory.buffer as ArrayBuffer;
  let attached = true;
  return {
    handle, layout, wasm, tid,
    u8: new Uint8Array(buffer),
    u32: new Uint32Array(buffer),
    ioBuf: wasm.thread_iobuf() >>> 0,
    detach(): void {
      if (attached) wasm.detach();
      attached = false;
    },
  };
}
