/**
 * Bearer tokens: short-lived JWTs (HS256, jose) naming one device.
 *
 *   sub = account id, dev = device id, iat, exp, aud = "parley-relay", iss = configured issuer
 *
 * HS256 because only relay nodes issue and verify them: one shared secret,
 * no key distribution, and verification costs microseconds on every request
 * and handshake. Tokens are deliberately short-lived (15 min by default) and
 * never stored, so there is nothing to revoke: a deleted account's token
 * still verifies, which is why the routes that act on an account check that
 * the account still exists.
 */
import { type AccountId, accountIdSchema, deviceIdSchema, type TokenResponse } from '@parley/crypto-core/wire';
import { errors, jwtVerify, SignJWT } from 'jose';
import { RelayErrorCode, RelayServerError } from '../errors.js';

export const TOKEN_AUDIENCE = 'parley-relay';

export interface AuthenticatedDevice {
  readonly accountId: AccountId;
  readonly deviceId: number;
  /** ms since epoch. */
  readonly expiresAt: number;
}

export class TokenService {
  constructor(
    private readonly secret: Uint8Array,
    private readonly issuer: string,
    private readonly ttlMs: number,
  ) {}

  async issue(accountId: AccountId, deviceId: number): Promise<TokenResponse> {
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAtSeconds = issuedAt + Math.max(1, Math.round(this.ttlMs / 1000));
    const token = await new SignJWT({ dev: deviceId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(accountId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAtSeconds)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuer(this.issuer)
      .sign(this.secret);
    return { accountId, deviceId, token, expiresAt: expiresAtSeconds * 1000 };
  }

  /** The device a token names, or UNAUTHORIZED (missing, malformed, forged, foreign) / TOKEN_EXPIRED. */
  async verify(token: string): Promise<AuthenticatedDevice> {
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload } = await jwtVerify(token, this.secret, {
        algorithms: ['HS256'],
        audience: TOKEN_AUDIENCE,
        issuer: this.issuer,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        throw new RelayServerError(RelayErrorCode.TokenExpired, 'the token has expired: request a new one', error);
      }
      throw new RelayServerError(RelayErrorCode.Unauthorized, 'the token is not valid for this relay', error);
    }
    const accountId = accountIdSchema.safeParse(payload.sub);
    const deviceId = deviceIdSchema.safeParse(payload.dev);
    if (!accountId.success || !deviceId.success || payload.exp === undefined) {
      throw new RelayServerError(RelayErrorCode.Unauthorized, 'the token does not name a device');
    }
    return { accountId: accountId.data, deviceId: deviceId.data, expiresAt: payload.exp * 1000 };
  }
}

/** The token of an `Authorization: Bearer <token>` header, or UNAUTHORIZED. */
export function bearerToken(header: string | undefined): string {
  const match = header === undefined ? null : /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/.exec(header);
  if (match?.[1] === undefined) {
    throw new RelayServerError(RelayErrorCode.Unauthorized, 'an Authorization: Bearer token is required');
  }
  return match[1];
}
