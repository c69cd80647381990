/**
 * The provider-adapter contract (docs/design.md §2). An adapter is pure translation between the OpenAI
 * protocol we speak to clients and one provider's wire format: no I/O, no clock, no randomness, no
 * state outside the per-request stream translator. The attempt loop owns the network, retries and
 * the first-byte boundary; adapters only build requests, parse answers and classify failures.
 */
import type { ChatRequest } from '../protocol/chat-request.ts';
import type { ChatCompletion, FinishReason, Usage } from '../protocol/chat-response.ts';
import type { SseEvent } from './shared/sse.ts';

/** What the attempt loop decides from, and nothing else (docs/design.md §2). */
export type ErrorClass =
  | 'rate_limited'
  | 'overloaded'
  | 'server'
  | 'timeout'
  | 'network'
  | 'auth'
  | 'bad_request'
  | 'context_length'
  | 'content_filter';

/** A classified upstream failure: data, not an exception (docs/style.md §2.3). */
export interface UpstreamFailure {
  errorClass: ErrorClass;
  /** Upstream HTTP status; 0 for a transport failure that never got one. */
  status: number;
  /** The upstream's own message, safe to show the client (never contains our key). */
  message: string;
  /** The upstream's own error code or type, e.g. `rate_limit_exceeded`, `overloaded_error`. */
  code: string | null;
  param: string | null;
  /** From retry-after / retry-after-ms / the provider's body, when the provider said. */
  retryAfterMs: number | undefined;
}

/** One upstream target as compiled from config: everything per-request code needs, resolved once. */
export interface AdapterTarget {
  /** The provider's name in config (`claude`), used in headers, logs and metrics. */
  provider: string;
  /** The upstream model id sent to the provider. */
  model: string;
  /** The provider's base URL without a trailing slash (docs/design.md §1 table). */
  baseUrl: string;
  /** Origin of `baseUrl` (`https://api.anthropic.com`), the key of the connection pool. */
  origin: string;
  /** Path prefix of `baseUrl` (`/v1` for OpenAI, `` for Anthropic), so requests are origin-relative. */
  basePath: string;
}

/** One attempt's credentials: headers built once per key at config compile (auth, version, extras). */
export interface AdapterCall {
  target: AdapterTarget;
  /** Static headers for this key: auth and protocol headers already in place. */
  headers: Readonly<Record<string, string>>;
}

export interface UpstreamRequest {
  method: 'POST' | 'GET';
  /** Origin-relative path with query, e.g. `/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse`. */
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** Inputs a translation may need but must not invent: ids and times come from the caller. */
export interface TranslationContext {
  /** Id for the completion when the provider gives none we can reuse (`chatcmpl-…`). */
  completionId: string;
  /** Unix seconds. */
  created: number;
  /** The client's request, for fields that must be echoed (e.g. `n`, logprobs requested). */
  request: ChatRequest;
}

export interface TranslatedResponse {
  completion: ChatCompletion;
  /** The JSON text to send the client: the upstream bytes when nothing changed, else serialized once. */
  body: string;
  usage: Usage | undefined;
  finishReason: FinishReason | null;
  /** The provider's raw stop reason when it differs from the mapped one, for the log. */
  rawFinishReason: string | null;
}

/** What a stream translator hands out: the JSON text of one `chat.completion.chunk`. */
export type ChunkKind = 'chunk' | 'usage';
export type EmitChunk = (json: string, kind: ChunkKind) => void;

/** Per-request stream state machine (docs/style.md §2.5). */
export interface StreamTranslator {
  /**
   * One parsed SSE event in; zero or more OpenAI chunks out through `emit`. The usage-only chunk is
   * emitted with kind `usage` so the respond stage can drop it when the client did not ask for it.
   * Throws `UpstreamStreamError` for an in-band provider error and `StreamProtocolError` for a
   * protocol violation.
   */
  push(event: SseEvent, emit: EmitChunk): void;
  /** The upstream body ended: emit what is left; throw `StreamProtocolError` if it was truncated. */
  end(emit: EmitChunk): void;
  /** Accounting so far (final once `end` returned). */
  readonly usage: Usage | undefined;
  readonly finishReason: FinishReason | null;
  readonly rawFinishReason: string | null;
  /** The upstream model as the provider reported it, once known. */
  readonly model: string | null;
}

/**
 * How an adapter treats each OpenAI feature: `native` (the provider has it), `emulated` (we translate
 * it into something equivalent), `ignored` (accepted and dropped, documented), `rejected` (400 naming
 * the param). docs/provider-features.md is generated from these and a test keeps it true; cost routing
 * reads them to skip targets that cannot serve a request.
 */
export type Support = 'native' | 'emulated' | 'ignored' | 'rejected';

export interface AdapterCapabilities {
  tools: Support;
  parallelToolCalls: Support;
  /** `image_url` content parts. */
  images: Support;
  /** `input_audio` content parts. */
  audio: Support;
  jsonObject: Support;
  jsonSchema: Support;
  /** `reasoning_effort` in, `reasoning_content` out. */
  reasoning: Support;
  logprobs: Support;
  /** `n > 1`. */
  multipleChoices: Support;
  seed: Support;
  stop: Support;
  /** frequency_penalty / presence_penalty. */
  penalties: Support;
  logitBias: Support;
}

export interface ProviderAdapter {
  /** The config `type` this adapter serves. */
  readonly type: string;
  readonly capabilities: AdapterCapabilities;
  /** docs/design.md §1 default; undefined means `base_url` is required. */
  readonly defaultBaseUrl: string | undefined;
  /** Headers for one key, built at config compile (auth header, API version). Never logged. */
  buildHeaders(apiKey: string | undefined): Record<string, string>;
  /** Pure: never mutates `request`; throws a 400 `GatewayError` naming the param it cannot translate. */
  toRequest(request: ChatRequest, call: AdapterCall, stream: boolean): UpstreamRequest;
  /** Parse a 2xx body. Throws `UpstreamProtocolError` when it is not what the provider documents. */
  fromResponse(bodyText: string, ctx: TranslationContext): TranslatedResponse;
  createStreamTranslator(ctx: TranslationContext): StreamTranslator;
  /** Classify a non-2xx answer (status, headers lower-cased, body text). */
  classifyError(
    status: number,
    headers: Readonly<Record<string, string | string[] | undefined>>,
    bodyText: string,
  ): UpstreamFailure;
  /** A cheap request proving the provider and key work (model list), for health probes. */
  probeRequest(call: AdapterCall): UpstreamRequest;
}

/** The upstream broke its own protocol (bad JSON, impossible event order): retryable as `server`. */
export class UpstreamProtocolError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamProtocolError';
  }
}

/** A stream that the provider ended early or cut: `end()` without the terminal event. */
export class StreamProtocolError extends UpstreamProtocolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StreamProtocolError';
  }
}

/** The provider reported an error inside a 200 stream (Anthropic `event: error`, OpenAI `data: {"error":…}`). */
export class UpstreamStreamError extends Error {
  readonly failure: UpstreamFailure;
  constructor(failure: UpstreamFailure) {
    super(failure.message);
    this.name = 'UpstreamStreamError';
    this.failure = failure;
  }
}
