/**
 * Property test (seeded): 3 to 5 members act on a group concurrently, each on
 * its own view, while their messages arrive in random order. After every
 * message is delivered (answers included, which must stop by themselves),
 * every current member holds every change made and all of them fold to one
 * state, with an admin whenever someone is joined.
 */
import { type Random, seededRandom } from '@parley/test-support/fuzz';
import { describe, expect, it } from 'vitest';
import type { AccountId } from '../../src/address/account-id.js';
import type { GroupAction } from '../../src/group/change-schema.js';
import { GroupChangeSet } from '../../src/group/change-set.js';
import { foldGroup } from '../../src/group/fold.js';
import type { GroupState } from '../../src/group/state.js';
import { type Member, members } from './group-kit.js';
import { GroupNetwork } from './group-network.js';

const RUNS_PER_SIZE = 12;
const STEPS = 40;
const MAX_DELIVERIES = 20_000;
const MAX_SYNC_ROUNDS = 3;

function pick<T>(random: Random, items: readonly T[]): T | undefined {
  return items[Math.floor(random() * items.length)];
}

/** A random action `self` could want to make on the group as it sees it. */
function randomAction(random: Random, self: AccountId, state: GroupState, people: readonly Member[]) {
  const me = state.members.find((member) => member.accountId === self);
  if (me === undefined) return undefined;
  if (me.status === 'invited')
    return random() < 0.85
      ? ({ action: 'accept', profile: { relayUrl: 'http://r', accessKey: 'AAAAAAAAAAAAAAAAAAAAAA==' } } as const)
      : ({ action: 'decline' } as const);
  const others = state.members.filter((member) => member.accountId !== self);
  const outsiders = people.filter((person) => !state.members.some((member) => member.accountId === person.id));
  const roll = random();
  if (roll < 0.2) return { action: 'rename', name: `name ${Math.floor(random() * 1000)}` } as const;
  if (roll < 0.3) return { action: 'describe', description: `about ${Math.floor(random() * 1000)}` } as const;
  if (roll < 0.45) {
    const invitee = pick(random, outsiders);
    return invitee === undefined ? undefined : ({ action: 'invite', members: [invitee.ref()] } as const);
  }
  if (roll < 0.6 && me.role === 'admin') {
    const target = pick(random, others);
    return target === undefined ? undefined : ({ action: 'remove', members: [target.accountId] } as const);
  }
  if (roll < 0.75 && me.role === 'admin') {
    const target = pick(
      random,
      others.filter((member) => member.status === 'joined' && member.role === 'member'),
    );
    return target === undefined ? undefined : ({ action: 'promote', members: [target.accountId] } as const);
  }
  if (roll < 0.8) return { action: 'leave' } as const;
  return {
    action: 'update-profile',
    profile: { relayUrl: `http://r${Math.floor(random() * 9)}`, accessKey: me.accessKey },
  } as const;
}

/**
 * One run: random actions and deliveries, then every message delivered.
 * `loss` is the chance that a message is lost instead of delivered (an
 * envelope that expired on the relay), until the first drain is over.
 */
function runOnce(seed: number, size: number, loss: number) {
  const random = seededRandom(seed);
  // Two more people than the group starts with, to invite later.
  const people = members(size + 2, `simulation-${seed}`);
  const [founder, ...rest] = people as [Member, ...Member[]];
  const create = founder.create(rest.slice(0, size - 1));
  const network = new GroupNetwork(people, create.body.groupId);
  network.found(founder, create);
  let lossRate = loss;
  const deliverOne = () => {
    const index = Math.floor(random() * network.inFlight.length);
    if (random() < lossRate) network.inFlight.splice(index, 1);
    else network.deliver(index);
  };
  for (let step = 0; step < STEPS; step++) {
    if (network.inFlight.length > 0 && random() < 0.55) {
      deliverOne();
      continue;
    }
    const actor = pick(random, people) as Member;
    const state = network.stateOf(actor.id);
    const action = state === null ? undefined : randomAction(random, actor.id, state, people);
    if (action !== undefined) network.act(actor, action as Exclude<GroupAction, { action: 'create' }>);
  }
  const drain = () => {
    let deliveries = 0;
    while (network.inFlight.length > 0 && deliveries < MAX_DELIVERIES) {
      deliverOne();
      deliveries++;
    }
    expect(network.inFlight, 'responses must stop by themselves').toEqual([]);
  };
  drain();
  lossRate = 0;
  const laggingAfterDrain = lagging(network).length;
  // What a client does after a long time offline: tell the members it knows what it holds.
  let syncRounds = 0;
  while (lagging(network).length > 0 && syncRounds < MAX_SYNC_ROUNDS) {
    for (const person of people) if (network.stateOf(person.id) !== null) network.sync(person.id);
    drain();
    syncRounds++;
  }
  return { network, laggingAfterDrain, syncRounds };
}

/**
 * Current members (in the fold of every change made) that do not hold every
 * change made. A group whose last joined member left cannot bring its
 * remaining invitees up to date (nobody is left to tell them): there, only
 * they must agree among themselves.
 */
function lagging(network: GroupNetwork): AccountId[] {
  const everything = new GroupChangeSet(network.groupId, network.made);
  const current = (foldGroup(everything).state?.members ?? []).map((member) => member.accountId);
  const anyoneJoined = foldGroup(everything).state?.members.some((member) => member.status === 'joined') ?? false;
  const target = anyoneJoined || current.length === 0 ? everything : network.setOf(current[0] as AccountId);
  return current.filter((id) => network.setOf(id).ids().join() !== target.ids().join());
}

/** Runs RUNS_PER_SIZE seeded runs of `size` members and checks each one converged; returns totals. */
function checkRuns(size: number, loss: number) {
  const totals = { changes: 0, answers: 0, syncs: 0, laggingAfterDrain: 0, syncRounds: 0, mostSyncRounds: 0 };
  for (let run = 0; run < RUNS_PER_SIZE; run++) {
    const { network, laggingAfterDrain, syncRounds } = runOnce(
      0x9e0 + 97 * size + run + (loss > 0 ? 5000 : 0),
      size,
      loss,
    );
    expect(lagging(network), `run ${run}`).toEqual([]);
    const truth = foldGroup(new GroupChangeSet(network.groupId, network.made));
    expect(truth.state).not.toBeNull();
    const joined = truth.state?.members.filter((member) => member.status === 'joined') ?? [];
    for (const member of truth.state?.members ?? []) {
      const fold = foldGroup(network.setOf(member.accountId));
      if (joined.length > 0) expect(fold, `run ${run}`).toEqual(truth);
      else expect(fold.state?.members, `run ${run}`).toEqual(truth.state?.members);
    }
    if (joined.length > 0) expect(joined.some((member) => member.role === 'admin')).toBe(true);
    totals.changes += network.made.length;
    totals.answers += network.responses.answer;
    totals.syncs += network.responses.sync;
    totals.laggingAfterDrain += laggingAfterDrain;
    totals.syncRounds += syncRounds;
    totals.mostSyncRounds = Math.max(totals.mostSyncRounds, syncRounds);
  }
  console.log(`group simulation, ${size} members, loss ${loss}, ${RUNS_PER_SIZE} runs: ${JSON.stringify(totals)}`);
  // The runs must exercise concurrency and the responses, or this tests little.
  expect(totals.changes).toBeGreaterThan(RUNS_PER_SIZE * 8);
  expect(totals.answers).toBeGreaterThan(0);
  return totals;
}

describe('group convergence under random concurrency and delivery order (seeded)', () => {
  for (const size of [3, 4, 5]) {
    it(`${size} members: every current member ends with every change and the same state, no sync needed`, () => {
      expect(checkRuns(size, 0).laggingAfterDrain).toBe(0);
    });
  }

  it('4 members losing a fifth of their messages: a sync from each member brings everyone up to date', () => {
    const totals = checkRuns(4, 0.2);
    expect(totals.laggingAfterDrain).toBeGreaterThan(0);
    expect(totals.syncRounds).toBeGreaterThan(0);
  });
});
