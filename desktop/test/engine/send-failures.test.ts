/** What the outbox does with each failure. */
import { parseAccountId, type RelayError, type RelayErrorCode } from '@parley/crypto-core/wire';
import { describe, expect, it } from 'vitest';
import { VaultCallError } from '../../src/common/invoke.js';
import { EngineError } from '../../src/renderer/engine/errors.js';
import { RelayCallError } from '../../src/renderer/engine/relay-errors.js';
import { classifySendFailure } from '../../src/renderer/engine/send-failures.js';

const relay = (code: RelayErrorCode, extra: Partial<RelayError> = {}) =>
  new RelayCallError(code, code, { code, message: code, ...extra });
const vault = (code: string) => new VaultCallError(code, code, null);

describe('classifySendFailure', () => {
  it('repairs sessions on DEVICE_MISMATCH', () => {
    expect(classifySendFailure(relay('DEVICE_MISMATCH', { missingDevices: [2], extraDevices: [3] }))).toEqual({
      kind: 'repair-devices',
      missing: [2],
      gone: [3],
    });
    expect(classifySendFailure(vault('NO_SESSION'))).toEqual({ kind: 'start-sessions' });
    expect(classifySendFailure(vault('INVALID_CERTIFICATE'))).toEqual({ kind: 'refresh-certificate' });
  });

  it('waits for the connection without counting an attempt', () => {
    expect(classifySendFailure(new RelayCallError('DISCONNECTED', 'x'))).toEqual({
      kind: 'retry',
      counts: false,
      afterMs: 0,
    });
    expect(classifySendFailure(relay('RATE_LIMITED', { retryAfter: 3 }))).toEqual({
      kind: 'retry',
      counts: false,
      afterMs: 3000,
    });
  });

  it('counts transient failures', () => {
    expect(classifySendFailure(relay('UNAVAILABLE', { retryAfter: 1 }))).toEqual({
      kind: 'retry',
      counts: true,
      afterMs: 1000,
    });
    expect(classifySendFailure(new RelayCallError('TIMEOUT', 'x'))).toEqual({
      kind: 'retry',
      counts: true,
      afterMs: null,
    });
    expect(classifySendFailure(vault('INTERNAL'))).toEqual({ kind: 'retry', counts: true, afterMs: null });
    expect(classifySendFailure(vault('VAULT_UNREACHABLE'))).toEqual({ kind: 'retry', counts: true, afterMs: null });
    expect(classifySendFailure(new Error('bug'))).toEqual({ kind: 'retry', counts: true, afterMs: null });
  });

  it("retries sends the relay's limits refused, after retryAfter when the relay gives one", () => {
    // The recipient fetching its queue, a new UTC day or fewer connections can each let the same send pass.
    const full = relay('QUEUE_FULL', { recipient: parseAccountId('a'.repeat(32)), fullDevices: [1] });
    expect(classifySendFailure(full)).toEqual({ kind: 'retry', counts: true, afterMs: null });
    expect(classifySendFailure(relay('QUOTA_EXCEEDED', { retryAfter: 3600 }))).toEqual({
      kind: 'retry',
      counts: true,
      afterMs: 3_600_000,
    });
  });

  it('fails a forged key with a notice (never holds it for review), stops when locked, fails what cannot succeed', () => {
    expect(classifySendFailure(vault('FORGED_IDENTITY'))).toEqual({ kind: 'forged-key' });
    expect(classifySendFailure(vault('ACCOUNT_ID_MISMATCH'))).toEqual({ kind: 'forged-key' });
    expect(classifySendFailure(new EngineError('FORGED_KEY', 'x'))).toEqual({ kind: 'forged-key' });
    expect(classifySendFailure(new EngineError('ACCOUNT_ID_MISMATCH', 'x', null, 'http://relay.test'))).toEqual({
      kind: 'forged-key',
    });
    expect(classifySendFailure(vault('LOCKED'))).toEqual({ kind: 'vault-locked' });
    for (const error of [
      relay('UNKNOWN_ACCOUNT'),
      relay('PAYLOAD_TOO_LARGE'),
      relay('BAD_REQUEST'),
      vault('CONTENT_TOO_LARGE'),
    ]) {
      expect(classifySendFailure(error)).toEqual({ kind: 'fail' });
    }
  });
});
