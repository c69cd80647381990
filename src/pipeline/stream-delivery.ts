/**
 * What a stream has delivered to the client, kept only for requests whose stream could be continued
 * elsewhere if it broke (continuation.ts). The chunks are kept as the JSON text already written, so the
 * hot path pays one array push per chunk and no parsing; the text is read back only when a stream
 * breaks, which is rare.
 */
import type { Usage } from '../protocol/chat-response.ts';

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
  readonly #chunks: string[] = [];
  /** Text of earlier attempts' deliveries, for a stream continued more than once. */
  #earlier = '';

  record(json: string): void {
    this.#chunks.push(json);
  }

  /** What went out so far, across every attempt of this request. */
  read(): Delivered {
    let text = this.#earlier;
    let structured = false;
    for (const json of this.#chunks) {
      // Cheap test first: most chunks carry content only.
      if (json.includes('"tool_calls"') || json.includes('"function_call"') || json.includes('"refusal":"')) {
        if (hasStructuredDelta(json)) structured = true;
      }
      const chunk = parsed(json) as { choices?: Array<{ delta?: { content?: string | null } }> } | undefined;
      const content = chunk?.choices?.[0]?.delta?.content;
      if (typeof content === 'string') text += content;
    }
    return { text, structured };
  }

  /** Characters the current attempt delivered (since the last seal). */
  lastAttemptChars(): number {
    return this.read().text.length - this.#earlier.length;
  }

  /** Forgets the current attempt's chunks: it failed before any of them reached the client. */
  discard(): void {
    this.#chunks.length = 0;
  }

  /** Starts the next attempt's record; what was delivered so far stays counted. */
  seal(): void {
    this.#earlier = this.read().text;
    this.#chunks.length = 0;
  }
}

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
  if (cached > 0) sum.prompt_tokens_details = { cached_tokens: cached };
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
