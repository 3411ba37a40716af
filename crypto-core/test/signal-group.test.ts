import { describe, expect, it } from 'vitest';
import { type Bytes, fromUtf8, utf8 } from '../src/encoding.js';
import { CryptoErrorCode } from '../src/errors.js';
import { newDistributionId } from '../src/signal/group.js';
import { rejection } from './support/rejections.js';
import { createTestDevice, type TestDevice } from './support/test-devices.js';

/**
 * Delivers `sender`'s distribution message to each member the way the vault
 * does: inside the 1:1 session, which is what authenticates it.
 */
async function distribute(sender: TestDevice, distributionId: string, members: TestDevice[]): Promise<void> {
  const distribution = await sender.group.createDistributionMessage(distributionId);
  for (const member of members) {
    if (!(await sender.session.hasSession(member.address))) await sender.session.startSession(member.nextBundle());
    const carried = await sender.session.encrypt(member.address, distribution);
    const received = await member.session.decrypt(sender.address, carried);
    await member.group.processDistributionMessage(sender.address, received);
  }
}

async function readAll(members: TestDevice[], sender: TestDevice, ciphertext: Bytes): Promise<string[]> {
  return Promise.all(members.map(async (member) => fromUtf8(await member.group.decrypt(sender.address, ciphertext))));
}

describe('groups with sender keys', () => {
  it('adds a member who reads from then on, removes one who cannot read new messages', async () => {
    const [alice, bob, carol, dave] = await Promise.all([
      createTestDevice(),
      createTestDevice(),
      createTestDevice(),
      createTestDevice(),
    ]);
    if (alice === undefined || bob === undefined || carol === undefined || dave === undefined)
      throw new Error('devices');

    // Alice, Bob and Carol; everyone distributes their chain to the others.
    const first = newDistributionId();
    const members = [alice, bob, carol];
    for (const sender of members) {
      await distribute(
        sender,
        first,
        members.filter((member) => member !== sender),
      );
    }
    const hello = await alice.group.encrypt(first, utf8('hello group'));
    expect(await readAll([bob, carol], alice, hello)).toEqual(['hello group', 'hello group']);
    const fromBob = await bob.group.encrypt(first, utf8('bob here'));
    expect(await readAll([alice, carol], bob, fromBob)).toEqual(['bob here', 'bob here']);

    // Dave joins: he gets the current chains, reads what follows, not what came before.
    await distribute(alice, first, [dave]);
    await distribute(bob, first, [dave]);
    await distribute(carol, first, [dave]);
    await distribute(dave, first, [alice, bob, carol]);
    const welcome = await alice.group.encrypt(first, utf8('welcome dave'));
    expect(await readAll([bob, carol, dave], alice, welcome)).toEqual(['welcome dave', 'welcome dave', 'welcome dave']);
    const earlier = await rejection(dave.group.decrypt(alice.address, hello));
    expect(earlier.code).toBe(CryptoErrorCode.DuplicateMessage);

    // Carol is removed: every remaining sender starts a new distribution id and
    // sends it to the remaining members only.
    const second = newDistributionId();
    const remaining = [alice, bob, dave];
    for (const sender of remaining) {
      await distribute(
        sender,
        second,
        remaining.filter((member) => member !== sender),
      );
    }
    const secret = await alice.group.encrypt(second, utf8('after carol left'));
    expect(await readAll([bob, dave], alice, secret)).toEqual(['after carol left', 'after carol left']);
    const locked = await rejection(carol.group.decrypt(alice.address, secret));
    expect(locked.code).toBe(CryptoErrorCode.NoSenderKey);
    const fromDave = await dave.group.encrypt(second, utf8('dave, new chain'));
    expect(await readAll([alice, bob], dave, fromDave)).toEqual(['dave, new chain', 'dave, new chain']);
    expect((await rejection(carol.group.decrypt(dave.address, fromDave))).code).toBe(CryptoErrorCode.NoSenderKey);
  });

  it('rejects replays, tampering, the wrong sender and unknown distribution ids', async () => {
    const [alice, bob, carol] = await Promise.all([createTestDevice(), createTestDevice(), createTestDevice()]);
    if (alice === undefined || bob === undefined || carol === undefined) throw new Error('devices');
    const distributionId = newDistributionId();
    await distribute(alice, distributionId, [bob]);
    await distribute(carol, distributionId, [bob]);
    const message = await alice.group.encrypt(distributionId, utf8('once'));
    expect(fromUtf8(await bob.group.decrypt(alice.address, message))).toBe('once');
    expect((await rejection(bob.group.decrypt(alice.address, message))).code).toBe(CryptoErrorCode.DuplicateMessage);

    const next = await alice.group.encrypt(distributionId, utf8('signed'));
    const tampered = next.slice();
    tampered[tampered.length - 70] = (tampered[tampered.length - 70] ?? 0) ^ 0x04;
    expect((await rejection(bob.group.decrypt(alice.address, tampered))).code).toBe(CryptoErrorCode.InvalidMessage);
    // Claimed as Carol's (who also has a chain under this id): Carol has no chain with
    // that chain id, so there is no key to even try, let alone accept it.
    expect((await rejection(bob.group.decrypt(carol.address, next))).code).toBe(CryptoErrorCode.NoSenderKey);
    expect(fromUtf8(await bob.group.decrypt(alice.address, next))).toBe('signed');

    expect((await rejection(alice.group.encrypt('not-a-uuid', utf8('x')))).code).toBe(CryptoErrorCode.InvalidEncoding);
    expect((await rejection(bob.group.processDistributionMessage(alice.address, utf8('junk')))).code).toBe(
      CryptoErrorCode.InvalidMessage,
    );
  });
});
