/**
 * The benchmark's load process (forked by relay-bench.ts, never run alone).
 * On `run` it registers the accounts on the relay, connects one socket per
 * account to the relay and one to the bare forwarder, finds each server's
 * saturation point, then measures both in alternating windows (relay, bare,
 * bare, relay, ...), so that whatever else loads the machine weighs on both
 * alike. The same process and the same client code drive both servers.
 *
 * It exits when told to, or when the orchestrator goes away (IPC channel closed).
 */
import { performance } from 'node:perf_hooks';
import { type BenchAccount, registerAccounts, relayMembers } from './bench-accounts.js';
import type { BenchTarget, LoadCommand, LoadReport, RampStep, RunPlan, TargetResult } from './bench-protocol.js';
import { MeasurementPool, type RecordedWindow } from './delivery-recorder.js';
import { ClientPool, type PoolMember } from './load-clients.js';
import {
  fixedRateWindow,
  RAMP_WINDOWS,
  rampStep,
  type SaturationPoint,
  saturationPointOf,
  saturationWindow,
  type WindowHooks,
} from './load-phases.js';
import { measureScaleOut } from './scale-out-load.js';

function report(message: LoadReport): void {
  process.send?.(message);
}

function hooksFor(target: BenchTarget): WindowHooks {
  return { window: (measurement, edge) => report({ kind: 'window', target, measurement, edge }) };
}

/** The bare forwarder trusts the handshake: the same account ids, no token. */
function bareMembers(accounts: readonly BenchAccount[]): PoolMember[] {
  return accounts.map((account) => ({ accountId: account.accountId, auth: { accountId: account.accountId } }));
}

interface TargetUnderLoad {
  readonly target: BenchTarget;
  readonly pool: ClientPool;
  readonly hooks: WindowHooks;
  readonly connectSeconds: number;
  readonly saturationWindows: MeasurementPool;
  readonly fixedRateWindows: MeasurementPool;
  saturationPoint: SaturationPoint;
}

async function connectTarget(target: BenchTarget, url: string, members: readonly PoolMember[]) {
  report({ kind: 'progress', message: `connecting ${members.length} websocket clients to the ${target}` });
  const started = performance.now();
  const pool = await ClientPool.connect(url, members);
  const underLoad: TargetUnderLoad = {
    target,
    pool,
    hooks: hooksFor(target),
    connectSeconds: (performance.now() - started) / 1000,
    saturationWindows: new MeasurementPool(),
    fixedRateWindows: new MeasurementPool(),
    saturationPoint: { perClientWindow: 1, ramp: [] },
  };
  return underLoad;
}

/** Runs `measure` once per target per round, alternating which target goes first. */
async function alternate(
  targets: readonly [TargetUnderLoad, TargetUnderLoad],
  rounds: number,
  measure: (target: TargetUnderLoad) => Promise<RecordedWindow>,
  keep: (target: TargetUnderLoad, window: RecordedWindow) => void,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? targets : ([targets[1], targets[0]] as const);
    for (const target of order) keep(target, await measure(target));
  }
}

function resultOf(target: TargetUnderLoad, plan: RunPlan, registerSeconds: number): TargetResult {
  return {
    target: target.target,
    clients: plan.clients,
    registerSeconds,
    connectSeconds: target.connectSeconds,
    // The orchestrator fills in the server's CPU, which only it can see.
    saturation: { ...target.saturationWindows.summary(), ...target.saturationPoint, serverCpuPercent: null },
    fixedRate: {
      ...target.fixedRateWindows.summary(),
      offeredPerSecond: plan.fixedRatePerSecond,
      serverCpuPercent: null,
    },
    errors: target.pool.errors(),
  };
}

async function run(plan: RunPlan): Promise<{ relay: TargetResult; bare: TargetResult }> {
  report({ kind: 'progress', message: `registering ${plan.clients} accounts on the relay` });
  const registerStarted = performance.now();
  const accounts = await registerAccounts(plan.relayUrl, plan.clients);
  const registerSeconds = (performance.now() - registerStarted) / 1000;

  const relay = await connectTarget('relay', plan.relayUrl, relayMembers(accounts));
  let bare: TargetUnderLoad | null = null;
  try {
    bare = await connectTarget('bare', plan.bareUrl, bareMembers(accounts));
    const targets = [relay, bare] as const;
    report({ kind: 'progress', message: 'ramping to saturation, alternating the servers step by step' });
    const ramps = new Map<TargetUnderLoad, RampStep[]>(targets.map((target) => [target, []]));
    for (const [index, perClientWindow] of RAMP_WINDOWS.entries()) {
      const order = index % 2 === 0 ? targets : ([targets[1], targets[0]] as const);
      for (const target of order) {
        const step = await rampStep(target.pool, perClientWindow, target.hooks);
        ramps.get(target)?.push(step);
        report({
          kind: 'progress',
          message: `  ${target.target}: ${perClientWindow} outstanding per client -> ${Math.round(step.deliveredPerSecond)}/s`,
        });
      }
    }
    for (const target of targets) target.saturationPoint = saturationPointOf(ramps.get(target) ?? []);
    const windowMs = plan.windowSeconds * 1000;
    report({ kind: 'progress', message: `saturation: ${plan.rounds} windows of ${plan.windowSeconds} s per server` });
    await alternate(
      targets,
      plan.rounds,
      (target) => saturationWindow(target.pool, target.saturationPoint.perClientWindow, windowMs, target.hooks),
      (target, window) => target.saturationWindows.add(window),
    );
    report({
      kind: 'progress',
      message: `fixed rate of ${plan.fixedRatePerSecond}/s: ${plan.rounds} windows per server`,
    });
    await alternate(
      targets,
      plan.rounds,
      (target) => fixedRateWindow(target.pool, plan.fixedRatePerSecond, windowMs, target.hooks),
      (target, window) => target.fixedRateWindows.add(window),
    );
    return { relay: resultOf(relay, plan, registerSeconds), bare: resultOf(bare, plan, 0) };
  } finally {
    relay.pool.close();
    bare?.pool.close();
  }
}

process.on('disconnect', () => process.exit(1));
process.on('message', (message: unknown) => {
  const command = message as LoadCommand;
  if (command.kind === 'exit') process.exit(0);
  if (command.kind === 'scale-out') {
    measureScaleOut(command, (message) => report({ kind: 'progress', message }), hooksFor('relay')).then(
      (result) => report({ kind: 'scale-out-result', result }),
      (error: unknown) => report({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
    return;
  }
  run(command).then(
    (results) => report({ kind: 'result', ...results }),
    (error: unknown) => report({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
});
