/**
 * Everything about our published prekeys: the registration body, one-time
 * prekey refills, and the rotation of the signed and last-resort prekeys.
 *
 * - Every call that publishes keys generates fresh ones (never the same
 *   one-time key for two relays or two uploads) and commits their private
 *   halves before the public halves are returned for upload.
 * - The signed prekey and the last-resort Kyber prekey are published as a
 *   pair and rotated together: when the pair is older than
 *   SIGNED_PREKEY_ROTATION_MS (or when forced, or on a new registration). A
 *   replaced pair is kept for RETIRED_PREKEY_GRACE_MS, because peers may have
 *   fetched a bundle with it shortly before and their first message still
 *   names it; after that it is deleted (with its replay log).
 * - Prekey ids come from counters that start at random ids, as in Signal, so
 *   a reinstall rarely reuses ids a relay still has.
 */
import {
  type Bytes,
  type GeneratedKyberPreKey,
  type GeneratedSignedPreKey,
  generateKyberPreKeys,
  generateLastResortKyberPreKey,
  generateOneTimePreKeys,
  generateSignedPreKey,
  nextPreKeyId,
  preKeyUpload,
  randomPreKeyId,
  signWithIdentity,
  storeGeneratedPreKeys,
} from '@parley/crypto-core';
import { toBase64 } from '@parley/crypto-core/encoding';
import { authSignedMessage, type PreKeyUpload, type RegisterRequest } from '@parley/crypto-core/wire';
import { readInstallationId } from './installation-id.js';
import { type PreKeyState, RecordKinds } from './record-kinds.js';
import { canonicalRelayUrl } from './sender-certificates.js';
import type { UnlockedContext } from './unlocked-context.js';

const DAY_MS = 24 * 60 * 60 * 1000;
export const SIGNED_PREKEY_ROTATION_MS = 7 * DAY_MS;
export const RETIRED_PREKEY_GRACE_MS = 30 * DAY_MS;
/** One-time EC and Kyber prekeys in a registration. */
export const REGISTRATION_ONE_TIME_PREKEYS = 100;

/** Counters for a new identity, each starting at a random id. */
export function initialPreKeyState(): PreKeyState {
  return {
    nextPreKeyId: randomPreKeyId(),
    nextKyberPreKeyId: randomPreKeyId(),
    nextSignedPreKeyId: randomPreKeyId(),
    current: null,
    retired: [],
  };
}

interface PublishedPair {
  readonly signedPreKey: GeneratedSignedPreKey;
  readonly lastResortKyberPreKey: GeneratedKyberPreKey;
}

export class PreKeyMaintenance {
  readonly #context: UnlockedContext;

  constructor(context: UnlockedContext) {
    this.#context = context;
  }

  /**
   * A complete registration: this install's id, a fresh signed/last-resort
   * pair, 100 + 100 fresh one-time keys, the proof of possession.
   */
  async buildRegistration(relayUrl: string, challenge: Bytes): Promise<RegisterRequest> {
    const { identity, local } = this.#context;
    // First, so a relay URL that cannot be signed for fails before any key is made.
    const signature = this.#sign('register', relayUrl, challenge);
    const upload = await this.#publish({
      rotatePair: true,
      preKeys: REGISTRATION_ONE_TIME_PREKEYS,
      kyberPreKeys: REGISTRATION_ONE_TIME_PREKEYS,
    });
    const { signedPreKey, lastResortKyberPreKey } = upload;
    if (signedPreKey === undefined || lastResortKyberPreKey === undefined)
      throw new Error('registration without its pair');
    return {
      accountId: identity.accountId,
      deviceId: local.deviceId,
      installationId: readInstallationId(this.#context.records),
      registrationId: identity.registrationId,
      identityKey: toBase64(identity.identityKey),
      challenge: toBase64(challenge),
      signature,
      signedPreKey,
      lastResortKyberPreKey,
      preKeys: upload.preKeys,
      kyberPreKeys: upload.kyberPreKeys,
    };
  }

  /** Signature (base64) proving possession of the identity key to one relay, and the install logging in. */
  signChallenge(relayUrl: string, challenge: Bytes): { signature: string; installationId: string } {
    return {
      signature: this.#sign('token', relayUrl, challenge),
      installationId: readInstallationId(this.#context.records),
    };
  }

  /** Fresh one-time prekeys for an upload. */
  buildRefill(preKeys: number, kyberPreKeys: number): Promise<PreKeyUpload> {
    return this.#publish({ rotatePair: false, preKeys, kyberPreKeys });
  }

  /** A new signed/last-resort pair when the current one is due (or `force`), else null. Always purges expired pairs. */
  async rotate(force: boolean): Promise<PreKeyUpload | null> {
    const current = this.#state().current;
    const due = force || current === null || this.#context.now() - current.createdAt >= SIGNED_PREKEY_ROTATION_MS;
    if (!due) {
      await this.#context.records.transaction(async () => this.#purgeRetired(this.#state()));
      return null;
    }
    return this.#publish({ rotatePair: true, preKeys: 0, kyberPreKeys: 0 });
  }

  #sign(purpose: 'register' | 'token', relayUrl: string, challenge: Bytes): string {
    const { identity, local } = this.#context;
    const message = authSignedMessage(
      purpose,
      canonicalRelayUrl(relayUrl),
      identity.accountId,
      local.deviceId,
      challenge,
    );
    return toBase64(signWithIdentity(identity, message));
  }

  #state(): PreKeyState {
    const state = this.#context.records.get(RecordKinds.preKeyState);
    if (state === undefined) throw new Error('the vault has no prekey state');
    return state;
  }

  async #publish(plan: { rotatePair: boolean; preKeys: number; kyberPreKeys: number }): Promise<PreKeyUpload> {
    const { records, store, identity, now } = this.#context;
    return records.transaction(async () => {
      const at = now();
      let state = this.#state();
      let pair: PublishedPair | undefined;
      if (plan.rotatePair) {
        const signedPreKey = generateSignedPreKey(identity, state.nextSignedPreKeyId, at);
        const lastResortKyberPreKey = generateLastResortKyberPreKey(identity, state.nextKyberPreKeyId, at);
        pair = { signedPreKey, lastResortKyberPreKey };
        state = {
          ...state,
          nextSignedPreKeyId: nextPreKeyId(signedPreKey.keyId),
          nextKyberPreKeyId: nextPreKeyId(lastResortKyberPreKey.keyId),
          current: {
            signedPreKeyId: signedPreKey.keyId,
            lastResortKyberPreKeyId: lastResortKyberPreKey.keyId,
            createdAt: at,
          },
          retired:
            state.current === null
              ? state.retired
              : [
                  ...state.retired,
                  {
                    signedPreKeyId: state.current.signedPreKeyId,
                    lastResortKyberPreKeyId: state.current.lastResortKyberPreKeyId,
                    retiredAt: at,
                  },
                ],
        };
      }
      const preKeys = generateOneTimePreKeys(state.nextPreKeyId, plan.preKeys);
      const kyberPreKeys = generateKyberPreKeys(identity, state.nextKyberPreKeyId, plan.kyberPreKeys, at);
      state = {
        ...state,
        nextPreKeyId: plan.preKeys === 0 ? state.nextPreKeyId : preKeys.nextId,
        nextKyberPreKeyId: plan.kyberPreKeys === 0 ? state.nextKyberPreKeyId : kyberPreKeys.nextId,
      };
      const generated = { ...pair, preKeys: preKeys.keys, kyberPreKeys: kyberPreKeys.keys };
      await storeGeneratedPreKeys(store, generated);
      records.set(RecordKinds.preKeyState, [], state);
      await this.#purgeRetired(state);
      return preKeyUpload(generated);
    });
  }

  /** Deletes retired pairs whose grace period is over (inside the caller's transaction). */
  async #purgeRetired(state: PreKeyState): Promise<void> {
    const { records, store, now } = this.#context;
    const cutoff = now() - RETIRED_PREKEY_GRACE_MS;
    const expired = state.retired.filter((pair) => pair.retiredAt <= cutoff);
    if (expired.length === 0) return;
    for (const pair of expired) {
      await store.removeSignedPreKey(pair.signedPreKeyId);
      await store.removeKyberPreKey(pair.lastResortKyberPreKeyId);
    }
    records.set(RecordKinds.preKeyState, [], {
      ...state,
      retired: state.retired.filter((pair) => pair.retiredAt > cutoff),
    });
  }
}
