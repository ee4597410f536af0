// The pmem driver (reference §3): re-exports only.
export { isBadPmem, badblocksHit, type BadHit } from './badpmem.js';
export { pmemClearPoison, pmemClearPoisonRaw, pmemMkpagePresent, pmemClearBb } from './clear.js';
export { copyFromPmem, copyToPmem, type CopyFault, type CopyFromResult } from './copy.js';
export {
  pmemSubmitBio, pmemDoWrite, pmemRead, pmemWrite, pmemWriteZeroes, pmemFlush,
  type BioFailure, type ReadSegment, type WriteSegment, type ReadBio, type WriteBio, type ReadResult, type WriteResult, type ReadOptions,
} from './block.js';
export {
  pmemDirectAccess, pmemRecoveryWrite, pmemDaxZeroPageRange, recoveryPagesBeforeBad,
  DAX_ACCESS, DAX_RECOVERY_WRITE, type DaxAccessMode, type DirectAccessOk, type PmemDirectAccessResult,
} from './dax.js';
