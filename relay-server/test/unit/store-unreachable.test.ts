/**
 * A database that cannot be reached is UNAVAILABLE to clients (they retry),
 * not INTERNAL: refused or cut connections, the pool's connect timeout,
 * SQLSTATE class 08 and a server shutting down; a failed statement stays
 * INTERNAL.
 */
import { describe, expect, it } from 'vitest';
import { toRelayServerError } from '../../src/errors.js';
import { isPostgresUnreachable } from '../../src/storage/postgres-connection.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('an unreachable PostgreSQL', () => {
  it('is recognised from network codes, SQLSTATE and pg messages', () => {
    expect(isPostgresUnreachable(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isPostgresUnreachable(withCode('read ECONNRESET', 'ECONNRESET'))).toBe(true);
    expect(isPostgresUnreachable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isPostgresUnreachable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isPostgresUnreachable(withCode('terminating connection due to administrator command', '57P01'))).toBe(true);
    expect(isPostgresUnreachable(withCode('connection failure', '08006'))).toBe(true);
    expect(isPostgresUnreachable(withCode('duplicate key value', '23505'))).toBe(false);
    expect(isPostgresUnreachable(new Error('syntax error'))).toBe(false);
    expect(isPostgresUnreachable('ECONNREFUSED')).toBe(false);
  });

  it('becomes UNAVAILABLE with a retry hint; a failed statement stays INTERNAL', () => {
    const unreachable = toRelayServerError(new Error('Connection terminated unexpectedly'));
    expect(unreachable.toWire()).toMatchObject({ code: 'UNAVAILABLE', retryAfter: 1 });
    expect(toRelayServerError(withCode('syntax error', '42601')).code).toBe('INTERNAL');
  });
});
