/**
 * Bearer tokens: short-lived JWTs (HS256, jose) naming one device of one
 * install, at one registration of it.
 *
 *   sub = account id, dev = device id, gen = the device's generation,
 *   ins = the install's id, iat, exp, aud = "parley-relay", iss = configured issuer
 *
 * HS256 because only relay nodes issue and verify them: one shared secret,
 * no key distribution, and verification costs microseconds on every request
 * and handshake. Tokens are deliberately short-lived (15 min by default) and
 * never stored, so there is nothing to revoke: a token stops working because
 * the device it names is gone or registered again (a new generation), which
 * every authenticated route and the socket check (current-device.ts).
 */
import {
  type AccountId,
  accountIdSchema,
  deviceIdSchema,
  installationIdSchema,
  type TokenResponse,
} from '@parley/crypto-core/wire';
import { errors, jwtVerify, SignJWT } from 'jose';
import { RelayErrorCode, RelayServerError } from '../errors.js';

export const TOKEN_AUDIENCE = 'parley-relay';

/** Which registration of which install a token was issued to. */
export interface TokenHolder {
  readonly accountId: AccountId;
  readonly deviceId: number;
  /** base64: the device's generation when the token was issued. */
  readonly generation: string;
  /** base64: the install the token was issued to. */
  readonly installationId: string;
}

export interface AuthenticatedDevice extends TokenHolder {
  /** ms since epoch. */
  readonly expiresAt: number;
}

/** 16 bytes as canonical base64: the shape of both `gen` and `ins`. */
const sixteenBytes = installationIdSchema;

export class TokenService {
  constructor(
    private readonly secret: Uint8Array,
    private readonly issuer: string,
    private readonly ttlMs: number,
  ) {}

  async issue(holder: TokenHolder): Promise<TokenResponse> {
    const { accountId, deviceId } = holder;
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAtSeconds = issuedAt + Math.max(1, Math.round(this.ttlMs / 1000));
    const token = await new SignJWT({ dev: deviceId, gen: holder.generation, ins: holder.installationId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(accountId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAtSeconds)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuer(this.issuer)
      .sign(this.secret);
    return { accountId, deviceId, token, expiresAt: expiresAtSeconds * 1000 };
  }

  /**
   * The device a token names, or UNAUTHORIZED (missing, malformed, forged,
   * foreign, or from before generations) / TOKEN_EXPIRED. Whether that
   * generation is still the device's current one is the caller's check.
   */
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
    const generation = sixteenBytes.safeParse(payload.gen);
    const installationId = sixteenBytes.safeParse(payload.ins);
    if (
      !accountId.success ||
      !deviceId.success ||
      !generation.success ||
      !installationId.success ||
      payload.exp === undefined
    ) {
      throw new RelayServerError(RelayErrorCode.Unauthorized, 'the token does not name a device: log in again');
    }
    return {
      accountId: accountId.data,
      deviceId: deviceId.data,
      generation: generation.data,
      installationId: installationId.data,
      expiresAt: payload.exp * 1000,
    };
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
