/**
 * Everything a request or socket handler may use, built once at start-up by
 * relay.ts and passed explicitly (no module-level singletons, so tests and
 * several relays in one process stay independent).
 */
import type { ChallengeService } from './auth/challenges.js';
import type { RelayUrls } from './auth/relay-urls.js';
import type { TokenService } from './auth/tokens.js';
import type { BlobFolder } from './blobs/blob-folder.js';
import type { RedisCluster } from './cluster/redis-cluster.js';
import type { RelayConfig } from './config.js';
import type { SealedSenderAuthority } from './crypto/index.js';
import type { ConnectionRegistry } from './delivery/connection-registry.js';
import type { EnvelopeCommitter } from './delivery/envelope-committer.js';
import type { ConnectionLimiter } from './limits/connection-limiter.js';
import type { RateLimits } from './limits/rate-limits.js';
import type { Logger } from './logging.js';
import type { RelayMetrics } from './metrics.js';
import type { RelayStore } from './storage/relay-store.js';

/** Set once when shutdown begins; handlers refuse new work with UNAVAILABLE from then on. */
export interface Lifecycle {
  readonly shuttingDown: boolean;
}

export interface RelayContext {
  readonly config: RelayConfig;
  readonly store: RelayStore;
  /** Attachment blobs, on disk in --blob-dir. */
  readonly blobs: BlobFolder;
  readonly logger: Logger;
  readonly metrics: RelayMetrics;
  readonly limits: RateLimits;
  /** Open connections per client address (--max-connections-per-ip). */
  readonly connectionLimiter: ConnectionLimiter;
  readonly tokens: TokenService;
  readonly challenges: ChallengeService;
  /** This relay's URLs, which challenge signatures must name (settled at listen). */
  readonly relayUrls: RelayUrls;
  readonly sealedSender: SealedSenderAuthority;
  readonly connections: ConnectionRegistry;
  readonly committer: EnvelopeCommitter;
  /** The other relay nodes, through Redis (--redis); null on a single node. */
  readonly cluster: RedisCluster | null;
  readonly lifecycle: Lifecycle;
  /** Version reported by /healthz. */
  readonly version: string;
}
