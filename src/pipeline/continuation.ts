/**
 * Stream recovery (issue 13): how a stream that broke after its first byte is continued on another
 * target, through a real prefix mechanism, so the client sees one whole answer.
 *
 * `providers.<name>.continuation` says how a provider may continue an answer (docs/design.md §1):
 *
 * | mode     | what is sent                                                                        |
 * | -------- | ----------------------------------------------------------------------------------- |
 * | `prefix` | the conversation plus the delivered text as a final assistant message the model     |
 * |          | continues: Anthropic prefill, Mistral and DeepSeek `prefix: true`, Qwen             |
 * |          | `partial: true`, OpenAI-compatible servers `continue_final_message` (vLLM, SGLang)  |
 * | `prompt` | the same assistant message, then a user turn asking to continue without repeating: |
 * |          | for models that reject prefill (newer Claude models); an explicit opt-in, since the |
 * |          | model may rephrase the seam                                                         |
 * | `off`    | never used to continue                                                              |
 *
 * Defaults by type (CONTINUATION_DEFAULTS): `prefix` where the provider documents a prefix mode that
 * needs nothing else (Anthropic, Mistral); `off` for OpenAI and Gemini (no prefix mode), DeepSeek (its
 * prefix mode lives on the beta base URL), Qwen (partial mode is model-dependent) and OpenAI-compatible
 * servers (only those started with the chat-template option support it): each may be set to `prefix`
 * by an operator who knows the endpoint supports it.
 */
import type { ProviderType } from '../providers/registry.ts';
import type { ChatRequest } from '../protocol/chat-request.ts';
import type { UpstreamRequest } from '../providers/types.ts';

export type ContinuationMode = 'prefix' | 'prompt' | 'off';

export const CONTINUATION_DEFAULTS: Readonly<Record<ProviderType, ContinuationMode>> = {
  openai: 'off',
  'openai-compatible': 'off',
  anthropic: 'prefix',
  gemini: 'off',
  mistral: 'prefix',
  deepseek: 'off',
  qwen: 'off',
};

/** The user turn of `prompt` mode. */
export const CONTINUE_PROMPT =
  'Your previous answer was cut off. Continue it exactly where it stopped, without repeating anything already written and without any preamble.';

/**
 * The client's request with the delivered text appended as the assistant's unfinished answer (and, in
 * `prompt` mode, the request to continue it). Anthropic refuses a prefill ending in whitespace, so the
 * text goes without its trailing whitespace there; the continuation starts with it again.
 */
export function continuationRequest(
  request: ChatRequest,
  delivered: string,
  mode: 'prefix' | 'prompt',
  type: ProviderType,
): ChatRequest {
  const text = type === 'anthropic' ? delivered.trimEnd() : delivered;
  const messages: ChatRequest['messages'] = [...request.messages, { role: 'assistant', content: text }];
  if (mode === 'prompt') messages.push({ role: 'user', content: CONTINUE_PROMPT });
  return { ...request, messages };
}

/**
 * Marks the final assistant message as a prefix on the wire, for the providers whose prefix mode is a
 * flag (Anthropic's prefill is the final assistant message itself). Rare path: one parse and one
 * serialization of the body.
 */
export function markPrefix(upstream: UpstreamRequest, type: ProviderType): UpstreamRequest {
  if (type === 'anthropic' || upstream.body === undefined) return upstream;
  const body = JSON.parse(upstream.body) as { messages?: Array<Record<string, unknown>> } & Record<
    string,
    unknown
  >;
  const last = body.messages?.at(-1);
  if (type === 'openai-compatible' || type === 'openai') {
    // vLLM / SGLang chat-template options: continue the final assistant message, add no new turn.
    body.continue_final_message = true;
    body.add_generation_prompt = false;
  } else if (last !== undefined && type === 'qwen') last.partial = true;
  else if (last !== undefined) last.prefix = true; // Mistral, DeepSeek
  return { ...upstream, body: JSON.stringify(body) };
}
