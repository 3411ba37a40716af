/**
 * Where onboarding was when the page reloaded to reach a new relay
 * (Electron: a document's CSP lists only the relays allowed when it loaded).
 * Kept in this tab's sessionStorage, read once after the reload. Holds the
 * step and the relay URL only: never a passphrase (onboarding creates the
 * identity before reloading instead).
 */
import { normalizeRelayUrl } from '@parley/crypto-core/wire';

export const ONBOARDING_RESUME_KEY = 'parley.onboarding-resume';

export interface OnboardingResume {
  readonly step: 'relay';
  /** The canonical relay URL the user chose. */
  readonly relayUrl: string;
}

type ResumeStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function saveOnboardingResume(storage: ResumeStorage, resume: OnboardingResume): void {
  storage.setItem(ONBOARDING_RESUME_KEY, JSON.stringify({ version: 1, ...resume }));
}

/** The saved place, removed as it is read (a second reload starts afresh); null when none or unusable. */
export function takeOnboardingResume(storage: ResumeStorage): OnboardingResume | null {
  const text = storage.getItem(ONBOARDING_RESUME_KEY);
  if (text === null) return null;
  storage.removeItem(ONBOARDING_RESUME_KEY);
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const { version, step, relayUrl } = value as Record<string, unknown>;
    if (version !== 1 || step !== 'relay' || typeof relayUrl !== 'string') return null;
    return { step, relayUrl: normalizeRelayUrl(relayUrl) };
  } catch {
    // Another version's or a damaged entry: onboarding simply starts at its beginning.
    return null;
  }
}
