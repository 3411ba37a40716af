/**
 * What the connection bar says (UI.md: only when not online, or when a
 * contact's relay cannot be reached; the composer always works, except in a
 * copy another install took over, which sends nothing any more).
 */
import type { ConnectionStatus, UnreachableRelay } from '../../engine/index.js';

export interface ConnectionBannerText {
  readonly state: 'connecting' | 'offline' | 'taken-over' | 'relay-unreachable' | 'trust-root-changed';
  readonly text: string;
}

/**
 * The web shell (the process that holds the keys) went away: nothing is
 * sent, received or stored until it is back (the Session notices within
 * seconds: state/session.svelte.ts).
 */
export const BACK_END_STOPPED_SENTENCE =
  "Parley's back end stopped, so nothing is sent or received. Start Parley again (npm start) and open the address it prints in this tab, or press Reconnect if it is still running.";

/**
 * True for a relay on this computer (canonical URLs write localhost and ::1
 * as 127.0.0.1: crypto-core normalizeRelayUrl). Nothing lies between the app
 * and such a relay, so not reaching it means it is not running.
 */
export function isRelayOnThisComputer(relayUrl: string): boolean {
  try {
    const host = new URL(relayUrl).hostname;
    return /^127(\.\d{1,3}){3}$/.test(host) || host === 'localhost' || host === '[::1]';
  } catch {
    return false;
  }
}

/** "Bob", "Bob and Carol", "Bob, Carol and 2 others" (contacts without a name are "a contact"). */
function peopleList(relay: UnreachableRelay): string {
  const names = relay.waitingFor.map((contact) => contact.displayName ?? 'a contact');
  if (names.length <= 2) return names.join(' and ');
  const others = names.length - 2;
  return `${names.slice(0, 2).join(', ')} and ${others === 1 ? '1 other' : `${others} others`}`;
}

/** One sentence per relay that cannot be reached, naming it and who waits for it. */
export function unreachableRelaySentence(relay: UnreachableRelay): string {
  const whose = relay.waitingFor.length === 0 ? 'to contacts there' : `to ${peopleList(relay)}`;
  return `Can't reach ${relay.host} — messages ${whose} will be sent when it's back`;
}

/**
 * A backup of this identity was restored on another computer, which now
 * holds it (docs/protocol.md §3.1): what happened, and what to do about it.
 */
export const TAKEN_OVER_SENTENCE =
  'This identity was restored on another computer, so this copy no longer sends or receives; to use Parley here again, remove this copy and restore a backup.';

/**
 * Relays that served another trust root than the one pinned for them
 * (docs/protocol.md §5): what happened and what it means, naming them.
 */
export function refusedRelaysSentence(relays: readonly string[]): string {
  const named = relays.join(', ');
  const which = relays.length === 1 ? `The relay ${named} presents` : `The relays ${named} present`;
  return `${which} a different certificate key than the one Parley pinned, so Parley refuses it: messages it vouches for are not accepted.`;
}

/**
 * Null while online with nothing to report: the bar is then not shown at all.
 * `homeRelayUrl`: the account's relay; when it is on this computer, offline
 * says that it stopped (`npm start` runs it there) instead of "Offline".
 */
export function connectionBannerText(status: ConnectionStatus, homeRelayUrl?: string): ConnectionBannerText | null {
  const refused = status.refusedRelays ?? [];
  if (refused.length > 0 && status.state !== 'taken-over') {
    return { state: 'trust-root-changed', text: refusedRelaysSentence(refused) };
  }
  switch (status.state) {
    case 'online': {
      if (status.unreachableRelays.length === 0) return null;
      const text = status.unreachableRelays.map(unreachableRelaySentence).join('. ');
      return { state: 'relay-unreachable', text };
    }
    case 'connecting':
      return { state: 'connecting', text: 'Connecting…' };
    case 'offline': {
      const queued = status.queuedMessages;
      const what = queued === 1 ? '1 message will send' : `${queued} messages will send`;
      if (homeRelayUrl !== undefined && isRelayOnThisComputer(homeRelayUrl)) {
        const stopped = `The relay at ${new URL(homeRelayUrl).host} stopped`;
        return { state: 'offline', text: queued <= 0 ? stopped : `${stopped} — ${what} when it's back` };
      }
      if (queued <= 0) return { state: 'offline', text: 'Offline' };
      return { state: 'offline', text: `Offline — ${what} when you're back` };
    }
    case 'taken-over':
      return { state: 'taken-over', text: TAKEN_OVER_SENTENCE };
  }
}

/** A short word for the account header's status dot; never "Online" while the back end is stopped. */
export function connectionLabel(status: ConnectionStatus, backEndStopped = false): string {
  if (backEndStopped) return 'Back end stopped';
  switch (status.state) {
    case 'online':
      return 'Online';
    case 'connecting':
      return 'Connecting';
    case 'offline':
      return 'Offline';
    case 'taken-over':
      return 'Inactive here';
  }
}
