/**
 * The load side of the benchmark's scale-out phase (run in the load process):
 * registers the plan's accounts through the first node (every node shares one
 * store), connects each client straight to one node, round robin, so partners
 * sit on neighbouring nodes and their envelopes cross nodes, then measures one
 * saturation window and one fixed-rate window with the same drivers as the
 * main run.
 */
import { performance } from 'node:perf_hooks';
import { registerAccounts, relayMembers } from './bench-accounts.js';
import type { ScaleOutPlan, ScaleOutResult } from './bench-protocol.js';
import { MeasurementPool } from './delivery-recorder.js';
import { ClientPool, partnerOf } from './load-clients.js';
import { fixedRateWindow, saturationWindow, type WindowHooks } from './load-phases.js';

/** Pairs whose partners connect to different nodes under round-robin placement. */
function crossNodePairs(clients: number, nodes: number): number {
  let pairs = 0;
  for (let client = 0; client < clients; client += 2) {
    if (client % nodes !== partnerOf(client, clients) % nodes) pairs++;
  }
  return pairs;
}

export async function measureScaleOut(
  plan: ScaleOutPlan,
  progress: (message: string) => void,
  hooks: WindowHooks,
): Promise<ScaleOutResult> {
  const [firstNode] = plan.nodeUrls;
  if (firstNode === undefined) throw new Error('a scale-out plan needs at least one node');
  progress(`${plan.label}: registering ${plan.clients} accounts`);
  const registerStarted = performance.now();
  const accounts = await registerAccounts(firstNode, plan.clients);
  const registerSeconds = (performance.now() - registerStarted) / 1000;
  progress(`${plan.label}: connecting ${plan.clients} clients over ${plan.nodeUrls.length} node(s)`);
  const connectStarted = performance.now();
  const pool = await ClientPool.connect(plan.nodeUrls, relayMembers(accounts));
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  try {
    const windowMs = plan.windowSeconds * 1000;
    const saturation = new MeasurementPool();
    saturation.add(await saturationWindow(pool, plan.perClientWindow, windowMs, hooks));
    const fixedRate = new MeasurementPool();
    fixedRate.add(await fixedRateWindow(pool, plan.fixedRatePerSecond, windowMs, hooks));
    return {
      label: plan.label,
      store: plan.store,
      nodes: plan.nodeUrls.length,
      clients: plan.clients,
      registerSeconds,
      connectSeconds,
      crossNodePairs: crossNodePairs(plan.clients, plan.nodeUrls.length),
      saturation: { ...saturation.summary(), perClientWindow: plan.perClientWindow, serverCpuPercent: null },
      fixedRate: { ...fixedRate.summary(), offeredPerSecond: plan.fixedRatePerSecond, serverCpuPercent: null },
      errors: pool.errors(),
    };
  } finally {
    pool.close();
  }
}
