/**
 * `npm run backup -- export` against a web-shell profile whose app ran in
 * Chromium with its browser data in DIR/browser-data (as the CLI expects):
 * Alice's page receives three messages from Bob, the app quits, and the CLI
 * exports the history through the app's own export page in headless
 * Chromium; `inspect` then counts the messages.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { afterAll, describe, expect, it } from 'vitest';
import { MainWindow } from '../e2e/support/pages/main-window.js';
import { OnboardingScreen } from '../e2e/support/pages/onboarding.js';
import { builtRenderer } from '../e2e/support/renderer-build.js';
import { ui } from '../e2e/support/ui-expect.js';
import { TestClient } from '../support/test-client.js';
import { startRelay } from '../support/test-relay.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../web-shell/support/chromium.js';
import { startShellProcess } from '../web-shell/support/shell-process.js';

const home = mkdtempSync(join(tmpdir(), 'parley-cli-export-'));
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const VAULT_PASSPHRASE = 'alice has a long passphrase for the cli export';
const BACKUP_PASSPHRASE = 'orbit lantern quietly marble 42 harbor';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()));
    });
  });
}

function cli(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', join(repoRoot, 'desktop/src/backup-cli/main.ts'), ...args],
    { cwd: repoRoot, encoding: 'utf8', timeout: 240_000, env: { ...process.env, INIT_CWD: home } },
  );
}

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('npm run backup -- export', () => {
  it("exports the history of the profile's browser data through headless Chromium", async () => {
    const relay = await startRelay();
    const bob = await TestClient.create('bob', relay.url);
    try {
      const profile = join(home, 'alice');
      const port = await freePort();
      const shell = await startShellProcess([
        '--profile',
        profile,
        '--renderer',
        await builtRenderer(),
        '--relay',
        relay.url,
        '--port',
        String(port),
      ]);
      const context = await chromium.launchPersistentContext(join(profile, 'browser-data'), {
        executablePath: CHROMIUM_PATH,
        args: [...CHROMIUM_ARGS],
      });
      try {
        const page = await context.newPage();
        await page.goto(shell.url);
        const onboarding = new OnboardingScreen(page);
        await onboarding.createIdentityButton.click();
        await onboarding.passphraseField.fill(VAULT_PASSPHRASE);
        await onboarding.confirmPassphraseField.fill(VAULT_PASSPHRASE);
        await onboarding.continueButton.click();
        await ui(onboarding.relayCheck).toHaveAttribute('data-state', 'ok');
        await onboarding.continueButton.click();
        await ui(onboarding.ownContactCode).toBeVisible({ timeout: 60_000 });
        const code = (await onboarding.ownContactCode.innerText()).trim();
        await onboarding.startMessagingButton.click();
        const { conversationId } = await bob.engine.addContact(code, 'Alice');
        for (const text of ['one', 'two', 'three']) await bob.engine.sendText(conversationId, text);
        // Bob wrote first: his three messages are a message request on Alice's side.
        const main = new MainWindow(page);
        await main.requestsEntry.click({ timeout: 30_000 });
        await ui(main.requests.getByTestId('unread-count')).toHaveText('3', { timeout: 30_000 });
      } finally {
        await context.close();
        await shell.stop();
      }

      const passphraseFile = join(home, 'backup-passphrase.txt');
      const vaultPassphraseFile = join(home, 'vault-passphrase.txt');
      writeFileSync(passphraseFile, `${BACKUP_PASSPHRASE}\n`);
      writeFileSync(vaultPassphraseFile, `${VAULT_PASSPHRASE}\n`);
      const out = join(home, 'exports', 'alice.parleybackup');
      const exported = cli(
        'export',
        '--profile',
        profile,
        '--out',
        out,
        '--port',
        String(port),
        '--passphrase-file',
        passphraseFile,
        '--vault-passphrase-file',
        vaultPassphraseFile,
      );
      expect(exported.stderr).not.toContain('backup:');
      expect(exported.status).toBe(0);
      expect(exported.stdout).toContain('3 messages, 1 contacts');
      const inspected = cli('inspect', out, '--passphrase-file', passphraseFile);
      expect(inspected.status).toBe(0);
      expect(inspected.stdout).toMatch(/Messages: +3,/);
      expect(inspected.stdout).toMatch(/Identity: +included/);
    } finally {
      await bob.dispose();
      await relay.stop();
    }
  });
});
