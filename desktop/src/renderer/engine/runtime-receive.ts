/**
 * The receive path's wiring inside a running profile (runtime.ts): how the
 * receive pipeline is built, and what a committed batch tells the rest of the
 * runtime (typing, the outbox, the queued count, session repair) and the UI.
 */
import { describeError } from './errors.js';
import { groupMemberReach } from './groups/group-members.js';
import type { ReceiveCommitResult } from './receive-commit.js';
import { ReceivePipeline } from './receive-pipeline.js';
import type { ReceivePlan } from './receive-plan.js';
import type { EngineRuntime, RuntimeParts, RuntimeSettings } from './runtime.js';

/** Built once the connection exists; the callbacks reach the other parts only when they run. */
export function createReceivePipeline(
  runtime: EngineRuntime,
  parts: RuntimeParts,
  settings: RuntimeSettings,
): ReceivePipeline {
  const { db, vault, relayUrl, account, clock, logger, privacy } = parts;
  return new ReceivePipeline(
    db,
    vault,
    runtime.connection,
    {
      committed: (result, plan) => announceReceived(runtime, parts, result, plan),
      vaultLocked: () => parts.onFatal('locked'),
    },
    {
      relayUrl,
      ownAccountId: account.accountId,
      clock,
      newId: parts.newId,
      logger,
      faults: settings.faults,
      options: settings.receive,
      showReadReceipts: () => privacy.value.readReceipts,
      pinSenderRelay: (url) =>
        runtime.trustRoots.pin(url).then(
          () => true,
          (error: unknown) => {
            logger.warn("could not pin a sender's relay", { relayUrl: url, error: describeError(error) });
            return false;
          },
        ),
      ensureSealedSender: () =>
        runtime.certificates.ensure().then(
          () => true,
          () => false,
        ),
    },
  );
}

/** A stored batch: typing and events for the UI, then the outbox, the queued count, session and sender-key repair. */
function announceReceived(
  runtime: EngineRuntime,
  parts: RuntimeParts,
  result: ReceiveCommitResult,
  plan: ReceivePlan,
): void {
  const { events } = parts;
  const showTyping = parts.privacy.value.typingIndicators;
  for (const typing of showTyping ? result.typing : []) {
    runtime.typingTracker.update(typing.conversationId, typing.senderAccountId, typing.action);
  }
  for (const message of result.stored) {
    runtime.typingTracker.clear(message.conversationId, message.senderAccountId);
    events.emit('message', {
      conversationId: message.conversationId,
      messageId: message.id,
      senderAccountId: message.senderAccountId,
      mentionsMe: message.mentionsMe === true,
    });
  }
  for (const change of result.stateChanges) events.emit('message-state', change);
  for (const message of [...result.changed, ...result.timerLines]) {
    events.emit('message-changed', { conversationId: message.conversationId, messageId: message.id });
  }
  for (const { accountId, conversationId, relayUrl } of result.notices) {
    events.emit('forged-key', { accountId, conversationId, relayUrl });
  }
  if (result.receiptsQueued) runtime.outbox.kick();
  if (result.outboxItemsRemoved > 0) runtime.queuedCount.refresh();
  runtime.sessionRepair.repair(plan.sessionRepairs);
  runtime.sessionRepair.resend(plan.sessionResets);
  if (plan.groups.length > 0) void pinMemberRelays(runtime, parts);
  runtime.senderKeyRepair.ask(plan.senderKeyRequests);
  runtime.senderKeyRepair.answer(plan.senderKeyResends);
}

/**
 * The relays of the members of our groups, pinned (their trust roots): a
 * member who is no contact and lives on another relay seals with that
 * relay's certificate, and its sender key and group messages name no relay
 * we could learn it from (docs/protocol.md §5, Sealed sender).
 */
async function pinMemberRelays(runtime: EngineRuntime, parts: RuntimeParts): Promise<void> {
  try {
    const relays = new Set([...(await groupMemberReach(parts.db)).values()].map((reach) => reach.relayUrl));
    relays.delete(parts.relayUrl);
    for (const relayUrl of relays) {
      await runtime.trustRoots.pin(relayUrl).catch((error: unknown) => {
        parts.logger.warn("could not pin a group member's relay", { relayUrl, error: describeError(error) });
      });
    }
  } catch (error) {
    parts.logger.warn('reading the group members failed', { error: describeError(error) });
  }
}
