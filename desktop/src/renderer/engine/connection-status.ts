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
}

export const OFFLINE_STATUS: ConnectionStatus = {
  state: 'offline',
  queuedMessages: 0,
  drained: false,
  unreachableRelays: [],
};

export function sameStatus(a: ConnectionStatus, b: ConnectionStatus): boolean {
  return (
    a.state === b.state &&
    a.queuedMessages === b.queuedMessages &&
    a.drained === b.drained &&
    JSON.stringify(a.unreachableRelays) === JSON.stringify(b.unreachableRelays)
  );
}
