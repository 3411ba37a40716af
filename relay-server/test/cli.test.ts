/** The command line: --help through the real bin, flag errors, and how flags, environment and defaults combine. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_PORT,
  helpText,
  OPTIONS,
  parseDuration,
  parseSize,
  resolveConfig,
} from '../src/config.js';

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
    expect(result.stdout).toBe(helpText());
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
    });
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
