/**
 * Two clients, Alice and Bob, on one real relay reached through a RelayProxy
 * (the relay's public URL is the proxy's), so a test can make "the relay" lie.
 * Call at the top level of a test file: it registers the hooks.
 */
import { afterAll, beforeAll } from 'vitest';
import { RelayProxy } from './relay-proxy.js';
import { TestClient } from './test-client.js';
import { type RelayProcess, startRelay } from './test-relay.js';

export interface ProxiedPair {
  readonly proxy: RelayProxy;
  readonly alice: TestClient;
  readonly bob: TestClient;
}

export function useProxiedPair(): ProxiedPair {
  let relay: RelayProcess | undefined;
  let pair: ProxiedPair | undefined;
  beforeAll(async () => {
    const proxy = await RelayProxy.start();
    relay = await startRelay({ args: ['--public-url', proxy.url] });
    proxy.target = relay.url;
    const [alice, bob] = await Promise.all([
      TestClient.create('alice', proxy.url),
      TestClient.create('bob', proxy.url),
    ]);
    pair = { proxy, alice, bob };
  });
  afterAll(async () => {
    await Promise.allSettled([pair?.alice.dispose(), pair?.bob.dispose()]);
    await pair?.proxy.close();
    await relay?.dispose();
  });
  const started = (): ProxiedPair => {
    if (pair === undefined) throw new Error('the relay and clients start in beforeAll');
    return pair;
  };
  return {
    get proxy() {
      return started().proxy;
    },
    get alice() {
      return started().alice;
    },
    get bob() {
      return started().bob;
    },
  };
}
