import { mutateValue, randomValue, seededRandom } from '@parley/test-support/fuzz';
import { describe, expect, it } from 'vitest';
import { toBase64 } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';
import * as wire from '../src/wire/index.js';

const b64 = (length: number, fill = 1) => toBase64(new Uint8Array(length).fill(fill));
const identityKey = (() => {
  const key = new Uint8Array(33).fill(4);
  key[0] = 5;
  return key;
})();
const accountId = wire.accountIdFromIdentityKey(identityKey);
const ecKey = b64(33, 5);
const signedPreKey = { keyId: 1, publicKey: ecKey, signature: b64(64) };
const kyberPreKey = { keyId: 2, publicKey: b64(1569), signature: b64(64) };

const validSamples = {
  challengeRequest: [wire.challengeRequestSchema, { accountId, deviceId: 1 }],
  register: [
    wire.registerRequestSchema,
    {
      accountId,
      deviceId: 1,
      installationId: b64(16),
      registrationId: 77,
      identityKey: toBase64(identityKey),
      challenge: b64(32),
      signature: b64(64),
      signedPreKey,
      lastResortKyberPreKey: kyberPreKey,
      preKeys: [{ keyId: 3, publicKey: ecKey }],
      kyberPreKeys: [kyberPreKey],
    },
  ],
  token: [
    wire.tokenRequestSchema,
    { accountId, deviceId: 2, installationId: b64(16), challenge: b64(32), signature: b64(64) },
  ],
  bundle: [
    wire.preKeyBundleSchema,
    {
      accountId,
      deviceId: 1,
      registrationId: 9,
      identityKey: toBase64(identityKey),
      signedPreKey,
      preKey: null,
      kyberPreKey,
    },
  ],
  send: [
    wire.sendRequestSchema,
    { recipient: accountId, messages: [{ deviceId: 1, type: 'prekey', content: b64(600) }], ephemeral: false },
  ],
  envelope: [
    wire.envelopeSchema,
    {
      id: '01890a5d-ac96-774b-bcce-b302099a8057',
      type: 'message',
      source: { accountId, deviceId: 1 },
      destinationDeviceId: 2,
      content: b64(100),
      serverTimestamp: 1_700_000_000_000,
    },
  ],
  ack: [wire.ackRequestSchema, { envelopeIds: ['01890a5d-ac96-774b-bcce-b302099a8057'] }],
  socketAuth: [wire.socketAuthSchema, { token: 'abc', wireVersion: 1 }],
  sendResult: [
    wire.sendResultSchema,
    { ok: false, error: { code: 'DEVICE_MISMATCH', message: 'x', missingDevices: [2] } },
  ],
  error: [wire.errorResponseSchema, { error: { code: 'RATE_LIMITED', message: 'slow down', retryAfter: 3 } }],
  queueFull: [
    wire.sendResultSchema,
    { ok: false, error: { code: 'QUEUE_FULL', message: 'full', recipient: accountId, fullDevices: [1, 3] } },
  ],
  registrationInfo: [wire.registrationInfoResponseSchema, { policy: 'invite' }],
} as const;

describe('wire schemas', () => {
  it.each(Object.entries(validSamples))('accept a valid %s', (_name, [schema, sample]) => {
    expect(() => wire.parseWire(schema, sample, 'sample')).not.toThrow();
  });

  it('refuse unknown fields, so a client cannot smuggle a sender into a send', () => {
    const [schema, sample] = validSamples.send;
    expect(() => wire.parseWire(schema, { ...sample, source: { accountId, deviceId: 1 } }, 'send')).toThrowError(
      expect.objectContaining({ code: CryptoErrorCode.InvalidWireMessage }),
    );
  });

  it('refuse a send that addresses one device twice', () => {
    const message = { deviceId: 1, type: 'message', content: b64(10) };
    expect(() =>
      wire.parseWire(wire.sendRequestSchema, { recipient: accountId, messages: [message, message] }, 'send'),
    ).toThrow(/each device may be addressed once/);
  });

  it('refuse an upload or registration that names one prekey id twice', () => {
    const twice = {
      preKeys: [
        { keyId: 3, publicKey: ecKey },
        { keyId: 3, publicKey: b64(33, 6) },
      ],
    };
    expect(() => wire.parseWire(wire.preKeyUploadSchema, twice, 'upload')).toThrow(/preKeys: each key id/);
    const kyberTwice = { kyberPreKeys: [kyberPreKey, kyberPreKey] };
    expect(() => wire.parseWire(wire.preKeyUploadSchema, kyberTwice, 'upload')).toThrow(/kyberPreKeys: each key id/);
    const [schema, sample] = validSamples.register;
    expect(() => wire.parseWire(schema, { ...sample, ...twice }, 'register')).toThrow(/each key id may appear once/);
    // The same ids in the two kinds are separate id spaces.
    const both = { preKeys: [{ keyId: 2, publicKey: ecKey }], kyberPreKeys: [kyberPreKey] };
    expect(() => wire.parseWire(wire.preKeyUploadSchema, both, 'upload')).not.toThrow();
  });

  it('take an optional invite code at registration', () => {
    const [schema, sample] = validSamples.register;
    expect(wire.parseWire(schema, { ...sample, inviteCode: 'abcde-fghij' }, 'register').inviteCode).toBe('abcde-fghij');
    expect(() => wire.parseWire(schema, { ...sample, inviteCode: '' }, 'register')).toThrow(/inviteCode/);
    expect(() => wire.parseWire(schema, { ...sample, inviteCode: 'x'.repeat(65) }, 'register')).toThrow(/inviteCode/);
  });

  it('compute decoded base64 lengths from length and padding', () => {
    for (let length = 0; length < 12; length++) {
      const text = b64(length);
      expect(wire.base64DecodedLength(text)).toBe(length);
      expect(text.length).toBe(wire.base64Chars(length));
    }
  });

  it('check decoded byte lengths, not only the alphabet', () => {
    const [schema, sample] = validSamples.bundle;
    expect(() => wire.parseWire(schema, { ...sample, identityKey: b64(32) }, 'bundle')).toThrow(/identityKey/);
    expect(() =>
      wire.parseWire(schema, { ...sample, kyberPreKey: { ...kyberPreKey, signature: b64(63) } }, 'bundle'),
    ).toThrow(/signature/);
  });

  it('refuse non-canonical base64 and oversized envelopes', () => {
    const [schema, sample] = validSamples.envelope;
    expect(() => wire.parseWire(schema, { ...sample, content: 'AAAA\n' }, 'envelope')).toThrow(ParleyCryptoError);
    expect(() => wire.parseWire(schema, { ...sample, content: 'AA' }, 'envelope')).toThrow(ParleyCryptoError);
    const huge = b64(wire.MAX_ENVELOPE_CONTENT_BYTES + 1);
    expect(() => wire.parseWire(schema, { ...sample, content: huge }, 'envelope')).toThrow(ParleyCryptoError);
  });

  it('require a 16-byte installation id to register and to log in (docs/protocol.md §3.1)', () => {
    for (const [schema, sample] of [validSamples.register, validSamples.token]) {
      const { installationId: _omitted, ...without } = sample;
      expect(() => wire.parseWire(schema, without, 'request')).toThrow(/installationId/);
      expect(() => wire.parseWire(schema, { ...sample, installationId: b64(15) }, 'request')).toThrow(/installationId/);
      expect(() => wire.parseWire(schema, { ...sample, installationId: b64(32) }, 'request')).toThrow(/installationId/);
    }
  });

  it('bound device ids, key ids and registration ids to what libsignal accepts', () => {
    expect(wire.deviceIdSchema.safeParse(0).success).toBe(false);
    expect(wire.deviceIdSchema.safeParse(128).success).toBe(false);
    expect(wire.preKeyIdSchema.safeParse(0x1000000).success).toBe(false);
    expect(wire.registrationIdSchema.safeParse(0x4000).success).toBe(false);
    expect(wire.deviceIdSchema.safeParse(1.5).success).toBe(false);
  });

  it('sign domain-separated challenge bytes', () => {
    const challenge = new Uint8Array(32).fill(9);
    const relay = 'https://relay.example.org';
    const login = wire.authSignedMessage('token', relay, accountId, 1, challenge);
    const register = wire.authSignedMessage('register', relay, accountId, 1, challenge);
    expect(new TextDecoder().decode(login.subarray(0, 20))).toBe('parley-auth-v1\u0000token');
    expect(login).not.toEqual(register);
    expect(login.subarray(login.length - 32)).toEqual(challenge);
  });

  it('lay out the signed bytes exactly as docs/protocol.md §3 says, relay URL right after the purpose', () => {
    const challenge = new Uint8Array(32).fill(9);
    const signed = wire.authSignedMessage('token', 'https://relay.example.org', accountId, 7, challenge);
    const text = `parley-auth-v1\u0000token\u0000https://relay.example.org\u0000${accountId}\u00007\u0000`;
    const prefix = new TextEncoder().encode(text);
    expect(signed).toHaveLength(prefix.length + 32);
    expect(signed.subarray(0, prefix.length)).toEqual(prefix);
    expect(signed.subarray(prefix.length)).toEqual(challenge);
  });

  it('bind the signed bytes to the canonical relay URL', () => {
    const challenge = new Uint8Array(32).fill(9);
    const sign = (relay: string) => wire.authSignedMessage('token', relay, accountId, 1, challenge);
    // Spellings of one relay sign the same bytes: client and relay canonicalise alike.
    expect(sign('HTTPS://Relay.Example.ORG:443/')).toEqual(sign('https://relay.example.org'));
    expect(sign('http://127.0.0.1:7447/')).toEqual(sign('http://127.0.0.1:7447'));
    // Another relay, port, scheme or path is another message.
    const reference = sign('https://relay.example.org');
    for (const other of [
      'https://evil.example.org',
      'https://relay.example.org:8443',
      'http://relay.example.org',
      'https://relay.example.org/parley',
    ]) {
      expect(sign(other)).not.toEqual(reference);
    }
    // Loopback aliases are one relay (protocol §2): a client that logs in through localhost signs the 127.0.0.1 URL.
    expect(sign('http://localhost:7447')).toEqual(sign('http://127.0.0.1:7447'));
    expect(sign('http://[::1]:7447/')).toEqual(sign('http://127.0.0.1:7447'));
    expect(sign('http://127.0.0.2:7447')).not.toEqual(sign('http://127.0.0.1:7447'));
    expect(sign('https://localhost:7447')).not.toEqual(sign('http://127.0.0.1:7447'));
  });

  it('refuse a relay URL that is not one (typed error)', () => {
    const challenge = new Uint8Array(32);
    for (const bad of [
      '',
      'relay.example.org',
      'ftp://relay.example.org',
      'https://u:p@relay.example.org',
      'https://r/?q',
    ]) {
      let caught: unknown;
      try {
        wire.authSignedMessage('token', bad, accountId, 1, challenge);
      } catch (error) {
        caught = error;
      }
      expect(ParleyCryptoError.is(caught, CryptoErrorCode.InvalidContactCode)).toBe(true);
    }
  });
});

describe('wire parsers under fuzzing', () => {
  it.each(Object.entries(validSamples))(
    '%s: random and mutated inputs give typed errors only',
    (name, [schema, sample]) => {
      const random = seededRandom(name.length * 7919);
      let accepted = 0;
      for (let i = 0; i < 3000; i++) {
        const input = i % 2 === 0 ? randomValue(random) : mutateValue(random, sample);
        try {
          wire.parseWire(schema, input, name);
          accepted++;
        } catch (error) {
          expect(ParleyCryptoError.is(error, CryptoErrorCode.InvalidWireMessage)).toBe(true);
        }
      }
      // Mutations that only touch optional parts may still be valid; most must not be.
      expect(accepted).toBeLessThan(3000);
    },
  );

  it('contact codes, account ids and base64: typed errors only', () => {
    const random = seededRandom(42);
    const code = wire.formatContactCode({ accountId, relayUrl: 'https://relay.example.org' });
    for (let i = 0; i < 5000; i++) {
      const input = i % 2 === 0 ? randomValue(random) : mutateValue(random, code);
      for (const parse of [wire.parseContactCode, wire.parseAccountId]) {
        try {
          parse(input);
        } catch (error) {
          expect(ParleyCryptoError.is(error)).toBe(true);
        }
      }
    }
  });
});
