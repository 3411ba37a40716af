/**
 * The web shell's CSP: the shared renderer policy (host/security-headers.ts)
 * with the shell's own vault socket added to connect-src explicitly, because
 * older engines do not count ws: as 'self'.
 */
import { contentSecurityPolicy as rendererPolicy } from '../host/security-headers.js';

export { relayConnectSources, securityHeaders } from '../host/security-headers.js';

export interface ShellCspSources {
  /** The shell's own port. */
  readonly port: number;
  /** Canonical relay URLs the page may reach. */
  readonly relayUrls: readonly string[];
}

export function contentSecurityPolicy(sources: ShellCspSources): string {
  return rendererPolicy({
    extraConnectSources: [`ws://127.0.0.1:${sources.port}`, `ws://localhost:${sources.port}`],
    relayUrls: sources.relayUrls,
  });
}
