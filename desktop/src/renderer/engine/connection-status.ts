/**
 * What the UI shows about the connection: the thin bar under the header only
 * when not online, or when a contact's relay cannot be reached.
 */
import type { ConnectionState } from './relay-connection.js';
import type { UnreachableRelay } from './relay-reachability.js';

/**
 * The connection's state, or 'taken-over' for good once another install
 * registered this identity (takeover.ts): nothing is sent or received then.
 */
export type ConnectionStatusState = ConnectionState | 'taken-over';

export interface ConnectionStatus {
  readonly state: ConnectionStatusState;
  /** Own texts waiting in the outbox ("3 messages will send when you're back"). */
  readonly queuedMessages: number;
  /** The relay's queue, as of connecting, has been received and stored. */
  readonly drained: boolean;
  /**
   * Contacts' relays (other than home) that cannot be reached now, with who
   * waits for them: their texts are held, not failed, until the relay is back.
   */
  readonly unreachableRelays: readonly UnreachableRelay[];
  /**
   * Relays (canonical URLs) that served another sealed-sender trust root than
   * the one pinned for them this session: refused (trust-roots.ts). Absent: none.
   */
  readonly refusedRelays?: readonly string[];
}

export const OFFLINE_STATUS: ConnectionStatus = {
  state: 'offline',
  queuedMessages: 0,
  drained: false,
  unreachableRelays: [],
};

export function sameStatus(a: ConnectionStatus, b: ConnectionStatus): boolean {
  const refused = (status: ConnectionStatus) => (status.refusedRelays ?? []).join(' ');
  return (
    a.state === b.state &&
    a.queuedMessages === b.queuedMessages &&
    a.drained === b.drained &&
    refused(a) === refused(b) &&
    JSON.stringify(a.unreachableRelays) === JSON.stringify(b.unreachableRelays)
  );
}
