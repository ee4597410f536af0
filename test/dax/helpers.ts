/**
 * Set-up for the fs-dax tests: the reference §9.9 starting state — one fsdax namespace and
 * a file whose page k is device page 10 + k — on a chosen badblocks kind.
 */
import type { BadblocksKind } from '../../src/badblocks/kinds.js';
import type { NamespaceOptions } from '../../src/nvdimm/config.js';
import type { Namespace } from '../../src/nvdimm/namespace.js';
import type { System } from '../../src/nvdimm/system.js';
import { createFsdaxSystem, type DaxFile, type FsDax, type MkfsOptions } from '../../src/dax/fs.js';

export interface FileSetup {
  readonly sys: System;
  readonly fs: FsDax;
  readonly ns: Namespace;
  readonly file: DaxFile;
}

/** §9.9: an 8 MiB fsdax namespace and file "f" of `pages` pages at device page 10 (default 8: pages 10-17). */
export async function fileAt10(kind: BadblocksKind, ns: Partial<NamespaceOptions> = {}, fs: MkfsOptions = {}, pages = 8): Promise<FileSetup> {
  const { system, fs: f } = await createFsdaxSystem({ maxThreads: 4, namespaces: [{ size: '8MiB', mode: 'fsdax', ...ns, badblocks: kind }] }, fs);
  const namespace = system.namespaces[0]!;
  const file = f.createFile({ ns: namespace, name: 'f', pgoff: 10, pages });
  if (!('index' in file)) throw new Error(`createFile failed: ${file.errno}`);
  return { sys: system, fs: f, ns: namespace, file };
}

/** Media bytes of device page `pgoff` (plain load, poison ignored): what is stored there. */
export function devicePage(s: FileSetup, pgoff: number, pages = 1): Uint8Array {
  return s.sys.media.read(s.ns.dataStart + pgoff * 4096, pages * 4096);
}
