/**
 * The engine's one error type for what the UI shows: a stable `code` to
 * branch on (and to pick the sentence the UI writes), a `message` for the
 * log, and the underlying `cause`. Raw relay or vault codes never reach the
 * UI directly; they are mapped here, at the engine's API boundary.
 */

import { codeSet, ParleyDesktopError } from '../../common/desktop-error.js';

export const EngineErrorCode = {
  /** The text is not a Parley contact code. */
  InvalidContactCode: 'INVALID_CONTACT_CODE',
  /** The contact code is this account's own. */
  OwnContactCode: 'OWN_CONTACT_CODE',
  /** The contact code names another relay than ours but carries no access key (an older code): it cannot reach there. */
  ForeignRelay: 'FOREIGN_RELAY',
  /**
   * The account refuses the access key we hold for it (ACCESS_DENIED): a
   * contact code that was reset, or one from before access keys. Ask for the
   * current code.
   */
  AccessDenied: 'ACCESS_DENIED',
  /** The relay knows no such account (or it was deleted). */
  UnknownAccount: 'UNKNOWN_ACCOUNT',
  /** The relay served keys that do not belong to the account id (a forged bundle): refused. `relayUrl` names it. */
  AccountIdMismatch: 'ACCOUNT_ID_MISMATCH',
  /** The relay served a malformed or badly signed prekey bundle. */
  InvalidBundle: 'INVALID_BUNDLE',
  /** The relay presented a key the contact's account id does not commit to (a forgery): refused. `relayUrl` names it. */
  ForgedKey: 'FORGED_KEY',
  /**
   * A relay served another sealed-sender trust root than the one pinned for
   * it (trust-roots.ts): refused, nothing it certifies is trusted. `relayUrl`
   * names it.
   */
  TrustRootChanged: 'TRUST_ROOT_CHANGED',
  /** The relay URL is not an http(s) URL without credentials, query or fragment. */
  InvalidRelayUrl: 'INVALID_RELAY_URL',
  /** The relay could not be reached (network, DNS, refused connection, timeout). */
  RelayUnreachable: 'RELAY_UNREACHABLE',
  /** The relay answered with an error (the cause has its code). */
  RelayRefused: 'RELAY_REFUSED',
  /**
   * The relay refused a signature made for the address we used: it answers
   * to other public URLs (its --public-url). `relayUrl` is ours,
   * `expectedRelayUrls` the relay's.
   */
  RelayAddressMismatch: 'RELAY_ADDRESS_MISMATCH',
  /** The relay is rate limiting this client: try again later. */
  RateLimited: 'RATE_LIMITED',
  /** The relay creates new accounts only with an invite code, and none was given. */
  InviteRequired: 'INVITE_REQUIRED',
  /** The invite code is unknown to the relay, already used or expired. */
  InviteInvalid: 'INVITE_INVALID',
  /** The relay creates no new accounts. */
  RegistrationClosed: 'REGISTRATION_CLOSED',
  /** No group with that id (or not one we are in). */
  UnknownGroup: 'UNKNOWN_GROUP',
  /** The group's rules do not allow this change now (not a member, not an admin, nobody to act on). */
  GroupChangeNotAllowed: 'GROUP_CHANGE_NOT_ALLOWED',
  /** A group limit (members, name or description length, history) would be passed. */
  GroupLimit: 'GROUP_LIMIT',
  /** The vault holds no identity yet: run onboarding. */
  NoIdentity: 'NO_IDENTITY',
  /** An identity already exists in this profile. */
  IdentityExists: 'IDENTITY_EXISTS',
  /** The vault is locked: unlock it, then start the engine again. */
  Locked: 'LOCKED',
  /** The passphrase was missing or wrong. */
  BadPassphrase: 'BAD_PASSPHRASE',
  /** This profile has an identity but no home relay recorded: run onboarding's registration. */
  NotRegistered: 'NOT_REGISTERED',
  /** The engine is not running (start it first) or was stopped. */
  NotStarted: 'NOT_STARTED',
  /** No conversation with that id. */
  UnknownConversation: 'UNKNOWN_CONVERSATION',
  /** No message with that id (or not one of ours). */
  UnknownMessage: 'UNKNOWN_MESSAGE',
  /** The message is empty, too long or not well-formed text. */
  InvalidMessage: 'INVALID_MESSAGE',
  /**
   * Another install registered this identity (a backup restored on another
   * computer): this copy no longer sends or receives; its history stays readable.
   */
  TakenOver: 'TAKEN_OVER',
  /** The vault could not be reached or failed. */
  VaultFailed: 'VAULT_FAILED',
  /** The vault on this computer was written by a newer version of the app: update the app (nothing was changed). */
  VaultFromNewerVersion: 'VAULT_FROM_NEWER_VERSION',
  /** A record in the vault on this computer is damaged: it cannot unlock (the cause names the record kind). */
  VaultDamaged: 'VAULT_DAMAGED',
  /** The name or avatar for our profile is not one a profile can carry (too long, not a PNG/JPEG/WebP, too large). */
  InvalidProfile: 'INVALID_PROFILE',
  /** A group photo that is not a PNG/JPEG/WebP image of 1 to MAX_GROUP_AVATAR_BYTES bytes (refused before sending). */
  InvalidGroupAvatar: 'INVALID_GROUP_AVATAR',
  /** The account is blocked: nothing is sent to it (unblock first). */
  Blocked: 'BLOCKED',
  /** No message request from that account (it was accepted, deleted or never came). */
  NoRequest: 'NO_REQUEST',
  /** Local storage (IndexedDB) failed. */
  Storage: 'STORAGE',
  /** A bug: the cause has the details. */
  Internal: 'INTERNAL',
} as const;
export type EngineErrorCode = (typeof EngineErrorCode)[keyof typeof EngineErrorCode];

export class EngineError extends ParleyDesktopError<EngineErrorCode> {
  static override readonly errorName = 'EngineError';
  static override readonly codes = codeSet(EngineErrorCode);

  constructor(
    code: EngineErrorCode,
    message: string,
    cause?: unknown,
    /** The relay the failure is about, when the UI should name it (a forged key or bundle, another address). */
    readonly relayUrl: string | null = null,
    /** RELAY_ADDRESS_MISMATCH: the addresses the relay answers to. */
    readonly expectedRelayUrls: readonly string[] = [],
  ) {
    super(code, message, cause);
  }
}

/** A short description of any thrown value, for logs (never message content). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name} ${code}: ${error.message}` : `${error.name}: ${error.message}`;
  }
  return String(error);
}
