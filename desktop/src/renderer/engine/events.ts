/** Events the engine emits (Engine.on). Payloads carry ids, never message text. */
import type { AccountId } from '@parley/crypto-core/wire';
import type { ConnectionStatus } from './connection-status.js';
import type { MessageState } from './records.js';
import type { TypingState } from './typing.js';

export interface EngineEvents {
  /** The connection state or the number of queued messages changed. */
  connection: ConnectionStatus;
  /** A new incoming message was stored; `mentionsMe`: a group text that mentions us (notified even when muted). */
  message: {
    readonly conversationId: string;
    readonly messageId: string;
    readonly senderAccountId: AccountId;
    readonly mentionsMe: boolean;
  };
  /**
   * A stored message changed or went (a reaction, an edit, a delete, a
   * disappearing timer ran out, delete for me) or a timer-change line was
   * added: read it again (queries.message answers null once it is gone).
   */
  'message-changed': { readonly conversationId: string; readonly messageId: string };
  /** An own message moved to another state (sent, delivered, read, failed). */
  'message-state': { readonly conversationId: string; readonly messageId: string; readonly state: MessageState };
  /**
   * A relay presented a key that the contact's account id does not commit to:
   * refused, and a notice naming the relay was added to the conversation.
   */
  'forged-key': { readonly accountId: AccountId; readonly conversationId: string; readonly relayUrl: string };
  /**
   * A relay served another sealed-sender trust root than the one pinned for
   * it: refused (nothing it certifies is trusted); the status bar names it.
   */
  'trust-root-changed': { readonly relayUrl: string };
  /** A contact refused the access key we hold (their code was reset): the conversation says to ask for a new code. */
  'access-denied': { readonly accountId: AccountId };
  /** Who is typing where. */
  typing: TypingState;
  /** The relay's queue (as of connecting) is received and stored. */
  drained: { readonly relayUrl: string };
  /** The relay reported a problem with the connection (the code is for the log). */
  'relay-error': { readonly code: string; readonly message: string };
  /** The vault locked: the engine stopped; unlock and start again. */
  locked: Record<string, never>;
}
