/**
 * The built renderer in Debian's Chromium against the web shell CLI: the boot
 * page picks the WebSocket transport, presents the token from the URL
 * fragment, and shows the real vault's status, under the shell's CSP with no
 * violation. Also what a user sees when the link is wrong or another tab
 * takes over. Fails (never skips) when Chromium is missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARGON2ID_INTERACTIVE } from '@parley/crypto-core';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Vault } from '../../src/vault/index.js';
import { buildRenderer } from './support/build-renderer.js';
import { launchChromium } from './support/chromium.js';
import { type ShellProcess, startShellProcess } from './support/shell-process.js';

const RELAY_URL = 'http://127.0.0.1:9';

let workDir: string;
let rendererDir: string;
let browser: Browser;
let context: BrowserContext;
/** A profile without identity; the tests that share it leave it so. */
let freshShell: ShellProcess;
/** A profile whose identity was created (then locked) before the shell started. */
let existingShell: ShellProcess;
let existingAccountId: string;
const shells: ShellProcess[] = [];
/** Console errors and CSP violations, per page. */
const problems = new Map<Page, string[]>();

async function startShell(profileName: string): Promise<ShellProcess> {
  const shell = await startShellProcess([
    '--profile',
    join(workDir, profileName),
    '--renderer',
    rendererDir,
    '--relay',
    RELAY_URL,
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

async function stateOf(page: Page, id: string): Promise<string | null> {
  return page.locator(`#${id}`).getAttribute('data-state');
}

async function createLockedIdentity(profileDir: string): Promise<string> {
  const vault = new Vault({ profileDir, keyProtection: 'passphrase', kdf: ARGON2ID_INTERACTIVE });
  const account = await vault.createIdentity({ passphrase: 'a passphrase for the browser test' });
  await vault.lock({});
  return account.accountId;
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'parley-web-shell-browser-'));
  rendererDir = join(workDir, 'renderer');
  // Launch first: a missing Chromium should fail fast with its own message.
  browser = await launchChromium();
  // The build and the identity are independent; the shells need the build (they check it at start).
  [, existingAccountId] = await Promise.all([
    buildRenderer(rendererDir),
    createLockedIdentity(join(workDir, 'existing')),
  ]);
  [freshShell, existingShell] = await Promise.all([startShell('fresh'), startShell('existing')]);
}, 120_000);

afterEach(async () => {
  await context?.close();
});

afterAll(async () => {
  await Promise.all(shells.map((shell) => shell.stop()));
  await browser?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('the boot page in Chromium', () => {
  it('connects through the web shell and shows the vault status, with the CSP and no violation', async () => {
    const shell = freshShell;
    context = await browser.newContext();
    const page = await newPage();
    const response = await page.goto(shell.url);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${shell.port} ws://localhost:${shell.port} ${RELAY_URL}`);

    await expect.poll(() => stateOf(page, 'vault-status'), { timeout: 15_000 }).toBe('no-identity');
    expect(await page.locator('#vault-status').textContent()).toBe('no-identity (key protection: passphrase)');
    expect(await stateOf(page, 'connection')).toBe('open');
    expect(await page.locator('#relay').textContent()).toBe(RELAY_URL);
    // The token left the address bar (it stays in this tab's sessionStorage).
    expect(page.url()).toBe(`http://127.0.0.1:${shell.port}/`);
    expect(problems.get(page)).toEqual([]);

    // A reload of the same tab still has the token.
    await page.reload();
    await expect.poll(() => stateOf(page, 'vault-status'), { timeout: 15_000 }).toBe('no-identity');
    expect(await stateOf(page, 'connection')).toBe('open');
    expect(problems.get(page)).toEqual([]);
  });

  it('shows an existing identity as locked', async () => {
    const shell = existingShell;
    context = await browser.newContext();
    const page = await newPage();
    await page.goto(shell.url);
    await expect.poll(() => stateOf(page, 'vault-status'), { timeout: 15_000 }).toBe('locked');
    const text = await page.locator('#vault-status').textContent();
    expect(text).toMatch(/^locked \(key protection: passphrase/);
    // VaultStatus promises the account id while locked; the vault knows it only after an unlock in this process so far.
    if (text?.includes('account')) expect(text).toContain(existingAccountId);
    expect(problems.get(page)).toEqual([]);
  });

  it('says the shell refused the page when the token is wrong, and stops trying', async () => {
    const shell = freshShell;
    context = await browser.newContext();
    const page = await newPage();
    await page.goto(`http://127.0.0.1:${shell.port}/#token=${'A'.repeat(43)}`);
    await expect.poll(() => stateOf(page, 'connection'), { timeout: 15_000 }).toBe('refused');
    await expect.poll(() => stateOf(page, 'vault-status')).toBe('error');
    expect(await page.locator('#vault-status').textContent()).toMatch(/^FORBIDDEN: .*open the URL it printed/);
  });

  it('says what to do when opened without the token', async () => {
    const shell = freshShell;
    context = await browser.newContext();
    const page = await newPage();
    await page.goto(`http://127.0.0.1:${shell.port}/`);
    await expect.poll(() => stateOf(page, 'vault-status'), { timeout: 15_000 }).toBe('error');
    expect(await page.locator('#vault-status').textContent()).toMatch(
      /^NO_TOKEN: .*open the URL the web shell printed/,
    );
  });

  it('hands the vault to a second tab and tells the first', async () => {
    const shell = freshShell;
    context = await browser.newContext();
    const first = await newPage();
    await first.goto(shell.url);
    await expect.poll(() => stateOf(first, 'connection'), { timeout: 15_000 }).toBe('open');
    const second = await newPage();
    await second.goto(shell.url);
    await expect.poll(() => stateOf(second, 'vault-status'), { timeout: 15_000 }).toBe('no-identity');
    await expect.poll(() => stateOf(first, 'connection')).toBe('superseded');
  });
});
