/**
 * The relay's HTTP routes through fetch. Every answer is checked against its
 * wire schema before use (a relay is trusted to forward, not to be
 * well-formed), and every failure is a RelayCallError with the relay's code.
 */
import {
  ACCESS_KEY_HEADER,
  type ChallengeResponse,
  challengeResponseSchema,
  type DeleteAccountResponse,
  deleteAccountResponseSchema,
  errorResponseSchema,
  type MultiRecipientSendRequest,
  type MultiRecipientSendResponse,
  multiRecipientSendResponseSchema,
  type PreKeyBundlesResponse,
  type PreKeyCountResponse,
  type PreKeyUpload,
  preKeyBundlesResponseSchema,
  preKeyCountResponseSchema,
  type RegisterRequest,
  type RegistrationInfoResponse,
  type RelayError,
  registrationInfoResponseSchema,
  routes,
  type SendAcceptedResponse,
  type SenderCertificateResponse,
  type SetAccessKeysRequest,
  type SetAccessKeysResponse,
  sendAcceptedResponseSchema,
  senderCertificateResponseSchema,
  setAccessKeysResponseSchema,
  type TokenRequest,
  type TokenResponse,
  type TrustRootResponse,
  tokenResponseSchema,
  trustRootResponseSchema,
  type UnauthenticatedSendRequest,
} from '@parley/crypto-core/wire';
import type { z } from 'zod';
import { RelayCallError, RelayFailure } from './relay-errors.js';

export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

export const DEFAULT_HTTP_TIMEOUT_MS = 15_000;

interface RequestSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  readonly token?: string;
  /** One of the addressed account's access keys (base64), sent as the Parley-Access-Key header. */
  readonly accessKey?: string | null;
}

export class RelayHttpClient {
  private readonly fetch: FetchFunction;
  #refusalListener: ((error: RelayError) => void) | null = null;

  constructor(
    readonly baseUrl: string,
    fetchFunction?: FetchFunction,
    private readonly timeoutMs: number = DEFAULT_HTTP_TIMEOUT_MS,
  ) {
    // Unbound fetch throws "Illegal invocation" in browsers.
    this.fetch = fetchFunction ?? ((input, init) => globalThis.fetch(input, init));
  }

  /**
   * Hears every error the relay answers, whichever call made it (the runtime
   * watches for DEVICE_TAKEN_OVER, which any route may be first to say).
   */
  observeRefusals(listener: (error: RelayError) => void): void {
    this.#refusalListener = listener;
  }

  challenge(accountId: string, deviceId: number): Promise<ChallengeResponse> {
    return this.request(challengeResponseSchema, 'challenge', {
      method: 'POST',
      path: routes.challenge,
      body: { accountId, deviceId },
    });
  }

  /** Who may register here (`open`, `invite`, `closed`): unauthenticated, read before registering. */
  registrationPolicy(): Promise<RegistrationInfoResponse> {
    return this.request(registrationInfoResponseSchema, 'registration policy', {
      method: 'GET',
      path: routes.registration,
    });
  }

  register(registration: RegisterRequest): Promise<TokenResponse> {
    return this.request(tokenResponseSchema, 'registration', {
      method: 'POST',
      path: routes.accounts,
      body: registration,
    });
  }

  token(request: TokenRequest): Promise<TokenResponse> {
    return this.request(tokenResponseSchema, 'token', { method: 'POST', path: routes.token, body: request });
  }

  uploadPreKeys(token: string, upload: PreKeyUpload): Promise<PreKeyCountResponse> {
    return this.request(preKeyCountResponseSchema, 'prekey upload', {
      method: 'PUT',
      path: routes.keys,
      body: upload,
      token,
    });
  }

  /** Registers (replaces) this account's code and contact access keys (protocol §4.7). */
  setAccessKeys(token: string, keys: SetAccessKeysRequest): Promise<SetAccessKeysResponse> {
    return this.request(setAccessKeysResponseSchema, 'access keys', {
      method: 'PUT',
      path: routes.accessKeys,
      body: keys,
      token,
    });
  }

  /**
   * Every device's bundle, or one device's; `accessKey` is the account's
   * access key we hold (none for an account that predates access keys).
   * `token` is null on a relay where we have no account (the contact's
   * relay, not our home): the access key alone opens the fetch there.
   */
  bundles(
    token: string | null,
    accountId: string,
    deviceId?: number,
    accessKey?: string | null,
  ): Promise<PreKeyBundlesResponse> {
    const path =
      deviceId === undefined
        ? `${routes.bundles}/${encodeURIComponent(accountId)}`
        : `${routes.bundles}/${encodeURIComponent(accountId)}/${deviceId}`;
    return this.request(preKeyBundlesResponseSchema, 'prekey bundles', {
      method: 'GET',
      path,
      ...(token === null ? {} : { token }),
      accessKey,
    });
  }

  /**
   * A send to an account on this relay from a sender with no account here
   * (protocol §4.7): no token, sealed-sender messages only, the recipient's
   * access key in the body. Answers after the relay committed the envelopes.
   */
  sendSealed(send: UnauthenticatedSendRequest): Promise<SendAcceptedResponse> {
    return this.request(sendAcceptedResponseSchema, 'send', { method: 'POST', path: routes.messages, body: send });
  }

  /**
   * One multi-recipient sealed upload for accounts on this relay (protocol
   * §4.9): with our token on the home relay, without one elsewhere (then
   * every recipient carries its access key). Answers once every envelope is
   * committed; DEVICE_MISMATCH names each recipient whose devices differ.
   */
  sendMultiRecipient(token: string | null, send: MultiRecipientSendRequest): Promise<MultiRecipientSendResponse> {
    return this.request(multiRecipientSendResponseSchema, 'multi-recipient send', {
      method: 'POST',
      path: routes.multiRecipientMessages,
      body: send,
      ...(token === null ? {} : { token }),
    });
  }

  senderCertificate(token: string): Promise<SenderCertificateResponse> {
    return this.request(senderCertificateResponseSchema, 'sender certificate', {
      method: 'GET',
      path: routes.senderCertificate,
      token,
    });
  }

  /** Erases the token's account on the relay: its devices, prekeys and queued envelopes. */
  deleteAccount(token: string): Promise<DeleteAccountResponse> {
    return this.request(deleteAccountResponseSchema, 'account deletion', {
      method: 'DELETE',
      path: routes.account,
      token,
    });
  }

  trustRoot(): Promise<TrustRootResponse> {
    return this.request(trustRootResponseSchema, 'trust root', { method: 'GET', path: routes.trustRoot });
  }

  private async request<S extends z.ZodType>(schema: S, what: string, spec: RequestSpec): Promise<z.output<S>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    if (spec.token !== undefined) headers.authorization = `Bearer ${spec.token}`;
    if (spec.accessKey !== undefined && spec.accessKey !== null) headers[ACCESS_KEY_HEADER] = spec.accessKey;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(`${this.baseUrl}${spec.path}`, {
        method: spec.method,
        headers,
        ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
        signal: controller.signal,
      });
      text = await response.text();
    } catch (error) {
      const timedOut = controller.signal.aborted;
      throw new RelayCallError(
        timedOut ? RelayFailure.Timeout : RelayFailure.Network,
        `${what}: ${timedOut ? 'no answer in time' : 'the relay could not be reached'}`,
        null,
        null,
        error,
      );
    } finally {
      clearTimeout(timer);
    }
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch (error) {
      throw new RelayCallError(
        RelayFailure.BadResponse,
        `${what}: answer is not JSON (HTTP ${response.status})`,
        null,
        response.status,
        error,
      );
    }
    if (!response.ok) {
      const parsed = errorResponseSchema.safeParse(json);
      if (parsed.success) {
        const relayError = parsed.data.error;
        this.#refusalListener?.(relayError);
        throw new RelayCallError(relayError.code, `${what}: ${relayError.message}`, relayError, response.status);
      }
      throw new RelayCallError(RelayFailure.BadResponse, `${what}: HTTP ${response.status}`, null, response.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new RelayCallError(
        RelayFailure.BadResponse,
        `${what}: answer does not match the wire schema`,
        null,
        response.status,
        parsed.error,
      );
    }
    return parsed.data;
  }
}
