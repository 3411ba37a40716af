/**
 * The CSP the page gets, and whether the page's current document can reach a
 * relay. connect-src lists exactly 'self' and the allowed relays' origins
 * (http(s) and the ws(s) twin), so the policy, like the request filter, names
 * the hosts. A document keeps the CSP it was served with for its whole life:
 * a relay allowed afterwards passes the request filter at once but is still
 * blocked by that document's CSP, so allowRelay (relay-gate.ts) answers
 * `reloadRequired` and the page reloads to get a policy that lists it (the renderer saves what it
 * was doing first). Relays given at launch, and every relay allowed before,
 * are in the policy from the first load, so the normal path never reloads.
 */
import type { BridgeRelayAccess } from '../common/preload-api.js';
import { contentSecurityPolicy, relayConnectSources } from '../host/security-headers.js';
import type { AllowedRelays } from './allowed-relays.js';

export class PageCsp {
  /** The relay origins in the CSP of the document the window shows (the last one served). */
  #documentOrigins: ReadonlySet<string>;

  constructor(private readonly relays: AllowedRelays) {
    this.#documentOrigins = relays.origins;
  }

  /** The CSP for an answer served now: 'self' and every relay allowed so far. */
  policy(): string {
    return contentSecurityPolicy({ extraConnectSources: [], relayUrls: this.relays.relayUrls });
  }

  /** The app served an HTML document: the page now runs under policy() as of this moment. */
  documentServed(): void {
    this.#documentOrigins = this.relays.origins;
  }

  /** For a relay that is allowed: answered as is when this document's CSP lists it, else `reloadRequired`. */
  accessFor(canonicalUrl: string): BridgeRelayAccess {
    const covered = relayConnectSources(canonicalUrl).every((origin) => this.#documentOrigins.has(origin));
    return covered ? { allowed: true } : { allowed: true, reloadRequired: true };
  }
}
