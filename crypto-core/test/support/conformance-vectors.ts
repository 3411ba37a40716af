/**
 * Loads a conformance vector file (docs/test-vectors/, docs/conformance.md)
 * and the helpers every conformance test needs: hex bytes and the error code
 * a refused input fails with.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { ParleyCryptoError } from '../../src/errors.js';

export function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../docs/test-vectors/${name}`, import.meta.url), 'utf8')) as T;
}

export function hex(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** Asserts `attempt` throws a ParleyCryptoError with `code` (sync or async). */
export async function expectRefused(attempt: () => unknown, code: string, reason: string): Promise<void> {
  let thrown: unknown;
  try {
    await attempt();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `${reason}: accepted`).toBeDefined();
  expect(ParleyCryptoError.is(thrown), `${reason}: ${String(thrown)}`).toBe(true);
  expect((thrown as ParleyCryptoError).code, reason).toBe(code);
}
