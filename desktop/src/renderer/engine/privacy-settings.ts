/**
 * The user's privacy choices about what contacts learn, with Signal's
 * meaning: read receipts off sends none and shows none (a contact's read
 * receipt counts as a delivery receipt, so "delivered" is the most an own
 * message shows); typing indicators off sends none and shows none. Both on
 * by default. Kept in the settings table (key `privacy`, so a backup carries
 * them) through getSetting/putSetting, and held here in memory: the receive
 * path and read marking ask on every batch, without a read of their own.
 */
import type { EngineDatabase } from './database.js';
import { Observable, type Readable, type Unsubscribe } from './observable.js';

export interface PrivacyChoices {
  /** Send read receipts, and show contacts' read receipts. */
  readonly readReceipts: boolean;
  /** Send typing indicators, and show contacts' typing. */
  readonly typingIndicators: boolean;
}

export const DEFAULT_PRIVACY: PrivacyChoices = { readReceipts: true, typingIndicators: true };

function sameChoices(a: PrivacyChoices, b: PrivacyChoices): boolean {
  return a.readReceipts === b.readReceipts && a.typingIndicators === b.typingIndicators;
}

/** Stored values from an older or damaged row fall back to the defaults, field by field. */
function parseChoices(stored: unknown): PrivacyChoices {
  const value = (typeof stored === 'object' && stored !== null ? stored : {}) as Partial<Record<string, unknown>>;
  return {
    readReceipts: typeof value.readReceipts === 'boolean' ? value.readReceipts : DEFAULT_PRIVACY.readReceipts,
    typingIndicators:
      typeof value.typingIndicators === 'boolean' ? value.typingIndicators : DEFAULT_PRIVACY.typingIndicators,
  };
}

export class PrivacySettings implements Readable<PrivacyChoices> {
  readonly #choices: Observable<PrivacyChoices>;

  private constructor(
    private readonly db: EngineDatabase,
    initial: PrivacyChoices,
  ) {
    this.#choices = new Observable(initial, sameChoices);
  }

  /** Reads the stored choices (before the engine sends or shows anything). */
  static async load(db: EngineDatabase): Promise<PrivacySettings> {
    return new PrivacySettings(db, parseChoices(await db.getSetting('privacy')));
  }

  get value(): PrivacyChoices {
    return this.#choices.value;
  }

  subscribe(run: (value: PrivacyChoices) => void): Unsubscribe {
    return this.#choices.subscribe(run);
  }

  /** Stores the change, then applies it. */
  async update(change: Partial<PrivacyChoices>): Promise<PrivacyChoices> {
    const next: PrivacyChoices = { ...this.#choices.value, ...change };
    await this.db.putSetting('privacy', next);
    this.#choices.set(next);
    return next;
  }
}
