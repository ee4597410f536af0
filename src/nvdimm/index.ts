// The nvdimm layer (reference §2): re-exports only.
export * from './config.js';
export { createSystem, attachSystem, resolveSystem, System, type SystemOptions, type SystemConfig, type SystemHandle } from './system.js';
export { NvdimmBus } from './bus.js';
export { Namespace, SECTOR_BYTES, PAGE_BYTES, SECTORS_PER_PAGE, type PopulateStats, type BadblocksSlot } from './namespace.js';
export { Clock } from './clock.js';
export { RangeList, type ByteRange } from './badrange.js';
export { COUNTER_NAMES, REGION_KIND_BUS, type CounterName } from './state.js';
export { nvdimmBadblocksPopulateLocked, revalidatePoison, type PopulateResult } from './populate.js';
export { nvdimmClearPoison, arsCap, type ClearResult } from './clear.js';
export { machineCheck, copyMcFault, type MceResult } from './mce.js';
export { arsStart, arsStatus, scrub, arsPollSeconds, ARS_POLL_MAX_SECONDS, type ArsOptions, type ArsStatus, type ScrubResult } from './ars.js';
export { injectError, uninjectError, injectStatus, type InjectOptions, type InjectStatusRecord } from './inject.js';
export { enableNamespace, disableNamespace, enableRegion, disableRegion, reconfigureNamespace, type EnableResult } from './lifecycle.js';
export { hardwarePoisonRuns } from './firmware.js';
export * from './error-map.js';
export { seedErrorMap, type SeedOptions, type SeedTarget, type SeededNamespace } from './seed.js';
export {
  SparseWindows, SparseHoleError, WINDOW_ALIGN, DEFAULT_SPARSE_BACKING, DEFAULT_SPARSE_WORKING_SET, DEFAULT_SPARSE_MARGIN,
  DEFAULT_SPARSE_MAX_WINDOWS, REGION_KIND_SPARSE, type SparseOptions, type SparseConfig, type SparseWindow, type LogicalRange,
} from './sparse.js';
