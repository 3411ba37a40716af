/**
 * Group state from signed changes (docs/protocol.md §10). Browser-safe:
 * signatures are checked through a passed-in `SignatureCheck` and made by
 * whoever holds the identity key (`signGroupChange` in the Node entry).
 */
export {
  changeRecipients,
  type GroupResponse,
  groupMessages,
  groupSync,
  planGroupResponse,
} from './anti-entropy.js';
export {
  batchInvitees,
  type GroupChangeAuthor,
  type GroupChangeOptions,
  type GroupCreateFields,
  prepareGroupChange,
  prepareGroupCreate,
} from './build-change.js';
export {
  GROUP_ACTIONS,
  GROUP_CHANGE_VERSION,
  type GroupAction,
  type GroupActionName,
  type GroupAvatarWire,
  type GroupChangeBody,
  groupChangeBodySchema,
  type MemberProfileWire,
  type MemberRefWire,
} from './change-schema.js';
export { compareGroupChanges, GroupChangeSet, type GroupMergeResult } from './change-set.js';
export { foldGroup } from './fold.js';
export { groupIdFor } from './group-id.js';
export {
  MAX_GROUP_AVATAR_BYTES,
  MAX_GROUP_CHANGE_BODY_BYTES,
  MAX_GROUP_CHANGES,
  MAX_GROUP_CLOCK_STEP,
  MAX_GROUP_DESCRIPTION_LENGTH,
  MAX_GROUP_HISTORY_BYTES,
  MAX_GROUP_MEMBERS,
  MAX_GROUP_NAME_LENGTH,
  MAX_LISTED_GROUP_CHANGE_IDS,
  MAX_STORED_GROUP_BYTES,
  MAX_STORED_GROUP_CHANGES,
} from './limits.js';
export {
  encodeGroupChangeBody,
  GROUP_CHANGE_SIGNING_PREFIX,
  groupChangeSigningInput,
  parseGroupChangeBody,
  type SignatureCheck,
  type SignedGroupChange,
  type VerifiedGroupChange,
  verifyGroupChange,
} from './signed-change.js';
export type {
  FormerGroupMember,
  FormerMemberReason,
  GroupChangeOutcome,
  GroupDigestWire,
  GroupFold,
  GroupMember,
  GroupMemberStatus,
  GroupRole,
  GroupSkipReason,
  GroupState,
} from './state.js';
