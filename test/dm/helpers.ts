/**
 * Set-up for the dm tests: a system of three 8 MiB namespaces (fsdax unless stated, so the
 * data starts at 2 MiB and each holds 12288 data sectors = 1536 pages), clear unit 256,
 * kernel 6.15.
 */
import { createSystem, type System } from '../../src/nvdimm/system.js';
import type { NamespaceOptions } from '../../src/nvdimm/config.js';
import type { Namespace } from '../../src/nvdimm/namespace.js';

export { knownBad, pattern } from '../nvdimm/helpers.js';

/** Data sectors of each test namespace: (8 MiB - 2 MiB info/memmap reservation) / 512. */
export const NS_SECTORS = 12288;

export interface DmSetup {
  readonly sys: System;
  readonly pmem0: Namespace;
  readonly pmem1: Namespace;
  readonly pmem2: Namespace;
}

/** Three namespaces pmem0..pmem2; `each[i]` overrides namespace i's options. */
export async function threeNamespaces(each: readonly Partial<NamespaceOptions>[] = []): Promise<DmSetup> {
  const sys = await createSystem({
    maxThreads: 4,
    namespaces: [0, 1, 2].map((i) => ({ size: '8MiB', mode: 'fsdax' as const, ...each[i] })),
  });
  const [pmem0, pmem1, pmem2] = sys.namespaces as [Namespace, Namespace, Namespace];
  return { sys, pmem0, pmem1, pmem2 };
}

/** Media bytes at member byte `offset` (plain load, poison ignored). */
export function memberBytes(s: DmSetup, ns: Namespace, offset: number, len: number): Uint8Array {
  return s.sys.media.read(ns.dataStart + offset, len);
}

/**
 * `v` with every `ns` field replaced by the namespace's name, for assertions: a Namespace
 * holds views of the shared memory, which a failing assertion's diff would try to print.
 */
export function named<T>(v: T): unknown {
  if (Array.isArray(v)) return v.map(named);
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'ns' && x !== null && typeof x === 'object' ? (x as Namespace).name : x]));
}
