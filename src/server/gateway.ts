/**
 * The gateway process: the HTTP listener, the current config snapshot, and graceful shutdown. The
 * route table is a plain object keyed by method and path, answered before any other work (style.md
 * §1.6): the hot path pays one property lookup to find its handler.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileConfig, type Snapshot } from '../config/compile.ts';
import type { Config } from '../config/schema.ts';
import { methodNotAllowed, routeNotFound, shuttingDown } from '../errors/codes.ts';
import type { GatewayError } from '../errors/gateway-error.ts';
import { authenticate } from '../pipeline/auth.ts';
import { RequestContext } from '../pipeline/context.ts';
import { writeErrorResponse } from '../pipeline/respond.ts';
import { handleChatCompletion } from '../pipeline/run.ts';
import type { Services } from '../pipeline/services.ts';
import { RoutingRuntime } from '../routing/runtime.ts';
import { createStateStore } from '../state/from-config.ts';
import type { StateStore } from '../state/types.ts';
import { UpstreamPools } from '../transport/pools.ts';
import { adminRoutingRoutes } from './admin-routing.ts';
import { modelsListBody } from './models-endpoint.ts';
import { requestIdFor } from './request-id.ts';

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  startedAt: number,
) => void | Promise<void>;

export interface GatewayOptions {
  config: Config;
  services: Services;
  /** Routing state: a store other than the one `config.state` names (tests), an injected clock. */
  routing?: { state?: StateStore; clock?: () => number };
}

export class Gateway {
  readonly services: Services;
  readonly pools = new UpstreamPools();
  /** Breakers, health and key cooldowns; survives reloads. */
  readonly routing: RoutingRuntime;
  readonly server: Server;
  #snapshot: Snapshot;
  #inFlight = 0;
  #draining = false;
  #idle: (() => void) | undefined;
  #routes: Record<string, Record<string, Handler>>;

  constructor(options: GatewayOptions) {
    this.services = options.services;
    this.routing = new RoutingRuntime({
      state: options.routing?.state ?? createStateStore(options.config.state),
      logger: options.services.logger,
      metrics: options.services.metrics,
      clock: options.routing?.clock,
      random: options.services.random,
    });
    this.#snapshot = compileConfig(options.config, this.pools, 1, this.routing);
    this.server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) =>
      this.#dispatch(req, res),
    );
    // Slow-loris protection without cutting long streams: headers must arrive within 30 s.
    this.server.headersTimeout = 30_000;
    const chat: Handler = (req, res, id, at) => this.#chat(req, res, id, at);
    const models: Handler = (req, res, id) => this.#models(req, res, id);
    this.#routes = {
      '/v1/chat/completions': { POST: chat },
      '/chat/completions': { POST: chat },
      '/v1/models': { GET: models },
      '/models': { GET: models },
      '/healthz': { GET: (_req, res) => sendJson(res, 200, '{"status":"ok"}') },
      '/readyz': { GET: (_req, res) => this.#ready(res) },
      '/metrics': { GET: (_req, res) => this.#metrics(res) },
      ...adminRoutingRoutes(() => this.#snapshot),
    };
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
    const origins = new Set<string>();
    for (const provider of next.providers.values()) origins.add(provider.origin);
    this.pools
      .retain(origins)
      .catch((error: unknown) =>
        this.services.logger.warn({ err: error }, 'closing an unused upstream pool failed'),
      );
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
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
    if (this.#inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        timer.unref();
        this.#idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.server.closeAllConnections();
    await closed;
    await this.pools.destroy();
    await this.routing.close();
  }

  #dispatch(req: IncomingMessage, res: ServerResponse): void {
    const startedAt = performance.now();
    const requestId = requestIdFor(req.headers['x-request-id']);
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const methods = this.#routes[path];
    if (methods === undefined) {
      this.#fail(res, routeNotFound(req.method ?? 'GET', path), requestId);
      return;
    }
    const handler = methods[req.method ?? 'GET'];
    if (handler === undefined) {
      this.#fail(res, methodNotAllowed(req.method ?? '', path, Object.keys(methods).join(', ')), requestId);
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
      result.catch((error: unknown) => {
        this.services.logger.error({ err: error, request_id: requestId }, 'handler failed');
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    }
  }

  #chat(req: IncomingMessage, res: ServerResponse, requestId: string, startedAt: number): Promise<void> {
    return handleChatCompletion(
      new RequestContext(requestId, this.#snapshot, req, res, startedAt),
      this.services,
    );
  }

  #models(req: IncomingMessage, res: ServerResponse, requestId: string): void {
    const ctx = new RequestContext(requestId, this.#snapshot, req, res, performance.now());
    try {
      authenticate(ctx);
    } catch (error) {
      this.#fail(res, error as GatewayError, requestId);
      return;
    }
    sendJson(res, 200, modelsListBody(ctx.snapshot, ctx.tenant), requestId);
  }

  #ready(res: ServerResponse): void {
    if (this.#draining) {
      sendJson(res, 503, '{"status":"draining"}');
      return;
    }
    sendJson(res, 200, JSON.stringify({ status: 'ready', config_version: this.#snapshot.version }));
  }

  #metrics(res: ServerResponse): void {
    const registry = this.services.metrics.registry;
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text);
      },
      (error: unknown) => {
        this.services.logger.error({ err: error }, 'metrics collection failed');
        res.writeHead(500).end();
      },
    );
  }

  #fail(res: ServerResponse, error: GatewayError, requestId: string): void {
    // Drain an unread request body so the keep-alive connection stays usable.
    res.req.resume();
    writeErrorResponse(res, error, requestId);
  }
}

function sendJson(res: ServerResponse, status: number, body: string, requestId?: string): void {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  };
  if (requestId !== undefined) headers['x-request-id'] = requestId;
  res.writeHead(status, headers);
  res.end(body);
}
