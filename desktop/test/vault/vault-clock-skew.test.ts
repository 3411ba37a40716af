/**
 * A machine whose clock is a day fast (or slow) still sends and receives
 * sealed messages: the vault judges its own sender certificate by the relay's
 * clock (learned when the certificate was issued) and a received one at the
 * envelope's server timestamp, not by its own clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRelay } from './support/test-relay.js';
import {
  call,
  connect,
  createParty,
  errorCodeOf,
  type Party,
  receive,
  removeTemporaryDirs,
  send,
  text,
  textBody,
} from './support/vault-harness.js';

const DAY = 24 * 60 * 60 * 1000;

afterAll(removeTemporaryDirs);

describe('sealed sender with a wrong clock', () => {
  const relay = new TestRelay();
  let fast: Party;
  let slow: Party;
  let right: Party;

  beforeAll(async () => {
    // Certificates live a day by the relay's clock: a day fast sees them expire at once.
    [fast, slow, right] = await Promise.all([
      createParty(relay, { now: () => Date.now() + DAY + 60_000 }),
      createParty(relay, { now: () => Date.now() - DAY }),
      createParty(relay),
    ]);
    await connect(relay, fast, right);
    await connect(relay, slow, right);
  });

  it('sends sealed from a clock a day fast, and a day slow', async () => {
    const fromFast = await send(relay, fast, right, text('from a day ahead'));
    expect(fromFast.map((envelope) => envelope.type)).toEqual(['sealed']);
    expect(textBody((await receive(relay, right, fromFast))[0])).toBe('from a day ahead');
    const fromSlow = await send(relay, slow, right, text('from a day behind'));
    expect(textBody((await receive(relay, right, fromSlow))[0])).toBe('from a day behind');
  });

  it('receives sealed on a clock a day fast, and a day slow', async () => {
    const toFast = await send(relay, right, fast, text('to a day ahead'));
    expect(toFast.map((envelope) => envelope.type)).toEqual(['sealed']);
    expect(textBody((await receive(relay, fast, toFast))[0])).toBe('to a day ahead');
    expect(textBody((await receive(relay, slow, await send(relay, right, slow, text('to a day behind'))))[0])).toBe(
      'to a day behind',
    );
    // And between the two wrong clocks, both ways.
    await connect(relay, fast, slow);
    expect(textBody((await receive(relay, slow, await send(relay, fast, slow, text('ahead to behind'))))[0])).toBe(
      'ahead to behind',
    );
    expect(textBody((await receive(relay, fast, await send(relay, slow, fast, text('behind to ahead'))))[0])).toBe(
      'behind to ahead',
    );
  });

  it('still refuses a certificate that expired by the relay’s clock, whatever the local one says', async () => {
    // Issued an hour ago for an hour: expired at the relay, though a clock a day slow would call it fresh.
    const issuedAt = relay.now() - 2 * 60 * 60 * 1000;
    const certificate = relay.senderCertificate(slow.address, issuedAt + 60 * 60 * 1000);
    expect(
      await errorCodeOf(slow.vault, 'setSenderCertificate', {
        relayUrl: relay.url,
        certificate: Buffer.from(certificate).toString('base64'),
        trustRoot: Buffer.from(relay.trustRoot.publicKey).toString('base64'),
        serverTime: relay.now(),
      }),
    ).toBe('INVALID_CERTIFICATE');
    // Sealed sending goes on with the certificate it had.
    expect(textBody((await receive(relay, right, await send(relay, slow, right, text('still sealed'))))[0])).toBe(
      'still sealed',
    );
    await Promise.all([fast, slow, right].map((party) => call(party.vault, 'lock', {})));
  });
});
