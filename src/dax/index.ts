// The DAX core and fs-dax files (reference §4): re-exports only.
export * from './super.js';
export {
  createFsdaxSystem, mkfsDax, mountDax, FsDax, DaxFile, fsdaxRegion, REGION_KIND_FSDAX, READ_POLICIES, ALLOCATORS,
  type MkfsOptions, type FileExtent, type ReadPolicy, type Allocator, type FsRegionOptions,
} from './fs.js';
export { iomapBegin, punchHole, type Iomap, type FileRange, type PunchResult } from './blocks.js';
export { daxPread, daxPwrite, MAX_RW_COUNT, type PreadOptions, type PreadResult, type PwriteResult, type DaxRwErrno } from './iomap.js';
export { goodPagesBefore, recoveryReadPage } from './recovery-read.js';
export { InodeLock } from './rwsem.js';
export { FsDevice, NsFsDevice, DmFsDevice, MAX_FS_DM, newDevPage, type DevPage } from './fs-device.js';
