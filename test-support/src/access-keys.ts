/**
 * Access keys in end-to-end tests: a fresh pair as a client makes it, its
 * registration (PUT /v1/accounts/me/access-keys), an unauthenticated send
 * (POST /v1/messages) and a bundle fetch with the Parley-Access-Key header.
 */
import { randomBytes } from 'node:crypto';
import {
  ACCESS_KEY_BYTES,
  ACCESS_KEY_HEADER,
  parseWire,
  routes,
  type SendRequest,
  setAccessKeysResponseSchema,
} from '@parley/crypto-core/wire';
import type { HttpResult, RelayHttp } from './relay-client.js';
import { payload } from './scenario.js';

export interface AccessKeys {
  readonly codeKey: string;
  readonly contactKey: string;
}

export function newAccessKey(): string {
  return randomBytes(ACCESS_KEY_BYTES).toString('base64');
}

/** Registers a fresh pair for the token's account and returns it. */
export async function registerAccessKeys(http: RelayHttp, token: string): Promise<AccessKeys> {
  const keys = { codeKey: newAccessKey(), contactKey: newAccessKey() };
  const result = await http.request(routes.accessKeys, { method: 'PUT', body: keys, token });
  if (result.status !== 200) throw new Error(`access keys refused (${result.status}): ${JSON.stringify(result.body)}`);
  parseWire(setAccessKeysResponseSchema, result.body, 'access keys response');
  return keys;
}

/** POST /v1/messages, no token. */
export function postMessages(http: RelayHttp, body: unknown): Promise<HttpResult> {
  return http.request(routes.messages, { body });
}

/** A sealed send of `label` to device 1 of `recipient`, with `accessKey`. */
export function sealedSend(recipient: string, accessKey: string | undefined, label: string): SendRequest {
  return {
    recipient,
    messages: [{ deviceId: 1, type: 'sealed', content: payload(label) }],
    ...(accessKey === undefined ? {} : { accessKey }),
  };
}

/** GET the account's bundles with the access key header, and a token if given. */
export function fetchBundlesWithKey(
  http: RelayHttp,
  accountId: string,
  accessKey: string,
  token?: string,
): Promise<HttpResult> {
  return http.request(http.bundlesPath(accountId), {
    headers: { [ACCESS_KEY_HEADER]: accessKey },
    ...(token === undefined ? {} : { token }),
  });
}
