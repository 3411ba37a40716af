/** Plaintext content encoding with length-hiding padding (docs/protocol.md §Content). Browser-safe. */
export { decodeContent, encodeContent } from './codec.js';
export {
  CONTENT_PADDING_BUCKETS,
  MAX_ENCODED_CONTENT_BYTES,
  MAX_PADDED_CONTENT_BYTES,
  padContent,
  paddedContentLength,
  unpadContent,
} from './padding.js';
export {
  CONTENT_TYPE_PATTERN,
  CONTENT_VERSION,
  MAX_GROUP_MEMBERS,
  MAX_GROUP_NAME_LENGTH,
  MAX_RECEIPT_MESSAGE_IDS,
  MAX_SENDER_KEY_DISTRIBUTION_BYTES,
  profileWireSchema,
  receiptWireSchema,
  sessionResetWireSchema,
  textWireSchema,
  typingWireSchema,
  UUID_PATTERN,
  uuidSchema,
} from './schema.js';
export type {
  Content,
  GroupAddMembersContent,
  GroupControlContent,
  GroupCreateContent,
  GroupLeaveContent,
  GroupRemoveMembersContent,
  GroupRenameContent,
  KnownContent,
  ProfileContent,
  ReceiptContent,
  SenderKeyContent,
  SessionResetContent,
  TextContent,
  TypingContent,
  UnsupportedContent,
} from './types.js';
