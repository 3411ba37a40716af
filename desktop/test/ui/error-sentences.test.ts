import { describe, expect, it } from 'vitest';
import { VaultCallError } from '../../src/common/invoke.js';
import { errorCode, errorSentence } from '../../src/renderer/app/state/error-sentences.js';
import { EngineError, EngineErrorCode } from '../../src/renderer/engine/index.js';
import { vaultFailureError } from '../../src/renderer/engine/vault-errors-map.js';
import { VaultTransportError } from '../../src/renderer/transport/transport-error.js';

const CODES = Object.values(EngineErrorCode);

describe('errorSentence', () => {
  it('gives every engine error code its own single sentence, without the code', () => {
    const sentences = new Set<string>();
    for (const code of CODES) {
      const sentence = errorSentence(new EngineError(code, 'log text'));
      expect(sentence, code).toMatch(/^[A-Z].*[.]$/);
      // One sentence: no full stop followed by another sentence inside it.
      expect(sentence.slice(0, -1), code).not.toMatch(/[.!?]\s+[A-Z]/);
      expect(sentence, code).not.toContain(code);
      expect(sentence).not.toContain('log text');
      sentences.add(sentence);
    }
    expect(sentences.size).toBe(CODES.length);
  });

  it('says what the e2e contract expects for a malformed contact code', () => {
    expect(errorSentence(new EngineError(EngineErrorCode.InvalidContactCode, 'x'))).toContain(
      "isn't a valid Parley contact code",
    );
  });

  it('tells the unlock screen what a vault from a newer app or a damaged vault means', () => {
    // What session.unlock does with the vault's answer before the unlock screen shows it.
    const newer = vaultFailureError(
      new VaultCallError('VAULT_FROM_NEWER_VERSION', 'schema version 2 is newer than 1: ...', null),
    );
    expect(errorCode(newer)).toBe('VAULT_FROM_NEWER_VERSION');
    expect(errorSentence(newer)).toBe(
      'Your keys on this computer were saved by a newer version of Parley; update Parley to open them (nothing was changed).',
    );
    const damaged = vaultFailureError(
      new VaultCallError(
        'VAULT_DAMAGED',
        'a vault record of kind "session" is damaged: its value does not parse',
        null,
      ),
    );
    expect(errorCode(damaged)).toBe('VAULT_DAMAGED');
    // The log keeps which store; the screen gets the sentence.
    expect(damaged.message).toContain('"session"');
    expect(errorSentence(damaged)).toMatch(/key vault on this computer is damaged.*restore your latest backup/);
  });

  it('finds a transport failure anywhere in the cause chain', () => {
    const wrapped = new EngineError(
      EngineErrorCode.Internal,
      'unexpected failure',
      new VaultTransportError('SUPERSEDED', 'another tab'),
    );
    expect(errorSentence(wrapped)).toMatch(/open in another tab/);
    expect(errorCode(wrapped)).toBe('SUPERSEDED');
    expect(errorSentence(new VaultTransportError('NO_TOKEN', 'no token'))).toMatch(/#token=/);
  });

  it('falls back to the internal sentence for anything else', () => {
    const internal = errorSentence(new EngineError(EngineErrorCode.Internal, 'bug'));
    expect(errorSentence(new Error('boom'))).toBe(internal);
    expect(errorSentence('a string')).toBe(internal);
    expect(errorCode(new TypeError('x'))).toBe('TypeError');
  });
});
