/**
 * The wire schemas the reference names, each with a one-line summary. A
 * schema named here is described once, in its own section, and every other
 * schema that uses it links there; anything not named is spelled out inline.
 */
import type { z } from 'zod';
import * as wire from '../wire/index.js';

export interface NamedSchema {
  readonly name: string;
  readonly schema: z.ZodType;
  readonly summary: string;
}

export const namedSchemas: readonly NamedSchema[] = [
  { name: 'AccountId', schema: wire.accountIdSchema, summary: 'An account id: 32 base32 characters (protocol §1).' },
  { name: 'DeviceId', schema: wire.deviceIdSchema, summary: 'A libsignal device id.' },
  {
    name: 'RegistrationId',
    schema: wire.registrationIdSchema,
    summary: 'A Signal registration id (14 bits, never 0).',
  },
  { name: 'PreKeyId', schema: wire.preKeyIdSchema, summary: 'A prekey id (24 bits, never 0).' },
  { name: 'Timestamp', schema: wire.timestampSchema, summary: 'Milliseconds since the Unix epoch.' },
  {
    name: 'IdentityKey',
    schema: wire.identityKeySchema,
    summary: 'A Curve25519 identity public key (type byte 0x05 + 32).',
  },
  { name: 'EcPublicKey', schema: wire.ecPublicKeySchema, summary: 'A Curve25519 public key (type byte 0x05 + 32).' },
  {
    name: 'KyberPublicKey',
    schema: wire.kyberPublicKeySchema,
    summary: 'An ML-KEM-1024 public key as libsignal serializes it (type byte + 1568).',
  },
  { name: 'Signature', schema: wire.signatureSchema, summary: 'An XEdDSA signature by the identity key.' },
  {
    name: 'InstallationId',
    schema: wire.installationIdSchema,
    summary: 'Random bytes naming one install of a client (protocol §3.1).',
  },
  { name: 'EnvelopeId', schema: wire.envelopeIdSchema, summary: 'A UUID; the relay issues UUIDv7 (time-ordered).' },
  {
    name: 'DeviceAddress',
    schema: wire.deviceAddressSchema,
    summary: 'One device of one account: the form of `Envelope.source`.',
  },
  {
    name: 'InviteCode',
    schema: wire.inviteCodeSchema,
    summary: 'An invite code as typed; the relay ignores case, spaces and dashes.',
  },
  {
    name: 'BlobId',
    schema: wire.blobIdSchema,
    summary: 'An attachment blob id: 32 random bytes as unpadded base64url, chosen by the relay (protocol §11.3).',
  },
  {
    name: 'BlobStoreInfoResponse',
    schema: wire.blobStoreInfoResponseSchema,
    summary: 'The tus version and extensions the blob store speaks, and the largest blob it takes.',
  },
  {
    name: 'BlobCreatedResponse',
    schema: wire.blobCreatedResponseSchema,
    summary: 'A new upload: its blob id and when the relay deletes it.',
  },
  { name: 'ChallengeRequest', schema: wire.challengeRequestSchema, summary: 'Asks for a challenge for one device.' },
  {
    name: 'ChallengeResponse',
    schema: wire.challengeResponseSchema,
    summary: 'A single-use challenge (32 bytes) and when it expires.',
  },
  {
    name: 'RegisterRequest',
    schema: wire.registerRequestSchema,
    summary:
      "Registers one device: the identity key, the signed challenge (purpose `register`), the install's id and the initial prekeys.",
  },
  {
    name: 'TokenRequest',
    schema: wire.tokenRequestSchema,
    summary: 'Logs a device in with a signed challenge (purpose `token`) from its current install.',
  },
  {
    name: 'TokenResponse',
    schema: wire.tokenResponseSchema,
    summary: 'A short-lived bearer token (a JWT) for HTTP and the socket handshake.',
  },
  {
    name: 'RegistrationPolicy',
    schema: wire.registrationPolicySchema,
    summary: 'Who may create an account on the relay.',
  },
  {
    name: 'RegistrationInfoResponse',
    schema: wire.registrationInfoResponseSchema,
    summary: 'What a client must know before it registers.',
  },
  { name: 'DeleteAccountResponse', schema: wire.deleteAccountResponseSchema, summary: 'The account is erased.' },
  {
    name: 'SignedPreKey',
    schema: wire.signedPreKeySchema,
    summary: 'A signed EC prekey; the signature covers `publicKey`.',
  },
  { name: 'OneTimePreKey', schema: wire.oneTimePreKeySchema, summary: 'A one-time EC prekey.' },
  {
    name: 'KyberPreKey',
    schema: wire.kyberPreKeySchema,
    summary: 'A signed Kyber prekey; the signature covers `publicKey`.',
  },
  {
    name: 'PreKeyUpload',
    schema: wire.preKeyUploadSchema,
    summary: 'Keys to add or replace; each key id at most once per list.',
  },
  {
    name: 'PreKeyBundle',
    schema: wire.preKeyBundleSchema,
    summary:
      "One device's public bundle: `preKey` is null when no one-time EC prekey is left, `kyberPreKey` the last-resort key when no one-time Kyber prekey is.",
  },
  {
    name: 'PreKeyBundlesResponse',
    schema: wire.preKeyBundlesResponseSchema,
    summary: 'Bundles of devices of one account.',
  },
  {
    name: 'PreKeyCountResponse',
    schema: wire.preKeyCountResponseSchema,
    summary: 'One-time prekeys the relay holds for a device.',
  },
  {
    name: 'SenderCertificateResponse',
    schema: wire.senderCertificateResponseSchema,
    summary:
      "A libsignal SenderCertificate for the caller's device, its expiry, and the relay's clock when it issued it.",
  },
  {
    name: 'TrustRootResponse',
    schema: wire.trustRootResponseSchema,
    summary: "The relay's sealed-sender trust root public key.",
  },
  {
    name: 'HealthResponse',
    schema: wire.healthResponseSchema,
    summary: "The relay's state, version and wire version, and the state of each dependency it checked (its store).",
  },
  {
    name: 'EnvelopeType',
    schema: wire.envelopeTypeSchema,
    summary: 'The libsignal message inside: PreKeySignalMessage, SignalMessage, or sealed sender.',
  },
  {
    name: 'EnvelopeContent',
    schema: wire.envelopeContentSchema,
    summary: 'A Signal ciphertext (the relay may accept less: `--max-envelope-size`).',
  },
  { name: 'OutgoingMessage', schema: wire.outgoingMessageSchema, summary: 'One ciphertext for one recipient device.' },
  {
    name: 'SendRequest',
    schema: wire.sendRequestSchema,
    summary:
      'A send: one ciphertext for each current device of the recipient, each device once; `ephemeral` ones are never stored. No sender: the relay knows it from the connection. `accessKey`: one of the recipient’s access keys, required once it registered them (protocol §4.7).',
  },
  {
    name: 'Envelope',
    schema: wire.envelopeSchema,
    summary:
      'What the relay delivers. `source` is the sending device, absent for `sealed` envelopes; `ephemeral` is present (true) only on envelopes never stored.',
  },
  {
    name: 'SocketAuth',
    schema: wire.socketAuthSchema,
    summary: 'The `auth` object of the socket.io handshake: the bearer token and the wire version, side by side.',
  },
  {
    name: 'SendResult',
    schema: wire.sendResultSchema,
    summary: 'The answer to `send`: the envelope ids (in the order of `messages`) once durably stored, or the error.',
  },
  {
    name: 'AccessKey',
    schema: wire.accessKeySchema,
    summary: "One of an account's access keys, made by its client (protocol §4.7).",
  },
  {
    name: 'SetAccessKeysRequest',
    schema: wire.setAccessKeysRequestSchema,
    summary: 'Both access keys of the account: the code key (in its contact code) and the contact key.',
  },
  { name: 'SetAccessKeysResponse', schema: wire.setAccessKeysResponseSchema, summary: 'Both keys are registered.' },
  {
    name: 'UnauthenticatedSendRequest',
    schema: wire.unauthenticatedSendRequestSchema,
    summary: 'A `SendRequest` whose `accessKey` is required and whose every message is `sealed`.',
  },
  {
    name: 'SendAcceptedResponse',
    schema: wire.sendAcceptedResponseSchema,
    summary: 'The envelope ids (in the order of `messages`), once durably stored: a `send` answer’s success.',
  },
  {
    name: 'MultiRecipient',
    schema: wire.multiRecipientSchema,
    summary: 'One account a multi-recipient upload is for, with one of its access keys when the sender needs one.',
  },
  {
    name: 'MultiRecipientSendRequest',
    schema: wire.multiRecipientSendRequestSchema,
    summary:
      'A multi-recipient sealed upload (libsignal Sealed Sender v2) and the accounts it is for: exactly the upload’s recipients, each once (protocol §4.9).',
  },
  {
    name: 'MultiRecipientSendResponse',
    schema: wire.multiRecipientSendResponseSchema,
    summary: 'Every recipient device’s envelope, once all of them are durably stored.',
  },
  {
    name: 'RecipientDeviceMismatch',
    schema: wire.recipientDeviceMismatchSchema,
    summary:
      'How an upload’s devices differ from one recipient’s current devices: missing, extra, and registered again since the sender’s session (stale).',
  },
  { name: 'AckRequest', schema: wire.ackRequestSchema, summary: 'Envelopes the device has durably stored.' },
  {
    name: 'AckResult',
    schema: wire.ackResultSchema,
    summary: 'The answer to `ack`: how many envelopes were deleted, or the error.',
  },
  { name: 'EnvelopeBatch', schema: wire.envelopeBatchSchema, summary: 'Envelopes in queue order.' },
  { name: 'PreKeysLow', schema: wire.preKeysLowSchema, summary: 'One-time prekeys left for the device.' },
  { name: 'RelayErrorCode', schema: wire.relayErrorCodeSchema, summary: 'The closed catalogue of error codes.' },
  {
    name: 'RelayError',
    schema: wire.relayErrorSchema,
    summary: 'An error: its code, a message for people, and the extra fields of some codes (relay.md, Errors).',
  },
  { name: 'ErrorResponse', schema: wire.errorResponseSchema, summary: 'The body of every non-2xx HTTP response.' },
];
