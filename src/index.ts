// poisonbench's public API: re-exports only.
export { createMedia, attachMedia, Media, type MediaOptions, type LineState, type ReadMcResult } from './core/media.js';
export { createShared, attachShared, type SharedHandle, type ThreadContext } from './core/shared.js';
export { computeLayout, mediaLimitBytes, type Layout, type LayoutConfig } from './core/layout.js';
export { parseSize, formatSize } from './core/units.js';
export { KernelError } from './core/errors.js';
export {
  createBadblocks, attachBadblocks, Badblocks, SECTOR_LIMIT,
  type BadblocksOptions, type BadblocksHandle, type BadblocksEntry, type CheckResult, type TableSlot,
} from './badblocks/badblocks.js';
export { BADBLOCKS_KINDS, ALL_BADBLOCKS_KINDS, type BadblocksKind } from './badblocks/kinds.js';
export {
  diffOps, parseDiffOps, formatDiffResult, type DiffOp, type DiffResult, type DiffOptions,
} from './badblocks/diff.js';
export { KERNEL_PROFILES, KERNEL_VERSIONS, kernelProfile, type KernelProfile, type KernelVersion } from './kernel/profiles.js';
export * from './nvdimm/index.js';
export * from './pmem/index.js';
export * from './dax/index.js';
export * from './mm/index.js';
export * from './dm/index.js';
export * from './xfs/index.js';
