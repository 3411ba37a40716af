/**
 * Electron's relay step for a relay the page's CSP lacks, in Debian's
 * Chromium: the built renderer is served by main's own app:// handler
 * (page-csp.ts for the CSP, reached over plain HTTP because no Electron
 * runtime exists here), with the preload's bridge stood in by Playwright
 * bindings to a real vault and to main's RelayGate (its dialog stood in by a
 * recorded answer). Onboarding types a relay that is not in the CSP: main
 * checks it (the page makes no request to it, no CSP violation) and nothing
 * is allowed while the user types; Continue asks the user once, naming the
 * relay (a "Cancel" leaves everything as it was and says so), then the page
 * reloads once under a CSP that lists it, continues at the relay step by
 * itself and registers — with a passphrase vault (the identity is created
 * before the reload) and a keychain vault (no identity until after it).
 */

import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARGON2ID_INTERACTIVE } from '@parley/crypto-core';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dispatchVaultCall } from '../../src/common/dispatch.js';
import { ok } from '../../src/common/result.js';
import { WEB_SHELL_PROTOCOL_VERSION } from '../../src/common/web-shell-protocol.js';
import { StaticFiles } from '../../src/host/renderer-files.js';
import { securityHeaders } from '../../src/host/security-headers.js';
import { AllowedRelays } from '../../src/main/allowed-relays.js';
import { PageCsp } from '../../src/main/page-csp.js';
import { createAppProtocolHandler } from '../../src/main/protocol.js';
import { RelayGate } from '../../src/main/relay-gate.js';
import { Vault } from '../../src/vault/index.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { MemoryKeychain } from '../vault/support/memory-keychain.js';
import { buildRenderer } from '../web-shell/support/build-renderer.js';
import { launchChromium } from '../web-shell/support/chromium.js';

/** The launch relay (--parley-relay): in the CSP from the first load. Nothing listens there. */
const LAUNCH_RELAY = 'http://127.0.0.1:9';
const SCREEN_TIMEOUT = 20_000;

let workDir: string;
let rendererDir: string;
let browser: Browser;
let relay: RelayProcess;
let context: BrowserContext | undefined;
const servers: Server[] = [];
/** Main's state per profile: its allowed relays, the CSP of the document it served last, the gate. */
interface MainState {
  readonly relays: AllowedRelays;
  readonly pageCsp: PageCsp;
  readonly gate: RelayGate;
  /** The relays main's dialog was shown for, in order. */
  readonly asked: string[];
  /** The user's answers to main's dialog, in order (true: Allow). */
  readonly answers: boolean[];
}
const hosts = new Map<string, MainState>();

interface AppHost {
  readonly url: string;
  /** Every document served, with its CSP's connect-src. */
  readonly documents: string[];
}

/** Main's app:// handler and allowRelay for one profile, over HTTP on 127.0.0.1. */
async function startAppHost(name: string): Promise<AppHost> {
  const relays = new AllowedRelays(join(workDir, `${name}-allowed-relays.json`), [LAUNCH_RELAY]);
  const pageCsp = new PageCsp(relays);
  const asked: string[] = [];
  const answers: boolean[] = [];
  const gate = new RelayGate({
    relays,
    pageCsp,
    confirm: async (relayUrl) => {
      asked.push(relayUrl);
      return answers.shift() ?? false;
    },
  });
  const documents: string[] = [];
  const handler = createAppProtocolHandler({
    files: new StaticFiles(realpathSync(rendererDir)),
    headers: () => securityHeaders(pageCsp.policy()),
    config: () => ({
      protocol: WEB_SHELL_PROTOCOL_VERSION,
      defaultRelayUrl: LAUNCH_RELAY,
      relayUrls: relays.relayUrls,
    }),
    onDocumentServed: () => pageCsp.documentServed(),
  });
  const server = createServer((request, response) => {
    void handler(new Request(`app://parley${request.url ?? '/'}`, { method: request.method ?? 'GET' })).then(
      async (answer) => {
        const headers = Object.fromEntries(answer.headers);
        if (answer.headers.get('content-type')?.startsWith('text/html')) {
          documents.push(/connect-src ([^;]*)/.exec(headers['content-security-policy'] ?? '')?.[1] ?? '');
        }
        response.writeHead(answer.status, headers);
        response.end(Buffer.from(await answer.arrayBuffer()));
      },
    );
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  hosts.set(name, { relays, pageCsp, gate, asked, answers });
  return { url: `http://127.0.0.1:${port}/index.html`, documents };
}

/** A page whose window.parley is the preload's bridge, answered by `vault` and this host's RelayGate. */
async function electronPage(name: string, vault: Vault): Promise<{ page: Page; problems: string[] }> {
  const host = hosts.get(name);
  if (host === undefined) throw new Error(`no host ${name}`);
  context = await browser.newContext();
  await context.exposeBinding('parleyVaultCall', (_source, method: unknown, args: unknown) =>
    dispatchVaultCall(vault, method, args),
  );
  await context.exposeBinding('parleyAllowRelay', async (_source, url: string) => ok(await host.gate.allow(url)));
  await context.exposeBinding('parleyCheckRelay', async (_source, url: string) => ok(await host.gate.check(url)));
  await context.addInitScript(() => {
    const scope = window as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const done = async () => ({ ok: true, value: null });
    Object.defineProperty(window, 'parley', {
      value: Object.freeze({
        vault: Object.freeze({
          call: (method: string, args: unknown) => scope.parleyVaultCall?.(method, args),
          onEvent: () => () => {},
        }),
        app: Object.freeze({
          notify: done,
          setBadge: done,
          openExternal: done,
          allowRelay: (url: string) => scope.parleyAllowRelay?.(url),
          checkRelay: (url: string) => scope.parleyCheckRelay?.(url),
          onNotificationClick: () => () => {},
        }),
      }),
    });
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return { page, problems };
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'parley-relay-reload-'));
  rendererDir = join(workDir, 'renderer');
  browser = await launchChromium();
  [relay] = await Promise.all([startRelay(), buildRenderer(rendererDir)]);
}, 180_000);

afterEach(async () => {
  await context?.close();
  context = undefined;
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await browser?.close();
  await relay?.dispose();
  rmSync(workDir, { recursive: true, force: true });
});

/**
 * From the relay step: type the new relay (checked by main, allowed by
 * nobody), continue, answer main's dialog (`answers`: a Cancel first, then
 * pressing Continue again), and follow the page through its one reload.
 */
async function chooseNewRelay(page: Page, host: AppHost, main: MainState, answers: boolean[]): Promise<string> {
  const field = page.getByLabel('Relay URL');
  await expect.poll(() => field.inputValue(), { timeout: SCREEN_TIMEOUT }).toBe(LAUNCH_RELAY);
  await field.fill(relay.url);
  const check = page.getByTestId('relay-check');
  await expect.poll(() => check.textContent(), { timeout: SCREEN_TIMEOUT }).toContain('Relay reachable');
  // Typing and checking allowed nothing: the list holds the launch relay only, nobody was asked.
  expect(main.relays.relayUrls).toEqual([LAUNCH_RELAY]);
  expect(main.asked).toEqual([]);
  expect(host.documents).toHaveLength(1);
  for (const answer of answers) {
    main.answers.push(answer);
    await page.getByRole('button', { name: 'Continue' }).click();
    if (answer) break;
    await expect.poll(() => check.textContent(), { timeout: SCREEN_TIMEOUT }).toContain('choose Allow');
    expect(main.relays.relayUrls).toEqual([LAUNCH_RELAY]);
    expect(host.documents).toHaveLength(1);
  }
  const code = (await page.getByTestId('own-contact-code').textContent({ timeout: SCREEN_TIMEOUT })) ?? '';
  // One dialog per Continue before the reload, none after it, each naming the relay.
  expect(main.asked).toEqual(answers.map(() => relay.url));
  expect(main.relays.relayUrls).toEqual([LAUNCH_RELAY, relay.url]);
  return code;
}

function mainState(name: string): MainState {
  const state = hosts.get(name);
  if (state === undefined) throw new Error(`no host ${name}`);
  return state;
}

describe('a relay the CSP lacks (Electron)', () => {
  it('creates the passphrase identity, reloads once under a CSP listing the relay, and registers there', async () => {
    const host = await startAppHost('passphrase');
    const vault = new Vault({
      profileDir: join(workDir, 'passphrase-profile'),
      keyProtection: 'passphrase',
      kdf: ARGON2ID_INTERACTIVE,
    });
    const { page, problems } = await electronPage('passphrase', vault);
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Create a new identity' }).click({ timeout: SCREEN_TIMEOUT });
    await page.getByLabel('Passphrase', { exact: true }).fill('a passphrase for the reload test');
    await page.getByLabel('Confirm passphrase').fill('a passphrase for the reload test');
    await page.getByRole('button', { name: 'Continue' }).click();

    const code = await chooseNewRelay(page, host, mainState('passphrase'), [true]);
    expect(code).toContain(`relay=${encodeURIComponent(relay.url)}`);
    // Two documents: the first CSP had only the launch relay, the reloaded one lists the new relay too.
    expect(host.documents).toEqual([
      `'self' ${LAUNCH_RELAY} ws://127.0.0.1:9`,
      `'self' ${LAUNCH_RELAY} ws://127.0.0.1:9 ${relay.url} ${relay.url.replace('http:', 'ws:')}`,
    ]);
    const status = await vault.getStatus({});
    expect(status.state).toBe('unlocked');
    expect(code).toContain(status.account?.accountId ?? 'no account');
    // The passphrase never went into the page's storage; the note was read and removed.
    expect(await page.evaluate(() => JSON.stringify(sessionStorage))).toBe('{}');
    expect(problems.filter((problem) => /Content Security Policy|Refused to connect/i.test(problem))).toEqual([]);
    await vault.lock({});
  });

  it('with the keychain, resumes at the relay step before any identity exists and creates it there', async () => {
    const host = await startAppHost('keychain');
    const vault = new Vault({
      profileDir: join(workDir, 'keychain-profile'),
      keyProtection: 'os-keychain',
      keychain: new MemoryKeychain(),
    });
    const { page, problems } = await electronPage('keychain', vault);
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Create a new identity' }).click({ timeout: SCREEN_TIMEOUT });

    // The user cancels main's dialog once: nothing changes, the step says why; Continue again and Allow.
    const code = await chooseNewRelay(page, host, mainState('keychain'), [false, true]);
    expect(code).toContain(`relay=${encodeURIComponent(relay.url)}`);
    expect(host.documents).toHaveLength(2);
    expect((await vault.getStatus({})).state).toBe('unlocked');
    expect(problems.filter((problem) => /Content Security Policy|Refused to connect/i.test(problem))).toEqual([]);
    await vault.lock({});
  });
});
