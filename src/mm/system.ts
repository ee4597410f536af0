/**
 * One call for a system with everything src/mm works on: the nvdimm platform, an fs-dax
 * filesystem over its fsdax namespaces, the filesystem's reverse map (src/xfs) and the mm
 * region, each formatted once by the creating thread. Another thread attaches with
 * attachSystem(handle), then mountDax(system) and attachMm(system, fs).
 */
import { createSystem, resolveSystem, systemLayoutConfig, type System, type SystemOptions } from '../nvdimm/system.js';
import type { LayoutConfig } from '../core/layout.js';
import { fsdaxRegion, mkfsDax, type FsDax, type FsFormat, type MkfsOptions } from '../dax/fs.js';
import { formatRmap, rmapRegion, REGION_KIND_RMAP } from '../xfs/index.js';
import { initMm, type Mm } from './mm.js';
import { MAX_NAMESPACES } from '../nvdimm/config.js';
import { MAX_FS_DM } from '../dax/fs-device.js';
import { mmRegion, type MmRegionOptions } from './region.js';

export interface MmSystemOptions {
  /** mkfs options and the on-disk flavour (default ext4-like, no metadata pages). */
  readonly fs?: MkfsOptions & Partial<FsFormat>;
  readonly mm?: MmRegionOptions;
  /** Records of the reverse map (default: 65536). */
  readonly rmapRecords?: number;
}

/** `options` with the fs-dax, rmap and mm regions createMmSystem() adds. */
function withMmRegions(options: SystemOptions, o: MmSystemOptions): SystemOptions {
  const sizes = resolveSystem(options).namespaces.map((n) => n.size);
  const media = sizes.reduce((a, b) => a + b, 0);
  return {
    ...options,
    extraRegions: [...(options.extraRegions ?? []), fsdaxRegion(sizes, o.fs ?? {}), rmapRegion(o.rmapRecords ?? 65536), mmRegion(media, o.mm ?? {})],
  };
}

/**
 * The layout createMmSystem() would ask for, without making a memory (see systemLayoutConfig).
 * @throws {TypeError|RangeError} naming the option for bad input.
 */
export function mmSystemLayoutConfig(options: SystemOptions, o: MmSystemOptions = {}): LayoutConfig {
  return systemLayoutConfig(withMmRegions(options, o));
}

/**
 * createSystem() with the fs-dax, rmap and mm regions added, each formatted.
 * @throws {TypeError|RangeError} naming the option for bad input.
 */
export async function createMmSystem(options: SystemOptions, o: MmSystemOptions = {}): Promise<{ readonly system: System; readonly fs: FsDax; readonly mm: Mm }> {
  const config = resolveSystem(options);
  const media = config.namespaces.reduce((a, n) => a + n.size, 0);
  const system = await createSystem(withMmRegions(options, o));
  try {
    const rmap = system.extraRegions.find((r) => r.kind === REGION_KIND_RMAP)!;
    // One slot per fs device index: the namespaces', then MAX_FS_DM dm slots, each as large as
    // all the media (no dm device is larger); unused namespace slots hold one page.
    const nsPages = Array.from({ length: MAX_NAMESPACES }, (_, i) => Math.max(1, system.namespaces[i]?.dataPages ?? 1));
    const dmPages = Math.max(1, Math.floor(media / 4096));
    formatRmap(system.context, rmap, { devicePages: [...nsPages, ...Array<number>(MAX_FS_DM).fill(dmPages)] });
    const fs = mkfsDax(system, o.fs ?? {});
    const { type, rmapbt, metaPages } = o.fs ?? {};
    if (type !== undefined || rmapbt !== undefined || metaPages !== undefined) {
      fs.reformat({ ...(type === undefined ? {} : { type }), ...(rmapbt === undefined ? {} : { rmapbt }), ...(metaPages === undefined ? {} : { metaPages }) });
    }
    const mm = initMm(system, fs, o.mm ?? {});
    return { system, fs, mm };
  } catch (err) {
    system.detach();
    throw err;
  }
}
