/**
 * Registers the benchmark's accounts on a real relay, the way a client does:
 * challenge, then registration signed by the account's identity key, with a
 * signed prekey and a last-resort Kyber prekey whose signatures the relay
 * checks.
 *
 * Every account needs its own identity key (the account id is derived from
 * it) and its own signatures, but nothing in the protocol ties a prekey's
 * public key to one account: the prekey pairs are made once by crypto-core
 * and each account signs the same public keys. That skips 1,000 ML-KEM key
 * generations; no session is ever set up with these keys, so their private
 * halves are not needed. No one-time prekeys are uploaded (the relay then
 * hands out the signed and last-resort keys, which the benchmark never asks
 * for). Registrations run in parallel over a few HTTP connections.
 */
import { randomBytes } from 'node:crypto';
import {
  fromBase64,
  generateIdentity,
  generateLastResortKyberPreKey,
  generateSignedPreKey,
  type LocalIdentity,
  signWithIdentity,
  toBase64,
} from '@parley/crypto-core';
import {
  type AccountId,
  authSignedMessage,
  challengeResponseSchema,
  type KyberPreKeyWire,
  parseWire,
  type RegisterRequest,
  routes,
  type SignedPreKeyWire,
  tokenResponseSchema,
  WIRE_VERSION,
} from '@parley/crypto-core/wire';
import type { PoolMember } from './load-clients.js';

export interface BenchAccount {
  readonly accountId: AccountId;
  /** Bearer token for the socket handshake. */
  readonly token: string;
}

/** Registrations in flight at once. */
const REGISTER_CONCURRENCY = 32;
const DEVICE_ID = 1;

interface SharedPreKeys {
  readonly signedPreKey: SignedPreKeyWire;
  readonly lastResortKyberPreKey: KyberPreKeyWire;
}

/** One signed prekey and one Kyber key pair, made by crypto-core; only their public keys are used. */
function sharedPreKeys(): SharedPreKeys {
  const maker = generateIdentity();
  return {
    signedPreKey: generateSignedPreKey(maker, 1).wire,
    lastResortKyberPreKey: generateLastResortKyberPreKey(maker, 0xffffff).wire,
  };
}

/** The shared public keys, signed by this identity (XEdDSA over the serialized public key, as libsignal checks). */
function signedBy<K extends { readonly publicKey: string }>(identity: LocalIdentity, key: K): K {
  return { ...key, signature: toBase64(signWithIdentity(identity, fromBase64(key.publicKey))) };
}

async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function registerOne(relayUrl: string, keys: SharedPreKeys): Promise<BenchAccount> {
  const identity = generateIdentity();
  const { accountId } = identity;
  const challengeAnswer = await postJson(`${relayUrl}${routes.challenge}`, { accountId, deviceId: DEVICE_ID });
  if (challengeAnswer.status !== 200) {
    throw new Error(`challenge refused (${challengeAnswer.status}): ${JSON.stringify(challengeAnswer.body)}`);
  }
  const { challenge } = parseWire(challengeResponseSchema, challengeAnswer.body, 'challenge response');
  const signed = authSignedMessage('register', relayUrl, accountId, DEVICE_ID, fromBase64(challenge));
  const request: RegisterRequest = {
    accountId,
    deviceId: DEVICE_ID,
    installationId: toBase64(randomBytes(16)),
    registrationId: identity.registrationId,
    identityKey: toBase64(identity.identityKey),
    challenge,
    signature: toBase64(signWithIdentity(identity, signed)),
    signedPreKey: signedBy(identity, keys.signedPreKey),
    lastResortKyberPreKey: signedBy(identity, keys.lastResortKyberPreKey),
    preKeys: [],
    kyberPreKeys: [],
  };
  const answer = await postJson(`${relayUrl}${routes.accounts}`, request);
  if (answer.status !== 201) throw new Error(`registration refused (${answer.status}): ${JSON.stringify(answer.body)}`);
  const { token } = parseWire(tokenResponseSchema, answer.body, 'registration response');
  return { accountId, token };
}

/** Registers `count` accounts (device 1 each) on the relay at `relayUrl`. */
export async function registerAccounts(relayUrl: string, count: number): Promise<BenchAccount[]> {
  const keys = sharedPreKeys();
  const accounts: BenchAccount[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      accounts[index] = await registerOne(relayUrl, keys);
    }
  };
  await Promise.all(Array.from({ length: Math.min(REGISTER_CONCURRENCY, count) }, worker));
  return accounts;
}

/** The relay's clients for these accounts: the token in the socket handshake. */
export function relayMembers(accounts: readonly BenchAccount[]): PoolMember[] {
  return accounts.map((account) => ({
    accountId: account.accountId,
    auth: { token: account.token, wireVersion: WIRE_VERSION },
  }));
}
