/**
 * Decrypting a batch of envelopes, with the plaintext cache that makes
 * redelivery safe (plaintext-cache.ts).
 *
 * The whole batch is one transaction (durable-records.ts): the ratchet steps
 * of every envelope and the outcome of each are committed together before the
 * call returns. An envelope id found in the cache gets its cached outcome
 * again without touching the ratchet, so a renderer killed before its own
 * commit loses nothing when the relay redelivers; `release` drops the cached
 * plaintext once the renderer has committed it.
 *
 * Each envelope is isolated: a Signal failure (duplicate, tampered, untrusted
 * identity, no session...) rolls back that envelope's staged writes only and
 * becomes its error outcome; nothing is cached for it, so it can be retried.
 * Once the ratchet has moved, the outcome (content, or INVALID_CONTENT for
 * content that does not decode) is final and cached with the ratchet step.
 */
import { createHash } from 'node:crypto';
import {
  type Bytes,
  type DeviceAddress,
  decodeContent,
  GroupCipher,
  type SealedSenderCipher,
} from '@parley/crypto-core';
import type { AccountId, Envelope } from '@parley/crypto-core/wire';
import { ApiErrorCode } from '../common/api-errors.js';
import { errorResult } from '../common/dispatch.js';
import type { DecryptOutcome } from '../common/vault-api.js';
import { fromCheckedBase64 } from './base64.js';
import { mapIncomingContent } from './content-mapping.js';
import type { IdentityTrust } from './identity-trust.js';
import { PlaintextCache } from './plaintext-cache.js';
import type { CachedDecryption } from './record-kinds.js';
import type { SenderCertificates } from './sender-certificates.js';
import type { UnlockedContext } from './unlocked-context.js';
import { protocolError } from './vault-errors.js';

interface OpenedEnvelope {
  readonly sender: DeviceAddress;
  readonly sealed: boolean;
  readonly plaintext: Bytes;
}

function failure(envelopeId: string, error: unknown): DecryptOutcome {
  const result = errorResult(error);
  const apiError = result.ok ? { code: ApiErrorCode.Internal, message: 'unknown failure' } : result.error;
  return { ok: false, envelopeId, error: apiError };
}

/**
 * Copying a ready hash object skips OpenSSL 3's per-createHash algorithm
 * lookup, which costs more than hashing a whole envelope.
 */
const SHA256 = createHash('sha256');

function contentDigest(content: string): string {
  return SHA256.copy().update(content, 'utf8').digest('base64');
}

/** Resolves the relay's sealed-sender cipher once per batch, on the first sealed envelope. */
type SealedCipherLookup = () => SealedSenderCipher;

export class IncomingMessages {
  readonly #context: UnlockedContext;
  readonly #trust: IdentityTrust;
  readonly #certificates: SenderCertificates;
  readonly #groups: GroupCipher;
  readonly #cache: PlaintextCache;

  constructor(context: UnlockedContext, trust: IdentityTrust, certificates: SenderCertificates) {
    this.#context = context;
    this.#trust = trust;
    this.#certificates = certificates;
    this.#groups = new GroupCipher(context.store, context.local);
    this.#cache = new PlaintextCache(context.records, context.now);
  }

  async decrypt(relayUrl: string, envelopes: readonly Envelope[]): Promise<{ results: DecryptOutcome[] }> {
    const changedIdentities = new Set<AccountId>();
    let cipher: SealedSenderCipher | undefined;
    const sealedCipher: SealedCipherLookup = () => {
      cipher ??= this.#certificates.cipherFor(this.#certificates.require(relayUrl));
      return cipher;
    };
    const { results, staged } = await this.#context.records.transaction(async () => {
      const outcomes: DecryptOutcome[] = [];
      const fresh = new Map<string, CachedDecryption>();
      for (const envelope of envelopes) {
        outcomes.push(await this.#decryptOne(envelope, sealedCipher, fresh, changedIdentities));
      }
      return { results: outcomes, staged: this.#cache.stage([...fresh.values()]) };
    });
    this.#cache.committed(staged);
    // Only now is the refused key on disk for approveIdentity to find.
    for (const accountId of changedIdentities) this.#context.emit('identity-changed', { accountId });
    return { results };
  }

  release(envelopeIds: readonly string[]): Promise<void> {
    return this.#cache.release(envelopeIds);
  }

  /** Drops cached plaintext older than DECRYPTED_CACHE_TTL_MS (called at unlock). */
  purgeStale(): Promise<number> {
    return this.#cache.purgeStale();
  }

  async #decryptOne(
    envelope: Envelope,
    sealedCipher: SealedCipherLookup,
    fresh: Map<string, CachedDecryption>,
    changedIdentities: Set<AccountId>,
  ): Promise<DecryptOutcome> {
    const { records } = this.#context;
    const digest = contentDigest(envelope.content);
    const cached = fresh.get(envelope.id) ?? this.#cache.find(envelope.id);
    if (cached !== undefined) {
      if (cached.contentDigest === digest) return cached.outcome;
      return failure(
        envelope.id,
        protocolError(ApiErrorCode.InvalidMessage, 'this envelope id was delivered before with other content'),
      );
    }
    const mark = records.savepoint();
    let opened: OpenedEnvelope;
    try {
      opened = await this.#open(envelope, sealedCipher);
    } catch (error) {
      records.rollbackTo(mark);
      const refused = this.#trust.rememberRefused(error);
      if (refused !== null) changedIdentities.add(refused);
      return failure(envelope.id, error);
    }
    let outcome: DecryptOutcome;
    try {
      const mapped = mapIncomingContent(decodeContent(opened.plaintext));
      if (mapped.senderKeyDistribution !== null) {
        await this.#groups.processDistributionMessage(opened.sender, mapped.senderKeyDistribution);
      }
      outcome = {
        ok: true,
        value: { envelopeId: envelope.id, sender: opened.sender, sealed: opened.sealed, content: mapped.content },
      };
    } catch (error) {
      outcome = failure(envelope.id, error);
    }
    fresh.set(envelope.id, { envelopeId: envelope.id, contentDigest: digest, outcome });
    return outcome;
  }

  async #open(envelope: Envelope, sealedCipher: SealedCipherLookup): Promise<OpenedEnvelope> {
    const { local, sessions, now } = this.#context;
    if (envelope.destinationDeviceId !== local.deviceId) {
      throw protocolError(ApiErrorCode.InvalidMessage, 'the envelope is addressed to another device');
    }
    const body = fromCheckedBase64(envelope.content);
    if (envelope.type === 'sealed') {
      const { sender, plaintext } = await sealedCipher().decrypt(body, now());
      return { sender, sealed: true, plaintext };
    }
    const source = envelope.source;
    if (source === undefined) throw protocolError(ApiErrorCode.InvalidMessage, 'an unsealed envelope without a source');
    const plaintext = await sessions.decrypt(source, { type: envelope.type, body });
    return { sender: source, sealed: false, plaintext };
  }
}
