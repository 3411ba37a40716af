/**
 * POST /v1/messages/multi-recipient against a real relay, with real
 * libsignal clients: one sender seals each group message once for every
 * member device (Sealed Sender v2); the relay splits it into one sealed
 * envelope per device, commits them all or none and answers after the
 * commit. Each member gets its part live or later from its queue and opens
 * it to the sender-key message and the text. Refusals: access keys (per
 * recipient, as 1:1 sends), devices (every recipient's missing, extra and
 * stale devices at once), a full queue anywhere, an upload for other
 * accounts than named, a malformed or oversized upload. Nothing of a refused
 * send is stored, and the relay logs no recipient.
 */
import { type Bytes, type DeviceAddress, serviceIdFor } from '@parley/crypto-core';
import { type Envelope, multiRecipientSendResponseSchema, parseWire } from '@parley/crypto-core/wire';
import {
  type AccessKeys,
  connect,
  type DeviceSocket,
  errorOf,
  fetchTrustRoot,
  GroupSender,
  httpOf,
  newAccessKey,
  openGroupEnvelope,
  payload,
  postMultiRecipient,
  type RegisteredDevice,
  type RelayHttp,
  RelayProcess,
  registerAccessKeys,
  registerDevice,
  TestDevice,
} from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let relay: RelayProcess;
let http: RelayHttp;
let trustRoot: Bytes;
/** Every recipient account the tests made, to look for in the relay's log. */
const recipientAccounts: string[] = [];

beforeAll(async () => {
  relay = await RelayProcess.start({
    // Debug level: refusals are logged too, with their reasons.
    args: [
      '--max-queue-envelopes',
      '100',
      '--max-envelope-size',
      '16KiB',
      '--send-burst',
      '1000',
      '--log-level',
      'debug',
    ],
  });
  http = httpOf(relay);
  trustRoot = await fetchTrustRoot(http);
});

afterAll(async () => {
  await relay?.dispose();
});

interface Member {
  readonly accountId: string;
  readonly devices: readonly RegisteredDevice[];
  /** Null for an account that predates access keys. */
  readonly keys: AccessKeys | null;
}

async function newMember(deviceCount = 1, withKeys = true): Promise<Member> {
  const first = await registerDevice(http);
  const devices = [first];
  for (let deviceId = 2; deviceId <= deviceCount; deviceId++) {
    devices.push(await registerDevice(http, { identity: first.device.identity, deviceId }));
  }
  const keys = withKeys ? await registerAccessKeys(http, first.token) : null;
  recipientAccounts.push(first.device.accountId);
  return { accountId: first.device.accountId, devices, keys };
}

interface Group {
  readonly sender: GroupSender;
  readonly members: readonly Member[];
  /** Every member device, as the sender's sessions address them. */
  readonly addresses: readonly DeviceAddress[];
}

/** Alice and members with these device counts; she holds sessions with all and has distributed her chain. */
async function newGroup(deviceCounts: readonly number[]): Promise<Group> {
  const sender = await GroupSender.create(http, await registerDevice(http));
  const members = await Promise.all(deviceCounts.map((count) => newMember(count)));
  const addresses: DeviceAddress[] = [];
  for (const member of members) {
    addresses.push(...(await sender.startSessions(http, member.accountId, member.keys?.contactKey)));
  }
  await sender.distributeTo(members.flatMap((member) => member.devices.map((registered) => registered.device)));
  return { sender, members, addresses };
}

/** The request's recipients: each member with its contact key (or `key(member)`). */
function named(members: readonly Member[], key = (member: Member) => member.keys?.contactKey) {
  return members.map((member) => ({ accountId: member.accountId, accessKey: key(member) }));
}

async function connected(registered: RegisteredDevice): Promise<DeviceSocket> {
  const socket = await connect(relay, registered.token);
  await socket.waitFor(() => socket.queueEmptyCount === 1, 10_000, 'the first drain');
  return socket;
}

/** What is queued for the device now (fetching acks it, as a client does). */
async function queuedFor(registered: RegisteredDevice): Promise<Envelope[]> {
  const socket = await connected(registered);
  socket.close();
  return socket.received;
}

async function expectNothingStored(members: readonly Member[]): Promise<void> {
  for (const member of members) {
    for (const registered of member.devices) expect(await queuedFor(registered)).toEqual([]);
  }
}

describe('delivery', () => {
  it('reaches every device of four members once: live where connected, from the queue later; each opens it', async () => {
    const { sender, members, addresses } = await newGroup([2, 1, 1, 1]);
    const [bob, carol, dave, erin] = members as [Member, Member, Member, Member];
    const online = [...bob.devices, ...carol.devices, ...dave.devices];
    const sockets = await Promise.all(online.map(connected));
    try {
      const result = await postMultiRecipient(
        http,
        GroupSender.request(await sender.upload('hello group', addresses), named(members)),
        sender.member.token,
      );
      expect(result.status).toBe(200);
      const answer = parseWire(multiRecipientSendResponseSchema, result.body, 'multi-recipient answer');
      expect(answer.envelopes.map(({ accountId, deviceId }) => [accountId, deviceId])).toEqual(
        addresses.map(({ accountId, deviceId }) => [accountId, deviceId]),
      );
      for (const [index, socket] of sockets.entries()) {
        await socket.waitFor(() => socket.received.length === 1, 10_000, 'the live envelope');
        const envelope = socket.received[0] as Envelope;
        const registered = online[index] as RegisteredDevice;
        expect(envelope).toMatchObject({ type: 'sealed', destinationDeviceId: registered.device.deviceId });
        expect(envelope.source).toBeUndefined();
        expect(envelope.serverTimestamp).toBe(answer.serverTimestamp);
        const own = answer.envelopes.find((entry) => entry.envelopeId === envelope.id);
        expect(own).toEqual({
          accountId: registered.device.accountId,
          deviceId: registered.device.deviceId,
          envelopeId: envelope.id,
        });
        const opened = await openGroupEnvelope(registered.device, trustRoot, envelope);
        expect(opened.text).toBe('hello group');
        expect(opened.sealed).toMatchObject({ sender: sender.member.device.address, groupId: sender.groupId });
      }

      // Without a token: each recipient's access key is the capability, and no sender is recorded.
      const anonymous = await postMultiRecipient(
        http,
        GroupSender.request(
          await sender.upload('second', addresses),
          named(members, (m) => m.keys?.codeKey),
        ),
      );
      expect(anonymous.status).toBe(200);
      for (const [index, socket] of sockets.entries()) {
        await socket.waitFor(() => socket.received.length === 2, 10_000, 'the second envelope');
        const registered = online[index] as RegisteredDevice;
        expect((await openGroupEnvelope(registered.device, trustRoot, socket.received[1] as Envelope)).text).toBe(
          'second',
        );
      }

      // Typing: pushed to the devices online now, never stored.
      const typing = GroupSender.request(await sender.upload('typing', addresses), named(members), true);
      expect((await postMultiRecipient(http, typing, sender.member.token)).status).toBe(200);
      for (const socket of sockets) await socket.waitFor(() => socket.received.length === 3, 10_000, 'typing');
      expect(sockets.map((socket) => socket.received[2]?.ephemeral)).toEqual(online.map(() => true));
    } finally {
      for (const socket of sockets) socket.close();
    }

    // Erin was offline: both stored messages wait in her queue, the typing indicator does not.
    const later = await queuedFor(erin.devices[0] as RegisteredDevice);
    const texts = [];
    for (const envelope of later)
      texts.push((await openGroupEnvelope(erin.devices[0]?.device as TestDevice, trustRoot, envelope)).text);
    expect(texts).toEqual(['hello group', 'second']);
  });
});

describe('access keys, per recipient as for 1:1 sends', () => {
  it('refuses the whole send for one missing or wrong key, storing nothing', async () => {
    const { sender, members, addresses } = await newGroup([1, 1, 1]);
    const carol = members[1] as Member;
    const upload = await sender.upload('keys', addresses);
    const wrongForCarol = named(members, (member) => (member === carol ? newAccessKey() : member.keys?.contactKey));

    const anonymous = await postMultiRecipient(http, GroupSender.request(upload, wrongForCarol));
    expect(anonymous.status).toBe(401);
    expect(errorOf(anonymous)).toMatchObject({ code: 'ACCESS_DENIED', recipient: carol.accountId });

    const missing = await postMultiRecipient(
      http,
      GroupSender.request(
        upload,
        named(members, (member) => (member === carol ? undefined : member.keys?.codeKey)),
      ),
    );
    expect(missing.status).toBe(400);
    expect(errorOf(missing).code).toBe('BAD_REQUEST');

    const authenticated = await postMultiRecipient(
      http,
      GroupSender.request(upload, wrongForCarol),
      sender.member.token,
    );
    expect(authenticated.status).toBe(401);
    expect(errorOf(authenticated)).toMatchObject({ code: 'ACCESS_DENIED', recipient: carol.accountId });

    // An account not on this relay: UNKNOWN_ACCOUNT to an authenticated sender, ACCESS_DENIED to anyone else.
    const nobody = { accountId: 'b'.repeat(32), accessKey: newAccessKey() };
    const withNobody = GroupSender.request(upload, [...named(members), nobody]);
    expect(errorOf(await postMultiRecipient(http, withNobody, sender.member.token))).toMatchObject({
      code: 'UNKNOWN_ACCOUNT',
      recipient: nobody.accountId,
    });
    expect(errorOf(await postMultiRecipient(http, withNobody))).toMatchObject({
      code: 'ACCESS_DENIED',
      recipient: nobody.accountId,
    });

    await expectNothingStored(members);
  });

  it('lets an authenticated sender reach an account without keys, and nobody else', async () => {
    const { sender, members } = await newGroup([1]);
    const legacy = await newMember(1, false);
    const addresses = [
      ...(await sender.startSessions(http, (members[0] as Member).accountId, members[0]?.keys?.contactKey)),
      ...(await sender.startSessions(http, legacy.accountId)),
    ];
    const upload = await sender.upload('to a legacy account', addresses);
    const recipients = [...named(members), { accountId: legacy.accountId, accessKey: undefined }];
    const anonymous = await postMultiRecipient(
      http,
      GroupSender.request(
        upload,
        recipients.map((r) => ({ ...r, accessKey: r.accessKey ?? newAccessKey() })),
      ),
    );
    expect(errorOf(anonymous)).toMatchObject({ code: 'ACCESS_DENIED', recipient: legacy.accountId });
    expect((await postMultiRecipient(http, GroupSender.request(upload, recipients), sender.member.token)).status).toBe(
      200,
    );
    expect(await queuedFor(legacy.devices[0] as RegisteredDevice)).toHaveLength(1);
  });
});

describe('refusals', () => {
  it("answers DEVICE_MISMATCH with every recipient's missing, extra and stale devices, storing nothing", async () => {
    const { sender, members, addresses } = await newGroup([1, 1, 1]);
    const [bob, carol, dave] = members as [Member, Member, Member];
    // Bob has no device 2 on the relay, but the sender holds a session with one.
    const phantom = await TestDevice.create({ identity: bob.devices[0]?.device.identity, deviceId: 2 });
    const phantomBundle = {
      accountId: phantom.accountId,
      deviceId: 2,
      registrationId: phantom.identity.registrationId,
      identityKey: phantom.identityKey,
      signedPreKey: phantom.signedPreKey.wire,
      preKey: phantom.preKeys[0]?.wire ?? null,
      kyberPreKey: phantom.lastResortKyberPreKey.wire,
    };
    const phantomAddress = await sender.member.device.session.startSession(phantomBundle);
    // Carol adds a device; Dave's device 1 is registered again by another install with another registration id.
    await registerDevice(http, { identity: carol.devices[0]?.device.identity, deviceId: 2 });
    const daveIdentity = dave.devices[0]?.device.identity;
    if (daveIdentity === undefined) throw new Error('no dave');
    const registrationId = (daveIdentity.registrationId % 16000) + 1;
    await registerDevice(http, { identity: { ...daveIdentity, registrationId }, deviceId: 1 });

    const upload = await sender.upload('devices', [...addresses, phantomAddress]);
    const result = await postMultiRecipient(http, GroupSender.request(upload, named(members)), sender.member.token);
    expect(result.status).toBe(409);
    expect(errorOf(result)).toMatchObject({
      code: 'DEVICE_MISMATCH',
      mismatches: [
        { accountId: bob.accountId, missingDevices: [], extraDevices: [2], staleDevices: [] },
        { accountId: carol.accountId, missingDevices: [2], extraDevices: [], staleDevices: [] },
        { accountId: dave.accountId, missingDevices: [], extraDevices: [], staleDevices: [1] },
      ],
    });
    await expectNothingStored([bob, carol]);
  });

  it('refuses the whole send when one recipient’s queue is full: QUEUE_FULL naming it', async () => {
    const { sender, members, addresses } = await newGroup([2, 1]);
    const [bob, carol] = members as [Member, Member];
    const socket = await connect(relay, sender.member.token);
    try {
      // The relay keeps 100 envelopes a device: fill Carol's.
      for (let i = 0; i < 100; i++) {
        const sent = await socket.send({
          recipient: carol.accountId,
          accessKey: carol.keys?.contactKey,
          messages: [{ deviceId: 1, type: 'sealed', content: payload(`filler ${i}`) }],
        });
        expect(sent.ok).toBe(true);
      }
    } finally {
      socket.close();
    }
    const result = await postMultiRecipient(
      http,
      GroupSender.request(await sender.upload('no room', addresses), named(members)),
      sender.member.token,
    );
    expect(result.status).toBe(409);
    expect(errorOf(result)).toMatchObject({ code: 'QUEUE_FULL', recipient: carol.accountId, fullDevices: [1] });
    await expectNothingStored([bob]);
  });

  it('answers BAD_REQUEST when the named accounts are not the upload’s recipients, or the upload is malformed', async () => {
    const { sender, members, addresses } = await newGroup([1, 1, 1]);
    const [bob, carol, dave] = members as [Member, Member, Member];
    const toBobAndCarol = await sender.upload('two of three', addresses.slice(0, 2));
    for (const recipients of [[bob], [bob, carol, dave], [bob, dave], [bob, bob, carol]]) {
      const result = await postMultiRecipient(
        http,
        GroupSender.request(toBobAndCarol, named(recipients)),
        sender.member.token,
      );
      expect(result.status).toBe(400);
      expect(errorOf(result).code).toBe('BAD_REQUEST');
    }
    for (const broken of [payload('not an upload'), toBobAndCarol.slice(0, 40)]) {
      const result = await postMultiRecipient(
        http,
        GroupSender.request(broken, named([bob, carol])),
        sender.member.token,
      );
      expect(errorOf(result).code).toBe('BAD_REQUEST');
    }
    // Each recipient's part would be larger than this relay's 16 KiB envelopes.
    const large = await sender.upload('x'.repeat(17 * 1024), addresses);
    const tooLarge = await postMultiRecipient(http, GroupSender.request(large, named(members)), sender.member.token);
    expect(tooLarge.status).toBe(413);
    expect(errorOf(tooLarge).code).toBe('PAYLOAD_TOO_LARGE');
    await expectNothingStored(members);
  });

  it('logs no recipient: no account id or service id of one, refusals included', async () => {
    const lines = relay.logLines();
    expect(lines.some((line) => line.route === '/v1/messages/multi-recipient')).toBe(true);
    expect(lines.some((line) => line.msg === 'request refused')).toBe(true);
    const text = JSON.stringify(lines);
    expect(recipientAccounts.length).toBeGreaterThan(10);
    for (const accountId of recipientAccounts) {
      expect(text).not.toContain(accountId);
      expect(text).not.toContain(serviceIdFor(accountId));
    }
  });
});
