/**
 * The cache stage (issue 14, docs/design.md §2), in two steps. `lookUpCache` runs before limits
 * admission and starts the read (on Redis, its round trip then overlaps admission's instead of following
 * it); `serveCached` runs after admission, so a hit has passed auth, the allow-list, the input guard and
 * rate limits like any request. A hit is answered there, JSON or a replayed stream, and costs nothing
 * against budgets (account.ts reads the status); otherwise the request goes on with a recorder, and its
 * answer is stored once the response has ended complete (`storeAnswer`, called with the settlement, off
 * the client's time).
 */
import { cachePolicyFor, cacheScope, decideCache } from '../cache/cache-policy.ts';
import { cacheKey, modelIdentity } from '../cache/cache-key.ts';
import { keyMemoFor } from '../cache/key-memo.ts';
import { AnswerRecorder } from '../cache/answer-recorder.ts';
import type { CachedAnswer } from '../cache/cached-answer.ts';
import { isStorableCompletion } from '../cache/cached-answer.ts';
import { replayChunks } from '../cache/stream-replay.ts';
import { completionIdFor } from '../server/request-id.ts';
import { SseWriter } from '../server/sse-writer.ts';
import { priceAnswer } from './account.ts';
import type { RequestContext } from './context.ts';
import { sendCompletion, startEventStream } from './respond.ts';
import type { Services } from './services.ts';

/** What a read found: an entry, undefined (a miss), or null when the cache was not read at all. */
export type Found = CachedAnswer | undefined | null;

/**
 * Decides what the cache does with the request and starts the read; synchronous unless the store is
 * remote (a remote read never rejects). Nothing is recorded as a hit or a miss yet: the request may
 * still be refused.
 */
export function lookUpCache(ctx: RequestContext, services: Services): Found | Promise<Found> {
  const cache = services.cache;
  const request = ctx.request;
  const model = ctx.model;
  if (cache === undefined || request === undefined || model === undefined) return null;
  // Entries hold Chat Completions answers: another client protocol (a front) is not served from them.
  if (ctx.front !== undefined) return null;
  const policy = cachePolicyFor(ctx.snapshot.config);
  const decision = decideCache(policy, request, ctx.req.headers);
  if (!decision.write) return null;
  const identity = modelIdentity(ctx.snapshot, model);
  const body = ctx.cacheBody;
  let key = body === undefined ? undefined : keyMemoFor(ctx.snapshot).get(body, ctx.tenant);
  // A key computed here is remembered if it hits (serveCached, which drops the body either way).
  if (key === undefined) {
    const scope = cacheScope(policy, ctx.tenant?.name);
    const moderation = ctx.guardrails?.moderationIdentity(request.model) ?? '';
    key = cacheKey({ scope, revision: identity.revision, moderation }, request);
  } else ctx.cacheBody = undefined;
  ctx.cacheKey = key;
  ctx.cacheTtlMs = decision.ttlMs;
  ctx.cacheRecorder = new AnswerRecorder(policy.maxEntryBytes);
  // Cache-Control: no-cache: the fresh answer is stored, but none is read (the status stays BYPASS).
  if (!decision.read) return null;
  return cache.lookup(key, identity.targetIds);
}

/** After admission: answers the request with the entry found (true), or notes the miss (false). */
export function serveCached(ctx: RequestContext, found: Found): boolean {
  const body = ctx.cacheBody;
  ctx.cacheBody = undefined;
  if (found === null) return false;
  if (found === undefined) {
    ctx.cacheStatus = 'MISS';
    return false;
  }
  if (body !== undefined && ctx.cacheKey !== null)
    keyMemoFor(ctx.snapshot).remember(body, ctx.tenant, ctx.cacheKey);
  return serve(ctx, found);
}

function serve(ctx: RequestContext, answer: CachedAnswer): boolean {
  // The client left while a remote store answered: nothing to send, nothing to ask an upstream for
  // (the log records the 499).
  if (ctx.res.destroyed) return true;
  ctx.cacheStatus = 'HIT';
  ctx.cacheRecorder = undefined;
  const head = answer.head;
  ctx.provider = head.provider;
  ctx.upstreamModel = head.upstreamModel;
  ctx.targetModel = head.target.slice(head.target.indexOf('/') + 1);
  ctx.usage = head.usage ?? undefined;
  const finish = head.finishReason;
  ctx.finishReason = finish;
  ctx.rawFinishReason = finish;
  // What the answer cost when it was made, at today's price: the saving. The hit itself is free.
  priceAnswer(ctx);
  ctx.cacheSavedUsd = ctx.costUsd;
  ctx.costUsd = 0;
  const id = completionIdFor(ctx.requestId, ctx.req.headers['x-request-id']);
  const created = Math.floor(Date.now() / 1000);
  if (!ctx.stream) {
    // The stored bytes behind a new id: no parse, no serialization.
    sendCompletion(ctx, answer.completionBody(id, created));
    return true;
  }
  startEventStream(ctx);
  const writer = new SseWriter(ctx.res);
  for (const chunk of replayChunks(answer.completion, id, created, ctx.includeUsage)) writer.data(chunk);
  // finish() ends the response with everything queued in one write; it never waits on the socket.
  void writer.finish();
  return true;
}

/**
 * After the response ended: notes the upstream model version that answered (so entries another version
 * made become unreachable) and stores a complete, storable answer. Never throws into the request.
 */
export function storeAnswer(ctx: RequestContext, services: Services): void {
  const cache = services.cache;
  if (cache === undefined || ctx.cacheStatus === 'HIT') return;
  const attempts = ctx.attempts;
  const last = attempts[attempts.length - 1];
  if (last === undefined || last.outcome !== 'ok' || ctx.provider === null || ctx.upstreamModel === null)
    return;
  const policy = cachePolicyFor(ctx.snapshot.config);
  if (policy.mode === 'off') return;
  // Only targets routing keeps state for: a `provider/model` name the client made up is not one, and
  // noting every such name would grow memory with each new name (issue 10).
  if (ctx.snapshot.routing.runtime.targets.has(last.target))
    cache.noteVersion(last.target, ctx.upstreamModel);
  const recorder = ctx.cacheRecorder;
  const key = ctx.cacheKey;
  const request = ctx.request;
  if (recorder === undefined || key === null || request === undefined) return;
  if (ctx.status !== 200 || ctx.errorCode !== null || ctx.clientAborted || !ctx.res.writableFinished) return;
  // Anything output moderation acted on (flagged included) is never stored (issue 14).
  if (ctx.cacheStoreVetoed || ctx.guardVerdicts.some((verdict) => verdict.guard === 'output')) return;
  try {
    const completion = recorder.completion();
    if (completion === undefined || !isStorableCompletion(completion, request)) return;
    cache.save(
      key,
      {
        provider: ctx.provider,
        target: last.target,
        upstreamModel: ctx.upstreamModel,
        completion,
        completionJson: recorder.completionJson,
      },
      ctx.cacheTtlMs,
      policy.maxEntryBytes,
    );
  } catch (error) {
    // This runs from the response's close event: a throw would be uncaught. The answer is simply not
    // cached; the client has it already.
    services.logger.warn({ err: error, request_id: ctx.requestId }, 'storing an answer in the cache failed');
  }
}
