export { assertDeviceAddress, type DeviceAddress } from './address.js';
export { bundleFromWire, bundleToWire, type VerifiedBundle, verifyBundle } from './bundle.js';
export { ForgedIdentityError } from './errors-map.js';
export { GroupCipher, newDistributionId } from './group.js';
export { signGroupChange } from './group-change-signing.js';
export {
  generateIdentity,
  generateRegistrationId,
  type LocalIdentity,
  loadIdentity,
  MAX_REGISTRATION_ID,
} from './identity.js';
export {
  type MultiRecipientDevice,
  type MultiRecipientEntry,
  MultiRecipientMessage,
} from './multi-recipient-message.js';
export {
  type GeneratedKyberPreKey,
  type GeneratedPreKey,
  type GeneratedPreKeys,
  type GeneratedSignedPreKey,
  generateKyberPreKeys,
  generateLastResortKyberPreKey,
  generateOneTimePreKeys,
  generateSignedPreKey,
  kyberPreKeyToWire,
  nextPreKeyId,
  oneTimePreKeyToWire,
  type PreKeyBatch,
  preKeyUpload,
  randomPreKeyId,
  signedPreKeyToWire,
  storeGeneratedPreKeys,
} from './prekeys.js';
export { isUsableCurvePublicKey, isUsableKyberPublicKey } from './public-keys.js';
export {
  compareScannedFingerprint,
  computeSafetyNumber,
  FINGERPRINT_ITERATIONS,
  FINGERPRINT_VERSION,
  type SafetyNumber,
  type SafetyNumberParty,
} from './safety-number.js';
export type { SealedInnerMessage, SenderKeyCiphertext } from './sealed-inner.js';
export {
  type SealedGroupMessage,
  type SealedMessage,
  SealedSenderCipher,
  type SealedSessionMessage,
} from './sealed-sender.js';
export {
  certificateValidationTime,
  generateTrustRoot,
  type IssuedServerCertificate,
  issueSenderCertificate,
  issueServerCertificate,
  type KeyPairBytes,
  readSenderCertificate,
  type SenderCertificateInfo,
  type SenderCertificateRequest,
  validateSenderCertificate,
} from './sealed-sender-certificates.js';
export type { GroupMessage } from './sealed-sender-multi.js';
export {
  type CertifyingRoot,
  findCertifyingRoot,
  openSealedOuterLayer,
  type SealedOuterLayer,
  type TrustRootCandidate,
} from './sealed-sender-trust.js';
export { SessionCipher, type SignalCiphertext, type SignalMessageType } from './session.js';
export { signWithIdentity, verifyIdentitySignature } from './signatures.js';
export { getTrustedIdentity, type TrustIdentityOptions, trustIdentity } from './trust.js';
