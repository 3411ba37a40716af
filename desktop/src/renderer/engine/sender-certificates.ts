/**
 * The sealed-sender certificate: the relay vouches for "this account, this
 * device, this identity key" for a day, and the vault attaches it to sealed
 * messages so recipients know who wrote without the relay knowing. Fetched at
 * login and whenever it nears expiry; the relay's trust root is fetched and
 * pinned in the vault first (trust-roots.ts), so a relay cannot later swap it.
 *
 * The certificate's expiry is the relay's time, so "nears expiry" is judged
 * by the relay's clock: its answer says what time it is there (`serverTime`),
 * and the offset from our clock is kept and passed to the vault, which judges
 * the certificate the same way. A clock a day off changes nothing.
 */
import type { Clock } from './clock.js';
import { describeError } from './errors.js';
import type { EngineLogger } from './logger.js';
import type { RelayTokens } from './relay-auth.js';
import type { RelayHttpClient } from './relay-http.js';
import type { TrustRootPins } from './trust-roots.js';
import type { VaultGateway } from './vault-calls.js';

/** Renew when less than this much validity is left (ms); at most a fifth of a short-lived certificate's life. */
export const CERTIFICATE_RENEW_MARGIN_MS = 60 * 60 * 1000;
/** After a failed refresh, try again after this long (ms). */
const RETRY_AFTER_FAILURE_MS = 60_000;

export class SenderCertificates {
  #expiresAt = 0;
  /** The relay's clock minus ours, as of the last certificate. */
  #clockOffsetMs = 0;
  #margin = CERTIFICATE_RENEW_MARGIN_MS;
  #refreshing: Promise<void> | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;

  constructor(
    private readonly pins: TrustRootPins,
    private readonly http: RelayHttpClient,
    private readonly tokens: RelayTokens,
    private readonly vault: VaultGateway,
    private readonly relayUrl: string,
    private readonly clock: Clock,
    private readonly logger: EngineLogger,
  ) {}

  /** Refreshes unless a certificate fetched this session is still comfortably valid. */
  async ensure(): Promise<void> {
    if (this.#expiresAt - this.#margin > this.clock.now() + this.#clockOffsetMs) return;
    await this.refresh();
  }

  /** Fetches a new certificate and gives it to the vault (one fetch for concurrent callers). */
  refresh(): Promise<void> {
    if (this.#refreshing === null) {
      this.#refreshing = this.#fetchAndInstall().finally(() => {
        this.#refreshing = null;
      });
    }
    return this.#refreshing;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #fetchAndInstall(): Promise<void> {
    try {
      const trustRoot = await this.pins.pin(this.relayUrl);
      const answer = await this.tokens.withToken((token) => this.http.senderCertificate(token));
      const { certificate, expiresAt, serverTime } = answer;
      const receivedAt = this.clock.now();
      // A relay that does not say its time: ours is the best guess.
      const relayNow = serverTime ?? receivedAt;
      await this.vault.call('setSenderCertificate', {
        relayUrl: this.relayUrl,
        certificate,
        trustRoot,
        serverTime: relayNow,
      });
      this.#clockOffsetMs = relayNow - receivedAt;
      this.#expiresAt = expiresAt;
      this.#margin = Math.min(CERTIFICATE_RENEW_MARGIN_MS, Math.floor(Math.max(0, expiresAt - relayNow) / 5));
      // The timer runs on our clock.
      this.#scheduleAt(expiresAt - this.#margin - this.#clockOffsetMs);
    } catch (error) {
      this.logger.warn('sender certificate refresh failed', { error: describeError(error) });
      this.#scheduleAt(this.clock.now() + RETRY_AFTER_FAILURE_MS);
      throw error;
    }
  }

  #scheduleAt(at: number): void {
    if (this.#stopped) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    // setTimeout's ceiling is ~24.8 days; certificates live a day.
    const delay = Math.min(2 ** 31 - 1, Math.max(1000, at - this.clock.now()));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.refresh().catch(() => {
        // Logged and rescheduled inside.
      });
    }, delay);
  }
}
