/**
 * The one wording of a forged-key notice (docs/protocol.md §5, *Sessions and
 * identity trust*), for the history in the app and the readable backup copy
 * alike. A relay sent a key that the contact's account id does not commit to,
 * and Parley refused it: never anything to accept. Browser-safe.
 */

/** What the notice is about: the relay that sent the key, when known, and whose key it claimed to be. */
export interface ForgeryNoticeSubject {
  /** 'forged-key': written since keys are refused outright; 'identity-changed': by older versions. */
  readonly kind: 'forged-key' | 'identity-changed';
  readonly relayUrl: string | null;
  readonly peerName: string;
}

export function forgeryNoticeText({ kind, relayUrl, peerName }: ForgeryNoticeSubject): string {
  if (kind === 'identity-changed') {
    return `Earlier, your relay sent a key that isn't ${peerName}'s; Parley now refuses such keys.`;
  }
  const relay = relayUrl === null ? 'Your relay' : `Your relay (${relayUrl})`;
  return `${relay} sent a key that isn't ${peerName}'s; nothing from it was accepted.`;
}
