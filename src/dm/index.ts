// Device-mapper targets over namespaces (reference §6.5): re-exports only.
export { stripeMapSector, stripeUnmapSector, type StripeMapping } from './stripe.js';
export {
  resolveTable, checkDmName, DM_TARGET_TYPES, DM_MAX_TARGETS, DM_MAX_STRIPES, DM_MAX_CHUNK, DM_MAX_ERROR_SECTORS,
  type DmTargetSpec, type DmLinearSpec, type DmStripeSpec, type DmStripeDevSpec, type DmErrorSpec,
  type DmTarget, type DmLinearTarget, type DmStripeTarget, type DmStripe, type DmErrorTarget,
} from './table.js';
export {
  createDm, DmDevice, newDmPageMapping, checkDmRecovery, DM_ERROR_TARGET, DM_RECOVERY_POLICIES, DEFAULT_DM_RECOVERY,
  type DmRecoveryPolicy, type DmSectorMapping, type DmPageMapping,
} from './device.js';
export {
  dmDaxDirectAccess, dmDaxDirectAccessPages, dmDaxErrno, dmDaxZeroPageRange, dmDaxRecoveryWrite, DM_ERR_EIO, DM_ERR_EOPNOTSUPP,
  type DmDirectAccessOk, type DmDirectAccessResult,
} from './dax.js';
export { dmRead, dmWrite, type DmReadResult, type DmWriteResult, type DmBioFailure } from './block.js';
export { dmMemberRanges, dmRangesOfMember, type DmMemberRange, type DmRange } from './failure.js';
