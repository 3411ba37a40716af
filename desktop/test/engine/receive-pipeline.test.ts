/**
 * The receive pipeline's ordering guarantees, with a scripted vault and a
 * recording relay: the ack and the vault's release are sent only after the
 * commit (the release folded into the next decrypt call, or on its own when
 * none comes), batches are decrypted ahead while earlier ones commit yet
 * commit and ack in order, copies are recognised by envelope id (acked
 * without a decrypt) and by message id (stored once), transient failures are
 * retried without an ack, and a crash between the stages loses nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ALICE,
  closeHarnesses,
  envelope,
  harness,
  idsOf,
  messageId,
  ownText,
  releases,
  text,
} from '../support/receive-harness.js';
import { waitFor } from '../support/wait.js';

afterEach(closeHarnesses);

describe('ReceivePipeline', () => {
  it('acks and releases only after the commit', async () => {
    const h = await harness();
    const batch = [envelope(), envelope()];
    h.vault.script = (e) => text(e, messageId(batch.indexOf(e) + 1), `body ${e.id}`);
    h.pipeline.enqueue(batch);
    h.pipeline.queueEmpty();
    await h.pipeline.idle();
    const ids = batch.map((e) => e.id).join(',');
    // No later batch to carry the release: it goes on its own, beside the ack.
    expect(h.events[0]).toBe('committed');
    expect(h.events.slice(1).sort()).toEqual([`ack ${ids} committed=true`, `release ${ids} committed=true`]);
    expect(h.pipeline.drained.value).toBe(true);
    expect(await h.db.messages.count()).toBe(2);
    const conversation = await h.db.conversations.get(`direct:${ALICE}`);
    expect(conversation?.unreadCount).toBe(2);
    // Alice wrote first: a message request, sent a delivery receipt for both in the same commit but not our profile.
    const queued = await h.db.outbox.toArray();
    expect(queued).toEqual([
      expect.objectContaining({ kind: 'receipt', receiptKind: 'delivery', messageIds: [messageId(1), messageId(2)] }),
    ]);
    expect(await h.db.contacts.get(ALICE)).toMatchObject({ origin: 'incoming', accessKey: null, status: 'request' });
  });

  it('acks a redelivered envelope without decrypting it again, and stores a resent message once', async () => {
    const h = await harness();
    const first = envelope();
    h.vault.script = (e) => text(e, messageId(7), 'once');
    h.pipeline.enqueue([first]);
    await h.pipeline.idle();
    h.pipeline.enqueue([first]);
    await h.pipeline.idle();
    expect(h.vault.decrypted).toEqual([[first.id]]);
    expect(h.events.filter((e) => e.startsWith('ack'))).toHaveLength(2);

    // The sender resent after a lost answer: another envelope, the same message id.
    const resent = envelope();
    h.pipeline.enqueue([resent]);
    await h.pipeline.idle();
    expect(await h.db.messages.count()).toBe(1);
    expect((await h.db.conversations.get(`direct:${ALICE}`))?.unreadCount).toBe(1);
    expect(h.events).toContain(`ack ${resent.id} committed=true`);
    expect(h.events.at(-1)).toMatch(/^(ack|release) .* committed=true$/);
  });

  it('retries a transient vault failure without acking, then commits', async () => {
    const h = await harness();
    const env = envelope();
    h.vault.mode = 'failing';
    h.pipeline.enqueue([env]);
    await h.pipeline.idle();
    expect(h.events).toEqual([]);
    h.vault.mode = 'up';
    await waitFor('retried and committed', async () => ((await h.db.messages.count()) === 1 ? true : null), 5000);
    await h.pipeline.idle();
    expect(h.events[0]).toBe('committed');
    expect(h.events.slice(1).sort()).toEqual([`ack ${env.id} committed=true`, `release ${env.id} committed=true`]);
  });

  it('gives up on this connection after the retry limit, leaving the envelope to the relay', async () => {
    const h = await harness();
    h.vault.mode = 'failing';
    h.pipeline.enqueue([envelope()]);
    // One try and three retries (20, 40, 80 ms, jittered), then nothing more.
    await waitFor('every retry', () => (h.vault.decryptCalls === 4 ? true : null), 5000);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await h.pipeline.idle();
    expect(h.vault.decryptCalls).toBe(4);
    expect(h.events).toEqual([]);
    expect(await h.db.receivedEnvelopes.count()).toBe(0);
  });

  it('stops and reports when the vault is locked, without acking', async () => {
    const h = await harness();
    h.vault.mode = 'locked';
    h.pipeline.enqueue([envelope()]);
    await h.pipeline.idle();
    expect(h.events).toEqual(['locked']);
  });

  it('decrypts the next batch while the one before it commits, and commits and acks in order', async () => {
    const first = [envelope(), envelope()];
    const second = [envelope(), envelope()];
    const third = [envelope()];
    let secondAsked: () => void = () => {};
    const secondDecrypting = new Promise<void>((resolve) => {
      secondAsked = resolve;
    });
    let overlapped: boolean | null = null;
    const h = await harness({
      faults: {
        // The first commit waits (boundedly) for the vault to be asked for the second batch.
        async beforeReceiveCommit(ids) {
          if (!ids.includes(first[0]?.id ?? '')) return;
          overlapped = await Promise.race([
            secondDecrypting.then(() => true),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
          ]);
        },
      },
    });
    h.vault.script = ownText;
    h.vault.onDecrypt = (ids) => {
      if (ids.includes(second[0]?.id ?? '')) secondAsked();
    };
    for (const batch of [first, second, third]) h.pipeline.enqueue(batch);
    await h.pipeline.idle();

    expect(overlapped).toBe(true);
    expect(h.commits).toEqual([idsOf(first), idsOf(second), idsOf(third)]);
    expect(h.acked).toEqual([idsOf(first), idsOf(second), idsOf(third)]);
    expect(await h.db.messages.count()).toBe(5);
    // The third decrypt waited for the first commit and carried its release.
    expect(h.vault.decrypted).toEqual([idsOf(first), idsOf(second), idsOf(third)]);
    expect(h.vault.foldedReleases[2]).toEqual(expect.arrayContaining(idsOf(first)));
    // Every envelope released exactly once, and only once committed.
    const all = releases(h);
    expect(all.every((release) => release.committed)).toBe(true);
    expect(all.flatMap((release) => release.ids).sort()).toEqual(
      [...first, ...second, ...third].map((e) => e.id).sort(),
    );
  });

  it('asks for the next batch before the vault has answered the one before, so the vault never waits', async () => {
    const first = [envelope()];
    const second = [envelope()];
    let secondAsked: () => void = () => {};
    const secondArrived = new Promise<void>((resolve) => {
      secondAsked = resolve;
    });
    let answeredFirstAfterSecondArrived: boolean | null = null;
    const h = await harness();
    h.vault.script = ownText;
    h.vault.onDecrypt = (ids) => {
      if (ids.includes(second[0]?.id ?? '')) secondAsked();
    };
    h.vault.beforeAnswer = async (ids) => {
      if (!ids.includes(first[0]?.id ?? '')) return;
      // The first answer is held (boundedly) until the second call has arrived.
      answeredFirstAfterSecondArrived = await Promise.race([
        secondArrived.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
      ]);
    };
    h.pipeline.enqueue(first);
    h.pipeline.enqueue(second);
    await h.pipeline.idle();

    expect(answeredFirstAfterSecondArrived).toBe(true);
    expect(h.commits).toEqual([idsOf(first), idsOf(second)]);
    expect(h.acked).toEqual([idsOf(first), idsOf(second)]);
    expect(releases(h).every((release) => release.committed)).toBe(true);
  });

  it('loses nothing when the renderer dies between the stages, and releases nothing uncommitted', async () => {
    const first = [envelope(), envelope()];
    const second = [envelope(), envelope()];
    const never = new Promise<never>(() => {});
    let secondDone: () => void = () => {};
    const secondDecrypted = new Promise<void>((resolve) => {
      secondDone = resolve;
    });
    const crashed = await harness({
      faults: {
        beforeReceiveCommit: () => never,
        afterDecrypt: (ids) => {
          if (ids.includes(second[0]?.id ?? '')) secondDone();
        },
      },
    });
    crashed.vault.script = ownText;
    crashed.pipeline.enqueue(first);
    crashed.pipeline.enqueue(second);
    // The second batch is decrypted while the first hangs before its commit: the renderer dies here.
    await secondDecrypted;
    crashed.pipeline.stop();
    expect(crashed.events).toEqual([]);
    expect(await crashed.db.messages.count()).toBe(0);

    // The next connection redelivers both; the vault answers from its cache (the same outcomes).
    const restarted = await harness({ db: crashed.db });
    restarted.vault.script = ownText;
    restarted.pipeline.enqueue(first);
    restarted.pipeline.enqueue(second);
    await restarted.pipeline.idle();
    expect(await restarted.db.messages.count()).toBe(4);
    expect(restarted.acked).toEqual([idsOf(first), idsOf(second)]);
    const all = releases(restarted);
    expect(all.every((release) => release.committed)).toBe(true);
    expect(all.flatMap((release) => release.ids).sort()).toEqual([...first, ...second].map((e) => e.id).sort());
  });

  it('keeps the releases a failed decrypt carried, and sends them later', async () => {
    const h = await harness();
    h.vault.script = ownText;
    const batches = [[envelope()], [envelope()], [envelope()]];
    let calls = 0;
    let carried: readonly string[] = [];
    h.vault.onDecrypt = (_, release) => {
      calls++;
      if (calls === 3) {
        carried = release;
        throw new Error('the vault connection dropped');
      }
    };
    for (const batch of batches) h.pipeline.enqueue(batch);
    await waitFor('retried and committed', async () => ((await h.db.messages.count()) === 3 ? true : null), 5000);
    await h.pipeline.idle();
    // The third decrypt carried the first batch's release and failed: it was sent again later, once.
    expect(carried).toEqual(idsOf(batches[0] ?? []));
    const all = releases(h);
    expect(all.every((release) => release.committed)).toBe(true);
    expect(all.flatMap((release) => release.ids).sort()).toEqual(
      batches
        .flat()
        .map((e) => e.id)
        .sort(),
    );
  });
});
