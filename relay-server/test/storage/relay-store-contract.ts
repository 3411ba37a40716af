/**
 * The RelayStore contract as executable tests. `describeRelayStoreContract`
 * registers the same suite for any implementation, so the in-memory store
 * that unit tests use and the SQLite store that production uses cannot drift
 * apart. Each test gets a fresh, initialised store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DurabilityReport, RelayStore } from '../../src/storage/relay-store.js';
import { RelayStoreError, RelayStoreErrorCode } from '../../src/storage/relay-store-errors.js';
import { describeAccountContract } from './relay-store-contract-accounts.js';
import { describeEnvelopeContract } from './relay-store-contract-envelopes.js';
import { describePreKeyContract } from './relay-store-contract-prekeys.js';
import { newIdentity, registration, type TestIdentity } from './store-fixtures.js';

/** Text and bytes that must not be found anywhere once an account is erased. */
export interface ResidueNeedles {
  readonly strings: readonly string[];
  readonly bytes: readonly Buffer[];
}

export interface RelayStoreHarness {
  /** A store that `init()` has not been called on. */
  readonly store: RelayStore;
  /**
   * Where any needle still appears (e.g. "envelopes.source_account"), by
   * looking at everything the store keeps. Optional: only stores whose
   * storage a test can read implement it.
   */
  readonly findResidue?: (needles: ResidueNeedles) => Promise<string[]>;
  /** Releases whatever the harness created (temporary folders). Called after `close()`. */
  readonly dispose: () => Promise<void>;
}

/**
 * A fresh, initialised store from `createHarness` for each test of the
 * enclosing describe block, closed and disposed after it.
 */
export function useFreshStore(createHarness: () => Promise<RelayStoreHarness>): {
  readonly harness: RelayStoreHarness;
} {
  const current: { harness: RelayStoreHarness | null } = { harness: null };
  beforeEach(async () => {
    current.harness = await createHarness();
    await current.harness.store.init();
  });
  afterEach(async () => {
    await current.harness?.store.close();
    await current.harness?.dispose();
    current.harness = null;
  });
  return {
    get harness(): RelayStoreHarness {
      if (current.harness === null) throw new Error('no store outside a test');
      return current.harness;
    },
  };
}

/** Resolves to the rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** The running test's store and helpers, handed to each feature's block of the contract. */
export interface ContractContext {
  readonly store: RelayStore;
  readonly harness: RelayStoreHarness;
  /** Registers a fresh account's device 1 (5 EC + 5 Kyber one-time prekeys unless told otherwise). */
  registered(options?: Parameters<typeof registration>[1]): Promise<TestIdentity>;
}

export function ids(envelopes: readonly { readonly id: string }[]): string[] {
  return envelopes.map((envelope) => envelope.id);
}

export function expectStrictlyIncreasing(values: readonly number[]): void {
  for (let index = 1; index < values.length; index++) {
    expect(values[index]).toBeGreaterThan(values[index - 1] ?? Number.POSITIVE_INFINITY);
  }
}

export function describeRelayStoreContract(name: string, createHarness: () => Promise<RelayStoreHarness>): void {
  describe(`${name}: RelayStore contract`, () => {
    let harness: RelayStoreHarness;
    let store: RelayStore;
    let durability: DurabilityReport;

    beforeEach(async () => {
      harness = await createHarness();
      store = harness.store;
      durability = await store.init();
    });

    afterEach(async () => {
      await store.close();
      await harness.dispose();
    });

    /** Registers a fresh account's device 1 (5 EC + 5 Kyber one-time prekeys unless told otherwise). */
    async function registered(options: Parameters<typeof registration>[1] = {}): Promise<TestIdentity> {
      const identity = newIdentity();
      expect(await store.registerDevice(registration(identity, options))).toMatchObject({ takenOver: false });
      return identity;
    }

    describe('lifecycle', () => {
      it('reports what it promises about durability', () => {
        expect(durability.engine).toMatch(/\S/);
        // Nothing survives power loss that does not survive a process crash.
        if (durability.survivesPowerLoss) expect(durability.survivesProcessCrash).toBe(true);
        expect(typeof durability.settings).toBe('object');
      });

      it('answers with promises, and rejects (does not throw) once closed', async () => {
        const answer = store.countEnvelopes();
        expect(answer).toBeInstanceOf(Promise);
        expect(await answer).toBe(0);
        await store.close();
        await store.close(); // idempotent
        const refused = store.countEnvelopes();
        expect(refused).toBeInstanceOf(Promise);
        const error = await rejectionOf(refused);
        expect(RelayStoreError.is(error, RelayStoreErrorCode.StoreClosed)).toBe(true);
      });
    });

    const context: ContractContext = {
      get store() {
        return store;
      },
      get harness() {
        return harness;
      },
      registered,
    };
    describeAccountContract(context);
    describePreKeyContract(context);
    describeEnvelopeContract(context);
  });
}
