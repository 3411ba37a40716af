/**
 * Vaults as the app uses them: every call goes through dispatchVaultCall (the
 * host's validation) via the same typed client the engine uses, over an
 * in-process transport. Plus parties registered with a TestRelay, and
 * temporary profile folders.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARGON2ID_INTERACTIVE } from '@parley/crypto-core';
import type { DeviceAddress, Envelope } from '@parley/crypto-core/wire';
import { dispatchVaultCall } from '../../../src/common/dispatch.js';
import { createVaultClient, unwrap, VaultCallError, type VaultClient } from '../../../src/common/invoke.js';
import type { Result } from '../../../src/common/result.js';
import type {
  AccountInfo,
  DecryptedEnvelope,
  DecryptOutcome,
  OutgoingContent,
  VaultArgs,
  VaultMethod,
  VaultResults,
} from '../../../src/common/vault-api.js';
import { Vault, type VaultOptions } from '../../../src/vault/index.js';
import { MemoryKeychain } from './memory-keychain.js';
import type { TestRelay } from './test-relay.js';

const temporaryDirs: string[] = [];

export function temporaryProfileDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'parley-vault-'));
  temporaryDirs.push(root);
  // A folder that does not exist yet: the vault creates it with 0700.
  return join(root, 'profile');
}

export function removeTemporaryDirs(): void {
  for (const dir of temporaryDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function clientFor(vault: Vault): VaultClient {
  return createVaultClient({
    call: (method, args) => dispatchVaultCall(vault, method, args),
    onEvent: () => () => undefined,
  });
}

/** Calls a method through the host's dispatch and unwraps the result (throws VaultCallError). */
export async function call<M extends VaultMethod>(
  vault: Vault,
  method: M,
  args: VaultArgs<M>,
): Promise<VaultResults[M]> {
  return unwrap(await clientFor(vault).invoke(method, args));
}

/** The raw result of a call through the host's dispatch. */
export function attempt(vault: Vault, method: string, args: unknown): Promise<Result<unknown>> {
  return dispatchVaultCall(vault, method, args);
}

/** The error code a call fails with (fails the test if it succeeds). */
export async function errorCodeOf<M extends VaultMethod>(vault: Vault, method: M, args: VaultArgs<M>): Promise<string> {
  try {
    await call(vault, method, args);
  } catch (error) {
    if (VaultCallError.is(error)) return error.code;
    throw error;
  }
  throw new Error(`${method} succeeded but was expected to fail`);
}

export function keychainVault(profileDir: string, keychain: MemoryKeychain, now?: () => number): Vault {
  const options: VaultOptions = { profileDir, keyProtection: 'os-keychain', keychain, ...(now ? { now } : {}) };
  return new Vault(options);
}

export function passphraseVault(profileDir: string, now?: () => number): Vault {
  return new Vault({ profileDir, keyProtection: 'passphrase', kdf: ARGON2ID_INTERACTIVE, ...(now ? { now } : {}) });
}

export function randomChallenge(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');
}

export interface Party {
  readonly vault: Vault;
  readonly keychain: MemoryKeychain;
  readonly profileDir: string;
  readonly account: AccountInfo;
  readonly address: DeviceAddress;
}

/** A new identity in a keychain vault, registered with `relay`, holding a sender certificate for it. */
export async function createParty(relay: TestRelay, options: { now?: () => number } = {}): Promise<Party> {
  const keychain = new MemoryKeychain();
  const profileDir = temporaryProfileDir();
  const vault = keychainVault(profileDir, keychain, options.now);
  const account = await call(vault, 'createIdentity', {});
  await registerParty(vault, relay);
  const address = { accountId: account.accountId, deviceId: account.deviceId };
  return { vault, keychain, profileDir, account, address };
}

export async function registerParty(vault: Vault, relay: TestRelay): Promise<void> {
  const registration = await call(vault, 'buildRegistration', { relayUrl: relay.url, challenge: randomChallenge() });
  relay.register(registration);
  await call(vault, 'setSenderCertificate', {
    relayUrl: relay.url,
    certificate: Buffer.from(
      relay.senderCertificate({ accountId: registration.accountId, deviceId: registration.deviceId }),
    ).toString('base64'),
    trustRoot: Buffer.from(relay.trustRoot.publicKey).toString('base64'),
    // The relay's clock at issue, as the relay's answer carries it.
    serverTime: relay.now(),
  });
}

/** `from` fetches `to`'s bundles from the relay and starts sessions with every device. */
export async function connect(relay: TestRelay, from: Party, to: Party): Promise<number[]> {
  const started = await call(from.vault, 'startSessions', { bundles: relay.bundles(to.account.accountId) });
  return started.devices;
}

export function text(body: string): OutgoingContent {
  return { type: 'text', id: crypto.randomUUID(), sentAt: Date.now(), body };
}

/** Encrypts `content` from `from` to `to` and returns the envelopes the relay would deliver. */
export async function send(
  relay: TestRelay,
  from: Party,
  to: Party,
  content: OutgoingContent,
  sealed = true,
): Promise<Envelope[]> {
  const { messages } = await call(from.vault, 'encrypt', {
    recipient: to.account.accountId,
    content,
    sealed,
    relayUrl: relay.url,
  });
  return relay.deliver(from.address, messages);
}

export async function receive(relay: TestRelay, to: Party, envelopes: Envelope[]): Promise<DecryptOutcome[]> {
  return (await call(to.vault, 'decrypt', { relayUrl: relay.url, envelopes })).results;
}

/** The decrypted value of an outcome; fails with the outcome's error otherwise. */
export function opened(outcome: DecryptOutcome | undefined): DecryptedEnvelope {
  if (outcome === undefined) throw new Error('no outcome');
  if (!outcome.ok) throw new Error(`decrypt failed: ${outcome.error.code} ${outcome.error.message}`);
  return outcome.value;
}

export function textBody(outcome: DecryptOutcome | undefined): string {
  const content = opened(outcome).content;
  if (content?.type !== 'text') throw new Error(`expected text content, got ${content?.type ?? 'null'}`);
  return content.body;
}

export function errorCode(outcome: DecryptOutcome | undefined): string {
  if (outcome === undefined) throw new Error('no outcome');
  if (outcome.ok) throw new Error('expected a failed outcome');
  return outcome.error.code;
}
