/**
 * The relay field as the onboarding screen shows it: the live check,
 * debounced, latest answer wins; and the final choice, which asks the
 * platform to let the page reach the relay (relay-check.ts).
 */
import type { Platform } from '../../platform/platform.js';
import {
  checkRelay,
  chooseRelay,
  type RelayCheckResult,
  type RelayChoice,
  type RelayRegistration,
} from './relay-check.js';

export type RelayCheckState = 'idle' | 'checking' | 'ok' | 'error';

export const RELAY_CHECK_DEBOUNCE_MS = 350;

export class RelayCheck {
  state = $state<RelayCheckState>('idle');
  message = $state('');
  /** Who may register at the relay last checked (`unknown` until a check says). */
  registration = $state<RelayRegistration>('unknown');
  #generation = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #platform: Pick<Platform, 'checkRelay' | 'allowRelay'>;

  constructor(platform: Pick<Platform, 'checkRelay' | 'allowRelay'>) {
    this.#platform = platform;
  }

  /** Checks after the user pauses typing. */
  schedule(url: string): void {
    clearTimeout(this.#timer);
    this.#generation += 1;
    this.state = 'checking';
    this.message = 'Checking the relay…';
    this.#timer = setTimeout(() => void this.run(url), RELAY_CHECK_DEBOUNCE_MS);
  }

  /** Checks now; the result is shown unless a newer check started meanwhile. */
  async run(url: string): Promise<RelayCheckResult> {
    clearTimeout(this.#timer);
    this.#generation += 1;
    const generation = this.#generation;
    this.state = 'checking';
    this.message = 'Checking the relay…';
    const result = await checkRelay(url, this.#platform);
    if (generation === this.#generation) {
      this.state = result.ok ? 'ok' : 'error';
      this.message = result.message;
      this.registration = result.ok ? result.registration : 'unknown';
    }
    return result;
  }

  /** The user chose this URL: checks it, then asks the platform to allow it; a refusal is shown here. */
  async choose(url: string): Promise<RelayChoice> {
    const result = await this.run(url);
    if (!result.ok) return { kind: 'refused', message: result.message };
    const generation = this.#generation;
    const choice = await chooseRelay(result.relayUrl, this.#platform);
    if (choice.kind === 'refused' && generation === this.#generation) {
      this.state = 'error';
      this.message = choice.message;
    }
    return choice;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#generation += 1;
  }
}
