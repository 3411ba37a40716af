/**
 * `npm run bench -w desktop` (fourth part): what unlocking a passphrase vault
 * costs, and where the time goes (vault README, "What an unlock costs").
 *
 *   argon2id   crypto_pwhash with the vault's parameters (MODERATE: 3 passes
 *              over 256 MiB) in this thread, libsodium already loaded: the
 *              derivation itself
 *   worker     the same through the vault's KDF worker (passphrase-kdf.ts),
 *              as every unlock runs it: a new worker thread, its module
 *              loading and libsodium's WASM start, then the derivation
 *   unlock     Vault.unlock of a vault with an identity: the worker, opening
 *              the wrapped vault key, the database and every record
 *   wrong      Vault.unlock with a wrong passphrase: the same derivation,
 *              then BAD_PASSPHRASE
 *
 * Each figure is the median of the rounds, wall time and the CPU time this
 * process spent (all its threads, the worker's included): on a shared 2-core
 * machine the wall time depends on what else runs; the CPU time much less.
 * The load average before and after says how busy the machine was.
 *
 *   node --conditions=source --import tsx bench/unlock-bench.ts [rounds]
 *
 * Ends with one JSON line of every figure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ARGON2ID_MODERATE, deriveKeyFromPassphrase, generateSalt } from '@parley/crypto-core';
import { VaultError } from '../src/common/dispatch.js';
import { Vault } from '../src/vault/index.js';
import { derivePassphraseKey } from '../src/vault/passphrase-kdf.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const PASSPHRASE = 'a passphrase of the length people choose';

interface Cost {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
}

async function measure(work: () => Promise<unknown>): Promise<Cost> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const wall = performance.now() - started;
  const spent = process.cpuUsage(cpu);
  return { wallSeconds: wall / 1000, cpuSeconds: (spent.user + spent.system) / 1e6 };
}

function median(costs: readonly Cost[]): Cost {
  const middle = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return Number((sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(3));
  };
  return {
    wallSeconds: middle(costs.map((cost) => cost.wallSeconds)),
    cpuSeconds: middle(costs.map((cost) => cost.cpuSeconds)),
  };
}

function show(label: string, cost: Cost): void {
  console.log(`${label.padEnd(10)} ${cost.wallSeconds.toFixed(2)} s wall, ${cost.cpuSeconds.toFixed(2)} s CPU`);
}

const profileDir = mkdtempSync(join(tmpdir(), 'parley-unlock-bench-'));
try {
  const loadBefore = loadavg()[0] ?? 0;
  const salt = await generateSalt();
  // Loads libsodium in this thread first, so `argon2id` times the derivation alone.
  await deriveKeyFromPassphrase(PASSPHRASE, salt, { opsLimit: 2, memLimit: 64 * 1024 * 1024 });

  const vault = new Vault({ profileDir, keyProtection: 'passphrase', kdf: ARGON2ID_MODERATE });
  await vault.createIdentity({ passphrase: PASSPHRASE });
  await vault.lock({});

  const rounds = { argon2id: [] as Cost[], worker: [] as Cost[], unlock: [] as Cost[], wrong: [] as Cost[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    rounds.argon2id.push(await measure(() => deriveKeyFromPassphrase(PASSPHRASE, salt, ARGON2ID_MODERATE)));
    rounds.worker.push(
      await measure(() => derivePassphraseKey({ passphrase: PASSPHRASE, salt, params: ARGON2ID_MODERATE })),
    );
    rounds.unlock.push(await measure(() => vault.unlock({ passphrase: PASSPHRASE })));
    await vault.lock({});
    rounds.wrong.push(
      await measure(async () => {
        const refused = await vault.unlock({ passphrase: `${PASSPHRASE}!` }).then(
          () => false,
          (error: unknown) => VaultError.is(error, 'BAD_PASSPHRASE'),
        );
        if (!refused) throw new Error('a wrong passphrase was not refused with BAD_PASSPHRASE');
      }),
    );
  }
  const figures = {
    rounds: ROUNDS,
    params: ARGON2ID_MODERATE,
    argon2id: median(rounds.argon2id),
    worker: median(rounds.worker),
    unlock: median(rounds.unlock),
    wrong: median(rounds.wrong),
    loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number((loadavg()[0] ?? 0).toFixed(2)) },
  };
  console.log(`Argon2id MODERATE (3 passes, 256 MiB), median of ${ROUNDS}:`);
  show('argon2id', figures.argon2id);
  show('worker', figures.worker);
  show('unlock', figures.unlock);
  show('wrong', figures.wrong);
  console.log(`load average ${figures.loadAverage.before} before, ${figures.loadAverage.after} after`);
  console.log(JSON.stringify({ bench: 'unlock', ...figures }));
} finally {
  rmSync(profileDir, { recursive: true, force: true });
}
