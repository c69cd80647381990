/**
 * The gateway process: the HTTP listener, the current config snapshot, and graceful shutdown. The
 * route table is a plain object keyed by method and path, answered before any other work (docs/style.md
 * §1.6): the hot path pays one property lookup to find its handler.
 */
import { ChaosControl } from '../chaos/chaos-control.ts';
import { chaosAdminRoutes } from './admin-chaos.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CompiledProvider, compileConfig, type Snapshot } from '../config/compile.ts';
import type { Config } from '../config/schema.ts';
import { internalError, missingHostHeader, routeNotFound, shuttingDown } from '../errors/codes.ts';
import type { GatewayError } from '../errors/gateway-error.ts';
import { authenticate } from '../pipeline/auth.ts';
import { RequestContext } from '../pipeline/context.ts';
import { writeErrorResponse } from '../pipeline/respond.ts';
import { handleChatCompletion } from '../pipeline/run.ts';
import type { Services } from '../pipeline/services.ts';
import { RoutingRuntime } from '../routing/runtime.ts';
import { FallbackState } from '../state/fallback-state.ts';
import { createStateStore } from '../state/from-config.ts';
import { RedisState } from '../state/redis.ts';
import type { StateStore } from '../state/types.ts';
import { UpstreamPools } from '../transport/pools.ts';
import { ControlPlane } from '../control-plane/control-plane.ts';
import { createResponseCache } from '../cache/from-config.ts';
import type { ResponseCache } from '../cache/response-cache.ts';
import type { Store } from '../store/types.ts';
import { batchRoutes } from '../batch/routes.ts';
import { BatchService } from '../batch/service.ts';
import { Observability } from '../observability/observability.ts';
import { keyAdminRoutes } from './admin-keys.ts';
import { pricingAdminRoutes } from './admin-pricing.ts';
import { adminRoutingRoutes } from './admin-routing.ts';
import { spendAdminRoutes } from './admin-spend.ts';
import { requestLogAdminRoutes } from './admin-requests.ts';
import { statsAdminRoutes } from './admin-stats.ts';
import { dashboardRoutes } from '../dashboard/routes.ts';
import { answerClientError } from './client-error.ts';
import { anthropicErrorResponse } from '../fronts/anthropic-messages/errors.ts';
import { frontRoutes } from './front-routes.ts';
import { modelIdFromPath, modelsBody } from './models-endpoint.ts';
import { methodNotAllowedFor } from './method-not-allowed.ts';
import { requestIdFor } from './request-id.ts';

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  startedAt: number,
) => void | Promise<void>;

/**
 * A route with an id in its path: the handler gets the decoded id. A key with `:id` (`/v1/batches/:id/cancel`)
 * matches one path segment there and the exact rest; a key ending in `/` (`/admin/keys/`) takes the whole
 * rest of the path as the id.
 */
type IdHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  id: string,
) => void | Promise<void>;

interface IdRoute {
  prefix: string;
  suffix: string;
  /** The id is one path segment (a `:id` key), not the whole rest of the path. */
  segment: boolean;
  handlers: Record<string, IdHandler>;
}

/** Longest suffix first, so `/v1/files/:id/content` is tried before `/v1/files/:id`. */
function idRoutesOf(table: Record<string, Record<string, IdHandler>>): IdRoute[] {
  const routes: IdRoute[] = [];
  for (const [key, handlers] of Object.entries(table)) {
    const at = key.indexOf(':id');
    const segment = at !== -1;
    const prefix = segment ? key.slice(0, at) : key;
    const suffix = segment ? key.slice(at + 3) : '';
    routes.push({ prefix, suffix, segment, handlers });
  }
  return routes.sort((a, b) => b.suffix.length - a.suffix.length);
}

export interface GatewayOptions {
  config: Config;
  services: Services;
  /** Routing state: a store other than the one `config.state` names (tests), an injected clock. */
  routing?: { state?: StateStore; clock?: () => number };
  /** The opened store (`serve` opens the one `config.store` names); none: nothing persists. */
  store?: Store;
}

/**
 * How long a shutdown waits, once it cut the last connections, for their handlers to unwind (abort the
 * upstream call, settle, write the log row and the span) before the store and the tracer close.
 */
const UNWIND_MS = 2_000;

/** Resolves when the callback `arm` is given is called, or after `limitMs`, whichever comes first. */
function calledOrAfter(limitMs: number, arm: (done: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, limitMs);
    timer.unref();
    arm(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export class Gateway {
  readonly services: Services;
  readonly pools = new UpstreamPools();
  /** Breakers, health and key cooldowns; survives reloads. */
  readonly routing: RoutingRuntime;
  /** Keys, limits, prices, spend and alerts. */
  readonly controlPlane: ControlPlane;
  /** Degradation alerts, request-log retention, traces. */
  readonly observability: Observability;
  /** The response cache (issue 14): memory, or the Redis `state` names. */
  readonly cache: ResponseCache;
  /** Fault injection in force (the `chaos` section, /admin/chaos). */
  readonly chaos: ChaosControl;
  readonly server: Server;
  /** Files, batch jobs and the aggregator; undefined without a store that holds batches. */
  readonly batches: BatchService | undefined;
  #snapshot: Snapshot;
  #inFlight = 0;
  /** Handlers not yet returned: a request cut by shutdown still unwinds and records itself after its socket closed. */
  #handlersRunning = 0;
  #handlersDone: (() => void) | undefined;
  readonly #handlerDone = (): void => {
    if (--this.#handlersRunning === 0) this.#handlersDone?.();
  };
  #draining = false;
  #idle: (() => void) | undefined;
  #routes: Record<string, Record<string, Handler>>;
  readonly #state: StateStore;
  /** Prefix → method → handler, tried in order when no exact route matches. */
  #idRoutes: IdRoute[];

  constructor(options: GatewayOptions) {
    const state = options.routing?.state ?? createStateStore(options.config.state);
    this.#state = state;
    this.controlPlane =
      options.services.controlPlane ??
      new ControlPlane({
        config: options.config,
        state: limitsState(state, options.config, options.services.logger),
        store: options.store,
        logger: options.services.logger,
        metrics: options.services.metrics,
      });
    this.cache =
      options.services.cache ??
      createResponseCache(options.config, options.services.logger, options.services.metrics);
    this.chaos = options.services.chaos ?? new ChaosControl(options.config.chaos);
    this.routing = new RoutingRuntime({
      state,
      logger: options.services.logger,
      metrics: options.services.metrics,
      clock: options.routing?.clock,
      random: options.services.random,
    });
    this.observability =
      options.services.observability ??
      new Observability({
        config: options.config,
        controlPlane: this.controlPlane,
        routing: this.routing,
        logger: options.services.logger,
      });
    this.services = {
      ...options.services,
      controlPlane: this.controlPlane,
      observability: this.observability,
      cache: this.cache,
      chaos: this.chaos,
    };
    this.routing.chaos = this.chaos;
    this.#snapshot = compileConfig(options.config, this.pools, 1, this.routing);
    // Node checks both timeouts below on this interval (default 30 s, which would let a stalled client
    // overstay its deadline by that much); the check walks a native list of open sockets, off the hot path.
    // requireHostHeader off: Node's own refusal of a Host-less HTTP/1.1 request is a bare 400 with no
    // body; #dispatch refuses it with the envelope instead.
    this.server = createServer(
      { keepAliveTimeout: 65_000, connectionsCheckingInterval: 1000, requireHostHeader: false },
      (req, res) => this.#dispatch(req, res),
    );
    applyClientTimeouts(this.server, options.config);
    this.server.on('clientError', (error, socket) =>
      answerClientError(error, socket, this.#snapshot.config.server.request_timeout_ms),
    );
    const chat: Handler = (req, res, id, at) => this.#chat(req, res, id, at);
    const models: Handler = (req, res, id) => this.#models(req, res, id);
    this.#routes = {
      '/v1/chat/completions': { POST: chat },
      '/chat/completions': { POST: chat },
      '/v1/models': { GET: models },
      '/models': { GET: models },
      '/healthz': { GET: (_req, res, id) => sendJson(res, 200, '{"status":"ok"}', id) },
      '/readyz': { GET: (_req, res, id) => this.#ready(res, id) },
      '/metrics': { GET: (_req, res, id) => this.#metrics(res, id) },
      ...adminRoutingRoutes(() => this.#snapshot),
      ...pricingAdminRoutes(() => this.#snapshot, this.controlPlane),
      ...spendAdminRoutes(() => this.#snapshot, this.controlPlane),
      ...frontRoutes(
        (req, res, id, at) => new RequestContext(id, this.#snapshot, req, res, at),
        this.services,
      ),
      ...requestLogAdminRoutes(() => this.#snapshot, this.controlPlane),
      ...statsAdminRoutes(() => this.#snapshot, this.controlPlane),
      ...dashboardRoutes(),
      ...chaosAdminRoutes(() => this.#snapshot, this.chaos),
    };
    const keyRoutes = keyAdminRoutes(() => this.#snapshot, this.controlPlane);
    Object.assign(this.#routes, keyRoutes.exact);
    const batchStore = this.controlPlane.store?.batches;
    this.batches =
      batchStore === undefined
        ? undefined
        : new BatchService({
            store: batchStore,
            snapshot: () => this.#snapshot,
            controlPlane: this.controlPlane,
            logger: options.services.logger,
          });
    const batchApi = batchRoutes(
      () => this.#snapshot,
      this.controlPlane,
      () => this.batches,
    );
    Object.assign(this.#routes, batchApi.exact);
    this.#idRoutes = idRoutesOf({ ...keyRoutes.prefixed, ...batchApi.prefixed });
  }

  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Swap in a new config. Requests already running keep the snapshot they started with. */
  reload(config: Config): void {
    const next = compileConfig(config, this.pools, this.#snapshot.version + 1, this.routing);
    this.#snapshot = next;
    this.controlPlane.reload(config);
    this.observability.reload(config);
    this.chaos.set(config.chaos);
    applyClientTimeouts(this.server, config);
    const inUse = new Set<CompiledProvider['pool']>();
    for (const provider of next.providers.values()) inUse.add(provider.pool);
    this.pools
      .retain(inUse)
      .catch((error: unknown) =>
        this.services.logger.warn({ err: error }, 'closing an unused upstream pool failed'),
      );
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    // Store keys must be in memory before the first request, or a valid key would get a 401.
    await Promise.all([this.controlPlane.start(), this.cache.ready()]);
    await warmState(this.#state, this.services.logger);
    await this.batches?.start();
    await this.observability.start();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  /**
   * Stop taking requests, let in-flight requests and streams finish (up to `graceMs`), then close.
   * New requests that arrive on open keep-alive connections meanwhile get a 503 with `connection: close`.
   */
  async shutdown(graceMs: number): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.#inFlight > 0)
      await calledOrAfter(graceMs, (done) => {
        this.#idle = done;
      });
    this.services.cutting = true;
    this.server.closeAllConnections();
    await closed;
    // Each cut request aborts its upstream call and writes its log row and span; the log and the tracer
    // close only after that (bounded: a handler that never returns must not hold the process).
    if (this.#handlersRunning > 0)
      await calledOrAfter(UNWIND_MS, (done) => {
        this.#handlersDone = done;
      });
    await this.batches?.stop();
    await this.pools.destroy();
    await this.observability.close();
    await this.controlPlane.close();
    await this.cache.close();
    await this.routing.close();
  }

  #dispatch(req: IncomingMessage, res: ServerResponse): void {
    const startedAt = performance.now();
    const requestId = requestIdFor(req.headers['x-request-id']);
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    // RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without Host.
    if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
      res.shouldKeepAlive = false;
      this.#fail(res, missingHostHeader(), requestId);
      return;
    }
    // `/v1/models/{id}` reads its id in the models handler; admin ids (`/admin/keys/:id`) are bound here.
    const methods =
      this.#routes[path] ??
      (modelIdFromPath(path) === undefined ? this.#idRouteFor(path) : this.#routes['/v1/models']);
    if (methods === undefined) {
      this.#fail(res, routeNotFound(req.method ?? 'GET', path), requestId);
      return;
    }
    const method = req.method ?? 'GET';
    // HEAD is GET without a body (RFC 9110 §9.3.2); Node drops the body of a response to HEAD itself.
    const handler = methods[method] ?? (method === 'HEAD' ? methods.GET : undefined);
    if (handler === undefined) {
      const error = methodNotAllowedFor(method, path, methods);
      // Anthropic's clients read Anthropic's envelope on every answer of /v1/messages, a 405 included.
      this.#fail(res, error, requestId, path === '/v1/messages' ? anthropicErrorResponse(error) : undefined);
      return;
    }
    if (this.#draining && path !== '/healthz' && path !== '/readyz') {
      res.shouldKeepAlive = false;
      this.#fail(res, shuttingDown(), requestId);
      return;
    }
    this.#inFlight++;
    res.once('close', () => {
      this.#inFlight--;
      if (this.#inFlight === 0) this.#idle?.();
    });
    const result = handler(req, res, requestId, startedAt);
    if (result instanceof Promise) {
      this.#handlersRunning++;
      result.then(this.#handlerDone, (error: unknown) => {
        this.#handlerDone();
        this.services.logger.error({ err: error, request_id: requestId }, 'handler failed');
        // Before the first byte the client still gets the envelope and the id to quote; after it, a
        // half-written response can only be cut so the client sees it broke.
        if (!res.headersSent) writeErrorResponse(res, internalError(requestId, error), requestId);
        else res.destroy();
      });
    }
  }

  /** The methods of an id route (`/admin/keys/:id`) with the id bound; undefined when none matches. */
  #idRouteFor(path: string): Record<string, Handler> | undefined {
    for (const { prefix, suffix, segment, handlers } of this.#idRoutes) {
      if (!path.startsWith(prefix) || !path.endsWith(suffix)) continue;
      const raw = path.slice(prefix.length, path.length - suffix.length);
      // A `:id` route's id is one segment: `/v1/batches/x/y` is no batch route at all, not a 405.
      if (raw.length === 0 || (segment && raw.includes('/'))) continue;
      let id: string;
      try {
        id = decodeURIComponent(raw);
      } catch {
        return undefined;
      }
      const bound: Record<string, Handler> = {};
      for (const [method, handler] of Object.entries(handlers))
        bound[method] = (req, res, requestId) => handler(req, res, requestId, id);
      return bound;
    }
    return undefined;
  }

  #chat(req: IncomingMessage, res: ServerResponse, requestId: string, startedAt: number): Promise<void> {
    return handleChatCompletion(
      new RequestContext(requestId, this.#snapshot, req, res, startedAt),
      this.services,
    );
  }

  #models(req: IncomingMessage, res: ServerResponse, requestId: string): void {
    const ctx = new RequestContext(requestId, this.#snapshot, req, res, performance.now());
    let body: string;
    try {
      authenticate(ctx, this.controlPlane.keys);
      body = modelsBody(ctx.snapshot, ctx.tenant, req.url ?? '/');
    } catch (error) {
      this.#fail(res, error as GatewayError, requestId);
      return;
    }
    sendJson(res, 200, body, requestId);
  }

  #ready(res: ServerResponse, requestId: string): void {
    if (this.#draining) {
      sendJson(res, 503, '{"status":"draining"}', requestId);
      return;
    }
    // docs/design.md §1: ready means the config is loaded and the store answers.
    this.controlPlane.ready().then(
      () => {
        const body = JSON.stringify({ status: 'ready', config_version: this.#snapshot.version });
        sendJson(res, 200, body, requestId);
      },
      (error: unknown) => {
        this.services.logger.warn({ err: error }, 'readiness: the store does not answer');
        sendJson(res, 503, '{"status":"store_unavailable"}', requestId);
      },
    );
  }

  #metrics(res: ServerResponse, requestId: string): void {
    const registry = this.services.metrics.registry;
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'x-request-id': requestId });
        res.end(text);
      },
      (error: unknown) => {
        this.services.logger.error({ err: error, request_id: requestId }, 'metrics collection failed');
        writeErrorResponse(res, internalError(requestId, error), requestId);
      },
    );
  }

  #fail(
    res: ServerResponse,
    error: GatewayError,
    requestId: string,
    rendered?: { status: number; body: string },
  ): void {
    // Drain an unread request body so the keep-alive connection stays usable.
    res.req.resume();
    writeErrorResponse(res, error, requestId, undefined, undefined, rendered);
  }
}

/**
 * Slow-loris protection: headers must arrive within 30 s, and the whole request (body included) within
 * the request deadline, or Node answers 408 and closes. Both bound only what the client sends, not the
 * response (the pipeline's own deadline bounds that). Without the second, an upload that stalls
 * mid-body would hold its socket and handler for ever.
 */
function applyClientTimeouts(server: Server, config: Config): void {
  const requestMs = config.server.request_timeout_ms;
  // Node swaps the two when the headers timeout is the longer one, which would turn a short request
  // deadline into a 30 s one; the headers can never need longer than the whole request anyway.
  server.headersTimeout = Math.min(30_000, requestMs);
  server.requestTimeout = requestMs;
}

/**
 * Connects to a Redis state and loads its scripts before the first request: cold, the first burst of
 * admissions would miss the limits' short deadline and be answered from local memory. A Redis that does
 * not answer within a few seconds does not stop the start; the limits degrade until it does.
 */
async function warmState(state: StateStore, logger: Services['logger']): Promise<void> {
  if (!(state instanceof RedisState)) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STATE_WARM_MS);
  });
  try {
    const outcome = await Promise.race([state.ready().then(() => 'ready' as const), timeout]);
    if (outcome === 'timeout')
      logger.warn('the redis state did not answer at start; limits degrade until it does');
  } catch (error) {
    logger.warn({ err: error }, 'the redis state did not answer at start; limits degrade until it does');
  } finally {
    clearTimeout(timer);
  }
}

const STATE_WARM_MS = 3000;

/**
 * Limits and budgets go through the shared state with a bounded wait: a Redis that stops answering must
 * never hang a request (`limits.on_state_failure`: answer from local memory, or refuse with 503).
 * Routing keeps its own handling of Redis failures (routing/runtime.ts), so only limits are wrapped.
 */
function limitsState(state: StateStore, config: Config, logger: Services['logger']): StateStore {
  if (state.kind === 'memory') return state;
  return new FallbackState(state, {
    mode: config.limits.on_state_failure,
    timeoutMs: config.limits.state_timeout_ms,
    onEvent: (event) => {
      if (event.kind === 'degraded')
        logger.warn(
          { err: event.error, operation: event.operation },
          'shared state not answering: limits degrade',
        );
      else if (event.kind === 'recovered')
        logger.info(
          { degraded_calls: event.degradedCalls },
          'shared state answers again: limits shared again',
        );
      else
        logger.warn(
          { scope: event.scope, request_id: event.requestId },
          'a settlement could not be replayed',
        );
    },
  });
}

function sendJson(res: ServerResponse, status: number, body: string, requestId: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    // docs/design.md: every response carries x-request-id, probes and metrics included.
    'x-request-id': requestId,
  });
  res.end(body);
}
