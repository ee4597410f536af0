// The simulated mm: processes, DAX mappings, faults, memory_failure, notify_failure (reference §4.4, §6): re-exports only.
export { Mm, initMm, attachMm, MEMORY_FAILURE_POLICIES, type MemoryFailurePolicy } from './mm.js';
export { mmRegion, MmRegion, REGION_KIND_MM, MM_COUNTER_NAMES, type MmCounterName, type MmRegionOptions } from './region.js';
export {
  createProcess, findProcess, prctlMceKill, mmap, MAP_SIZES, VADDR_BASE, VADDR_PROCESS_STRIDE,
  type Process, type Mapping, type MapSize, type MceKill,
} from './process.js';
export { load, store, type AccessResult } from './access.js';
export { memoryFailureEvent, madviseHwpoison, madviseSoftOffline, unbind, type FailureEventResult, type MadviseResult } from './events.js';
export { memoryFailure, mfGenericKillProcs, mfDaxKillProcs, type MfResult } from './memory-failure.js';
export { readSignals, SIG_CODES, type SigInfo, type SigCode } from './signals.js';
export { handleFault, type FaultResult } from './fault.js';
export { createMmSystem, type MmSystemOptions } from './system.js';
