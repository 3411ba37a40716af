/**
 * The shapes of the conformance vector files in docs/test-vectors/
 * (docs/conformance.md). The generator writes them; the conformance tests of
 * crypto-core and relay-server read them. Bytes are hex (`…Hex`) or
 * canonical base64 (`…Base64`), as each field's name says.
 */

/** Header of every file: what it covers and which docs section it backs. */
export interface VectorFileHeader {
  readonly description: string;
  /** The docs sections whose rules these vectors pin down. */
  readonly backs: readonly string[];
}

/** An input that must be refused, the error code it is refused with, and why. */
export interface Refusal<I> {
  readonly input: I;
  readonly error: string;
  readonly reason: string;
}

/** A fixed identity key pair (test keys only: the private keys are public). */
export interface FixedIdentity {
  readonly name: string;
  /** The 32-byte Curve25519 private key. */
  readonly privateKeyHex: string;
  /** libsignal's 33-byte serialized public key (0x05 || key). */
  readonly publicKeyHex: string;
  /** libsignal IdentityKeyPair.serialize(), as a backup's identity record holds it. */
  readonly identityKeyPairBase64: string;
  readonly accountId: string;
}

export interface AccountIdVectors extends VectorFileHeader {
  readonly identities: readonly FixedIdentity[];
  /** identityPublicKey -> accountId. */
  readonly valid: readonly { readonly identityPublicKeyHex: string; readonly accountId: string }[];
  /** Identity keys refused before hashing. */
  readonly invalidKeys: readonly Refusal<string>[];
  /** Texts that are not account ids. */
  readonly invalidIds: readonly Refusal<string>[];
}

export interface ServiceIdVectors extends VectorFileHeader {
  /** The text hashed before the account id's bytes (UTF-8, no separator). */
  readonly domain: string;
  readonly valid: readonly {
    readonly note: string;
    readonly accountId: string;
    /** The 20 bytes the account id's base32 text encodes. */
    readonly accountIdBytesHex: string;
    /** SHA-256(domain || accountIdBytes), all 32 bytes: the UUID is the first 16 with its version and variant set. */
    readonly digestHex: string;
    readonly serviceId: string;
  }[];
  /** Texts refused as account ids. */
  readonly invalid: readonly Refusal<string>[];
}

export interface RelayUrlVectors extends VectorFileHeader {
  /** Any accepted spelling -> the canonical URL (signed, encoded in contact codes). */
  readonly valid: readonly { readonly input: string; readonly canonical: string; readonly note: string }[];
  readonly invalid: readonly Refusal<string>[];
  /** Reference relay only: the URLs it accepts without --public-url, from its --host and bound address. */
  readonly derivedByReferenceRelay: readonly {
    readonly host: string;
    readonly address: string;
    readonly port: number;
    readonly accepted: readonly string[];
  }[];
}

export interface ContactCodeVectors extends VectorFileHeader {
  /** parse(text) -> {accountId, relayUrl, accessKey}; format({accountId, relayUrl, accessKey}) -> canonical. */
  readonly valid: readonly {
    readonly text: string;
    readonly accountId: string;
    readonly relayUrl: string;
    /** The code access key as unpadded base64url (as in the code); null for a code without `key`. */
    readonly accessKey: string | null;
    readonly canonical: string;
  }[];
  /** format({accountId, relayUrl}) with a relay URL in another accepted spelling -> code. */
  readonly format: readonly { readonly accountId: string; readonly relayUrl: string; readonly code: string }[];
  readonly invalid: readonly Refusal<string>[];
}

export interface AuthSignatureVector {
  readonly purpose: 'register' | 'token';
  /** The relay URL as the device knows it. */
  readonly relayUrl: string;
  /** What is signed in its place: the canonical form. */
  readonly signedRelayUrl: string;
  readonly accountId: string;
  readonly deviceId: number;
  readonly challengeBase64: string;
  /** The exact bytes the identity key signs. */
  readonly signedBytesHex: string;
  /** One XEdDSA signature over signedBytes (randomized: any valid one will do). */
  readonly signatureBase64: string;
  /** Canonical relay URLs this signature must not verify for. */
  readonly notValidFor: readonly string[];
}

export interface AuthSignatureVectors extends VectorFileHeader {
  readonly signer: FixedIdentity;
  readonly vectors: readonly AuthSignatureVector[];
}

/** A content object as encodeContent takes it; bytes fields as base64 text. */
export type ContentInput = Record<string, unknown>;

export interface ContentVectors extends VectorFileHeader {
  /** Which fields of a content object hold bytes (given as base64 in `content`). */
  readonly bytesFields: readonly string[];
  /** encode(content) == padded; decode(padded) == content. */
  readonly valid: readonly {
    readonly name: string;
    readonly content: ContentInput;
    /** The UTF-8 JSON before padding, as text. */
    readonly encoded: string;
    readonly paddedHex: string;
  }[];
  /** decode(padded) == content, though encode would have written other bytes. */
  readonly decodeOnly: readonly { readonly name: string; readonly paddedHex: string; readonly content: ContentInput }[];
  /** decode(padded) reports well-formed content this version does not understand. */
  readonly unsupported: readonly {
    readonly name: string;
    readonly paddedHex: string;
    readonly version: number;
    readonly contentType: string;
    readonly messageId: string | null;
    readonly sentAt: number | null;
    readonly encoded: string;
  }[];
  readonly invalidEncode: readonly Refusal<ContentInput>[];
  /** Padded bytes (hex) decode refuses. */
  readonly invalidDecode: readonly Refusal<string>[];
  /** Encoded length -> padded length, or the refusal. */
  readonly padding: readonly {
    readonly encodedLength: number;
    readonly paddedLength: number | null;
    readonly error: string | null;
  }[];
}

export interface SafetyNumberVectors extends VectorFileHeader {
  readonly identities: readonly FixedIdentity[];
  readonly pairs: readonly {
    readonly local: string;
    readonly remote: string;
    /** 60 digits, the same from both sides. */
    readonly digits: string;
    /** The scannable form on the local side's screen, and on the remote side's. */
    readonly localScannableHex: string;
    readonly remoteScannableHex: string;
  }[];
  /** Scanned bytes that are not a version-2 fingerprint. */
  readonly invalidScans: readonly Refusal<string>[];
}

export interface BackupMutation {
  readonly name: string;
  readonly kind: 'truncate' | 'flip' | 'append' | 'passphrase';
  /** truncate: the new length; flip: the byte offset XORed with 0x01; append: the byte count (zeros). */
  readonly at: number | null;
  /** passphrase: the wrong passphrase tried. */
  readonly passphrase: string | null;
  readonly error: string;
}

export interface BackupVectors extends VectorFileHeader {
  readonly passphraseNormalization: readonly { readonly typed: string; readonly normalized: string }[];
  readonly container: {
    readonly passphraseTyped: string;
    /** The Argon2id input (UTF-8 of this text). */
    readonly passphrase: string;
    readonly opsLimit: number;
    readonly memLimit: number;
    readonly chunkSize: number;
    readonly saltHex: string;
    readonly rootKeyHex: string;
    readonly streamKeyHex: string;
    readonly keyCheckHex: string;
    readonly streamHeaderHex: string;
    /** The whole file. */
    readonly fileBase64: string;
    /** The decrypted plaintext: the record stream, as UTF-8 text. */
    readonly plaintext: string;
    /** The records it holds, in order. */
    readonly records: readonly Record<string, unknown>[];
  };
  readonly mutations: readonly BackupMutation[];
}

/** How one certificate must be judged under one relay's trust root at one time. */
export type SenderCertificateCheck =
  | {
      readonly trustRoot: string;
      readonly at: number;
      readonly valid: true;
      readonly sender: { readonly accountId: string; readonly deviceId: number };
    }
  | { readonly trustRoot: string; readonly at: number; readonly valid: false; readonly error: string };

export interface SenderCertificateVector {
  readonly name: string;
  /** The trust root (by name) of the relay that issued it. */
  readonly issuedBy: string;
  readonly certificateBase64: string;
  /** What the certificate says (before any check). */
  readonly names: { readonly accountId: string; readonly deviceId: number; readonly identityKeyHex: string };
  readonly expiresAt: number;
  /** Whether the account id it names commits to the identity key it names (§1); false: refuse it. */
  readonly idCommitsToKey: boolean;
  readonly checks: readonly SenderCertificateCheck[];
}

export interface SenderCertificateVectors extends VectorFileHeader {
  readonly trustRoots: readonly { readonly name: string; readonly relayUrl: string; readonly publicKeyHex: string }[];
  readonly certificates: readonly SenderCertificateVector[];
}

export interface AccessKeyVectors extends VectorFileHeader {
  readonly header: string;
  readonly vectors: readonly {
    readonly keyBase64: string;
    /** The key as a contact code's `key` parameter (base64url, no padding). */
    readonly contactCodeKey: string;
    /** SHA-256 of the 16 key bytes: what a relay stores and compares. */
    readonly storedHashBase64: string;
  }[];
  readonly refused: readonly Refusal<string>[];
}

/** A signed group change as the vectors give it: the body as text (its UTF-8 is the signed body) and a signature. */
export interface SignedGroupChangeVector {
  /** The body's exact text; the body bytes are its UTF-8 encoding. */
  readonly body: string;
  /** XEdDSA over "Parley group change v1" 0x00 || body (randomized: check verification, not equality). */
  readonly signatureBase64: string;
}

export interface GroupChangeVectors extends VectorFileHeader {
  /** What is signed before the body, as hex. */
  readonly signingPrefixHex: string;
  readonly identities: readonly FixedIdentity[];
  /** groupIdFor(creator key, create id) = groupId. */
  readonly groupId: { readonly creator: string; readonly createId: string; readonly groupId: string };
  /** Every change of the scenario, in the order they arrived at one member; each verifies. */
  readonly changes: readonly (SignedGroupChangeVector & { readonly name: string; readonly id: string })[];
  /** The fold of the set of all of them. */
  readonly fold: {
    /** Change ids in fold order, with what the fold did with each. */
    readonly outcomes: readonly {
      readonly id: string;
      readonly applied: boolean;
      /** The reference implementation's reason (informative). */
      readonly reason: string | null;
      readonly fallbackAdmin: string | null;
    }[];
    /** The state: compare as JSON values. */
    readonly state: Record<string, unknown>;
    readonly nextClock: number;
    readonly digest: { readonly count: number; readonly sha256Base64: string };
  };
  /** Signed changes a receiver refuses before they reach its set. */
  readonly refused: readonly Refusal<SignedGroupChangeVector>[];
  /** Changes whose id is held with other bytes: refused by a set that holds all of `changes`. */
  readonly conflicts: readonly Refusal<SignedGroupChangeVector>[];
}

/** One attachment encrypted with a fixed key and IV (docs/protocol.md §11.1). */
export interface AttachmentEncryptionVector {
  readonly name: string;
  readonly plaintextHex: string;
  readonly size: number;
  readonly paddedSize: number;
  readonly keyHex: string;
  readonly ivHex: string;
  readonly blobHex: string;
  readonly digestHex: string;
}

/** A blob the recipient must refuse, with the pointer it is checked against. */
export interface AttachmentRefusal {
  readonly name: string;
  readonly blobHex: string;
  readonly keyHex: string;
  readonly digestHex: string;
  readonly size: number;
  readonly error: string;
}

export interface AttachmentVectors extends VectorFileHeader {
  /** Plaintext size -> padded size -> blob length. */
  readonly buckets: readonly { readonly size: number; readonly paddedSize: number; readonly blobLength: number }[];
  readonly encryptions: readonly AttachmentEncryptionVector[];
  readonly refusals: readonly AttachmentRefusal[];
  /** An attachment message as content: its JSON and the padded bytes encodeContent makes of it. */
  readonly message: { readonly json: Record<string, unknown>; readonly paddedHex: string };
}
