/**
 * Trust roots pinned per relay (docs/protocol.md §5, Sealed sender): each
 * relay signs its users' sender certificates under its own root, so a sealed
 * envelope is trusted only when its certificate validates under the pinned
 * root of the relay it came from. A root is pinned the first time the engine
 * hands it over (fetched over that relay's URL) and never replaced: a relay
 * that presents another one is refused with TRUST_ROOT_CHANGED, whatever it
 * says, because a new root would let it certify any key for its users.
 *
 * Vaults from before pins kept the home relay's root only beside our sender
 * certificate; that root counts as pinned until a pin is written for it.
 */
import type { Bytes, TrustRootCandidate } from '@parley/crypto-core';
import { equalBytes } from '@parley/crypto-core';
import { ApiErrorCode } from '../common/api-errors.js';
import { RecordKinds } from './record-kinds.js';
import { canonicalRelayUrl } from './sender-certificates.js';
import type { UnlockedContext } from './unlocked-context.js';
import { invalidArgumentError, protocolError } from './vault-errors.js';

/** Bytes of a serialized Curve25519 public key (type byte 0x05, then 32). */
const TRUST_ROOT_BYTES = 33;
const CURVE25519_KEY_TYPE = 0x05;

function changedError(relayUrl: string) {
  return protocolError(
    ApiErrorCode.TrustRootChanged,
    `the relay ${relayUrl} presented a different trust root than the one pinned for it; refused`,
  );
}

export class TrustRoots {
  readonly #context: UnlockedContext;

  constructor(context: UnlockedContext) {
    this.#context = context;
  }

  /** Pins `trustRoot` for the relay on first sight; the same key again is fine; another is TRUST_ROOT_CHANGED. */
  async pin(relayUrl: string, trustRoot: Bytes): Promise<{ relayUrl: string; pinned: 'new' | 'same' }> {
    const { records } = this.#context;
    return records.transaction(async () => this.stagePin(relayUrl, trustRoot));
  }

  /** pin's work inside the caller's transaction (setSenderCertificate pins the home relay with its certificate). */
  stagePin(relayUrl: string, trustRoot: Bytes): { relayUrl: string; pinned: 'new' | 'same' } {
    const relay = canonicalRelayUrl(relayUrl);
    if (trustRoot.byteLength !== TRUST_ROOT_BYTES || trustRoot[0] !== CURVE25519_KEY_TYPE) {
      throw invalidArgumentError('a trust root is a 33-byte serialized Curve25519 public key');
    }
    const pinned = this.pinned(relay);
    if (pinned !== undefined) {
      if (!equalBytes(pinned, trustRoot)) throw changedError(relay);
      if (this.#context.records.has(RecordKinds.trustRootPin, relay)) return { relayUrl: relay, pinned: 'same' };
    }
    this.#context.records.set(RecordKinds.trustRootPin, [relay], {
      trustRoot: trustRoot.slice(),
      pinnedAt: this.#context.now(),
    });
    return { relayUrl: relay, pinned: pinned === undefined ? 'new' : 'same' };
  }

  /** The pinned root of a relay (canonical URL), if any. */
  pinned(relay: string): Bytes | undefined {
    const { records } = this.#context;
    return (
      records.get(RecordKinds.trustRootPin, relay)?.trustRoot ??
      records.get(RecordKinds.senderCertificate, relay)?.trustRoot
    );
  }

  /** Every pinned root, keyed by canonical relay URL: what a sealed envelope's certificate is checked against. */
  candidates(): TrustRootCandidate<string>[] {
    const { records } = this.#context;
    const roots = new Map<string, Bytes>();
    for (const { parts, value } of records.entriesOfKind(RecordKinds.senderCertificate)) {
      const [relay] = parts;
      if (relay !== undefined) roots.set(relay, value.trustRoot);
    }
    for (const { parts, value } of records.entriesOfKind(RecordKinds.trustRootPin)) {
      const [relay] = parts;
      if (relay !== undefined) roots.set(relay, value.trustRoot);
    }
    return [...roots].map(([key, trustRoot]) => ({ key, trustRoot }));
  }
}
