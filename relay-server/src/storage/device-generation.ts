/**
 * Device generations: a fresh random value at every registration of a device
 * (docs/protocol.md §3.1). Tokens carry the generation they were issued
 * for, so a registration ends every earlier token. 16 random bytes never
 * repeat in practice, also not after an account is deleted and its id
 * registered again, which a counter in the device row could not promise.
 */
import { randomBytes } from 'node:crypto';

export const GENERATION_BYTES = 16;

/** A new generation, as canonical base64 (how tokens and the store's callers carry it). */
export function newGeneration(): string {
  return randomBytes(GENERATION_BYTES).toString('base64');
}
