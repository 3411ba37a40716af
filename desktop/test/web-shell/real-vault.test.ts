/**
 * The web shell in front of the real Vault, end to end over the socket:
 * create an identity with a passphrase, status, lock and unlock with events,
 * and the vault's own errors arriving as Results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARGON2ID_INTERACTIVE } from '@parley/crypto-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Vault } from '../../src/vault/index.js';
import { type RunningWebShell, startWebShell } from '../../src/web-shell/web-shell.js';
import { createRendererFixture, type RendererFixture } from './support/renderer-fixture.js';
import { openReady, type TestSocket } from './support/socket-client.js';

const PASSPHRASE = 'correct horse battery staple';

let fixture: RendererFixture;
let profileDir: string;
let vault: Vault;
let shell: RunningWebShell;
let socket: TestSocket;

beforeAll(async () => {
  fixture = createRendererFixture();
  profileDir = mkdtempSync(join(tmpdir(), 'parley-web-shell-profile-'));
  vault = new Vault({ profileDir, keyProtection: 'passphrase', kdf: ARGON2ID_INTERACTIVE });
  shell = await startWebShell({ vault, rendererDir: fixture.rendererDir });
  socket = await openReady(shell);
});

afterAll(async () => {
  await socket?.close();
  await shell?.close();
  await vault?.lock({});
  rmSync(profileDir, { recursive: true, force: true });
  fixture?.remove();
});

describe('a page driving the real vault through the shell', () => {
  it('reads the status of an empty profile', async () => {
    expect(await socket.call('getStatus', {})).toEqual({
      ok: true,
      value: { state: 'no-identity', keyProtection: 'passphrase', account: null },
    });
  });

  it('gets NO_IDENTITY from the vault for calls that need one', async () => {
    const result = await socket.call('unlock', { passphrase: PASSPHRASE });
    expect(result).toMatchObject({ ok: false, error: { code: 'NO_IDENTITY' } });
  });

  it('creates an identity with a passphrase and is then unlocked', async () => {
    const created = await socket.call('createIdentity', { passphrase: PASSPHRASE });
    expect(created).toMatchObject({ ok: true, value: { deviceId: 1 } });
    const account = created.ok ? (created.value as { accountId: string }) : null;
    expect(account?.accountId).toMatch(/^[a-z2-7]{32}$/);
    expect(await socket.call('getStatus', {})).toMatchObject({
      ok: true,
      value: { state: 'unlocked', keyProtection: 'passphrase', account: { accountId: account?.accountId } },
    });
  });

  it('refuses a second identity with IDENTITY_EXISTS', async () => {
    expect(await socket.call('createIdentity', { passphrase: PASSPHRASE })).toMatchObject({
      ok: false,
      error: { code: 'IDENTITY_EXISTS' },
    });
  });

  it('locks, sends the locked event, and answers LOCKED while locked', async () => {
    expect(await socket.call('lock', {})).toEqual({ ok: true, value: null });
    await socket.frame((frame) => typeof frame === 'object' && frame !== null && 'event' in frame);
    expect(socket.events()).toEqual([{ event: 'locked', payload: {} }]);
    expect(await socket.call('getStatus', {})).toMatchObject({ ok: true, value: { state: 'locked' } });
    expect(await socket.call('getDataKey', {})).toMatchObject({ ok: false, error: { code: 'LOCKED' } });
  });

  it('refuses a wrong passphrase and unlocks with the right one', async () => {
    const wrong = await socket.call('unlock', { passphrase: 'wrong passphrase' });
    expect(wrong.ok).toBe(false);
    expect(wrong.ok ? null : wrong.error.code).toBe('BAD_PASSPHRASE');
    expect(await socket.call('unlock', { passphrase: PASSPHRASE })).toMatchObject({ ok: true });
    expect(await socket.call('getStatus', {})).toMatchObject({ ok: true, value: { state: 'unlocked' } });
    const dataKey = await socket.call('getDataKey', {});
    expect(dataKey).toMatchObject({ ok: true });
  });

  it('answers INVALID_ARGUMENT and UNKNOWN_METHOD before the real vault sees the call', async () => {
    expect(await socket.call('unlock', { passphrase: 42 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(await socket.call('exportPrivateKeys', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    // Still unlocked: the malformed unlock never reached the vault.
    expect(await socket.call('getStatus', {})).toMatchObject({ ok: true, value: { state: 'unlocked' } });
  });
});
