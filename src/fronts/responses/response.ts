/**
 * The normalized answer (an OpenAI chat completion) to a Responses API `response` object
 * (docs/providers.md §11.4, §11.7).
 *
 *   reasoning_content      → a reasoning item with one reasoning_text part (never output text)
 *   content / refusal      → a message item with an output_text / refusal part
 *   tool_calls             → function_call items, in order (call_id = the tool call id)
 *   finish_reason length   → status incomplete, reason max_output_tokens; content_filter likewise
 *   usage                  → input_tokens (cached included), output_tokens (reasoning included)
 *
 * The request's settings are echoed as OpenAI does, since the SDK and agents frameworks read them.
 */
import type { ChatCompletion, FinishReason, Usage } from '../../protocol/chat-response.ts';

export type OutputItem = Record<string, unknown>;

/** `resp_` from the completion id; item ids share its suffix so they stay unique per response. */
export function idsFor(completionId: string): { response: string; suffix: string } {
  const suffix = completionId.replace(/^chatcmpl-/, '');
  return { response: `resp_${suffix}`, suffix };
}

export function responsesUsage(usage: Usage | undefined | null): Record<string, unknown> | null {
  if (usage == null) return null;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
  };
}

export function statusOf(finishReason: FinishReason | null | undefined): {
  status: 'completed' | 'incomplete';
  incomplete_details: { reason: string } | null;
} {
  if (finishReason === 'length')
    return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter')
    return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** Item ids: kind, the response's suffix and the output index, so every item of a response is distinct. */
export const itemId = (prefix: 'rs' | 'msg' | 'fc', suffix: string, outputIndex: number): string =>
  `${prefix}_${suffix}_${outputIndex}`;

/**
 * A non-OpenAI target's reasoning state (the adapter's `reasoning_signature`: Claude's thinking blocks
 * and their signatures, Gemini's thought signature) rides in the reasoning item's `encrypted_content`, so
 * a client that sends the output back as the next turn's input (stateless replay) gives the target its
 * thinking again: Claude refuses a tool result after thinking without it. The prefix marks the state as
 * this gateway's: request.ts reads it back, and an OpenAI target never receives it (passthrough.ts).
 */
export const CARRIED_STATE_PREFIX = 'switchyard.reasoning.v1:';

export const reasoningItem = (
  id: string,
  text: string,
  status: string,
  signature?: string | null,
): OutputItem => ({
  id,
  type: 'reasoning',
  summary: [],
  content: text === '' && status === 'in_progress' ? [] : [{ type: 'reasoning_text', text }],
  ...(signature != null && signature !== '' ? { encrypted_content: CARRIED_STATE_PREFIX + signature } : {}),
  status,
});

export const outputTextPart = (text: string) => ({
  type: 'output_text',
  text,
  annotations: [],
  logprobs: [],
});

export const messageItem = (id: string, parts: unknown[], status: string): OutputItem => ({
  id,
  type: 'message',
  status,
  role: 'assistant',
  content: parts,
});

export const functionCallItem = (
  id: string,
  callId: string,
  name: string,
  args: string,
  status: string,
): OutputItem => ({
  id,
  type: 'function_call',
  status,
  call_id: callId,
  name,
  arguments: args,
});

/** The response object around `output`: the request's settings echoed, as OpenAI answers. */
export function responseEnvelope(
  native: Record<string, unknown>,
  id: string,
  createdAt: number,
  model: string,
  fields: {
    status: string;
    output: OutputItem[];
    usage: Record<string, unknown> | null;
    incomplete_details?: { reason: string } | null;
    error?: { code: string; message: string } | null;
    completed_at?: number | null;
  },
): Record<string, unknown> {
  const text = native.text as { format?: unknown; verbosity?: unknown } | undefined;
  const reasoning = native.reasoning as { effort?: unknown } | null | undefined;
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: fields.status,
    completed_at: fields.completed_at ?? null,
    error: fields.error ?? null,
    incomplete_details: fields.incomplete_details ?? null,
    instructions: native.instructions ?? null,
    max_output_tokens: native.max_output_tokens ?? null,
    model,
    output: fields.output,
    parallel_tool_calls: native.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: reasoning?.effort ?? null, summary: null },
    store: false,
    temperature: native.temperature ?? 1,
    text: { format: text?.format ?? { type: 'text' }, verbosity: text?.verbosity ?? 'medium' },
    tool_choice: native.tool_choice ?? 'auto',
    tools: native.tools ?? [],
    top_p: native.top_p ?? 1,
    truncation: 'disabled',
    usage: fields.usage,
    user: native.user ?? null,
    metadata: native.metadata ?? {},
  };
}

export function toResponse(
  completion: ChatCompletion,
  native: Record<string, unknown>,
  nowSeconds: number,
): string {
  const ids = idsFor(completion.id);
  const choice = completion.choices[0];
  const message = choice?.message;
  const output: OutputItem[] = [];
  const reasoning = message?.reasoning_content ?? '';
  const signature = message?.reasoning_signature;
  if (reasoning !== '' || (signature != null && signature !== ''))
    output.push(reasoningItem(itemId('rs', ids.suffix, output.length), reasoning, 'completed', signature));
  const parts: unknown[] = [];
  if (message?.content != null && message.content !== '') parts.push(outputTextPart(message.content));
  if (message?.refusal != null && message.refusal !== '')
    parts.push({ type: 'refusal', refusal: message.refusal });
  if (parts.length > 0)
    output.push(messageItem(itemId('msg', ids.suffix, output.length), parts, 'completed'));
  for (const call of message?.tool_calls ?? []) {
    if (call.type !== 'function') continue;
    const id = itemId('fc', ids.suffix, output.length);
    output.push(functionCallItem(id, call.id, call.function.name, call.function.arguments, 'completed'));
  }
  const { status, incomplete_details } = statusOf(choice?.finish_reason);
  return JSON.stringify(
    responseEnvelope(native, ids.response, completion.created, completion.model, {
      status,
      output,
      usage: responsesUsage(completion.usage),
      incomplete_details,
      completed_at: status === 'completed' ? nowSeconds : null,
    }),
  );
}
