/**
 * The only place that writes a response to the client: JSON completions, SSE headers, and OpenAI's
 * error envelope (or, once a stream has started, an error event in OpenAI's stream shape followed by
 * `[DONE]`, which the SDK turns into an APIError; docs/providers.md §1.7).
 */
import type { ServerResponse } from 'node:http';
import { internalError } from '../errors/codes.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { toHeaderValue } from '../server/header-value.ts';
import type { RequestContext } from './context.ts';

export function completionHeaders(ctx: RequestContext, contentType: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': contentType,
    'x-request-id': ctx.requestId,
    // Provider names come from the config, but the model is whatever the upstream reported.
    'x-switchyard-provider': toHeaderValue(ctx.provider ?? ''),
    'x-switchyard-model': toHeaderValue(ctx.upstreamModel ?? ''),
    'x-switchyard-attempts': String(ctx.attemptCount),
    'x-switchyard-cache': ctx.cacheStatus,
  };
  // One writeHead with every header: res.setHeader costs about a microsecond a header.
  const rateLimit = ctx.rateLimitHeaders;
  if (rateLimit !== undefined) for (const name in rateLimit) headers[name] = rateLimit[name] as string;
  return headers;
}

// Both below mark the response committed only once writeHead has succeeded: should it throw, nothing
// has gone out, and the failure must still be answered with a JSON error, not an SSE error event.
export function sendCompletion(ctx: RequestContext, body: string | Buffer): void {
  // Bytes: Buffer.byteLength and a string write each walk the text with V8's scalar UTF-8 length;
  // Buffer.from encodes it once with SIMD.
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const headers = completionHeaders(ctx, 'application/json');
  headers['content-length'] = String(bytes.length);
  // docs/design.md §1: a non-streaming answer with a known price says what it cost (a stream's is in the log).
  if (ctx.costUsd !== null) headers['x-switchyard-cost-usd'] = formatUsd(ctx.costUsd);
  ctx.res.writeHead(200, headers);
  ctx.status = 200;
  ctx.committed = true;
  ctx.firstByteMs = performance.now() - ctx.startedAt;
  ctx.res.end(bytes);
}

/** Plain decimal, never exponent notation (1e-7 would break a client that parses a decimal). */
export function formatUsd(usd: number): string {
  // Every cache hit costs 0: no need for the two regex passes.
  if (usd === 0) return '0';
  return usd.toFixed(10).replace(/0+$/, '').replace(/\.$/, '');
}

export function startEventStream(ctx: RequestContext): void {
  const headers = completionHeaders(ctx, 'text/event-stream; charset=utf-8');
  headers['cache-control'] = 'no-cache';
  // Reverse proxies (nginx) buffer responses unless told not to; a buffered stream is not a stream.
  headers['x-accel-buffering'] = 'no';
  ctx.res.writeHead(200, headers);
  ctx.status = 200;
  ctx.committed = true;
  ctx.firstByteMs = performance.now() - ctx.startedAt;
}

/** Any error, before or after the first byte. Unknown errors become a 500 that names the request id. */
export function sendError(ctx: RequestContext, error: unknown): void {
  const gatewayError = error instanceof GatewayError ? error : internalError(ctx.requestId, error);
  ctx.status = ctx.committed ? ctx.status : gatewayError.status;
  ctx.errorCode = gatewayError.code;
  ctx.errorMessage = gatewayError.message;
  const res = ctx.res;
  if (res.destroyed || res.writableEnded) return;
  const front = ctx.front;
  if (ctx.committed) {
    // Headers are gone; the only channel left is the stream itself, where the upstream's own error
    // event may already be (a passthrough relays it): the stream just ends after it.
    if (ctx.upstreamErrorRelayed) res.end();
    else if (front === undefined)
      res.end(`data: ${JSON.stringify(gatewayError.toEnvelope())}\n\ndata: [DONE]\n\n`);
    else {
      let text = '';
      front.streamError(gatewayError, {
        event: (name, json) => {
          text += `event: ${name}\ndata: ${json}\n\n`;
        },
        raw: (raw) => {
          text += raw;
        },
      });
      res.end(text);
    }
    return;
  }
  writeErrorResponse(
    res,
    gatewayError,
    ctx.requestId,
    ctx.attemptCount,
    ctx.rateLimitHeaders,
    front?.errorResponse(gatewayError),
  );
}

export function writeErrorResponse(
  res: ServerResponse,
  error: GatewayError,
  requestId: string,
  attempts?: number,
  extraHeaders?: Readonly<Record<string, string>>,
  /** A front's own envelope and status (Anthropic's); OpenAI's envelope when absent. */
  rendered?: { status: number; body: string },
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = rendered?.body ?? JSON.stringify(error.toEnvelope());
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': requestId,
    ...extraHeaders,
    ...error.headers,
  };
  if (attempts !== undefined && attempts > 0) headers['x-switchyard-attempts'] = String(attempts);
  if (error.retryAfterMs !== undefined)
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  // After a refused oversized body the rest of it is still on the wire; closing is cheaper than reading it.
  if (error.status === 413) headers.connection = 'close';
  res.writeHead(rendered?.status ?? error.status, headers);
  res.end(body);
}
