/**
 * A client device for tests, with keys made by crypto-core: identity,
 * registration id, signed prekey, last-resort Kyber prekey and batches of
 * one-time EC and Kyber prekeys, all kept in a MemoryProtocolStore, plus a
 * SessionCipher for PQXDH sessions through bundles fetched from the relay.
 * Signatures are crypto-core's too (signWithIdentity): the tests use nothing
 * a real client could not.
 */

import { randomBytes } from 'node:crypto';
import {
  fromBase64,
  type GeneratedKyberPreKey,
  type GeneratedPreKey,
  type GeneratedSignedPreKey,
  generateIdentity,
  generateKyberPreKeys,
  generateLastResortKyberPreKey,
  generateOneTimePreKeys,
  generateSignedPreKey,
  type LocalIdentity,
  MemoryProtocolStore,
  SessionCipher,
  signWithIdentity,
  storeGeneratedPreKeys,
  toBase64,
} from '@parley/crypto-core';
import type { AccountId, DeviceAddress, RegisterRequest, TokenRequest } from '@parley/crypto-core/wire';
import { type AuthPurpose, authSignedMessage } from '@parley/crypto-core/wire';

export interface TestDeviceOptions {
  readonly deviceId?: number;
  /**
   * Another device of the same account, or with the same device id the same
   * device on another install (a backup restored elsewhere).
   */
  readonly identity?: LocalIdentity;
  /** base64, 16 bytes; a new random one (a new install) unless given. */
  readonly installationId?: string;
  readonly preKeys?: number;
  readonly kyberPreKeys?: number;
}

export class TestDevice {
  readonly store: MemoryProtocolStore;
  readonly session: SessionCipher;
  readonly address: DeviceAddress;

  private constructor(
    readonly identity: LocalIdentity,
    readonly deviceId: number,
    /** This install's id (wire `installationId`): the same device on another install has another. */
    readonly installationId: string,
    readonly signedPreKey: GeneratedSignedPreKey,
    readonly lastResortKyberPreKey: GeneratedKyberPreKey,
    readonly preKeys: readonly GeneratedPreKey[],
    readonly kyberPreKeys: readonly GeneratedKyberPreKey[],
  ) {
    this.store = new MemoryProtocolStore(identity);
    this.address = { accountId: identity.accountId, deviceId };
    this.session = new SessionCipher(this.store, this.address);
  }

  static async create(options: TestDeviceOptions = {}): Promise<TestDevice> {
    const identity = options.identity ?? generateIdentity();
    const signedPreKey = generateSignedPreKey(identity, 1);
    const lastResort = generateLastResortKyberPreKey(identity, 0xffffff);
    const preKeys = generateOneTimePreKeys(1, options.preKeys ?? 5).keys;
    const kyberPreKeys = generateKyberPreKeys(identity, 1, options.kyberPreKeys ?? 5).keys;
    const installationId = options.installationId ?? toBase64(randomBytes(16));
    const device = new TestDevice(
      identity,
      options.deviceId ?? 1,
      installationId,
      signedPreKey,
      lastResort,
      preKeys,
      kyberPreKeys,
    );
    await storeGeneratedPreKeys(device.store, {
      signedPreKey,
      lastResortKyberPreKey: lastResort,
      preKeys,
      kyberPreKeys,
    });
    return device;
  }

  get accountId(): AccountId {
    return this.identity.accountId;
  }

  get identityKey(): string {
    return toBase64(this.identity.identityKey);
  }

  /** The identity key's signature (base64) over arbitrary bytes. */
  sign(message: Uint8Array): string {
    return toBase64(signWithIdentity(this.identity, message));
  }

  /**
   * Signature over authSignedMessage(purpose, relayUrl, ...) for a base64
   * challenge. `relayUrl` is the relay the device believes it talks to (as a
   * client takes it from its contact code), not anything the relay said.
   */
  signChallenge(purpose: AuthPurpose, challenge: string, relayUrl: string): string {
    const bytes = fromBase64(challenge);
    return this.sign(authSignedMessage(purpose, relayUrl, this.accountId, this.deviceId, bytes));
  }

  /** A complete registration for `relayUrl`, with all of the device's prekeys. */
  registerRequest(challenge: string, relayUrl: string): RegisterRequest {
    return {
      accountId: this.accountId,
      deviceId: this.deviceId,
      installationId: this.installationId,
      registrationId: this.identity.registrationId,
      identityKey: this.identityKey,
      challenge,
      signature: this.signChallenge('register', challenge, relayUrl),
      signedPreKey: this.signedPreKey.wire,
      lastResortKyberPreKey: this.lastResortKyberPreKey.wire,
      preKeys: this.preKeys.map((key) => key.wire),
      kyberPreKeys: this.kyberPreKeys.map((key) => key.wire),
    };
  }

  /** A token request for `relayUrl` from this install. */
  tokenRequest(challenge: string, relayUrl: string): TokenRequest {
    return {
      accountId: this.accountId,
      deviceId: this.deviceId,
      installationId: this.installationId,
      challenge,
      signature: this.signChallenge('token', challenge, relayUrl),
    };
  }
}
