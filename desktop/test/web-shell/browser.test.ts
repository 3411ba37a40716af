/**
 * The built app in Debian's Chromium against the web shell CLI: the page
 * picks the WebSocket transport, presents the token from the URL fragment,
 * and shows the screen the real vault's status calls for (onboarding for a
 * fresh profile, the unlock screen for a locked one), under the shell's CSP
 * with no violation. Also what a user sees when the link is wrong or missing,
 * and when another tab takes the vault over; deleting the account from
 * Settings against a real relay process, back to the welcome screen; and the
 * shell's process dying under an open app (the page says so within seconds)
 * and starting again (its new URL pasted into the same tab is picked up).
 * Fails (never skips) when Chromium is missing.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARGON2ID_INTERACTIVE } from '@parley/crypto-core';
import { routes } from '@parley/crypto-core/wire';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Vault } from '../../src/vault/index.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { buildRenderer } from './support/build-renderer.js';
import { launchChromium } from './support/chromium.js';
import { type ShellProcess, startShellProcess } from './support/shell-process.js';

const RELAY_URL = 'http://127.0.0.1:9';
const SCREEN_TIMEOUT = 15_000;

let workDir: string;
let rendererDir: string;
let browser: Browser;
let context: BrowserContext;
/** A profile without identity; the tests that share it leave it so. */
let freshShell: ShellProcess;
/** A profile whose identity was created (then locked) before the shell started. */
let existingShell: ShellProcess;
/** A fresh profile whose shell points at a real relay (the delete-account test registers there). */
let relayShell: ShellProcess;
let relay: RelayProcess;
const shells: ShellProcess[] = [];
/** Console errors and CSP violations, per page. */
const problems = new Map<Page, string[]>();

async function startShell(profileName: string, relayUrl = RELAY_URL, port?: number): Promise<ShellProcess> {
  const shell = await startShellProcess([
    '--profile',
    join(workDir, profileName),
    '--renderer',
    rendererDir,
    '--relay',
    relayUrl,
    ...(port === undefined ? [] : ['--port', String(port)]),
  ]);
  shells.push(shell);
  return shell;
}

async function newPage(): Promise<Page> {
  const page = await context.newPage();
  const seen: string[] = [];
  problems.set(page, seen);
  page.on('console', (message) => {
    if (message.type() === 'error') seen.push(message.text());
  });
  page.on('pageerror', (error) => seen.push(error.message));
  return page;
}

/** First run in the page: a new identity with `passphrase`, registered at the shell's (live) relay. */
async function createIdentityAtRelay(page: Page, passphrase: string): Promise<void> {
  await page.getByRole('button', { name: 'Create a new identity' }).click({ timeout: SCREEN_TIMEOUT });
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByLabel('Confirm passphrase').fill(passphrase);
  await page.getByRole('button', { name: 'Continue' }).click();
  const check = page.getByTestId('relay-check');
  await expect.poll(() => check.getAttribute('data-state'), { timeout: SCREEN_TIMEOUT }).toBe('ok');
  await page.getByRole('button', { name: 'Continue' }).click();
}

async function createLockedIdentity(profileDir: string): Promise<void> {
  const vault = new Vault({ profileDir, keyProtection: 'passphrase', kdf: ARGON2ID_INTERACTIVE });
  await vault.createIdentity({ passphrase: 'a passphrase for the browser test' });
  await vault.lock({});
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'parley-web-shell-browser-'));
  rendererDir = join(workDir, 'renderer');
  // Launch first: a missing Chromium should fail fast with its own message.
  browser = await launchChromium();
  // The build and the identity are independent; the shells need the build (they check it at start).
  [relay] = await Promise.all([
    startRelay(),
    buildRenderer(rendererDir),
    createLockedIdentity(join(workDir, 'existing')),
  ]);
  [freshShell, existingShell, relayShell] = await Promise.all([
    startShell('fresh'),
    startShell('existing'),
    startShell('with-relay', relay.url),
  ]);
}, 180_000);

afterEach(async () => {
  await context?.close();
});

afterAll(async () => {
  await Promise.all(shells.map((shell) => shell.stop()));
  await browser?.close();
  await relay?.dispose();
  rmSync(workDir, { recursive: true, force: true });
});

describe('the app in Chromium', () => {
  it('connects through the web shell and shows onboarding for a fresh profile, with the CSP and no violation', async () => {
    const shell = freshShell;
    context = await browser.newContext();
    const page = await newPage();
    const response = await page.goto(shell.url);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${shell.port} ws://localhost:${shell.port} ${RELAY_URL}`);

    const welcome = page.getByRole('heading', { name: 'Welcome to Parley' });
    await welcome.waitFor({ timeout: SCREEN_TIMEOUT });
    await expect.poll(() => page.getByRole('button', { name: 'Create a new identity' }).isVisible()).toBe(true);
    // The token left the address bar (it stays in this tab's sessionStorage).
    expect(page.url()).toBe(`http://127.0.0.1:${shell.port}/`);
    expect(problems.get(page)).toEqual([]);

    // A reload of the same tab still has the token, so the vault answers again.
    await page.reload();
    await welcome.waitFor({ timeout: SCREEN_TIMEOUT });
    expect(await page.getByTestId('fatal-error').count()).toBe(0);
    expect(problems.get(page)).toEqual([]);
  });

  it('offers the web shell relay as the default on the relay step', async () => {
    context = await browser.newContext();
    const page = await newPage();
    await page.goto(freshShell.url);
    await page.getByRole('button', { name: 'Create a new identity' }).click({ timeout: SCREEN_TIMEOUT });
    // The web shell's vault is a passphrase vault: that step comes first.
    await page.getByLabel('Passphrase', { exact: true }).fill('a passphrase for the browser test');
    await page.getByLabel('Confirm passphrase').fill('a passphrase for the browser test');
    await page.getByRole('button', { name: 'Continue' }).click();
    const relayField = page.getByLabel('Relay URL');
    await relayField.waitFor({ timeout: SCREEN_TIMEOUT });
    await expect.poll(() => relayField.inputValue()).toBe(RELAY_URL);
    // Nothing listens on port 9: the live check says so (the relay is allowed, so the fetch was made).
    await expect
      .poll(() => page.getByTestId('relay-check').getAttribute('data-state'), { timeout: SCREEN_TIMEOUT })
      .toBe('error');
  });

  it('asks to unlock an existing, locked identity', async () => {
    context = await browser.newContext();
    const page = await newPage();
    await page.goto(existingShell.url);
    await page.getByRole('button', { name: 'Unlock' }).waitFor({ timeout: SCREEN_TIMEOUT });
    expect(await page.getByLabel('Passphrase').count()).toBe(1);
    expect(await page.getByRole('heading', { name: 'Welcome to Parley' }).count()).toBe(0);
    expect(problems.get(page)).toEqual([]);
  });

  it('says the shell refused the page when the token is wrong, offers Reconnect, and takes the right token pasted into the tab', async () => {
    context = await browser.newContext();
    const page = await newPage();
    await page.goto(`http://127.0.0.1:${freshShell.port}/#token=${'A'.repeat(43)}`);
    const fatal = page.getByTestId('fatal-error');
    await fatal.waitFor({ timeout: SCREEN_TIMEOUT });
    expect(await fatal.textContent()).toContain('needs the new address it printed');
    // Reconnect tries the same token again: refused again, the same screen.
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await fatal.waitFor({ timeout: SCREEN_TIMEOUT });
    expect(await page.getByRole('button').count()).toBe(1);
    // Pasting the printed URL changes only the fragment: no reload, the page takes the token itself.
    await page.evaluate((url) => {
      window.location.href = url;
    }, freshShell.url);
    await page.getByRole('heading', { name: 'Welcome to Parley' }).waitFor({ timeout: SCREEN_TIMEOUT });
    expect(page.url()).toBe(`http://127.0.0.1:${freshShell.port}/`);
  });

  it('says within seconds that the back end stopped when the shell dies, then takes the restarted shell’s URL in the same tab', async () => {
    const passphrase = 'a passphrase for the restart test';
    let shell = await startShell('restarted', relay.url);
    context = await browser.newContext();
    const page = await newPage();
    await page.goto(shell.url);
    await createIdentityAtRelay(page, passphrase);
    await page.getByRole('button', { name: 'Start messaging' }).click({ timeout: 60_000 });
    const status = page.getByTestId('connection-status');
    await expect.poll(() => status.textContent(), { timeout: SCREEN_TIMEOUT }).toMatch(/^Online · /);

    // The process holding the vault dies (kill -9: no goodbye on the socket).
    shell.child.kill('SIGKILL');
    await shell.exited;
    const died = Date.now();
    const notice = page.getByTestId('back-end-stopped');
    await notice.waitFor({ timeout: 5_000 });
    expect(Date.now() - died).toBeLessThan(5_000);
    expect(await notice.textContent()).toContain("Parley's back end stopped");
    expect(await status.getAttribute('data-state')).toBe('back-end-stopped');
    expect(await status.textContent()).not.toContain('Online');
    // Reconnect while nothing runs: still stopped, nothing else happens.
    await notice.getByRole('button', { name: 'Reconnect' }).click();
    await notice.waitFor({ timeout: SCREEN_TIMEOUT });

    // Started again on the same profile and port: a new token, so this tab is refused and says what to do.
    shell = await startShell('restarted', relay.url, shell.port);
    const fatal = page.getByTestId('fatal-error');
    await fatal.waitFor({ timeout: SCREEN_TIMEOUT });
    expect(await fatal.textContent()).toContain('paste it into this tab');
    expect(await notice.count()).toBe(0);
    await page.evaluate((url) => {
      window.location.href = url;
    }, shell.url);
    // The restarted shell's vault is locked: the same tab asks for the passphrase, and the app comes back.
    await page.getByLabel('Passphrase', { exact: true }).fill(passphrase, { timeout: SCREEN_TIMEOUT });
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/^Online · /);
    // The browser reports the refused socket connections to the dead shell's port; nothing else.
    expect(problems.get(page)?.filter((problem) => !problem.includes('WebSocket connection to'))).toEqual([]);
  });

  it('says what to do when opened without the token', async () => {
    context = await browser.newContext();
    const page = await newPage();
    await page.goto(`http://127.0.0.1:${freshShell.port}/`);
    const fatal = page.getByTestId('fatal-error');
    await fatal.waitFor({ timeout: SCREEN_TIMEOUT });
    expect(await fatal.textContent()).toContain('needs the link the web shell printed');
    expect(await page.getByRole('button').count()).toBe(0);
  });

  it('hands the vault to a second tab, tells the first, and lets the first take it back', async () => {
    context = await browser.newContext();
    const first = await newPage();
    await first.goto(freshShell.url);
    await first.getByRole('heading', { name: 'Welcome to Parley' }).waitFor({ timeout: SCREEN_TIMEOUT });
    const second = await newPage();
    await second.goto(freshShell.url);
    await second.getByRole('heading', { name: 'Welcome to Parley' }).waitFor({ timeout: SCREEN_TIMEOUT });

    const firstFatal = first.getByTestId('fatal-error');
    await firstFatal.waitFor({ timeout: SCREEN_TIMEOUT });
    expect(await firstFatal.textContent()).toContain('open in another tab');
    await first.getByRole('button', { name: 'Use Parley in this tab' }).click();
    await first.getByRole('heading', { name: 'Welcome to Parley' }).waitFor({ timeout: SCREEN_TIMEOUT });
    const secondFatal = second.getByTestId('fatal-error');
    await secondFatal.waitFor({ timeout: SCREEN_TIMEOUT });
    expect(await secondFatal.textContent()).toContain('open in another tab');
  });

  it('deletes the account from Settings after the typed confirmation, and starts over at the welcome', async () => {
    context = await browser.newContext();
    const page = await newPage();
    await page.goto(relayShell.url);
    await createIdentityAtRelay(page, 'a passphrase for the deletion test');
    const code = await page.getByTestId('own-contact-code').textContent({ timeout: SCREEN_TIMEOUT });
    const accountId = /^parley:([^?]+)\?/.exec(code ?? '')?.[1];
    if (accountId === undefined) throw new Error(`not a contact code: ${code}`);
    await page.getByRole('button', { name: 'Start messaging' }).click();

    await page.getByRole('button', { name: 'Settings' }).waitFor({ timeout: SCREEN_TIMEOUT });
    // The engine's database: named from the data key, not the account id (docs/threat-model.md).
    const engineDatabases = () =>
      page.evaluate(async () =>
        (await indexedDB.databases()).flatMap((database) =>
          database.name?.startsWith('parley-engine-') === true ? [database.name] : [],
        ),
      );
    const before = await engineDatabases();
    expect(before).toHaveLength(1);
    expect(before[0]).not.toContain(accountId);
    await page.getByRole('button', { name: 'Settings' }).click({ timeout: SCREEN_TIMEOUT });
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('button', { name: 'Delete account' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete account' });
    const erases = (await confirm.getByTestId('delete-account-erases').textContent()) ?? '';
    expect(erases).toContain('your account on the relay');
    expect(erases).toContain('messages the relay still holds for you');
    expect(erases).toContain('your keys, contacts and message history on this computer');
    const submit = confirm.getByRole('button', { name: 'Delete my account' });
    // Nothing is erased until the word is typed exactly.
    await confirm.getByLabel('Type DELETE to confirm').fill('delete');
    expect(await submit.isDisabled()).toBe(true);
    await confirm.getByLabel('Type DELETE to confirm').fill('DELETE');
    await submit.click();

    await page.getByRole('heading', { name: 'Welcome to Parley' }).waitFor({ timeout: SCREEN_TIMEOUT });
    // The relay forgot the account: a login for it is refused before any signature is looked at.
    const post = (path: string, body: unknown) =>
      fetch(`${relay.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const { challenge } = (await (await post(routes.challenge, { accountId, deviceId: 1 })).json()) as {
      challenge: string;
    };
    const login = await post(routes.token, {
      accountId,
      deviceId: 1,
      installationId: Buffer.alloc(16).toString('base64'),
      challenge,
      signature: Buffer.alloc(64).toString('base64'),
    });
    expect(login.status).toBe(404);
    expect(((await login.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_ACCOUNT');
    // The vault's key file and database are gone from the profile folder.
    const profileFiles = readdirSync(join(workDir, 'with-relay'));
    expect(profileFiles).not.toContain('vault-key.json');
    expect(profileFiles.filter((name) => name.startsWith('vault.sqlite'))).toEqual([]);
    // The engine's database for the account is gone from the browser.
    expect(await engineDatabases()).toEqual([]);
    expect(problems.get(page)).toEqual([]);
  });
});
