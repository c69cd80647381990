/**
 * /v1/responses to an OpenAI target: the client's body goes to OpenAI's own Responses endpoint with only
 * `model` rewritten and `store: false` (the gateway is stateless, and nothing should be kept upstream
 * that it could never serve back), and OpenAI's answer comes back byte for byte. What accounting needs
 * is read from it here: usage, the status as a finish reason, the model; and an in-band failure
 * (`error`, `response.failed`) before the first byte is classified so the attempt loop can fail over.
 * Under output moderation the stream reader also hands out the text each event carries, as chunks, for
 * the moderator that holds the event until that text is judged (pipeline/exchange.ts).
 */
import type { FinishReason, Usage } from '../../protocol/chat-response.ts';
import { CARRIED_STATE_PREFIX } from './response.ts';
import { failureFromOpenAIErrorObject } from '../../providers/openai/errors.ts';
import { type ChunkHeader, deltaChunk } from '../../providers/shared/chunks.ts';
import type { SseEvent } from '../../providers/shared/sse.ts';
import {
  type AdapterCall,
  type EmitChunk,
  StreamProtocolError,
  type StreamTranslator,
  UpstreamProtocolError,
  type UpstreamRequest,
  UpstreamStreamError,
} from '../../providers/types.ts';

export function passthroughRequest(native: Record<string, unknown>, call: AdapterCall): UpstreamRequest {
  return {
    method: 'POST',
    path: `${call.target.basePath}/responses`,
    headers: call.headers as Record<string, string>,
    body: JSON.stringify({
      ...native,
      input: withoutCarriedState(native.input),
      model: call.target.model,
      store: false,
    }),
  };
}

/**
 * The input without reasoning items that carry another target's state (response.ts CARRIED_STATE_PREFIX):
 * OpenAI would refuse encrypted content it did not make, and the turn stands without it. Unchanged (the
 * same array) when there is none, which is nearly always.
 */
function withoutCarriedState(input: unknown): unknown {
  if (!Array.isArray(input) || !input.some(isCarriedState)) return input;
  return input.filter((entry) => !isCarriedState(entry));
}

function isCarriedState(entry: unknown): boolean {
  if (typeof entry !== 'object' || entry === null) return false;
  const item = entry as { type?: unknown; encrypted_content?: unknown };
  return (
    item.type === 'reasoning' &&
    typeof item.encrypted_content === 'string' &&
    item.encrypted_content.startsWith(CARRIED_STATE_PREFIX)
  );
}

export interface WireResponse {
  id?: unknown;
  created_at?: unknown;
  status?: unknown;
  model?: unknown;
  output?: Array<{ type?: unknown }>;
  incomplete_details?: { reason?: unknown } | null;
  error?: { code?: unknown; message?: unknown } | null;
  usage?: {
    input_tokens?: unknown;
    input_tokens_details?: { cached_tokens?: unknown };
    output_tokens?: unknown;
    output_tokens_details?: { reasoning_tokens?: unknown };
    total_tokens?: unknown;
  } | null;
}

export interface ResponsesAccounting {
  usage: Usage | undefined;
  finishReason: FinishReason | null;
  rawFinishReason: string | null;
  model: string;
}

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

export function accountingOf(response: WireResponse): ResponsesAccounting {
  const usage = response.usage;
  const status = typeof response.status === 'string' ? response.status : null;
  const reason = response.incomplete_details?.reason;
  let finishReason: FinishReason | null = null;
  if (status === 'completed')
    finishReason = (response.output ?? []).some((item) => item.type === 'function_call')
      ? 'tool_calls'
      : 'stop';
  else if (status === 'incomplete') finishReason = reason === 'content_filter' ? 'content_filter' : 'length';
  return {
    usage:
      usage == null
        ? undefined
        : {
            prompt_tokens: count(usage.input_tokens),
            completion_tokens: count(usage.output_tokens),
            total_tokens: count(usage.total_tokens) || count(usage.input_tokens) + count(usage.output_tokens),
            prompt_tokens_details: { cached_tokens: count(usage.input_tokens_details?.cached_tokens) },
            completion_tokens_details: {
              reasoning_tokens: count(usage.output_tokens_details?.reasoning_tokens),
            },
          },
    finishReason,
    rawFinishReason: status === 'incomplete' && typeof reason === 'string' ? reason : null,
    model: typeof response.model === 'string' ? response.model : '',
  };
}

export function readResponseBody(bodyText: string): ResponsesAccounting {
  return accountingOf(parseResponseBody(bodyText));
}

/** The answer as OpenAI sent it; throws UpstreamProtocolError when it is not a `response` object. */
export function parseResponseBody(bodyText: string): WireResponse {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch (cause) {
    throw new UpstreamProtocolError('Responses answer is not JSON', { cause });
  }
  if (body === null || typeof body !== 'object' || (body as { object?: unknown }).object !== 'response')
    throw new UpstreamProtocolError("Responses answer is not a 'response' object");
  return body as WireResponse;
}

/** Text deltas, and the chunk field output moderation reads each as (reasoning and refusals are shown, so judged). */
const TEXT_DELTAS: ReadonlyMap<string, 'content' | 'reasoning_content' | 'refusal'> = new Map([
  ['response.output_text.delta', 'content'],
  ['response.refusal.delta', 'refusal'],
  ['response.reasoning_text.delta', 'reasoning_content'],
  ['response.reasoning_summary_text.delta', 'reasoning_content'],
]);

const noEmit: EmitChunk = () => {};

/** Chunks only moderation reads (never sent): no ids. */
const NO_HEADER: ChunkHeader = { id: '', created: 0, model: '' };

/**
 * Reads a passed-through Responses stream for accounting (the bytes go out as they are). It emits
 * nothing, unless `moderated`: then each text delta as a chunk and the terminal event as a finish chunk,
 * for output moderation.
 */
export class ResponsesStreamReader implements StreamTranslator {
  usage: Usage | undefined = undefined;
  finishReason: FinishReason | null = null;
  rawFinishReason: string | null = null;
  model: string | null = null;
  #ended = false;
  readonly #moderated: boolean;

  constructor(moderated = false) {
    this.#moderated = moderated;
  }

  /** `emit` is only called when `moderated`. */
  push(event: SseEvent, emit: EmitChunk = noEmit): void {
    if (event.data === '[DONE]') return;
    let data: { type?: unknown; response?: WireResponse; error?: unknown };
    try {
      data = JSON.parse(event.data) as typeof data;
    } catch (cause) {
      throw new UpstreamProtocolError('Responses stream event is not JSON', { cause });
    }
    const type = data.type ?? event.event;
    // Some servers send an error as a bare `{"error":{…}}` data line, with neither a type nor an event name.
    if (type === 'error' || (type === undefined && typeof data.error === 'object' && data.error !== null)) {
      const error = typeof data.error === 'object' && data.error !== null ? data.error : data;
      throw new UpstreamStreamError(failureFromOpenAIErrorObject({ error }, 500));
    }
    if (this.#moderated && typeof type === 'string') {
      const field = TEXT_DELTAS.get(type);
      const delta = (data as { delta?: unknown }).delta;
      if (field !== undefined && typeof delta === 'string' && delta !== '')
        emit(deltaChunk(NO_HEADER, { [field]: delta }), 'chunk');
    }
    const response = data.response;
    if (response === undefined) return;
    if (typeof response.model === 'string') this.model = response.model;
    if (type === 'response.failed')
      throw new UpstreamStreamError(failureFromOpenAIErrorObject({ error: response.error ?? {} }, 500));
    if (type === 'response.completed' || type === 'response.incomplete') {
      const accounting = accountingOf(response);
      this.usage = accounting.usage;
      this.finishReason = accounting.finishReason;
      this.rawFinishReason = accounting.rawFinishReason;
      this.#ended = true;
      if (this.#moderated) emit(deltaChunk(NO_HEADER, {}, accounting.finishReason ?? 'stop'), 'chunk');
    }
  }

  end(): void {
    if (!this.#ended) throw new StreamProtocolError('Responses stream ended without a terminal event');
  }
}
