/** Attachment encryption (docs/protocol.md §11). Node only: `@parley/crypto-core/attachment`. */
export {
  ATTACHMENT_DIGEST_BYTES,
  type AttachmentExpectation,
  decryptAttachment,
  verifyAttachment,
} from './decrypt.js';
export {
  type AttachmentEncryption,
  type EncryptAttachmentOptions,
  type EncryptedAttachment,
  encryptAttachment,
} from './encrypt.js';
export { ATTACHMENT_KEY_BYTES, generateAttachmentKey } from './keys.js';
export {
  ATTACHMENT_IV_BYTES,
  ATTACHMENT_MAC_BYTES,
  attachmentCiphertextLength,
  attachmentPaddedSize,
  MAX_ATTACHMENT_BYTES,
  MIN_ATTACHMENT_BUCKET,
} from './sizes.js';
