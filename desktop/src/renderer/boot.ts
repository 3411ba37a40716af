/**
 * The renderer's entry until the Svelte app exists (issue 5): connects to the
 * vault through whichever transport this environment offers and shows the
 * vault's status as text. End-to-end tests read the `data-state` attributes.
 */
import { createVaultClient, unwrap } from '../common/invoke.js';
import type { VaultStatus } from '../common/vault-api.js';
import { ElectronTransport } from './transport/electron-transport.js';
import { selectTransport } from './transport/select-transport.js';
import { fetchWebShellConfig } from './transport/web-shell-config.js';

function output(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html lacks #${id}`);
  return element;
}

function show(id: string, state: string, text: string): void {
  const element = output(id);
  element.dataset.state = state;
  element.textContent = text;
}

function statusText(status: VaultStatus): string {
  const account = status.account ? `, account ${status.account.accountId}` : '';
  return `${status.state} (key protection: ${status.keyProtection}${account})`;
}

async function boot(): Promise<void> {
  const transport = selectTransport();
  const client = createVaultClient(transport);
  const refresh = async () => {
    const status = unwrap(await client.invoke('getStatus', {}));
    show('vault-status', status.state, statusText(status));
  };

  client.on('locked', () => {
    refresh().catch(showError);
  });
  if (transport instanceof ElectronTransport) {
    show('connection', 'open', 'Electron');
    show('relay', 'unknown', 'set by the app');
    await refresh();
    return;
  }
  // Every time the shell accepts this page, including after a reconnect
  // (events are not replayed across one), the status is read afresh.
  transport.onStateChange((state) => {
    show('connection', state, state);
    if (state === 'open') refresh().catch(showError);
  });
  const config = await fetchWebShellConfig();
  show('relay', config.defaultRelayUrl ? 'set' : 'none', config.defaultRelayUrl ?? 'none configured');
  await transport.connect();
}

function showError(error: unknown): void {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'error';
  const message = error instanceof Error ? error.message : String(error);
  show('vault-status', 'error', `${code}: ${message}`);
}

boot().catch(showError);
