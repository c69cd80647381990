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
  usage: Usage | undefined = undefined;
  finishReason: FinishReason | null = null;
  rawFinishReason: string | null = null;

  status = 0;
  errorCode: string | null = null;
  errorMessage: string | null = null;
  /** True once the first byte of the answer went to the client: no failover after this. */
  committed = false;
  clientAborted = false;
  deadlineExceeded = false;
  /** Time spent waiting on upstreams (all attempts), ms. */
  upstreamMs = 0;
  /** Time from arrival to the first byte sent to the client, ms. */
  firstByteMs: number | null = null;

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
