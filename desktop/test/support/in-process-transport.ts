/**
 * The vault behind the same boundary the app uses, inside the test process:
 * every call goes through dispatchVaultCall (argument validation, errors as
 * Results) and every argument and answer through a JSON round trip, as over
 * IPC or the web shell's WebSocket, so the engine cannot lean on shared
 * objects. Vault events are forwarded like a host forwards them.
 */
import { dispatchVaultCall } from '../../src/common/dispatch.js';
import type { VaultTransport } from '../../src/common/invoke.js';
import type { Result } from '../../src/common/result.js';
import type { VaultEventName } from '../../src/common/vault-api.js';
import type { Vault } from '../../src/vault/index.js';

const EVENT_NAMES: readonly VaultEventName[] = ['locked'];

function jsonCopy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export class InProcessTransport implements VaultTransport {
  /** When set, calls fail as a dead transport would (the promise rejects). */
  unreachable = false;
  readonly calls = new Map<string, number>();
  /** Milliseconds spent in each method (for performance notes). */
  readonly timings = new Map<string, number>();

  constructor(private readonly vault: Vault) {}

  async call(method: string, args: unknown): Promise<Result<unknown>> {
    if (this.unreachable) throw new Error('in-process transport: vault unreachable');
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    const started = performance.now();
    try {
      return jsonCopy(await dispatchVaultCall(this.vault, method, jsonCopy(args)));
    } finally {
      this.timings.set(method, (this.timings.get(method) ?? 0) + performance.now() - started);
    }
  }

  onEvent(listener: (name: VaultEventName, payload: unknown) => void): () => void {
    const unsubscribers = EVENT_NAMES.map((name) =>
      this.vault.on(name, (payload) => listener(name, jsonCopy(payload))),
    );
    return () => {
      for (const unsubscribe of unsubscribers) unsubscribe();
    };
  }
}
