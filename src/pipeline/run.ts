/**
 * POST /v1/chat/completions: the stages of docs/design.md §2 in order. Stages that do no I/O stay
 * synchronous; the only awaits are the body read and the attempt loop.
 */
import { resolveModel, type Snapshot } from '../config/compile.ts';
import { modelNotFound, unsupportedMediaType } from '../errors/codes.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { readBody } from '../server/body.ts';
import { runAttempts } from './attempt.ts';
import { ClientGoneError } from './exchange.ts';
import { settleRequest } from './account.ts';
import { serveFromCache, storeAnswer } from './cache.ts';
import { authenticate, checkModelAllowed } from './auth.ts';
import { estimateCost } from './budget.ts';
import { admitRequest } from './limits.ts';
import type { RequestContext } from './context.ts';
import { recordRequest } from './log.ts';
import { sendError } from './respond.ts';
import type { Services } from './services.ts';
import { parseChatRequest } from './validate.ts';

export async function handleChatCompletion(ctx: RequestContext, services: Services): Promise<void> {
  const { req, res } = ctx;
  const snapshot: Snapshot = ctx.snapshot;
  const onClose = () => {
    if (!res.writableFinished) {
      ctx.clientAborted = true;
      ctx.abort.abort();
    }
  };
  res.on('close', onClose);
  const deadline = setTimeout(() => {
    ctx.deadlineExceeded = true;
    ctx.abort.abort();
  }, snapshot.config.server.request_timeout_ms);
  deadline.unref();

  try {
    const controlPlane = services.controlPlane;
    authenticate(ctx, controlPlane?.keys);
    const contentType = req.headers['content-type'];
    if (contentType !== undefined && !contentType.toLowerCase().includes('json'))
      throw unsupportedMediaType(contentType);
    const body = await readBody(req, snapshot.config.server.body_limit_bytes);
    const request = parseChatRequest(body);
    ctx.request = request;
    ctx.stream = request.stream === true;
    ctx.includeUsage = ctx.stream && request.stream_options?.include_usage === true;
    const model = resolveModel(snapshot, request.model);
    if (model === undefined) throw modelNotFound(request.model);
    checkModelAllowed(ctx, request.model);
    ctx.model = model;
    if (controlPlane !== undefined) {
      ctx.prices = controlPlane.prices;
      estimateCost(ctx);
      const admitted = admitRequest(ctx, controlPlane.state);
      if (admitted !== undefined) await admitted;
    }
    const cached = serveFromCache(ctx, services);
    if (!(cached instanceof Promise ? await cached : cached)) await runAttempts(ctx, services);
  } catch (error) {
    if (!(error instanceof ClientGoneError)) {
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
      settleRequest(ctx, services);
      storeAnswer(ctx, services);
      recordRequest(ctx, services);
    };
    if (res.writableFinished || res.destroyed) finish();
    else res.once('close', finish);
  }
}
