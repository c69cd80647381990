/**
 * A front is the client-facing protocol a request arrives in: the mirror of a provider adapter. It
 * turns its wire format into the normalized ChatRequest every stage reads (routing, limits, the estimate,
 * adapters), and the normalized answer back into its own JSON, SSE events and error envelope. So the
 * pipeline stays one and a new client protocol is one folder under src/fronts/, as a provider is one
 * folder under src/providers/. OpenAI Chat Completions is not a front: it is the normalized protocol
 * itself, and its path stays exactly as it was (no front, no extra work).
 *
 * A front may also speak a target's own protocol natively (Anthropic Messages to an Anthropic target):
 * then the client's body goes upstream with only the model rewritten and the upstream's bytes come back
 * unchanged, while the provider's own translator still reads them for usage and the finish reason (and,
 * under output moderation, for the text each upstream event carries: exchange.ts holds the event until
 * that text is judged).
 */
import type { CompiledTarget } from '../config/compile.ts';
import type { GatewayError } from '../errors/gateway-error.ts';
import type { ChatRequest } from '../protocol/chat-request.ts';
import type { GuardedTextReader } from './guarded-text.ts';
import type { ChatCompletion, FinishReason, Usage } from '../protocol/chat-response.ts';
import type {
  AdapterCall,
  ChunkKind,
  StreamTranslator,
  TranslationContext,
  UpstreamRequest,
} from '../providers/types.ts';

export interface FrontRequest {
  /** The normalized request: what routing, limits, the estimate and the adapters read. */
  request: ChatRequest;
  stream: boolean;
  /** The client's body as it came, for a passthrough. */
  native: Record<string, unknown>;
}

/** One whole answer in the front's format, with the accounting read from it. */
export interface FrontAnswer {
  /** The JSON to send; undefined sends the upstream bytes unchanged (passthrough). */
  body: string | undefined;
  usage: Usage | undefined;
  /** The gateway counted `usage` itself: the provider reported none (an embeddings server, say). */
  usageEstimated?: boolean;
  finishReason: FinishReason | null;
  rawFinishReason: string | null;
  /** The upstream model as the provider reported it ('' when it did not). */
  model: string;
  /** The answer for output moderation (pipeline/guard-out.ts); undefined: not moderated (embeddings). */
  moderation?: ModeratedAnswer;
}

export interface ModeratedAnswer {
  /** The answer as a chat completion: the text output moderation judges. */
  completion: ChatCompletion;
  /**
   * The JSON to send once moderation changed the answer: `moderated` is `completion` blocked
   * (`finish_reason: "content_filter"`, text and reasoning emptied) or redacted, rendered in the front's
   * own terms (a passthrough edits the upstream's answer, keeping everything moderation did not touch).
   */
  render(moderated: ChatCompletion): string;
}

/** Where a front's stream writes: the response's SSE buffer (server/sse-writer.ts). */
export interface SseSink {
  /** `event: <name>` plus `data: <json>`. */
  event(name: string, json: string): void;
  /** Text already in SSE framing, written as is (a passthrough's upstream bytes). */
  raw(text: string): void;
}

/** One attempt's stream in the front's format. */
export interface FrontStream {
  /** Reads the upstream's events: usage, finish reason, model (and OpenAI chunks when translating). */
  translator: StreamTranslator;
  /** True: the upstream's bytes go to the client as they came, and `chunk` is never called. */
  passthrough: boolean;
  /** One OpenAI chunk from the translator, rendered as the front's events. */
  chunk(json: string, kind: ChunkKind): void;
  /** The upstream ended normally: the front's closing events. */
  end(): void;
  /**
   * A passthrough under output moderation: one upstream event moderation released, written as it came
   * (what the front needs to close the stream is noted on the way).
   */
  relay(raw: string): void;
  /**
   * Output moderation blocked the answer: the front's own closing events for a filtered answer (Messages:
   * `stop_reason: "refusal"`; Responses: `response.incomplete`, reason `content_filter`). A translated
   * front has rendered the content_filter chunk and closes what it opened; a passthrough closes what it
   * relayed. `usage`: what the attempt consumed, as far as known, for a front that has no usage yet.
   */
  block(usage: Usage | undefined): void;
}

/** Everything a front needs per call; ids and times come from the pipeline, as for adapters. */
export interface FrontCall {
  target: CompiledTarget;
  translation: TranslationContext;
  /** The client's body as the input guard left it (a stripped or demoted one is a copy, guard-in.ts). */
  native: Record<string, unknown>;
}

export interface Front {
  /** For the log: `anthropic-messages`, `responses`, `embeddings`. */
  readonly name: string;
  /** Parse and validate the body; throws a 400 GatewayError naming the field. */
  parse(body: Buffer): FrontRequest;
  /** The upstream request for one attempt; throws a 4xx GatewayError when this target cannot serve it. */
  toUpstream(
    front: FrontCall,
    call: AdapterCall,
    stream: boolean,
    clientHeaders: ClientHeaders,
  ): UpstreamRequest;
  /** A 2xx body to the client's format. Throws UpstreamProtocolError when the body is malformed. */
  answer(front: FrontCall, bodyText: string): FrontAnswer;
  /**
   * `moderated`: output moderation reads the stream, so a passthrough's translator also emits the chunks
   * that carry text (which it otherwise need not build).
   */
  openStream(front: FrontCall, sink: SseSink, moderated: boolean): FrontStream;
  /** The error body before the first byte, and its status. */
  errorResponse(error: GatewayError): { status: number; body: string };
  /** The events that end a stream that failed after its first byte. */
  streamError(error: GatewayError, sink: SseSink): void;
  /**
   * Where the input guard reads the client's body (guarded-text.ts), for a front whose body can go
   * upstream as sent; without it the guard reads the normalized request.
   */
  readonly guardedText?: GuardedTextReader;
  /** Upstream response headers a passthrough relays (e.g. Anthropic's `request-id`); none when absent. */
  relayHeaders?(target: CompiledTarget, upstream: ClientHeaders): Record<string, string> | undefined;
}

/** Request headers a passthrough forwards (lower-cased names). */
export type ClientHeaders = Readonly<Record<string, string | string[] | undefined>>;
