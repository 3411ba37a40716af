/**
 * What the benchmark's processes tell each other over the child_process IPC
 * channel, and the figures a run produces. The orchestrator (relay-bench.ts)
 * starts both servers and the load process; the load process
 * (load-process.ts) drives the clients and reports back.
 */

/** A server under load: the real relay, or the bare socket.io forwarder (no storage, no auth). */
export type BenchTarget = 'relay' | 'bare';

/** The two measurements of a target. */
export type MeasurementName = 'saturation' | 'fixed-rate';

/** One measurement of one target, pooled over its interleaved windows. */
export interface LoadFigures {
  /** Envelopes received by their recipients per second, over all windows of this measurement. */
  readonly deliveredPerSecond: number;
  /** The same, per window, in the order they ran (shows the spread). */
  readonly deliveredPerSecondByWindow: readonly number[];
  /** Send-to-receive latency percentiles (ms) of every envelope received in those windows. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Envelopes counted (the latency sample size). */
  readonly samples: number;
  /** Total measured time. */
  readonly windowSeconds: number;
  /** CPU the server process used in the windows, in % of one core (null when /proc is not readable). */
  readonly serverCpuPercent: number | null;
  /** CPU the load process used in the windows, in % of one core. */
  readonly loadCpuPercent: number;
}

export interface RampStep {
  /** Sends each client keeps outstanding (awaiting the server's send acknowledgement). */
  readonly perClientWindow: number;
  readonly deliveredPerSecond: number;
}

export interface SaturationFigures extends LoadFigures {
  /** The per-client window held for the measurement: the smallest one that reached the plateau. */
  readonly perClientWindow: number;
  readonly ramp: readonly RampStep[];
}

export interface FixedRateFigures extends LoadFigures {
  readonly offeredPerSecond: number;
}

export interface ErrorCounts {
  /** Sends the server answered with ok: false (e.g. RATE_LIMITED, UNAVAILABLE). */
  readonly sendsRefused: number;
  /** Acks the server answered with ok: false. */
  readonly acksRefused: number;
  /** Envelopes received a second time (same envelope id). */
  readonly duplicates: number;
  /** Accepted envelopes not received by the end of the run's drains. */
  readonly undelivered: number;
  /** Connections that dropped during the run. */
  readonly disconnects: number;
}

export interface TargetResult {
  readonly target: BenchTarget;
  readonly clients: number;
  /** Registering the accounts (relay only; 0 for the bare forwarder). */
  readonly registerSeconds: number;
  readonly connectSeconds: number;
  readonly saturation: SaturationFigures;
  readonly fixedRate: FixedRateFigures;
  readonly errors: ErrorCounts;
}

export interface RunPlan {
  readonly relayUrl: string;
  readonly bareUrl: string;
  readonly clients: number;
  readonly fixedRatePerSecond: number;
  /** Windows per target and measurement, alternating between the targets. */
  readonly rounds: number;
  readonly windowSeconds: number;
}

/** The stores of the scale-out phase: the single-node SQLite relay, or N nodes on PostgreSQL and Redis. */
export type ScaleOutStore = 'sqlite' | 'postgres+redis';

/** One scale-out measurement: clients spread round robin over `nodeUrls`, each connected to one node. */
export interface ScaleOutPlan {
  readonly label: string;
  readonly store: ScaleOutStore;
  readonly nodeUrls: readonly string[];
  readonly clients: number;
  /** Sends outstanding per client in the saturation window (the relay's saturation point from the main run). */
  readonly perClientWindow: number;
  readonly fixedRatePerSecond: number;
  readonly windowSeconds: number;
}

export interface ScaleOutResult {
  readonly label: string;
  readonly store: ScaleOutStore;
  readonly nodes: number;
  readonly clients: number;
  readonly registerSeconds: number;
  readonly connectSeconds: number;
  /** Pairs whose two clients sit on different nodes (their envelopes cross nodes through Redis wake-ups). */
  readonly crossNodePairs: number;
  readonly saturation: LoadFigures & { readonly perClientWindow: number };
  readonly fixedRate: LoadFigures & { readonly offeredPerSecond: number };
  readonly errors: ErrorCounts;
}

/** Orchestrator -> load process. */
export type LoadCommand =
  | ({ readonly kind: 'run' } & RunPlan)
  | ({ readonly kind: 'scale-out' } & ScaleOutPlan)
  | { readonly kind: 'exit' };

/** Load process -> orchestrator. */
export type LoadReport =
  | { readonly kind: 'progress'; readonly message: string }
  /** A measurement window opens or closes: the orchestrator samples the target server's CPU time then. */
  | {
      readonly kind: 'window';
      readonly target: BenchTarget;
      readonly measurement: MeasurementName;
      readonly edge: 'open' | 'close';
    }
  | { readonly kind: 'result'; readonly relay: TargetResult; readonly bare: TargetResult }
  /** A scale-out measurement's figures (the orchestrator fills in the nodes' CPU and store). */
  | { readonly kind: 'scale-out-result'; readonly result: ScaleOutResult }
  | { readonly kind: 'failed'; readonly message: string };
