/**
 * Sealed-sender certificates across relays (docs/protocol.md §5, Sealed
 * sender): two relays, each with its own trust root; certificates one relay
 * issued, and how a receiver must judge each under each relay's root and at
 * which times. Signatures are randomized, so certificates already in the
 * committed file are kept while they still verify and say the same.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { PrivateKey, PublicKey, SenderCertificate, ServerCertificate } from '@signalapp/libsignal-client';
import { fromBase64, toBase64, toHex, utf8 } from '../src/encoding.js';
import { readSenderCertificate, validateSenderCertificate } from '../src/signal/index.js';
import { ALICE, BOB } from './identities.js';
import type { SenderCertificateCheck, SenderCertificateVector, SenderCertificateVectors } from './types.js';

const EXPIRES_AT = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const DAY_MS = 86_400_000;

function fixedKey(label: string): PrivateKey {
  return PrivateKey.deserialize(sha256(utf8(`parley-conformance-${label}`)));
}

const RELAYS = [
  { name: 'A', relayUrl: 'https://relay-a.example', root: fixedKey('trust-root-a'), server: fixedKey('server-a') },
  { name: 'B', relayUrl: 'https://relay-b.example', root: fixedKey('trust-root-b'), server: fixedKey('server-b') },
] as const;

interface Spec {
  readonly name: string;
  readonly issuer: (typeof RELAYS)[number];
  readonly identity: typeof ALICE;
  /** The account id the certificate names (the identity's own, or a forged one). */
  readonly accountId: string;
  readonly deviceId: number;
}

const SPECS: readonly Spec[] = [
  {
    name: "alice's device 1, certified by relay A",
    issuer: RELAYS[0],
    identity: ALICE,
    accountId: ALICE.accountId,
    deviceId: 1,
  },
  {
    name: "bob's device 3, certified by relay B",
    issuer: RELAYS[1],
    identity: BOB,
    accountId: BOB.accountId,
    deviceId: 3,
  },
  {
    name: "bob's key under alice's account id, signed by relay A (a forgery: the id does not commit to the key)",
    issuer: RELAYS[0],
    identity: BOB,
    accountId: ALICE.accountId,
    deviceId: 1,
  },
];

function issue(spec: Spec): Uint8Array {
  const server = ServerCertificate.new(1, spec.issuer.server.getPublicKey(), spec.issuer.root);
  return SenderCertificate.new(
    spec.accountId,
    null,
    spec.deviceId,
    PublicKey.deserialize(Buffer.from(spec.identity.publicKeyHex, 'hex')),
    EXPIRES_AT,
    server,
    spec.issuer.server,
  ).serialize();
}

/** What a receiver must conclude: `valid` with the sender, or refused with the error code the reference throws. */
function judge(certificate: Uint8Array, root: (typeof RELAYS)[number], at: number): SenderCertificateCheck {
  const base = { trustRoot: root.name, at };
  try {
    const info = validateSenderCertificate(certificate, root.root.getPublicKey().serialize(), at);
    return { ...base, valid: true, sender: info.sender };
  } catch (error) {
    return { ...base, valid: false, error: (error as { code?: string }).code ?? 'UNKNOWN' };
  }
}

function sameCertificate(bytes: Uint8Array, spec: Spec): boolean {
  try {
    const parsed = SenderCertificate.deserialize(Buffer.from(bytes));
    return (
      parsed.senderUuid() === spec.accountId &&
      parsed.senderDeviceId() === spec.deviceId &&
      toHex(parsed.key().serialize()) === spec.identity.publicKeyHex &&
      parsed.expiration() === EXPIRES_AT &&
      parsed.validate(spec.issuer.root.getPublicKey(), EXPIRES_AT - 1)
    );
  } catch {
    return false;
  }
}

export function senderCertificateVectors(previous: SenderCertificateVectors | undefined): SenderCertificateVectors {
  const certificates = SPECS.map((spec): SenderCertificateVector => {
    const old = previous?.certificates.find((vector) => vector.name === spec.name);
    const kept = old === undefined ? undefined : fromBase64(old.certificateBase64);
    const certificate = kept !== undefined && sameCertificate(kept, spec) ? kept : issue(spec);
    const checks = [
      judge(certificate, spec.issuer, EXPIRES_AT - DAY_MS),
      judge(certificate, spec.issuer, EXPIRES_AT),
      judge(certificate, spec.issuer, EXPIRES_AT + 1),
      judge(certificate, spec.issuer === RELAYS[0] ? RELAYS[1] : RELAYS[0], EXPIRES_AT - DAY_MS),
    ];
    let readable = true;
    try {
      readSenderCertificate(certificate);
    } catch {
      readable = false;
    }
    return {
      name: spec.name,
      issuedBy: spec.issuer.name,
      certificateBase64: toBase64(certificate),
      names: { accountId: spec.accountId, deviceId: spec.deviceId, identityKeyHex: spec.identity.publicKeyHex },
      expiresAt: EXPIRES_AT,
      idCommitsToKey: readable,
      checks,
    };
  });
  return {
    description:
      "Sender certificates of two relays, each with its own trust root. A receiver validates a sealed envelope's certificate under the pinned trust root of the sender's home relay, at the envelope's server time: valid up to and including expiresAt and only under the issuing relay's root; a certificate whose account id does not commit to its identity key is refused even with a valid signature. Signatures are randomized: check validation, not bytes.",
    backs: ['docs/protocol.md §5 Sealed sender', 'docs/protocol.md §4.8 Across relays'],
    trustRoots: RELAYS.map((relay) => ({
      name: relay.name,
      relayUrl: relay.relayUrl,
      publicKeyHex: toHex(relay.root.getPublicKey().serialize()),
    })),
    certificates,
  };
}
