// The XFS-like reverse map and xfs_dax_notify_failure (reference §6.3-§6.4): re-exports only.
export {
  REGION_KIND_RMAP, RMAP_MAX_DEVICES, RMAP_MAX_CAPACITY, OWNER_FILE_MAX, OWNER_META, OWNER_LOG, OWNER_AG,
  OWNER_INOBT, OWNER_INODES, OWNER_REFC, OWNER_BMBT, NON_INODE_OWNERS, isNonInodeOwner, rmapRegion, rmapRegionBytes,
  formatRmap, findRmapRegion, type RmapFormatOptions,
} from './rmap-region.js';
export { Rmap, reserveMetadata, type RmapRecord, type RmapVisitor } from './rmap.js';
export {
  xfsDaxNotifyFailure, type XfsNotifyFailureInput, type XfsNotifyFailureResult, type XfsFileRange, type XfsNotifyRet,
  type XfsShutdown,
} from './notify-failure.js';
