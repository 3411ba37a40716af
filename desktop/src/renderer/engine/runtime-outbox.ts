/**
 * The outbox's wiring inside a running profile (runtime.ts): how the outbox
 * worker is built, and what it reports back: message states and forged keys
 * to the UI, the queued count, a locked vault, a refused access key.
 */
import { contactReach, recordAccessDenied } from './contact-access.js';
import { describeError } from './errors.js';
import { type Forgery, recordForgery } from './forgery-notices.js';
import { GroupSender } from './groups/group-send.js';
import type { OutboxStateChange } from './outbox-queue.js';
import { OutboxWorker } from './outbox-worker.js';
import type { EngineRuntime, RuntimeParts, RuntimeSettings } from './runtime.js';

/** Built once the connection and sessions exist; the callbacks reach the other parts only when they run. */
export function createOutboxWorker(
  runtime: EngineRuntime,
  parts: RuntimeParts,
  settings: RuntimeSettings,
): OutboxWorker {
  const { db, vault, relayUrl, clock, logger } = parts;
  return new OutboxWorker(
    runtime.queue,
    db,
    vault,
    runtime.delivery,
    runtime.sessions,
    new GroupSender(db, vault, runtime.sessions, runtime.relays, runtime.tokens, {
      self: parts.account.accountId,
      relayUrl,
      now: () => clock.now(),
    }),
    {
      stateChanged: (changes) => announceStateChanges(parts, changes),
      queueChanged: () => {
        runtime.queuedCount.refresh();
        runtime.reachability.refresh();
      },
      vaultLocked: () => parts.onFatal('locked'),
      // The bundle came from the contact's relay, which may not be ours.
      forgedKey: async (accountId) =>
        runtime.recordForgery({ accountId, relayUrl: (await contactReach(db, accountId, relayUrl)).relayUrl }),
      accessDenied: (peer) => recordAccessDenied(db, parts.events, peer, clock.now()),
      refreshCertificate: () => runtime.certificates.refresh(),
    },
    { relayUrl, clock, logger, options: settings.outbox, faults: settings.faults },
  );
}

function announceStateChanges(parts: RuntimeParts, changes: readonly OutboxStateChange[]): void {
  for (const change of changes) parts.events.emit('message-state', change);
}

/** A relay forged a contact's key outside the receive path (a bundle, when sending): notice it and tell the UI. */
export async function recordRelayForgery(parts: RuntimeParts, forgery: Forgery): Promise<void> {
  const { db, clock, newId, logger, events } = parts;
  logger.warn('refused a key the relay forged for a contact', { relayUrl: forgery.relayUrl });
  try {
    const notice = await recordForgery(db, forgery, clock.now(), newId);
    if (notice !== null) {
      const { accountId, conversationId, relayUrl } = notice;
      events.emit('forged-key', { accountId, conversationId, relayUrl });
    }
  } catch (error) {
    logger.error('could not record a forged key', { error: describeError(error) });
  }
}
