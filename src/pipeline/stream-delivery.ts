/**
 * What a stream has delivered to the client, kept only for requests whose stream could be continued
 * elsewhere if it broke (continuation.ts). Per chunk, a few substring scans and no parse: the content's
 * escaped text is kept (a few bytes per token, so 1,000 open streams hold their answers' text, not
 * their chunks) and decoded only when a stream breaks, which is rare.
 */
import type { Usage } from '../protocol/chat-response.ts';
import { cacheWrite1hTokensOf } from '../providers/shared/usage.ts';

export interface Delivered {
  /** The answer's text so far (`delta.content` concatenated). */
  text: string;
  /**
   * A tool call, a function call or a refusal went out: a second lifecycle would duplicate its side
   * effects, so such a stream is never continued.
   */
  structured: boolean;
}

export class DeliveredStream {
  /** The content deltas as they appear inside their JSON strings (still escaped): decoded on read. */
  #pieces: string[] = [];
  #structured = false;
  /** Text of earlier attempts' deliveries, for a stream continued more than once. */
  #earlier = '';

  /**
   * One chunk that went out. Keeps only its content's escaped text (a few bytes per token, not the
   * whole chunk), found by a scan instead of a parse, and notes a tool call, function call or refusal.
   */
  record(json: string): void {
    if (
      json.includes('"tool_calls":[{') ||
      json.includes('"function_call":{') ||
      json.includes('"refusal":"')
    ) {
      if (hasStructuredDelta(json)) this.#structured = true;
    }
    const piece = escapedContent(json);
    if (piece !== undefined && piece !== '') this.#pieces.push(piece);
  }

  /** What went out so far, across every attempt of this request. */
  read(): Delivered {
    return { text: this.#earlier + this.#current(), structured: this.#structured };
  }

  /** Characters the current attempt delivered (since the last seal). */
  lastAttemptChars(): number {
    return this.#current().length;
  }

  /**
   * Forgets the current attempt's text: it failed before any of it reached the client. A tool call it
   * emitted stays noted: refusing a later continuation is the safe side of that doubt.
   */
  discard(): void {
    this.#pieces = [];
  }

  /** Starts the next attempt's record; what was delivered so far stays counted. */
  seal(): void {
    this.#earlier += this.#current();
    this.#pieces = [];
  }

  #current(): string {
    if (this.#pieces.length === 0) return '';
    try {
      return JSON.parse(`"${this.#pieces.join('')}"`) as string;
    } catch {
      // A piece cut inside an escape (never from a well-formed chunk): decode piece by piece instead.
      let text = '';
      for (const piece of this.#pieces) {
        try {
          text += JSON.parse(`"${piece}"`) as string;
        } catch {
          text += piece;
        }
      }
      return text;
    }
  }
}

const CONTENT_KEY = '"content":"';

/**
 * The escaped text of the first choice's `delta.content` in a chunk's JSON, or undefined when it has
 * none (or it is null). Chunks of a request that can be continued have one choice (n = 1), so the first
 * `"content":"` is its delta's (`"reasoning_content":"` does not match: its key starts differently).
 */
function escapedContent(json: string): string | undefined {
  const at = json.indexOf(CONTENT_KEY);
  if (at === -1) return undefined;
  const start = at + CONTENT_KEY.length;
  for (let i = start; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code === BACKSLASH) i++;
    else if (code === QUOTE) return json.slice(start, i);
  }
  return undefined;
}

const BACKSLASH = 92;
const QUOTE = 34;

/** A delivered chunk as JSON; undefined for one that is not (a passthrough forwards what it got). */
function parsed(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

function hasStructuredDelta(json: string): boolean {
  const chunk = parsed(json) as
    | {
        choices?: Array<{
          delta?: { tool_calls?: unknown[]; function_call?: unknown; refusal?: string | null };
        }>;
      }
    | undefined;
  const delta = chunk?.choices?.[0]?.delta;
  if (delta === undefined) return false;
  return (
    (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) ||
    (delta.function_call !== undefined && delta.function_call !== null) ||
    (typeof delta.refusal === 'string' && delta.refusal.length > 0)
  );
}

/** Two usages added (the attempts of one continued answer); either may be missing. */
export function addUsage(a: Usage | undefined, b: Usage | undefined): Usage | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const cached =
    (a.prompt_tokens_details?.cached_tokens ?? 0) + (b.prompt_tokens_details?.cached_tokens ?? 0);
  const reasoning =
    (a.completion_tokens_details?.reasoning_tokens ?? 0) +
    (b.completion_tokens_details?.reasoning_tokens ?? 0);
  const sum: Usage = {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
  const written =
    (a.prompt_tokens_details?.cache_write_tokens ?? 0) + (b.prompt_tokens_details?.cache_write_tokens ?? 0);
  const writtenFor1h = cacheWrite1hTokensOf(a) + cacheWrite1hTokensOf(b);
  if (cached > 0 || written > 0)
    sum.prompt_tokens_details =
      written > 0
        ? {
            cached_tokens: cached,
            cache_write_tokens: written,
            ...(writtenFor1h > 0 ? { cache_write_1h_tokens: writtenFor1h } : {}),
          }
        : { cached_tokens: cached };
  if (reasoning > 0) sum.completion_tokens_details = { reasoning_tokens: reasoning };
  return sum;
}

/**
 * A broken attempt's usage when the provider never reported it (most report usage only at the end):
 * the prompt as estimated and about four characters per delivered token. Billing follows the provider;
 * this is what the log and the budget count meanwhile, rather than nothing.
 */
export function estimatedUsage(promptTokens: number, deliveredChars: number): Usage {
  const completion = Math.ceil(deliveredChars / 4);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completion,
    total_tokens: promptTokens + completion,
  };
}

/** The final usage chunk of a continued stream, rewritten to count every attempt. */
export function usageChunkWithPrior(json: string, prior: Usage | undefined): string {
  if (prior === undefined) return json;
  const chunk = JSON.parse(json) as { usage?: Usage };
  chunk.usage = addUsage(prior, chunk.usage);
  return JSON.stringify(chunk);
}
