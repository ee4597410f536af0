/**
 * Where a report's figures were measured: every figure depends on the machine, so the report
 * carries the CPU, cores, OS, Node/V8, the package version and git commit, and which
 * WebAssembly features this engine supports (the wasm build needs threads and SIMD).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { packageRoot, packageVersion } from '../core/package.js';

export interface WasmFeatures {
  /** Shared memory and atomics (the build's `threads`): required. */
  readonly threads: boolean;
  /** 128-bit SIMD (the build's `simd`): required. */
  readonly simd: boolean;
  readonly bulk_memory: boolean;
}

export interface Environment {
  readonly cpu_model: string;
  /** Logical CPUs the OS reports. */
  readonly cpus: number;
  /** What Node may use (cgroup limits included). */
  readonly available_parallelism: number;
  readonly arch: string;
  readonly platform: string;
  readonly os_release: string;
  readonly total_memory_bytes: number;
  readonly node: string;
  readonly v8: string;
  readonly package_version: string;
  /** HEAD of the checkout the package runs from, or null outside git. */
  readonly git_commit: string | null;
  /** Tracked files modified against that commit (null outside git). */
  readonly git_dirty: boolean | null;
  readonly wasm_features: WasmFeatures;
  /** The wasm build the figures ran on (POISONBENCH_WASM, default release). */
  readonly wasm_build: string;
  readonly ci: boolean;
}

// Smallest modules using each feature (hand-assembled; validated, never run).
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** A function `() -> v128` returning `v128.const 0`. */
const SIMD_MODULE = [...HEADER, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x0b];
/** One page of memory and a function doing `memory.fill(0, 0, 0)`. */
const BULK_MODULE = [...HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01,
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0b, 0x00, 0x0b];

function validates(bytes: readonly number[]): boolean {
  try {
    return WebAssembly.validate(new Uint8Array(bytes));
  } catch {
    return false;
  }
}

export function wasmFeatures(): WasmFeatures {
  let threads: boolean;
  try {
    threads = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    threads = false;
  }
  return { threads, simd: validates(SIMD_MODULE), bulk_memory: validates(BULK_MODULE) };
}

function git(args: readonly string[]): string | null {
  try {
    const r = spawnSync('git', args, { cwd: packageRoot(), encoding: 'utf8', timeout: 5000 });
    return r.status === 0 ? r.stdout.trim() : null;
  } catch {
    return null;
  }
}

/** The environment of this process. Spawns `git` twice; everything else is local. */
export function collectEnvironment(): Environment {
  const cpus = os.cpus();
  const commit = git(['rev-parse', 'HEAD']);
  const status = commit === null ? null : git(['status', '--porcelain', '--untracked-files=no']);
  return {
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    available_parallelism: os.availableParallelism(),
    arch: process.arch,
    platform: process.platform,
    os_release: os.release(),
    total_memory_bytes: os.totalmem(),
    node: process.version,
    v8: process.versions.v8,
    package_version: packageVersion(),
    git_commit: commit,
    git_dirty: status === null ? null : status.length > 0,
    wasm_features: wasmFeatures(),
    wasm_build: process.env['POISONBENCH_WASM'] ?? 'release',
    ci: isCi(),
  };
}

/** Under CI: the conventional `CI` variable set to anything but "false"/"0"/"". */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env['CI'];
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}
