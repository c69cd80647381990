/**
 * The per-request context every stage reads and writes. Every field is declared up front (docs/style.md
 * §2.9) so the object keeps one shape for its whole life.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CompiledModel, CompiledTenant, Snapshot } from '../config/compile.ts';
import type { ChatRequest } from '../protocol/chat-request.ts';
import type { FinishReason, Usage } from '../protocol/chat-response.ts';
import type { AdmissionSpec } from '../limits/types.ts';
import type { PriceBook } from '../pricing/price-book.ts';
import type { CostUsage, Price } from '../pricing/types.ts';
import type { Front } from '../fronts/types.ts';
import type { GuardrailsPolicy } from '../guardrails/policy.ts';
import type { GuardVerdict } from '../guardrails/verdict.ts';
import type { AnswerRecorder } from '../cache/answer-recorder.ts';
import type { CacheStatus } from '../cache/cache-metrics.ts';
import type { TraceContext } from '../observability/trace-context.ts';

/** The pre-flight estimate (pipeline/budget.ts): what admission reserves. */
export interface PreflightEstimate {
  promptTokens: number;
  maxOutputTokens: number;
  /** Null when no target of the route has a known price. */
  costUsd: number | null;
}

/** What the account stage settles after the answer (pipeline/limits.ts admitted it). */
export interface Admission {
  scope: string;
  spec: AdmissionSpec;
  /** The budget period's spent figure when this request was admitted, nano-USD (for threshold alerts). */
  spentNanoUsd: number;
}

export interface AttemptRecord {
  target: string;
  keyId: string;
  /** `ok` or the error class. */
  outcome: string;
  status: number;
  durationMs: number;
  /** Why this attempt happened: first, fallback, retry, next_key. */
  reason?: string;
  /** Backoff or Retry-After wait before it, ms. */
  waitMs?: number;
  /** Connect + upstream time to the response head, ms; undefined when no head came. */
  firstByteMs?: number;
  /** performance.now() when it started (for its trace span). */
  startedAt?: number;
  /** Its trace span's id, sent upstream in `traceparent` (only while tracing is on). */
  spanId?: string;
}

/** Where a broken stream was continued on another target (stream recovery, issue 13). */
export interface StreamSeam {
  /** The target whose stream broke, and how. */
  from: string;
  failure: string;
  /** The target that continued it, and how (`prefix` or `prompt`). */
  to: string;
  mode: string;
  /** Characters of the answer delivered before the seam. */
  atChars: number;
}

export class RequestContext {
  readonly requestId: string;
  readonly snapshot: Snapshot;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** Fires when the client goes away or the request deadline passes. */
  readonly abort = new AbortController();

  tenant: CompiledTenant | undefined = undefined;
  /** Id of the virtual key that authenticated (store keys), for the log; never the key. */
  keyId: string | null = null;
  /** The price book in force when the request started (a webhook update applies from the next one). */
  prices: PriceBook | undefined = undefined;
  estimate: PreflightEstimate | undefined = undefined;
  admission: Admission | undefined = undefined;
  /** OpenAI's x-ratelimit-* headers for this tenant's answer, error or not (limits.ts). */
  rateLimitHeaders: Record<string, string> | undefined = undefined;
  /** Real cost of the answer, USD; null while unknown (no usage yet, or no price). */
  costUsd: number | null = null;
  request: ChatRequest | undefined = undefined;
  model: CompiledModel | undefined = undefined;
  stream = false;
  includeUsage = false;

  attempts: AttemptRecord[] = [];
  /** Upstream attempts started so far (the record is written when each one ends). */
  attemptCount = 0;
  provider: string | null = null;
  upstreamModel: string | null = null;
  /** The configured model of the target that answered (`upstreamModel` is the name its answer reports). */
  targetModel: string | null = null;
  usage: Usage | undefined = undefined;
  /**
   * Usage in `usage` from attempts other than the one that answered (a broken stream's before its
   * continuation, a hedge's loser), with their own target's price: the cost prices each part at its own.
   */
  otherAttempts: Array<{ usage: CostUsage; price: Price | undefined }> | undefined = undefined;
  /** Part of `usage` was estimated (a broken stream's attempt that reported none, before a continuation). */
  usageEstimated = false;
  /** A passthrough stream relayed the upstream's in-band error event: the stream's error is said. */
  upstreamErrorRelayed = false;
  finishReason: FinishReason | null = null;
  rawFinishReason: string | null = null;

  status = 0;
  errorCode: string | null = null;
  errorMessage: string | null = null;
  /** True once the first byte of the answer went to the client: no failover after this. */
  committed = false;
  clientAborted = false;
  /** The connection was closed by the gateway's own shutdown (with clientAborted: the client is gone). */
  cutByShutdown = false;
  deadlineExceeded = false;
  /** Time spent waiting on upstreams (all attempts), ms. */
  upstreamMs = 0;
  /** Time from arrival to the first byte sent to the client, ms. */
  firstByteMs: number | null = null;

  // Fronts (src/fronts/): the client protocol when it is not Chat Completions, and its body as sent.
  front: Front | undefined = undefined;
  frontNative: Record<string, unknown> | undefined = undefined;

  // Guardrails (issue 15): the policy in force and what the input guard and output moderation found.
  guardrails: GuardrailsPolicy | undefined = undefined;
  /** Every guardrail verdict of this request, for its log line; empty for nearly every request. */
  guardVerdicts: GuardVerdict[] = [];

  // Observability (issue 12): what the request log row and the trace need beyond the fields above.
  /** The routing decision (pipeline/route.ts): strategy and the rule that chose the targets. */
  routeStrategy: string | null = null;
  routeRule: string | null = null;
  /** performance.now() when the current attempt's response head arrived (exchange.ts); 0 before. */
  upstreamHeadAt = 0;
  /** Chunks sent to the client in a stream: the completion estimate when the upstream's usage never came. */
  streamedChunks = 0;
  /** The trace's ids, chosen when the first attempt starts while tracing is on (observability/trace-context.ts). */
  trace: TraceContext | undefined = undefined;
  /** The tenant opted in to stored bodies (observability/body-capture.ts). */
  captureBodies = false;
  /** The JSON answer sent, kept only when `captureBodies`. */
  responseText: string | null = null;
  /** A stream's chunks sent, kept (up to the body bound) only when `captureBodies`. */
  streamText: string[] = [];
  streamTextBytes = 0;

  // The response cache (issue 14; pipeline/cache.ts).
  /** The `x-switchyard-cache` header and the log's `cache`: HIT, MISS, or BYPASS (not looked up). */
  cacheStatus: CacheStatus = 'BYPASS';
  /** Set when the answer may be stored under this key once complete. */
  cacheKey: string | null = null;
  /** The body's text, while the cache stage may still remember its key (cache/key-memo.ts). */
  cacheBody: string | undefined = undefined;
  cacheTtlMs = 0;
  /** Keeps the JSON body or the stream chunks sent, for the store after the response. */
  cacheRecorder: AnswerRecorder | undefined = undefined;
  /** On a hit: what the answer cost when it was made (known prices only). */
  cacheSavedUsd: number | null = null;
  /** Any stage that must keep this answer out of the cache (output moderation flagged it) sets this. */
  cacheStoreVetoed = false;

  // Resilience (issue 13): stream recovery.
  /** Seams of a stream continued after it broke; empty for nearly every request. */
  seams: StreamSeam[] = [];

  constructor(
    requestId: string,
    snapshot: Snapshot,
    req: IncomingMessage,
    res: ServerResponse,
    startedAt: number,
  ) {
    this.requestId = requestId;
    this.snapshot = snapshot;
    this.req = req;
    this.res = res;
    this.startedAt = startedAt;
  }
}
