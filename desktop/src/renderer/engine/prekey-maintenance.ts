/**
 * Keeps this device's prekeys on the relay usable: tops up one-time prekeys
 * when the relay says they run low, and asks the vault on a schedule whether
 * the signed and last-resort prekeys are due for rotation. A rotation the
 * vault made but the relay has not accepted yet is kept (public keys only)
 * and uploaded again until it is, so a failed upload never leaves the relay
 * handing out keys the vault has moved past.
 */
import { type PreKeysLow, preKeyUploadSchema } from '@parley/crypto-core/wire';
import type { Clock } from './clock.js';
import type { EngineDatabase } from './database.js';
import { describeError } from './errors.js';
import type { EngineLogger } from './logger.js';
import type { RelayTokens } from './relay-auth.js';
import type { RelayHttpClient } from './relay-http.js';
import type { VaultGateway } from './vault-calls.js';

export interface PreKeyOptions {
  /** Keep this many one-time EC and Kyber prekeys on the relay (at most 200 per upload). */
  readonly target: number;
  /** Ask the vault about rotation this often (ms). */
  readonly rotationCheckIntervalMs: number;
}

export const DEFAULT_PREKEY_OPTIONS: PreKeyOptions = { target: 100, rotationCheckIntervalMs: 6 * 60 * 60 * 1000 };

const MAX_PER_UPLOAD = 200;

export class PreKeyMaintenance {
  #refill: Promise<void> | null = null;
  #rotation: Promise<void> | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;

  constructor(
    private readonly db: EngineDatabase,
    private readonly http: RelayHttpClient,
    private readonly tokens: RelayTokens,
    private readonly vault: VaultGateway,
    private readonly relayUrl: string,
    private readonly clock: Clock,
    private readonly logger: EngineLogger,
    private readonly options: PreKeyOptions = DEFAULT_PREKEY_OPTIONS,
  ) {}

  /** The relay reported low counts: upload enough to reach the target (one refill at a time). */
  onPreKeysLow(counts: PreKeysLow): Promise<void> {
    if (this.#refill === null) {
      this.#refill = this.#topUp(counts).finally(() => {
        this.#refill = null;
      });
    }
    return this.#refill;
  }

  /** Uploads a pending rotation, then asks the vault whether a rotation is due (if the interval passed). */
  checkRotation(force = false): Promise<void> {
    if (this.#rotation === null) {
      this.#rotation = this.#rotate(force).finally(() => {
        this.#rotation = null;
        this.#scheduleNextCheck();
      });
    }
    return this.#rotation;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #topUp(counts: PreKeysLow): Promise<void> {
    const preKeys = Math.max(0, Math.min(MAX_PER_UPLOAD, this.options.target - counts.preKeys));
    const kyberPreKeys = Math.max(0, Math.min(MAX_PER_UPLOAD, this.options.target - counts.kyberPreKeys));
    if (preKeys === 0 && kyberPreKeys === 0) return;
    try {
      const upload = await this.vault.call('buildPreKeyRefill', { preKeys, kyberPreKeys });
      const after = await this.tokens.withToken((token) => this.http.uploadPreKeys(token, upload));
      this.logger.info('prekeys topped up', { preKeys: after.preKeys, kyberPreKeys: after.kyberPreKeys });
    } catch (error) {
      // The relay repeats prekeys-low on the next connection while the counts stay low.
      this.logger.warn('prekey top-up failed', { error: describeError(error) });
    }
  }

  async #rotate(force: boolean): Promise<void> {
    try {
      await this.#uploadPending();
      const lastCheck = (await this.db.getSetting('lastRotationCheckAt')) ?? 0;
      const now = this.clock.now();
      if (!force && now - lastCheck < this.options.rotationCheckIntervalMs) return;
      const upload = await this.vault.call('rotateSignedPreKeys', { force });
      await this.db.putSetting('lastRotationCheckAt', now);
      if (upload === null) return;
      await this.db.putSetting('pendingPreKeyUpload', { relayUrl: this.relayUrl, upload: JSON.stringify(upload) });
      await this.#uploadPending();
      this.logger.info('signed prekeys rotated');
    } catch (error) {
      this.logger.warn('prekey rotation failed; will retry', { error: describeError(error) });
    }
  }

  async #uploadPending(): Promise<void> {
    const pending = await this.db.getSetting('pendingPreKeyUpload');
    if (pending == null || pending.relayUrl !== this.relayUrl) return;
    // Written by this module, but read back through the schema like anything stored.
    const upload = preKeyUploadSchema.parse(JSON.parse(pending.upload));
    await this.tokens.withToken((token) => this.http.uploadPreKeys(token, upload));
    await this.db.putSetting('pendingPreKeyUpload', null);
  }

  #scheduleNextCheck(): void {
    if (this.#stopped) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        void this.checkRotation();
      },
      Math.min(2 ** 31 - 1, this.options.rotationCheckIntervalMs),
    );
  }
}
