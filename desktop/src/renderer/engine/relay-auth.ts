/**
 * Bearer tokens for one relay. A token is obtained by proving possession of
 * the identity key: challenge -> vault.signChallenge -> token. It is cached
 * until shortly before it expires, fetched once for all concurrent callers,
 * and forgotten when the relay says it expired (TOKEN_EXPIRED) or no longer
 * knows it (UNAUTHORIZED), so the next call logs in again.
 */
import { type AccountId, RelayErrorCode, type TokenResponse } from '@parley/crypto-core/wire';
import type { Clock } from './clock.js';
import { RelayCallError } from './relay-errors.js';
import type { RelayHttpClient } from './relay-http.js';
import type { VaultGateway } from './vault-calls.js';

export interface DeviceIdentity {
  readonly accountId: AccountId;
  readonly deviceId: number;
}

/**
 * Renew this long before expiry, so a token never expires between check and
 * use; for short-lived tokens at most a fifth of their lifetime.
 */
export const TOKEN_RENEW_MARGIN_MS = 60_000;

export class RelayTokens {
  #current: TokenResponse | null = null;
  #margin = TOKEN_RENEW_MARGIN_MS;
  #login: Promise<string> | null = null;

  constructor(
    private readonly http: RelayHttpClient,
    private readonly vault: VaultGateway,
    private readonly relayUrl: string,
    private readonly device: DeviceIdentity,
    private readonly clock: Clock,
  ) {}

  /** A token valid for at least the renewal margin (logs in when needed). */
  get(): Promise<string> {
    const cached = this.peek();
    if (cached !== null) return Promise.resolve(cached);
    if (this.#login === null) {
      this.#login = this.#logIn().finally(() => {
        this.#login = null;
      });
    }
    return this.#login;
  }

  /** The cached token while it is comfortably valid, else null. */
  peek(): string | null {
    const current = this.#current;
    if (current === null) return null;
    return current.expiresAt - this.#margin > this.clock.now() ? current.token : null;
  }

  /** Keeps a token (from a login, or from registration, which answers with one). */
  accept(token: TokenResponse): void {
    const lifetime = Math.max(0, token.expiresAt - this.clock.now());
    this.#margin = Math.min(TOKEN_RENEW_MARGIN_MS, Math.floor(lifetime / 5));
    this.#current = token;
  }

  /** Forgets `token` (or whatever is cached), so the next `get` logs in again. */
  invalidate(token?: string): void {
    if (token === undefined || this.#current?.token === token) this.#current = null;
  }

  /** Runs an authenticated call, logging in again once if the relay refuses the token. */
  async withToken<T>(call: (token: string) => Promise<T>): Promise<T> {
    const token = await this.get();
    try {
      return await call(token);
    } catch (error) {
      if (
        RelayCallError.is(error, RelayErrorCode.TokenExpired) ||
        RelayCallError.is(error, RelayErrorCode.Unauthorized)
      ) {
        this.invalidate(token);
        return call(await this.get());
      }
      throw error;
    }
  }

  async #logIn(): Promise<string> {
    const { accountId, deviceId } = this.device;
    const { challenge } = await this.http.challenge(accountId, deviceId);
    const { signature, installationId } = await this.vault.call('signChallenge', {
      relayUrl: this.relayUrl,
      challenge,
    });
    const token = await this.http.token({ accountId, deviceId, installationId, challenge, signature });
    this.accept(token);
    return token.token;
  }
}
