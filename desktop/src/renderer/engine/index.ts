/**
 * The client engine (desktop/src/renderer/engine/README.md): everything the UI needs to
 * run a Parley profile, free of UI code.
 */

export type { BackoffOptions } from './backoff.js';
export type { ConnectionStatus, ConnectionStatusState } from './connection-status.js';
export type { AddedContact } from './contacts.js';
export { directConversationId, groupConversationId } from './conversation-ids.js';
export { EngineDatabase } from './database.js';
export {
  type AccountSummary,
  type CreateAccountRequest,
  Engine,
  type EngineOptions,
  type RegistrationOptions,
} from './engine.js';
export { EngineError, EngineErrorCode } from './errors.js';
export type { EngineEvents } from './events.js';
export type { GroupAvatar } from './groups/group-avatar.js';
export type { GroupMemberView, GroupReceiptsView, GroupView } from './groups/group-queries.js';
export { consoleLogger, type EngineLogger, silentLogger } from './logger.js';
export type { BlockResult } from './message-requests.js';
export { isMuted, MUTE_DURATIONS, MUTED_ALWAYS, type MuteDuration, muteUntil } from './mute.js';
export type { Readable, Unsubscribe } from './observable.js';
export { inviteCodeOf } from './onboarding.js';
export type { OutboxOptions } from './outbox-worker.js';
export { DEFAULT_PRIVACY, type PrivacyChoices, PrivacySettings } from './privacy-settings.js';
export {
  type ContactView,
  type ConversationView,
  type GroupSummary,
  liveQuery,
  type MessagePage,
  type MessageView,
  type PageRequest,
} from './queries.js';
export type { MarkReadResult } from './read-receipts.js';
export type {
  ContactRecord,
  ConversationKind,
  ConversationRecord,
  GroupMembership,
  MessageDirection,
  MessageKind,
  MessageRecord,
  MessageState,
  OwnProfile,
  ProfileAvatar,
} from './records.js';
export type { ConnectionState, RelayConnectionOptions } from './relay-connection.js';
export type { UnreachableRelay, WaitingContact } from './relay-reachability.js';
export { SCHEMA_VERSION } from './schema.js';
export type { TypingState } from './typing.js';
