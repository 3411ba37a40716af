/**
 * Main's gate for relays: the page may have a relay checked (main makes the
 * one bounded request itself) but may reach one only after the user confirms
 * it in a dialog main shows; the allow-list is bounded and never evicts what
 * the user confirmed. Against a recorded fake of electron (support/).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../../src/common/preload-api.js';
import { MAX_ALLOWED_RELAYS } from '../../src/main/allowed-relays.js';
import type { FakeElectron } from './support/fake-electron.js';
import { appServer, eventFrom, handler, MainLauncher, RELAY, requestFilter } from './support/main-launch.js';

let main: MainLauncher;
/** A relay's health answer on 127.0.0.1 (port 0), for the check main makes itself. */
let healthyRelay: string;
let healthServer: Server;
const originalArgv = process.argv;

beforeAll(async () => {
  main = new MainLauncher(mkdtempSync(join(tmpdir(), 'parley-electron-relay-gate-')));
  healthServer = createServer((request, response) => {
    if (request.url !== '/healthz') response.writeHead(404).end();
    else response.writeHead(200).end(JSON.stringify({ status: 'ok', version: '0.9.0', wireVersion: 1 }));
  });
  await new Promise<void>((resolve) => healthServer.listen(0, '127.0.0.1', resolve));
  healthyRelay = `http://127.0.0.1:${(healthServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  process.argv = originalArgv;
  vi.doUnmock('electron');
  await new Promise((resolve) => healthServer.close(resolve));
  rmSync(main.root, { recursive: true, force: true });
});

describe("main's relay gate", () => {
  let fake: FakeElectron;
  let profile: string;
  beforeAll(async () => {
    ({ fake, profile } = await main.launch());
  });

  it('checks a relay from main without letting the page reach it', async () => {
    const filter = requestFilter(fake);
    const relayFile = join(profile, 'allowed-relays.json');
    const before = readFileSync(relayFile, 'utf8');
    const checkRelay = handler(fake, IPC_CHANNELS.checkRelay);
    expect(await checkRelay(eventFrom(fake), `${healthyRelay}/`)).toEqual({
      ok: true,
      value: { state: 'ok', version: '0.9.0', registration: 'unknown' },
    });
    expect(await checkRelay(eventFrom(fake), 'ftp://relay.example.org')).toEqual({
      ok: true,
      value: { state: 'invalid-url' },
    });
    // Checked, not allowed: the filter still refuses it, the list and the CSP are as they were, nobody was asked.
    expect(await filter(`${healthyRelay}/healthz`)).toBe(false);
    expect(readFileSync(relayFile, 'utf8')).toBe(before);
    const page = await appServer(fake)(new Request('app://parley/index.html'));
    expect(page.headers.get('content-security-policy')).not.toContain(healthyRelay);
    expect(fake.calls.dialogs).toEqual([]);
  });

  it('allows a relay only when the user confirms it in a dialog main shows, naming the relay', async () => {
    const filter = requestFilter(fake);
    expect(await filter('app://parley/assets/app.js')).toBe(true);
    expect(await filter(`${RELAY}/healthz`)).toBe(true);
    expect(await filter('ws://127.0.0.1:7447/socket.io/?EIO=4')).toBe(true);
    expect(await filter('https://relay.example.org/healthz')).toBe(false);
    expect(await filter('https://tracker.example.com/pixel.gif')).toBe(false);
    expect(await filter('file:///etc/passwd')).toBe(false);

    const allowRelay = handler(fake, IPC_CHANNELS.allowRelay);
    const relayFile = join(profile, 'allowed-relays.json');
    expect(await allowRelay(eventFrom(fake), 'ftp://relay.example.org')).toEqual({
      ok: true,
      value: { allowed: false, reason: 'invalid-url' },
    });
    // The launch relay is allowed and in the document's CSP already: no dialog, no reload.
    expect(await allowRelay(eventFrom(fake), `${RELAY}/`)).toEqual({ ok: true, value: { allowed: true } });
    expect(fake.calls.dialogs).toEqual([]);

    // The user cancels main's dialog: nothing is allowed.
    fake.calls.dialogAnswers.push(0);
    expect(await allowRelay(eventFrom(fake), 'https://relay.example.org/')).toEqual({
      ok: true,
      value: { allowed: false, reason: 'declined' },
    });
    expect(fake.calls.dialogs).toHaveLength(1);
    expect(fake.calls.dialogs[0]).toMatchObject({
      message: 'Allow Parley to connect to https://relay.example.org?',
      buttons: ['Cancel', 'Allow'],
      defaultId: 0,
      cancelId: 0,
    });
    // Over our window: modal to it, drawn by main (the page can neither draw nor skip it).
    expect(fake.calls.dialogParents[0]).toBe(fake.windows[0]);
    expect(await filter('https://relay.example.org/healthz')).toBe(false);
    expect(JSON.parse(readFileSync(relayFile, 'utf8'))).toEqual({ version: 1, relayUrls: [RELAY] });

    // The user allows it: the filter lets it through at once, but the page's CSP lacks it until a reload.
    fake.calls.dialogAnswers.push(1);
    expect(await allowRelay(eventFrom(fake), 'https://relay.example.org/')).toEqual({
      ok: true,
      value: { allowed: true, reloadRequired: true },
    });
    expect(fake.calls.dialogs).toHaveLength(2);
    expect(await filter('https://relay.example.org/healthz')).toBe(true);
    expect(await filter('wss://relay.example.org/socket.io/')).toBe(true);
    expect(await filter('https://tracker.example.com/pixel.gif')).toBe(false);
    expect(JSON.parse(readFileSync(relayFile, 'utf8'))).toEqual({
      version: 1,
      relayUrls: [RELAY, 'https://relay.example.org'],
    });

    // Asked again before the reload: still required (the document keeps its CSP), and not asked again.
    expect(await allowRelay(eventFrom(fake), 'https://relay.example.org')).toEqual({
      ok: true,
      value: { allowed: true, reloadRequired: true },
    });
    // The reloaded document's CSP lists it, so the page may go on without another reload.
    const serve = appServer(fake);
    const reloaded = await serve(new Request('app://parley/index.html'));
    expect(reloaded.headers.get('content-security-policy')).toContain(
      `connect-src 'self' ${RELAY} ws://127.0.0.1:7447 https://relay.example.org wss://relay.example.org;`,
    );
    expect(await allowRelay(eventFrom(fake), 'https://relay.example.org')).toEqual({
      ok: true,
      value: { allowed: true },
    });
    // A script is not a document: serving one does not count as the page having reloaded.
    fake.calls.dialogAnswers.push(1);
    expect(await allowRelay(eventFrom(fake), 'https://second.example.org')).toEqual({
      ok: true,
      value: { allowed: true, reloadRequired: true },
    });
    await serve(new Request('app://parley/missing.js'));
    expect(await allowRelay(eventFrom(fake), 'https://second.example.org')).toEqual({
      ok: true,
      value: { allowed: true, reloadRequired: true },
    });
    expect(fake.calls.dialogs).toHaveLength(3);
  });

  it('refuses a relay past the bound instead of evicting one the user confirmed', async () => {
    const filter = requestFilter(fake);
    const allowRelay = handler(fake, IPC_CHANNELS.allowRelay);
    const relayFile = join(profile, 'allowed-relays.json');
    const confirmed = (JSON.parse(readFileSync(relayFile, 'utf8')) as { relayUrls: string[] }).relayUrls;
    const dialogsBefore = fake.calls.dialogs.length;
    for (let i = confirmed.length; i < MAX_ALLOWED_RELAYS; i++) {
      fake.calls.dialogAnswers.push(1);
      expect(await allowRelay(eventFrom(fake), `https://flood-${i}.example.org`)).toMatchObject({
        ok: true,
        value: { allowed: true },
      });
    }
    expect(fake.calls.dialogs.length - dialogsBefore).toBe(MAX_ALLOWED_RELAYS - confirmed.length);
    // Full: refused at once, without asking the user for what could not be kept.
    expect(await allowRelay(eventFrom(fake), 'https://one-too-many.example.org')).toEqual({
      ok: true,
      value: { allowed: false, reason: 'list-full' },
    });
    expect(fake.calls.dialogs.length - dialogsBefore).toBe(MAX_ALLOWED_RELAYS - confirmed.length);
    expect(await filter('https://one-too-many.example.org/healthz')).toBe(false);
    // Every relay confirmed before is still allowed, the first one included.
    const saved = (JSON.parse(readFileSync(relayFile, 'utf8')) as { relayUrls: string[] }).relayUrls;
    expect(saved).toHaveLength(MAX_ALLOWED_RELAYS);
    expect(saved.slice(0, confirmed.length)).toEqual(confirmed);
    for (const url of confirmed) expect(await filter(`${url}/healthz`)).toBe(true);
  });
});
