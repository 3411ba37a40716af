/** The command line: --help through the real bin, flag errors, and how flags, environment and defaults combine. */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inviteCodeHash } from '../src/auth/invites.js';
import {
  ConfigError,
  DEFAULT_PORT,
  helpText,
  OPTIONS,
  parseDuration,
  parseSize,
  resolveConfig,
} from '../src/config.js';
import { SqliteRelayStore } from '../src/storage/sqlite-store.js';
import { newIdentity, registration } from './storage/store-fixtures.js';

const BIN = fileURLToPath(new URL('../bin/parley-relay.mjs', import.meta.url));

function runBin(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PARLEY_RELAY_FROM_SOURCE: '1' },
    timeout: 30_000,
  });
}

describe('parley-relay command', () => {
  it('--help lists every flag with its environment variable and default, and exits 0', () => {
    const result = runBin(['--help']);
    expect(result.status).toBe(0);
    for (const spec of Object.values(OPTIONS)) {
      expect(result.stdout).toContain(`--${spec.flag}`);
      expect(result.stdout).toContain(spec.env);
      expect(result.stdout).toContain(`default ${spec.defaultText}`);
    }
    // The relay listens on loopback by default: registration is open there.
    expect(result.stdout).toBe(helpText('open'));
  });

  it('--help names the registration policy the flags and environment come to', () => {
    const result = runBin(['--host', '0.0.0.0', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(helpText('invite'));
    expect(result.stdout).toContain('Registration policy with these flags and this environment: invite.');
  });

  it('invite makes one-time codes in the data folder, also while another process has it open', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-relay-invite-'));
    try {
      const holder = new SqliteRelayStore({ dataDir });
      await holder.init();
      try {
        const made = runBin(['invite', '--count', '3', '--data-dir', dataDir, '--invite-ttl', '2d']);
        expect(made.status, made.stderr).toBe(0);
        const codes = made.stdout.trim().split('\n');
        // Neither the codes nor their normalized form are in the database, only their hashes.
        const files = await Promise.all(
          ['relay.sqlite', 'relay.sqlite-wal'].map((file) => readFile(join(dataDir, file))),
        );
        for (const code of codes) {
          for (const form of [code, code.replaceAll('-', '')]) {
            expect(files.some((bytes) => bytes.includes(Buffer.from(form)))).toBe(false);
          }
        }
        expect(codes).toHaveLength(3);
        for (const code of codes) expect(code).toMatch(/^[a-z2-7]{5}(-[a-z2-7]{5}){3}$/);
        expect(new Set(codes).size).toBe(3);
        expect(made.stderr).toContain('each good for one new account until');
        // The relay in this folder would run on loopback with registration open: the command says codes are moot.
        expect(made.stderr).toContain('registration policy "open"');
        // Only hashes are stored, and each code admits one new account.
        const code = codes[0] ?? '';
        const invite = { policy: 'invite', inviteCodeHash: inviteCodeHash(code.toUpperCase()) } as const;
        const rules = { admission: invite, preKeyLimits: { maxPreKeys: 500, maxKyberPreKeys: 500 } };
        expect(await holder.registerDevice(registration(newIdentity(), { now: Date.now() }), rules)).toMatchObject({
          takenOver: false,
        });
        await expect(
          holder.registerDevice(registration(newIdentity(), { now: Date.now() }), rules),
        ).rejects.toMatchObject({
          code: 'INVITE_INVALID',
        });
      } finally {
        await holder.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('invite refuses a bad count and a memory store with exit 2', () => {
    const zero = runBin(['invite', '--count', '0']);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toContain('--count must be a whole number from 1 to 1000');
    const memory = runBin(['invite', '--store', 'memory']);
    expect(memory.status).toBe(2);
    expect(memory.stderr).toContain('--store memory keeps none');
  });

  it('refuses a bad value or an unknown flag with exit 2 and says why', () => {
    const bad = runBin(['--port', 'eighty']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--port must be a whole number');
    const unknown = runBin(['--colour', 'blue']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('--colour');
    const notUrl = runBin(['--public-url', 'https://relay.example.org', '--public-url', 'relay.example.org']);
    expect(notUrl.status).toBe(2);
    expect(notUrl.stderr).toContain('--public-url must be http(s) URLs');
  });
});

describe('configuration', () => {
  it('uses the documented defaults', () => {
    const config = resolveConfig({}, {}, '/srv/relay');
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: DEFAULT_PORT,
      dataDir: '/srv/relay/.data/relay',
      blobDir: '/srv/relay/.data/relay/blobs',
      store: 'sqlite',
      sqliteSynchronous: 'FULL',
      logLevel: 'info',
      envelopeTtlMs: 30 * 86_400_000,
      challengeTtlMs: 60_000,
      tokenTtlMs: 15 * 60_000,
      senderCertificateTtlMs: 86_400_000,
      maxEnvelopeBytes: 80 * 1024,
      sendRate: { perSecond: 30, burst: 300 },
      trustProxy: false,
      publicUrls: [],
      registration: 'open',
      registrationIsDefault: true,
      inviteTtlMs: 7 * 86_400_000,
      maxQueueEnvelopes: 20_000,
      maxQueueBytes: 100 * 1024 * 1024,
      maxAttachmentBytes: 100 * 1024 * 1024,
      dailySendBytes: 512 * 1024 * 1024,
      maxPreKeys: 500,
      maxKyberPreKeys: 500,
      preKeyUploadRate: { perSecond: 10 / 60, burst: 20 },
      ackRate: { perSecond: 200, burst: 2000 },
      unknownEventRate: { perSecond: 1 / 60, burst: 10 },
      maxConnectionsPerIp: 256,
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 72_000,
    });
  });

  it('defaults to invite registration when the relay is reachable beyond loopback, and to open otherwise', () => {
    const policy = (flags: Parameters<typeof resolveConfig>[0]) => resolveConfig(flags, {}, '/x').registration;
    expect(policy({})).toBe('open');
    expect(policy({ host: 'localhost' })).toBe('open');
    expect(policy({ host: '::1', publicUrls: ['http://127.0.0.1:7447'] })).toBe('open');
    expect(policy({ host: '0.0.0.0' })).toBe('invite');
    expect(policy({ host: '192.168.1.20' })).toBe('invite');
    // Behind a TLS proxy the relay listens on loopback, but it is reachable: the public URL or --trust-proxy says so.
    expect(policy({ publicUrls: ['https://relay.example.org'] })).toBe('invite');
    expect(policy({ trustProxy: true })).toBe('invite');
    // An explicit choice wins either way.
    expect(policy({ host: '0.0.0.0', registration: 'open' })).toBe('open');
    expect(resolveConfig({}, { PARLEY_RELAY_REGISTRATION: 'Closed' }, '/x')).toMatchObject({
      registration: 'closed',
      registrationIsDefault: false,
    });
    expect(() => policy({ registration: 'friends' })).toThrow(/--registration must be one of open, invite, closed/);
  });

  it('refuses a headers timeout longer than the request timeout, and limits below what one send needs', () => {
    expect(() => resolveConfig({ requestTimeoutMs: '5s', headersTimeoutMs: '10s' }, {}, '/x')).toThrow(
      /--headers-timeout must not be longer than --request-timeout/,
    );
    expect(() => resolveConfig({ dailySendBytes: '1MiB' }, {}, '/x')).toThrow(/--daily-send-quota/);
    expect(() => resolveConfig({ maxPreKeys: '100' }, {}, '/x')).toThrow(/--max-prekeys must be between 200/);
    expect(resolveConfig({ maxQueueBytes: '1GiB' }, {}, '/x').maxQueueBytes).toBe(1024 ** 3);
  });

  it('takes public URLs from repeated flags or a comma-separated variable, canonical and without duplicates', () => {
    const fromFlags = resolveConfig(
      { publicUrls: ['HTTPS://Relay.Example.org:443/', 'https://relay.example.org', 'http://10.0.0.5:7447/parley/'] },
      {},
      '/x',
    );
    expect(fromFlags.publicUrls).toEqual(['https://relay.example.org', 'http://10.0.0.5:7447/parley']);
    const env = { PARLEY_RELAY_PUBLIC_URL: 'https://a.example.org, https://b.example.org/,' };
    expect(resolveConfig({}, env, '/x').publicUrls).toEqual(['https://a.example.org', 'https://b.example.org']);
    // A flag replaces the variable, as for every option; commas work in a flag too.
    expect(resolveConfig({ publicUrls: 'https://c.example.org,https://d.example.org' }, env, '/x').publicUrls).toEqual([
      'https://c.example.org',
      'https://d.example.org',
    ]);
  });

  it('refuses public URLs clients could not sign for', () => {
    for (const bad of [
      'relay.example.org',
      'ftp://relay.example.org',
      'https://me:pw@relay.example.org',
      'https://r/?x',
      ',',
    ]) {
      expect(() => resolveConfig({ publicUrls: [bad] }, {}, '/x')).toThrow(/--public-url/);
    }
    expect(() => resolveConfig({}, { PARLEY_RELAY_PUBLIC_URL: 'https://ok.example, nope' }, '/x')).toThrow(
      /PARLEY_RELAY_PUBLIC_URL must be http\(s\) URLs/,
    );
  });

  it('takes the environment, and flags over the environment', () => {
    const env = { PARLEY_RELAY_PORT: '9000', PARLEY_RELAY_LOG_LEVEL: 'warn', PARLEY_RELAY_ENVELOPE_TTL: '7d' };
    const fromEnv = resolveConfig({}, env, '/x');
    expect(fromEnv).toMatchObject({ port: 9000, logLevel: 'warn', envelopeTtlMs: 7 * 86_400_000 });
    const fromFlag = resolveConfig({ port: '9100', trustProxy: true }, env, '/x');
    expect(fromFlag).toMatchObject({ port: 9100, logLevel: 'warn', trustProxy: true });
  });

  it('resolves the data folder against where the command was typed (INIT_CWD under npm)', () => {
    expect(resolveConfig({ dataDir: 'data' }, { INIT_CWD: '/home/me' }, '/repo/relay-server').dataDir).toBe(
      '/home/me/data',
    );
    expect(resolveConfig({}, { INIT_CWD: '/home/me' }, '/repo/relay-server').dataDir).toBe('/home/me/.data/relay');
  });

  it('puts blobs in the data folder unless --blob-dir names another folder', () => {
    expect(resolveConfig({ dataDir: 'data' }, { INIT_CWD: '/home/me' }, '/x').blobDir).toBe('/home/me/data/blobs');
    expect(resolveConfig({ blobDir: 'shared' }, { INIT_CWD: '/home/me' }, '/x').blobDir).toBe('/home/me/shared');
    expect(resolveConfig({}, { PARLEY_RELAY_BLOB_DIR: '/srv/blobs' }, '/x').blobDir).toBe('/srv/blobs');
    expect(resolveConfig({}, { PARLEY_RELAY_MAX_ATTACHMENT_BYTES: '20MiB' }, '/x').maxAttachmentBytes).toBe(
      20 * 1024 ** 2,
    );
    expect(() => resolveConfig({ maxAttachmentBytes: '3GiB' }, {}, '/x')).toThrow(/--max-attachment-bytes/);
  });

  it('refuses values out of range, naming the source', () => {
    expect(() => resolveConfig({ maxEnvelopeBytes: '1MiB' }, {}, '/x')).toThrow(ConfigError);
    expect(() => resolveConfig({}, { PARLEY_RELAY_SQLITE_SYNCHRONOUS: 'OFF' }, '/x')).toThrow(
      /PARLEY_RELAY_SQLITE_SYNCHRONOUS must be one of/,
    );
    expect(() => resolveConfig({ tokenTtlMs: 'soon' }, {}, '/x')).toThrow(/--token-ttl/);
  });

  it('parses durations and sizes', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseSize('64KiB')).toBe(65_536);
    expect(parseSize('2mib')).toBe(2 * 1024 * 1024);
    expect(parseSize('100')).toBe(100);
    expect(parseSize('1GB')).toBeUndefined();
  });
});
