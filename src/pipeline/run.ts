/**
 * POST /v1/chat/completions: the stages of docs/design.md §2 in order. Stages that do no I/O stay
 * synchronous; the only awaits are the body read and the attempt loop. The other client protocols
 * (/v1/messages, /v1/responses, /v1/embeddings) run the same stages through a front (src/fronts/):
 * only the parse and the rendering differ.
 */
import { resolveModel, type Snapshot } from '../config/compile.ts';
import { modelNotFound, unsupportedMediaType } from '../errors/codes.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { ChatRequest } from '../protocol/chat-request.ts';
import { readBody, UploadAbortedError } from '../server/body.ts';
import { liveRequestBegan, liveRequestEnded } from '../server/background-turn.ts';
import { runAttempts } from './attempt.ts';
import { ClientGoneError } from './exchange.ts';
import { settleRequest } from './account.ts';
import { type Found, lookUpCache, serveCached, storeAnswer } from './cache.ts';
import { authenticate, checkModelAllowed } from './auth.ts';
import { estimateCost } from './budget.ts';
import { guardInput } from './guard-in.ts';
import { admitRequest } from './limits.ts';
import type { RequestContext } from './context.ts';
import { capturesBodies } from '../observability/body-capture.ts';
import { recordRequest } from './log.ts';
import { sendError } from './respond.ts';
import type { Services } from './services.ts';
import { parseChatRequest } from './validate.ts';
import type { Front } from '../fronts/types.ts';
import type { StateStore } from '../state/types.ts';

/** A request in another client protocol: the same stages, parsed and answered by its front. */
export function handleFrontRequest(ctx: RequestContext, services: Services, front: Front): Promise<void> {
  ctx.front = front;
  return handleChatCompletion(ctx, services);
}

export async function handleChatCompletion(ctx: RequestContext, services: Services): Promise<void> {
  const { req, res } = ctx;
  const snapshot: Snapshot = ctx.snapshot;
  const onClose = () => {
    if (!res.writableFinished) {
      ctx.clientAborted = true;
      ctx.cutByShutdown = services.cutting === true;
      ctx.abort.abort();
    }
  };
  res.on('close', onClose);
  services.metrics.inFlightRequests.inc();
  liveRequestBegan();
  const deadline = setTimeout(() => {
    ctx.deadlineExceeded = true;
    ctx.abort.abort();
  }, snapshot.config.server.request_timeout_ms);
  deadline.unref();

  try {
    const controlPlane = services.controlPlane;
    authenticate(ctx, controlPlane?.keys);
    ctx.captureBodies = capturesBodies(ctx);
    const contentType = req.headers['content-type'];
    if (contentType !== undefined && !contentType.toLowerCase().includes('json'))
      throw unsupportedMediaType(contentType);
    const body = await readBody(req, snapshot.config.server.body_limit_bytes);
    const front = ctx.front;
    let request: ChatRequest;
    if (front === undefined) {
      const text = body.toString('utf8');
      // Kept for the cache's key memo only when a cache exists; the stage drops it once it is done.
      if (services.cache !== undefined) ctx.cacheBody = text;
      request = parseChatRequest(text);
      ctx.stream = request.stream === true;
      ctx.includeUsage = ctx.stream && request.stream_options?.include_usage === true;
    } else {
      const parsed = front.parse(body);
      request = parsed.request;
      ctx.frontNative = parsed.native;
      ctx.stream = parsed.stream;
      // A front renders usage itself (Anthropic's message_delta, Responses' response.completed).
      ctx.includeUsage = parsed.stream;
    }
    ctx.request = request;
    if (ctx.stream) services.metrics.inFlightStreams.inc();
    const model = resolveModel(snapshot, request.model);
    if (model === undefined) throw modelNotFound(request.model);
    checkModelAllowed(ctx, request.model);
    ctx.model = model;
    guardInput(ctx);
    // The cache read starts before admission (on Redis the two round trips overlap); what it finds is
    // served only once the request is admitted.
    const lookup = lookUpCache(ctx, services);
    if (controlPlane !== undefined) {
      ctx.prices = controlPlane.prices;
      estimateCost(ctx);
      // A hit is free against budgets: one found at once (the memory store) is admitted without the budget.
      const hitNow = lookup !== null && lookup !== undefined && !(lookup instanceof Promise);
      const admitted = admitRequest(ctx, controlPlane.state, !hitNow);
      if (admitted !== undefined) await admittedOrHit(ctx, controlPlane.state, admitted, lookup);
    }
    const found = lookup instanceof Promise ? await lookup : lookup;
    if (!serveCached(ctx, found)) await runAttempts(ctx, services);
  } catch (error) {
    // A client that left mid-upload is a 499 logged at info, like one that leaves mid-stream (issue 10);
    // an upload Node cut is logged with the refusal it already sent.
    if (error instanceof UploadAbortedError) {
      ctx.clientAborted = error.refusal === undefined;
      if (error.refusal !== undefined) sendError(ctx, error.refusal);
    } else if (!(error instanceof ClientGoneError)) {
      if (!(error instanceof GatewayError))
        services.logger.error({ err: error, request_id: ctx.requestId }, 'unexpected error');
      sendError(ctx, error);
    }
  } finally {
    clearTimeout(deadline);
    res.off('close', onClose);
    // Settling and the log line wait for the response to be fully handed to the socket (or the socket
    // to die): the concurrency lease is held until then, and the cost of a stream is known only then.
    const finish = () => {
      services.metrics.inFlightRequests.dec();
      liveRequestEnded();
      if (ctx.stream) services.metrics.inFlightStreams.dec();
      settleRequest(ctx, services);
      storeAnswer(ctx, services);
      recordRequest(ctx, services);
    };
    if (res.writableFinished || res.destroyed) finish();
    else res.once('close', finish);
  }
}

/**
 * On Redis the cache read is still running when admission answers: a budget refusal waits for it, and a
 * hit is admitted again without the budget (the refused admission counted nothing), since a hit costs
 * nothing against budgets. Any other refusal stands.
 */
async function admittedOrHit(
  ctx: RequestContext,
  state: StateStore,
  admitted: Promise<void>,
  lookup: Found | Promise<Found>,
): Promise<void> {
  try {
    await admitted;
  } catch (error) {
    if (!(lookup instanceof Promise) || !(error instanceof GatewayError) || error.code !== 'budget_exceeded')
      throw error;
    const found = await lookup;
    if (found === null || found === undefined) throw error;
    const again = admitRequest(ctx, state, false);
    if (again !== undefined) await again;
  }
}
