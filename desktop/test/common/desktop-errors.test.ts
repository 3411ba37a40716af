import { describe, expect, it } from 'vitest';
import { ParleyDesktopError } from '../../src/common/desktop-error.js';
import { VaultError } from '../../src/common/dispatch.js';
import { VaultCallError } from '../../src/common/invoke.js';
import { EngineError } from '../../src/renderer/engine/errors.js';
import { RelayCallError } from '../../src/renderer/engine/relay-errors.js';
import { VaultTransportError } from '../../src/renderer/transport/transport-error.js';
import { WebShellStartError } from '../../src/web-shell/web-shell.js';

/** What an error looks like when it comes from another bundle's copy of the class (or was rebuilt from a clone). */
function foreignCopy(name: string, code: unknown, message = 'from another copy'): Error {
  const error = new Error(message);
  Object.defineProperty(error, 'name', { value: name });
  Object.assign(error, { code });
  return error;
}

describe('ParleyDesktopError', () => {
  const samples: [ParleyDesktopError, string][] = [
    [new VaultError('LOCKED', 'locked'), 'VaultError'],
    [new VaultCallError('SOME_NEWER_CODE', 'newer vault'), 'VaultCallError'],
    [new EngineError('STORAGE', 'disk'), 'EngineError'],
    [new RelayCallError('TIMEOUT', 'slow'), 'RelayCallError'],
    [new VaultTransportError('CLOSED', 'closed'), 'VaultTransportError'],
    [new WebShellStartError('BAD_PORT', 'port'), 'WebShellStartError'],
  ];

  it('every area error shares the base, its name and code, and always has a cause', () => {
    for (const [error, name] of samples) {
      expect(error).toBeInstanceOf(ParleyDesktopError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
      expect(error.cause, name).toBeInstanceOf(Error);
      expect((error.cause as Error).message).toBe(error.message);
    }
  });

  it('keeps the underlying failure as the cause when there is one', () => {
    const underlying = new TypeError('boom');
    expect(new VaultError('STORAGE', 'disk full', underlying).cause).toBe(underlying);
    expect(new EngineError('VAULT_FAILED', 'vault', underlying).cause).toBe(underlying);
  });

  it('is() narrows by code and refuses other areas', () => {
    const locked = new VaultError('LOCKED', 'locked');
    expect(VaultError.is(locked)).toBe(true);
    expect(VaultError.is(locked, 'LOCKED')).toBe(true);
    expect(VaultError.is(locked, 'STORAGE')).toBe(false);
    expect(EngineError.is(locked)).toBe(false);
    expect(VaultCallError.is(locked)).toBe(false);
    expect(EngineError.is(new Error('plain'))).toBe(false);
    for (const value of [null, undefined, 'LOCKED', 42, { code: 'LOCKED' }]) expect(VaultError.is(value)).toBe(false);
  });

  it('is() recognises copies of the class from another bundle by name and known code', () => {
    expect(VaultError.is(foreignCopy('VaultError', 'LOCKED'), 'LOCKED')).toBe(true);
    expect(EngineError.is(foreignCopy('EngineError', 'STORAGE'))).toBe(true);
    expect(VaultTransportError.is(foreignCopy('VaultTransportError', 'TIMEOUT'), 'TIMEOUT')).toBe(true);
    expect(RelayCallError.is(foreignCopy('RelayCallError', 'RATE_LIMITED'))).toBe(true);
    expect(WebShellStartError.is(foreignCopy('WebShellStartError', 'NO_RENDERER'))).toBe(true);
    // A vault across the boundary may be newer: any string code is a VaultCallError code.
    expect(VaultCallError.is(foreignCopy('VaultCallError', 'SOME_NEWER_CODE'))).toBe(true);
  });

  it('is() refuses look-alikes with an unknown or missing code', () => {
    expect(VaultError.is(foreignCopy('VaultError', 'NOT_A_CODE'))).toBe(false);
    expect(EngineError.is(foreignCopy('EngineError', undefined))).toBe(false);
    expect(EngineError.is(foreignCopy('EngineError', 7))).toBe(false);
    expect(VaultCallError.is(foreignCopy('VaultCallError', null))).toBe(false);
    expect(VaultTransportError.is(foreignCopy('VaultError', 'TIMEOUT'))).toBe(false);
  });
});
