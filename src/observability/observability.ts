/**
 * The long-lived observability parts beside the per-request log line (issue 12), one per gateway: the
 * degradation monitor and its timer, the request log's retention, and (when `telemetry.otlp_endpoint`
 * is set) the tracer. `requestEnded` runs after each response has ended, off the request path.
 */
import type { Config } from '../config/schema.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import type { RequestContext } from '../pipeline/context.ts';
import type { RoutingRuntime } from '../routing/runtime.ts';
import type { RequestRow } from '../store/request-log.ts';
import { DegradationMonitor } from './degradation.ts';
import type { Logger } from './logger.ts';
import type { Tracing } from './tracing.ts';

const DAY_MS = 86_400_000;
const CHECK_INTERVAL_MS = 15_000;
const PRUNE_INTERVAL_MS = 3_600_000;

/** How long each rollup granularity is kept: as long as the window that reads it, with a margin. */
function rollupCutoffs(nowMs: number, retentionDays: number): Record<number, number> {
  return {
    10000: nowMs - DAY_MS,
    60000: nowMs - 2 * DAY_MS,
    3600000: nowMs - Math.max(retentionDays, 2) * DAY_MS,
  };
}

export interface ObservabilityOptions {
  config: Config;
  controlPlane: ControlPlane;
  routing: RoutingRuntime;
  logger: Logger;
  clock?: () => number;
}

export class Observability {
  readonly degradation: DegradationMonitor;
  readonly #controlPlane: ControlPlane;
  readonly #routing: RoutingRuntime;
  readonly #logger: Logger;
  readonly #clock: () => number;
  #config: Config;
  #checkTimer: NodeJS.Timeout | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  #pruning: Promise<void> | undefined;
  #tracing: Tracing | undefined;
  /** The tracing setup in progress or done, so reloads apply in order. */
  #tracingChange: Promise<void> = Promise.resolve();

  constructor(options: ObservabilityOptions) {
    this.#config = options.config;
    this.#controlPlane = options.controlPlane;
    this.#routing = options.routing;
    this.#logger = options.logger;
    this.#clock = options.clock ?? Date.now;
    this.degradation = new DegradationMonitor(options.controlPlane.alerts);
  }

  /** Starts the timers and, when an OTLP endpoint is set, the tracer. */
  async start(): Promise<void> {
    await this.#applyTelemetry(this.#config);
    this.#checkTimer ??= setInterval(() => this.checkDegradation(), CHECK_INTERVAL_MS).unref();
    if (this.#controlPlane.store !== undefined && this.#pruneTimer === undefined) {
      this.#pruneTimer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS).unref();
      void this.prune();
    }
  }

  reload(config: Config): void {
    this.#config = config;
    void this.#applyTelemetry(config);
  }

  /** The tracer in force (undefined while tracing is off). */
  get tracing(): Tracing | undefined {
    return this.#tracing;
  }

  /** After the response ended: the degradation monitor hears the attempts; the trace is recorded. */
  requestEnded(ctx: RequestContext, row: RequestRow): void {
    if (row.attempts > 0) this.degradation.record(row, this.#clock());
    const tracing = this.#tracing;
    if (tracing === undefined) return;
    try {
      tracing.record(ctx, row);
    } catch (error) {
      this.#logger.warn({ err: error, request_id: row.requestId }, 'recording the trace failed');
    }
  }

  /**
   * Turns tracing on, off or to another endpoint. The OpenTelemetry SDK is loaded only when an
   * endpoint is set: a gateway without one neither loads nor runs any of it.
   */
  #applyTelemetry(config: Config): Promise<void> {
    const endpoint = config.telemetry.otlp_endpoint;
    const serviceName = config.telemetry.service_name;
    this.#tracingChange = this.#tracingChange.then(async () => {
      const current = this.#tracing;
      if (current?.endpoint === endpoint && current?.serviceName === serviceName) return;
      this.#tracing = undefined;
      await current
        ?.close()
        .catch((error: unknown) => this.#logger.warn({ err: error }, 'closing the tracer failed'));
      if (endpoint === undefined) return;
      try {
        const { Tracing } = await import('./tracing.ts');
        this.#tracing = new Tracing({ endpoint, serviceName });
        this.#logger.info({ otlp_endpoint: endpoint }, 'tracing on: spans go to the OTLP endpoint');
      } catch (error) {
        this.#logger.error({ err: error }, 'tracing could not start; requests are served without it');
      }
    });
    return this.#tracingChange;
  }

  checkDegradation(): void {
    const routing = this.#routing;
    this.degradation.check(this.#clock(), {
      *breakerStates() {
        for (const [id, target] of routing.targets) yield [id, target.breaker.state];
      },
    });
  }

  /** Deletes request-log rows and rollups past their retention; one prune at a time. */
  prune(): Promise<void> {
    const store = this.#controlPlane.store;
    if (store === undefined) return Promise.resolve();
    this.#pruning ??= (async () => {
      const nowMs = this.#clock();
      const days = this.#config.logging.retention_days;
      try {
        const deleted = await store.pruneRequests({
          logBeforeMs: nowMs - days * DAY_MS,
          rollupBeforeMs: rollupCutoffs(nowMs, days),
        });
        if (deleted > 0) this.#logger.info({ deleted, retention_days: days }, 'request log pruned');
      } catch (error) {
        this.#logger.warn({ err: error }, 'pruning the request log failed; retrying in an hour');
      } finally {
        this.#pruning = undefined;
      }
    })();
    return this.#pruning;
  }

  async close(): Promise<void> {
    clearInterval(this.#checkTimer);
    clearInterval(this.#pruneTimer);
    this.#checkTimer = undefined;
    this.#pruneTimer = undefined;
    await this.#pruning;
    await this.#tracingChange;
    const tracing = this.#tracing;
    this.#tracing = undefined;
    // Spans still waiting are sent before the process goes.
    await tracing
      ?.close()
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'closing the tracer failed'));
  }
}
