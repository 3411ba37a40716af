/** Reads the web shell's configuration for the page (relays it was started with). */
import { WEB_SHELL_CONFIG_PATH, type WebShellConfig } from '../../common/web-shell-protocol.js';

export async function fetchWebShellConfig(fetchImpl: typeof fetch = fetch): Promise<WebShellConfig> {
  const response = await fetchImpl(WEB_SHELL_CONFIG_PATH, { cache: 'no-store', credentials: 'same-origin' });
  if (!response.ok) throw new Error(`the web shell answered ${response.status} for ${WEB_SHELL_CONFIG_PATH}`);
  const config: unknown = await response.json();
  if (typeof config !== 'object' || config === null || !('relayUrls' in config) || !Array.isArray(config.relayUrls)) {
    throw new Error(`the web shell's ${WEB_SHELL_CONFIG_PATH} is not a web shell config`);
  }
  return config as WebShellConfig;
}
