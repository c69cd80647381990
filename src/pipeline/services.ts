import type { ResponseCache } from '../cache/response-cache.ts';
import type { ChaosControl } from '../chaos/chaos-control.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import type { Logger } from '../observability/logger.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { Observability } from '../observability/observability.ts';

/** Long-lived collaborators the stages use; one instance per process. */
export interface Services {
  logger: Logger;
  metrics: GatewayMetrics;
  /** Injected so weighted routing is reproducible in tests. */
  random: () => number;
  /** Keys, limits, prices, spend and alerts; the gateway creates it when the caller gives none. */
  controlPlane?: ControlPlane;
  /** Traces, degradation alerts and request-log retention (issue 12); the gateway creates it. */
  observability?: Observability;
  /** The response cache (issue 14); the gateway creates it from `state` when the caller gives none. */
  cache?: ResponseCache;
  /** Fault injection in force (the `chaos` section, /admin/chaos); the gateway creates it. */
  chaos?: ChaosControl;
  /**
   * Set by the gateway when a shutdown's grace period is over and it cuts what is still running: a
   * request whose connection closes then was cut by the gateway, not left by its client.
   */
  cutting?: boolean;
}
