/**
 * The one place where failures become words: one sentence per error code,
 * saying what happened and what to do. Raw codes never reach the screen; they
 * go to the log (see `logFailure`).
 */
import { EngineError, EngineErrorCode } from '../../engine/index.js';
import { VaultTransportError, type VaultTransportErrorCode } from '../../transport/transport-error.js';

const ENGINE_SENTENCES: Record<EngineErrorCode, string> = {
  INVALID_CONTACT_CODE: "This isn't a valid Parley contact code; ask your contact to copy theirs again.",
  OWN_CONTACT_CODE: 'This is your own contact code; paste the code of the person you want to add.',
  FOREIGN_RELAY:
    "This contact code is from an older Parley and can't reach another relay; ask your contact for their current code.",
  ACCESS_DENIED: "This contact doesn't accept this contact code any more; ask them for their current code.",
  UNKNOWN_ACCOUNT:
    "Your relay doesn't know this account; check the code with your contact, who may have deleted their account.",
  ACCOUNT_ID_MISMATCH:
    "Your relay sent keys that don't belong to this contact code, so Parley refused them; check the code with your contact.",
  INVALID_BUNDLE: 'The relay sent unusable keys for this contact; try again later.',
  FORGED_KEY: "Your relay sent a key that isn't this contact's, so Parley refused it; nothing from it was accepted.",
  TRUST_ROOT_CHANGED:
    'A relay presented a different certificate key than the one Parley pinned for it, so Parley refused it; nothing it vouches for is trusted.',
  INVALID_RELAY_URL: 'Enter a relay URL that starts with http:// or https://, without a query or fragment.',
  RELAY_UNREACHABLE: "Parley can't reach the relay; check the address and your connection, then try again.",
  RELAY_REFUSED: 'The relay refused the request; try again, and check the relay address if it keeps happening.',
  RELAY_ADDRESS_MISMATCH:
    'The relay expects to be reached by another address than this one; use the address the person who runs it gives you.',
  RATE_LIMITED: 'The relay is receiving too many requests from you; wait a minute, then try again.',
  INVITE_REQUIRED: 'This relay only accepts new accounts with an invite code; ask the person who runs it for one.',
  INVITE_INVALID:
    "The relay didn't accept this invite code; check it, or ask the person who runs the relay for a new one.",
  REGISTRATION_CLOSED: "This relay isn't accepting new accounts; choose another relay or ask the person who runs it.",
  NO_IDENTITY: 'This profile has no identity yet; create one or restore a backup.',
  IDENTITY_EXISTS: 'This profile already has an identity; unlock it instead of creating another.',
  LOCKED: 'Parley is locked; unlock it, then try again.',
  BAD_PASSPHRASE: "That passphrase isn't right; check it and try again.",
  NOT_REGISTERED: "This identity isn't registered with a relay yet; choose a relay to finish setting up.",
  NOT_STARTED: "Parley isn't connected to your account right now; wait a moment, then try again.",
  UNKNOWN_GROUP: 'This group no longer exists here; pick another conversation from the list.',
  GROUP_CHANGE_NOT_ALLOWED:
    "The group's rules do not allow that now (only admins may remove or promote, and only members may change the group).",
  GROUP_LIMIT:
    'That would pass one of the group limits (256 members, a 64-character name, a 480-character description).',
  UNKNOWN_CONVERSATION: 'This conversation no longer exists; pick another one from the list.',
  UNKNOWN_MESSAGE: 'This message no longer exists, so there is nothing to retry.',
  INVALID_MESSAGE: "This message can't be sent because it is empty or too long; shorten it and try again.",
  TAKEN_OVER:
    'This identity was restored on another computer, so this copy can no longer do that; to use Parley here again, remove this copy and restore a backup.',
  VAULT_FAILED: "Parley's key vault failed; restart Parley and try again.",
  VAULT_FROM_NEWER_VERSION:
    'Your keys on this computer were saved by a newer version of Parley; update Parley to open them (nothing was changed).',
  VAULT_DAMAGED:
    "Part of Parley's key vault on this computer is damaged, so it can't be unlocked; restore your latest backup to keep using this account.",
  INVALID_PROFILE: 'Use a name of up to 100 characters and a PNG, JPEG or WebP picture; then save again.',
  INVALID_GROUP_AVATAR: 'A group photo must be a PNG, JPEG or WebP picture of at most 32 KB; choose another picture.',
  BLOCKED: 'You blocked this person, so nothing is sent to them; unblock them in Settings to write again.',
  NO_REQUEST: 'This message request is no longer waiting; it was accepted, deleted or blocked already.',
  STORAGE: "Parley couldn't read or write its data on this computer; check the free disk space, then restart Parley.",
  INTERNAL: 'Something went wrong inside Parley; try again, and restart Parley if it keeps happening.',
};

const TRANSPORT_SENTENCES: Record<VaultTransportErrorCode, string> = {
  NO_TOKEN: 'This page needs the link the web shell printed; open that address, which ends with #token=….',
  FORBIDDEN:
    "Parley was restarted, so this page needs the new address it printed: paste it into this tab's address bar (it ends with #token=…) and Parley reconnects.",
  SUPERSEDED: 'Parley is open in another tab, which now holds your keys; use that tab, or take them back here.',
  TIMEOUT: "Parley's key vault didn't answer in time; try again.",
  DISCONNECTED: 'The connection to the key vault dropped during that step; try again.',
  CLOSED: 'The connection to the key vault was closed; reload the page.',
};

/** Sentences that name the relay a failure is about (a forged key or bundle), when the error knows it. */
const RELAY_SENTENCES: Partial<Record<EngineErrorCode, (relayUrl: string) => string>> = {
  ACCOUNT_ID_MISMATCH: (relayUrl) =>
    `Your relay (${relayUrl}) sent keys that don't belong to this contact code, so Parley refused them; check the code with your contact.`,
  FORGED_KEY: (relayUrl) =>
    `Your relay (${relayUrl}) sent a key that isn't this contact's, so Parley refused it; nothing from it was accepted.`,
  TRUST_ROOT_CHANGED: (relayUrl) =>
    `The relay ${relayUrl} presented a different certificate key than the one Parley pinned for it, so Parley refused it; nothing it vouches for is trusted.`,
};

const FALLBACK_SENTENCE = ENGINE_SENTENCES.INTERNAL;

/** The first VaultTransportError in an error's cause chain, if any (the engine wraps them). */
function transportFailure(error: unknown): VaultTransportError | null {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth += 1) {
    if (VaultTransportError.is(current)) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return null;
}

/** What to tell the user about a failure: one sentence, never a code. */
/** RELAY_ADDRESS_MISMATCH with the addresses known: which one was used, and which to use instead. */
function addressMismatchSentence(error: EngineError): string | null {
  if (error.code !== EngineErrorCode.RelayAddressMismatch || error.relayUrl === null) return null;
  const expected = error.expectedRelayUrls;
  if (expected.length === 0) return null;
  return `The relay at ${error.relayUrl} expects to be reached as ${expected.join(' or ')} (its public address); use ${expected.length === 1 ? 'that address' : 'one of those'} instead.`;
}

export function errorSentence(error: unknown): string {
  const transport = transportFailure(error);
  if (transport !== null) return TRANSPORT_SENTENCES[transport.code];
  if (EngineError.is(error)) {
    const mismatch = addressMismatchSentence(error);
    if (mismatch !== null) return mismatch;
    const naming = RELAY_SENTENCES[error.code];
    if (naming !== undefined && error.relayUrl !== null) return naming(error.relayUrl);
    return ENGINE_SENTENCES[error.code] ?? FALLBACK_SENTENCE;
  }
  return FALLBACK_SENTENCE;
}

/** The code (for the log) of what errorSentence described. */
export function errorCode(error: unknown): string {
  const transport = transportFailure(error);
  if (transport !== null) return transport.code;
  if (EngineError.is(error)) return error.code;
  return error instanceof Error ? error.name : 'UNKNOWN';
}

/** Writes the failure, with its code, to the console log; returns the sentence for the screen. */
export function logFailure(what: string, error: unknown): string {
  console.warn(`[ui] ${what} failed (${errorCode(error)})`, error);
  return errorSentence(error);
}
