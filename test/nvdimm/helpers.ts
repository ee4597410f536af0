/**
 * Shared set-up for the nvdimm, pmem and dax tests: one-namespace systems of a chosen
 * badblocks kind, and the reference's usual starting states.
 */
import { createSystem, type System, type SystemOptions } from '../../src/nvdimm/system.js';
import type { NamespaceOptions } from '../../src/nvdimm/config.js';
import type { Namespace } from '../../src/nvdimm/namespace.js';
import { injectError } from '../../src/nvdimm/inject.js';
import { BADBLOCKS_KINDS, type BadblocksKind } from '../../src/badblocks/kinds.js';
import { describe } from 'vitest';

export { BADBLOCKS_KINDS };

/** `describe(name, fn(kind))` once per badblocks kind. */
export function describeKinds(name: string, fn: (kind: BadblocksKind) => void): void {
  for (const kind of BADBLOCKS_KINDS) describe(`${name}, ${kind}`, () => fn(kind));
}

/** A system with one namespace (default: 8 MiB raw, clear unit 256, kernel 6.15). */
export async function oneNamespace(kind: BadblocksKind, ns: Partial<NamespaceOptions> = {}, sys: Partial<SystemOptions> = {}): Promise<{ sys: System; ns: Namespace }> {
  const system = await createSystem({ maxThreads: 4, ...sys, namespaces: [{ size: '8MiB', ...ns, badblocks: kind }] });
  return { sys: system, ns: system.namespaces[0]! };
}

/**
 * Makes sectors [sector, sector+count) known bad the way the platform does it: ndctl
 * inject-error with notify (hardware poison in the first min(512, unit) bytes of each
 * sector, firmware record, MCE notifier -> badrange -> badblocks).
 */
export function knownBad(ns: Namespace, sector: number, count: number): void {
  const r = injectError(ns, { block: sector, count, notify: true });
  if (!r.ok) throw new Error(`injectError failed: ${r.errno}`);
}

/** Deterministic non-zero bytes, distinct per seed. */
export function pattern(len: number, seed = 1): Uint8Array {
  const out = new Uint8Array(len);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < len; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x >>> 24) | 1;
  }
  return out;
}
