/** The relay field's live check as the onboarding screen shows it: debounced, latest answer wins. */
import type { Platform } from '../../platform/platform.js';
import { checkRelay, type RelayCheckResult, type RelayRegistration } from './relay-check.js';

export type RelayCheckState = 'idle' | 'checking' | 'ok' | 'error';

export const RELAY_CHECK_DEBOUNCE_MS = 350;

export class RelayCheck {
  state = $state<RelayCheckState>('idle');
  message = $state('');
  /** Who may register at the relay last checked (`unknown` until a check says). */
  registration = $state<RelayRegistration>('unknown');
  #generation = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #platform: Pick<Platform, 'allowRelay'>;

  constructor(platform: Pick<Platform, 'allowRelay'>) {
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

  dispose(): void {
    clearTimeout(this.#timer);
    this.#generation += 1;
  }
}
