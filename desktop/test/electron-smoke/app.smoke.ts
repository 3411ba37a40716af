/**
 * The packaged app in a real Electron (`npm run test:electron-smoke`; CI runs
 * it on Linux, macOS and Windows after `npm run dist:smoke`): a relay on
 * 127.0.0.1 started here, the app launched with a fresh profile and that relay,
 * then what only a real Electron shows — the CSP the app:// handler sends and
 * Chromium enforcing it, main refusing navigation to another origin, and the
 * first run (identity, relay, contact) ending in a message that a second
 * client, in this process, receives and decrypts.
 *
 * Where no Electron runtime exists (this project's development machines), the
 * test skips and says why in one line (support/app-binary.ts); with
 * PARLEY_SMOKE_REQUIRED=1 (CI) it fails instead.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication, type Page } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../src/host/security-headers.js';
import { AddContactDialog } from '../e2e/support/pages/add-contact-dialog.js';
import { ChatView } from '../e2e/support/pages/chat-view.js';
import { MainWindow } from '../e2e/support/pages/main-window.js';
import { OnboardingScreen } from '../e2e/support/pages/onboarding.js';
import { ui } from '../e2e/support/ui-expect.js';
import { waitForTexts } from '../support/conversation-helpers.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { waitFor } from '../support/wait.js';
import { type AppBinary, findAppBinary, REPO_ROOT } from './support/app-binary.js';

const APP_URL = 'app://parley/index.html';
/** Argon2id (when there is no keychain) and the registration at the relay. */
const ACCOUNT_CREATION_TIMEOUT_MS = 90_000;
const PASSPHRASE = 'smoke test passphrase, long enough';

const found = findAppBinary();
const skipReason = 'skipReason' in found ? found.skipReason : null;
// CI sets this: there a missing app is a failure, never a quiet skip.
if (skipReason !== null && process.env.PARLEY_SMOKE_REQUIRED === '1') {
  throw new Error(`PARLEY_SMOKE_REQUIRED=1 but ${skipReason}`);
}
if (skipReason !== null) console.log(`electron smoke test skipped: ${skipReason}`);

describe.skipIf(skipReason !== null)('the packaged app in Electron', () => {
  const binary = found as AppBinary;
  let relay: RelayProcess;
  let peer: TestClient;
  let profile: string;
  let app: ElectronApplication;
  let page: Page;
  const mainOutput: string[] = [];

  beforeAll(async () => {
    if (binary.appArgs.length > 0 && !existsSync(join(REPO_ROOT, 'desktop/dist/renderer/index.html'))) {
      throw new Error(`${binary.description}: build the app first (npm run build -w desktop)`);
    }
    relay = await startRelay();
    peer = await TestClient.create('peer', relay.url);
    profile = mkdtempSync(join(tmpdir(), 'parley-electron-smoke-'));
    app = await _electron.launch({
      executablePath: binary.executablePath,
      args: [...binary.appArgs, `--parley-profile=${profile}`, `--parley-relay=${relay.url}`],
      timeout: 60_000,
    });
    app.process().stderr?.on('data', (chunk: Buffer) => mainOutput.push(chunk.toString('utf8')));
    // Main's dialogs are native windows Playwright cannot click: the "no
    // keyring" notice (Linux CI has no keyring) is answered here, and a link
    // leaving the app is recorded instead of opening the machine's browser.
    await app.evaluate(({ dialog, shell }) => {
      const opened: string[] = [];
      (globalThis as { smokeOpened?: string[] }).smokeOpened = opened;
      dialog.showMessageBox = (async () => ({ response: 0, checkboxChecked: false })) as typeof dialog.showMessageBox;
      shell.openExternal = async (url: string) => {
        opened.push(url);
      };
    });
    page = await app.firstWindow();
    await page.waitForURL(APP_URL);
  });

  afterAll(async () => {
    await app?.close().catch(() => {});
    await peer?.dispose();
    await relay?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('serves the window from app://parley with the CSP main builds, and Chromium enforces it', async () => {
    const policy = await page.evaluate(async () => {
      const response = await fetch('/index.html');
      return response.headers.get('content-security-policy');
    });
    expect(policy).toBe(contentSecurityPolicy({ extraConnectSources: [], relayUrls: [relay.url] }));

    // A request to an origin connect-src does not list is blocked, and reported as a violation of it.
    const blocked = await page.evaluate(async () => {
      const violation = new Promise<string>((resolve) =>
        document.addEventListener('securitypolicyviolation', (event) => resolve(event.effectiveDirective), {
          once: true,
        }),
      );
      const outcome = await fetch('http://127.0.0.1:9/').then(
        () => 'fetched',
        () => 'refused',
      );
      return { outcome, directive: await violation };
    });
    expect(blocked).toEqual({ outcome: 'refused', directive: 'connect-src' });
  });

  it('stays on app://parley when the page navigates to another origin', async () => {
    await page.evaluate(() => {
      (window as { smokeMarker?: string }).smokeMarker = 'same document';
    });
    // An http(s) page: refused, and handed to the system browser (recorded above).
    const external = `${relay.url}/healthz?from=smoke`;
    await page.evaluate((url) => {
      window.location.href = url;
    }, external);
    await waitFor('the link to reach shell.openExternal', () =>
      app.evaluate((_modules, url) => (globalThis as { smokeOpened?: string[] }).smokeOpened?.includes(url), external),
    );
    // Anything else (here the app's own scheme, another host): refused and only logged.
    await page.evaluate(() => {
      window.location.href = 'app://elsewhere/index.html';
    });
    await waitFor('main to log the refusal', () =>
      mainOutput.join('').includes('navigation refused: app://elsewhere/index.html'),
    );
    expect(page.url()).toBe(APP_URL);
    expect(await page.evaluate(() => (window as { smokeMarker?: string }).smokeMarker)).toBe('same document');
  });

  it('creates an identity through onboarding and sends a message the other client decrypts', async () => {
    const screen = new OnboardingScreen(page);
    await ui(screen.welcomeHeading).toBeVisible();
    await screen.createIdentityButton.click();
    // The passphrase step exists only where there is no OS keychain (Linux CI; macOS and Windows have one).
    await ui(screen.passphraseField.or(screen.relayUrlField)).toBeVisible();
    if (await screen.passphraseField.isVisible()) {
      await screen.passphraseField.fill(PASSPHRASE);
      await screen.confirmPassphraseField.fill(PASSPHRASE);
      await screen.continueButton.click();
    }
    await ui(screen.relayUrlField).toHaveValue(relay.url);
    await ui(screen.relayCheck).toHaveAttribute('data-state', 'ok');
    await screen.continueButton.click();
    await ui(screen.ownContactCode).toBeVisible({ timeout: ACCOUNT_CREATION_TIMEOUT_MS });
    const ownCode = ((await screen.ownContactCode.textContent()) ?? '').trim();
    const accountId = /^parley:([a-z2-7]{32})\?/.exec(ownCode)?.[1];
    expect(accountId, `contact code shown: ${ownCode}`).toBeDefined();
    await screen.startMessagingButton.click();

    const main = new MainWindow(page);
    await main.addContactButton.click();
    const dialog = new AddContactDialog(page);
    await dialog.codeField.fill(peer.contactCode);
    await dialog.nameField.fill('Peer');
    await dialog.addButton.click();
    await ui(dialog.dialog).toBeHidden({ timeout: 30_000 });
    await main.conversation('Peer').click();
    const chat = new ChatView(page, 'Peer');
    await ui(chat.composer).toBeEditable();
    await chat.write('Hello from a real Electron');

    const received = await waitForTexts(peer, `direct:${accountId}`, 1);
    expect(received.map((message) => message.body)).toEqual(['Hello from a real Electron']);
    await ui(chat.message('Hello from a real Electron')).toHaveAttribute('data-state', /^(sent|delivered|read)$/);
  });
});
