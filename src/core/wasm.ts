/**
 * Loading the AssemblyScript module and instantiating it on a shared memory.
 *
 * The module is compiled once per process and build variant; a `WebAssembly.Module` and a
 * shared `WebAssembly.Memory` both cross `postMessage`/`workerData`, so a worker gets the
 * pair and instantiates once (DESIGN.md "Raw bindings"). Each instance then calls
 * `attach()`, which claims a thread slot in the memory and caches the layout.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package.js';
import { WASM_MAX_PAGES } from './layout.js';

/** Which compiled module to use: `debug` keeps asserts and names; `release` is -O3. */
export type WasmBuild = 'debug' | 'release';

/** The raw exports (see assembly/index.ts). usize/u32 results need `>>> 0`. */
export interface WasmExports {
  attach(): number;
  detach(): void;
  thread_id(): number;
  thread_slot(): number;
  thread_iobuf(): number;
  data_end(): number;
  poison_set_lines(first: number, end: number): void;
  poison_clear_lines(first: number, end: number): void;
  poison_find_lines(first: number, end: number): number;
  poison_find_clean_lines(first: number, end: number): number;
  poison_count_lines(first: number, end: number): number;
  page_set_flags(pfn: number, bits: number): number;
  page_clear_flags(pfn: number, bits: number): number;
  page_flags(pfn: number): number;
  set_mce_nospec(pfn: number): void;
  clear_mce_nospec(pfn: number): void;
  kernel_np_find(off: number, len: number): number;
  persist_mark_dirty(off: number, len: number): void;
  persist_mark_pending(off: number, len: number): void;
  clean_cache_range(off: number, len: number): void;
  pmem_wmb(): number;
  persist_state(off: number): number;
  persist_count_volatile(off: number, len: number): number;
  power_fail(): number;
  copy_mc(dst: number, src: number, len: number): number;
  copy_mc_safe_len(srcOff: number, len: number): number;
  memcpy_flushcache(dst: number, src: number, len: number): void;
  pmem_memcpy(dst: number, src: number, len: number): void;
  pmem_memset(dst: number, value: number, len: number): void;
  memset_flushcache(dst: number, value: number, len: number): void;
  badblocks_init(base: number, kind: number, shift: number, capacity: number, capacityUnits: number): void;
  badblocks_set(base: number, s: number, len: number, ack: number): number;
  badblocks_clear(base: number, s: number, len: number): number;
  badblocks_check(base: number, s: number, len: number): number;
  badblocks_ack_all(base: number): number;
  badblocks_clear_changed(base: number): void;
  badblocks_clear_unacked_exist(base: number): void;
  badblocks_entries(base: number, from: number, out: number, max: number): number;
  /** Table kinds: raw slots from index `from` as u64 (offset, len, ack) triples in blocks. */
  badblocks_table_slots(base: number, from: number, out: number, max: number): number;
  itree_validate(base: number): number;
  btree_validate(base: number): number;
  mutex_owner(word: number): number;
  /** Takes the owner-tagged mutex at `word` (1), or 0 when the run is stopping. */
  mutex_lock(word: number): number;
  mutex_unlock(word: number): void;
  /** Uncontended paths of the fs-dax inode lock at `word` (src/dax/rwsem.ts): tries return 1 when taken. */
  rwsem_try_read(word: number): number;
  rwsem_read_unlock(word: number): void;
  rwsem_try_write(word: number, me: number): number;
  rwsem_write_unlock(word: number): void;
  /** The clean-chunk copies of the I/O paths (src/pmem/copy.ts): -1 when the chunk is not clean (nothing done). */
  pmem_copy_mc_clean(alive: number, dataOffset: number, bb: number, dst: number, region: number, len: number): number;
  pmem_flushcache_clean(alive: number, dataOffset: number, bb: number, region: number, src: number, len: number): number;
  /** DaxFile.assertLive's reads (src/dax/fs.ts): 0 live, 1 the file is gone, 2 the namespace was reconfigured. */
  dax_file_check(state: number, live: number, gen: number, generation: number, mode: number, fsdax: number, dataOffset: number, fsDataOffset: number): number;
  /** btree only: bytes of arena nodes in use. */
  btree_bytes_used(base: number): number;
  bench_bb_check(base: number, starts: number, n: number, len: number, iters: number, from: number): number;
  bench_bb_set(base: number, starts: number, n: number, len: number, iters: number, from: number): number;
  bench_bb_clear(base: number, starts: number, n: number, len: number, iters: number, from: number): number;
  bench_copy_mc(dst: number, dstSpan: number, src: number, srcSpan: number, stride: number, len: number, iters: number): number;
  bench_memory_copy(dst: number, dstSpan: number, src: number, srcSpan: number, stride: number, len: number, iters: number): number;
  bench_flushcache(dst: number, dstSpan: number, src: number, srcSpan: number, stride: number, len: number, iters: number): number;
}

/** The build chosen by `POISONBENCH_WASM` (default `release`). */
export function defaultBuild(): WasmBuild {
  const v = process.env['POISONBENCH_WASM'];
  if (v === undefined || v === '' || v === 'release') return 'release';
  if (v === 'debug') return 'debug';
  throw new RangeError(`POISONBENCH_WASM must be "debug" or "release", got ${JSON.stringify(v)}`);
}

export function wasmPath(build: WasmBuild): string {
  return join(packageRoot(), 'build', `${build}.wasm`);
}

const compiled = new Map<WasmBuild, WebAssembly.Module>();

/**
 * The compiled module for `build`, compiled once per process.
 * @throws {Error} when the build output is missing (run `npm run build`).
 */
export function compileModule(build: WasmBuild = defaultBuild()): WebAssembly.Module {
  let m = compiled.get(build);
  if (m === undefined) {
    const path = wasmPath(build);
    if (!existsSync(path)) throw new Error(`poisonbench: ${path} is missing; run \`npm run build\` first`);
    m = new WebAssembly.Module(readFileSync(path));
    compiled.set(build, m);
  }
  return m;
}

/** A shared memory of exactly `pages` wasm pages (it never grows: the layout is fixed). */
export function createSharedMemory(pages: number): WebAssembly.Memory {
  if (!Number.isInteger(pages) || pages < 2 || pages > WASM_MAX_PAGES) {
    throw new RangeError(`memory pages must be an integer in [2, ${WASM_MAX_PAGES}], got ${pages}`);
  }
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

/** Reads the AssemblyScript abort message (UTF-16 string with its byte length before it). */
function readAsString(memory: WebAssembly.Memory, ptr: number): string {
  if (ptr === 0) return '';
  const buf = memory.buffer as ArrayBuffer;
  const bytes = new DataView(buf).getUint32(ptr - 4, true);
  const codes = new Uint16Array(buf.slice(ptr, ptr + bytes));
  return String.fromCharCode(...codes);
}

/** Instantiates `module` on `memory` (synchronous: modules are small and already compiled). */
export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): WasmExports {
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort(msg: number, file: number, line: number, col: number): never {
        throw new Error(`wasm assertion failed: ${readAsString(memory, msg)} at ${readAsString(memory, file)}:${line}:${col}`);
      },
    },
  });
  return instance.exports as unknown as WasmExports;
}
