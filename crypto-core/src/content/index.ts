/** Plaintext content encoding with length-hiding padding (docs/protocol.md §Content). Browser-safe. */
export {
  decodeContent,
  encodeContent,
  groupContentFromWire,
  groupContentToWire,
  profileFromWire,
  profileToWire,
} from './codec.js';
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
  type GroupWire,
  groupWireSchema,
  MAX_PROFILE_AVATAR_BYTES,
  MAX_PROFILE_NAME_LENGTH,
  MAX_PROFILE_RELAY_URL_LENGTH,
  MAX_RECEIPT_MESSAGE_IDS,
  MAX_SENDER_KEY_DISTRIBUTION_BYTES,
  PROFILE_AVATAR_TYPES,
  profileWireSchema,
  receiptWireSchema,
  senderKeyRequestWireSchema,
  sessionResetWireSchema,
  textWireSchema,
  typingWireSchema,
  UUID_PATTERN,
  uuidSchema,
} from './schema.js';
export type { SenderKeyRequestContent } from './sender-key-request.js';
export type {
  Content,
  GroupContent,
  GroupMessageKind,
  GroupSetDigest,
  KnownContent,
  ProfileContent,
  ReceiptContent,
  SenderKeyContent,
  SessionResetContent,
  SignedGroupChange,
  TextContent,
  TypingContent,
  UnsupportedContent,
} from './types.js';
