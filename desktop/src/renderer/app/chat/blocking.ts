/** Blocking from the UI: the engine call and the one sentence that says what happened (pure words, engine/message-requests.ts). */
import type { AccountId } from '@parley/crypto-core/wire';
import type { Engine } from '../../engine/engine.js';
import { logFailure } from '../state/error-sentences.js';

export interface BlockOutcome {
  readonly ok: boolean;
  readonly sentence: string;
}

/** What the user reads after blocking `name` (the contact code was reset when they had written first). */
export function blockedSentence(name: string, contactCodeReset: boolean): string {
  const base = `You blocked ${name}: nothing from them reaches you, and they aren't told.`;
  return contactCodeReset
    ? `${base} Your contact code was reset; people you gave it to who haven't written yet need the new one.`
    : base;
}

/**
 * Blocks and says how it went. A failure after the block was recorded (the
 * relay could not be told) is said as such: blocking again finishes it.
 */
export async function blockWithSentence(engine: Engine, accountId: AccountId, name: string): Promise<BlockOutcome> {
  try {
    const { contactCodeReset } = await engine.block(accountId);
    return { ok: true, sentence: blockedSentence(name, contactCodeReset) };
  } catch (failure) {
    const why = logFailure('blocking', failure);
    return {
      ok: false,
      sentence: `${name} is blocked on this computer, but your relay wasn't told yet. ${why} Then choose Block again.`,
    };
  }
}
