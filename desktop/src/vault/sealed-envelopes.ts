/**
 * Opening sealed envelopes from senders on any relay (docs/protocol.md §5,
 * Sealed sender). The outer layer opens with our identity key; its sender
 * certificate must validate, at the envelope's server time, under the pinned
 * trust root of one relay (trust-roots.ts), and the outcome names that relay
 * (`senderRelay`) so the engine can check it is the contact's relay.
 *
 * A certificate no pinned root validates may come from a relay we have not
 * met: the sender's profile says which (profile content's `relayUrl`). To
 * read it, the inner message is decrypted tentatively, inside the caller's
 * savepoint, and the caller rolls back whatever happens: the ratchet stays
 * untouched and nothing is cached. A profile naming a relay not pinned yet is
 * UNKNOWN_SENDER_RELAY (retry after pinning it); anything else is
 * INVALID_CERTIFICATE (acked and dropped by the engine).
 *
 * A group message (a sender-key message, one recipient's part of an SSv2
 * upload) is decrypted with the certified sender's chain (GroupCipher):
 * NO_SENDER_KEY without it. Its certificate must validate under a pinned
 * root: a group message cannot carry the profile that would name another
 * relay, and the sender's 1:1 messages (its sender key among them) pin it.
 */
import {
  type Bytes,
  type DeviceAddress,
  decodeContent,
  findCertifyingRoot,
  GroupCipher,
  openSealedOuterLayer,
  type TrustRootCandidate,
} from '@parley/crypto-core';
import { ApiErrorCode } from '../common/api-errors.js';
import { VaultError } from '../common/dispatch.js';
import { canonicalRelayUrl } from './sender-certificates.js';
import type { UnlockedContext } from './unlocked-context.js';
import { protocolError } from './vault-errors.js';

export interface OpenedSealedEnvelope {
  readonly sender: DeviceAddress;
  readonly plaintext: Bytes;
  /** Canonical URL of the relay whose pinned root validated the certificate. */
  readonly senderRelay: string;
  /** A group message: the group its sealed layer named (the content must name the same). */
  readonly groupId?: string;
}

/** What is known of a sealed envelope that did not open: who sent it, and for a group message which chain. */
export interface SealedFailureContext {
  readonly sender: DeviceAddress | null;
  readonly group: { readonly groupId: string; readonly distributionId: string } | null;
}

/** UNKNOWN_SENDER_RELAY, carrying the relay the sender's profile names (canonical). */
export class UnknownSenderRelayError extends VaultError {
  readonly relayUrl: string;

  constructor(relayUrl: string) {
    super(
      ApiErrorCode.UnknownSenderRelay,
      `the sender's certificate is from a relay whose trust root is not pinned: ${relayUrl}`,
      null,
    );
    this.relayUrl = relayUrl;
  }
}

function uncertified(): VaultError {
  return protocolError(
    ApiErrorCode.InvalidCertificate,
    'the sender certificate validates under no pinned trust root and the sender names no other relay',
  );
}

/** The pinned roots, read once per batch (a batch pins nothing). */
export type CandidateRoots = () => readonly TrustRootCandidate<string>[];

export class SealedEnvelopes {
  readonly #context: UnlockedContext;
  readonly #groups: GroupCipher;

  constructor(context: UnlockedContext) {
    this.#context = context;
    this.#groups = new GroupCipher(context.store, context.local);
  }

  /**
   * Opens and decrypts one sealed envelope body, certificate judged at `at`.
   * Throws FORGED_IDENTITY (a pinned relay certified a key the account id
   * does not commit to), UnknownSenderRelayError, or the failure it met;
   * the caller rolls back its savepoint on any throw.
   */
  async open(body: Bytes, at: number, roots: CandidateRoots): Promise<OpenedSealedEnvelope> {
    const { store, sessions } = this.#context;
    const outer = await openSealedOuterLayer(store, body);
    const inner = outer.inner;
    const candidates = roots();
    const certified = findCertifyingRoot(outer.certificate, candidates, at);
    if (inner.type === 'sender-key') {
      if (certified === null) throw uncertified();
      const sender = certified.certificate.sender;
      const plaintext = await this.#groups.decrypt(sender, inner.body);
      return { sender, plaintext, senderRelay: certified.key, groupId: inner.groupId };
    }
    if (certified !== null) {
      const sender = certified.certificate.sender;
      return { sender, plaintext: await sessions.decrypt(sender, inner), senderRelay: certified.key };
    }
    throw this.#namedRelay(await this.#tentativePlaintext(outer.claimedSender, inner), candidates);
  }

  /**
   * Who sent a sealed envelope that did not open, when a pinned root
   * validates its certificate (to ask that sender for a fresh session, or
   * for its sender key), and the group and chain a group message named.
   * It proves nothing about the inner message.
   */
  async failureContext(body: Bytes, at: number, roots: CandidateRoots): Promise<SealedFailureContext> {
    try {
      const outer = await openSealedOuterLayer(this.#context.store, body);
      const sender = findCertifyingRoot(outer.certificate, roots(), at)?.certificate.sender ?? null;
      const inner = outer.inner;
      const group =
        inner.type === 'sender-key' ? { groupId: inner.groupId, distributionId: inner.distributionId } : null;
      return { sender, group };
    } catch {
      // The outer layer or the certificate is bad too: nobody to ask.
      return { sender: null, group: null };
    }
  }

  async #tentativePlaintext(
    claimed: DeviceAddress,
    inner: Parameters<UnlockedContext['sessions']['decrypt']>[1],
  ): Promise<Bytes | null> {
    try {
      return await this.#context.sessions.decrypt(claimed, inner);
    } catch {
      // No session, a duplicate, a tampered message: it names nothing we could act on.
      return null;
    }
  }

  /** What to answer when no pinned root validated the certificate, from the tentatively decrypted content. */
  #namedRelay(plaintext: Bytes | null, candidates: readonly TrustRootCandidate<string>[]): VaultError {
    if (plaintext === null) return uncertified();
    let named: string | undefined;
    try {
      const content = decodeContent(plaintext);
      named = content.type === 'profile' ? content.relayUrl : undefined;
    } catch {
      return uncertified();
    }
    if (named === undefined) return uncertified();
    const relay = canonicalRelayUrl(named);
    // A relay already pinned did not sign it: naming it again cannot help.
    if (candidates.some((candidate) => candidate.key === relay)) return uncertified();
    return new UnknownSenderRelayError(relay);
  }
}
