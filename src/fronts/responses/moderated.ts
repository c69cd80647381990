/**
 * A passed-through Responses answer (OpenAI's own `response` object) for output moderation
 * (pipeline/guard-out.ts): read as a chat completion, whose text is what moderation judges, and written
 * back once moderation changed it, the upstream's own object with only what moderation touched rewritten.
 *
 *   output_text parts of message items, joined  → content
 *   refusal parts of message items, joined      → refusal (shown to the client, so judged)
 *   reasoning summaries and reasoning_text      → reasoning_content (shown to the client, so judged)
 *   function_call items                          → tool_calls
 *
 *   blocked   → message and reasoning items gone (their refusal parts too), status `incomplete` with
 *               `incomplete_details.reason: "content_filter"`, as OpenAI reports its own
 *   redacted  → the redacted text in the first output_text part (annotations dropped: they point into the
 *               text it replaced), the other output_text parts gone; a redacted refusal likewise in the
 *               first refusal part
 */
import type { ChatCompletion, ChatCompletionMessage } from '../../protocol/chat-response.ts';
import type { ResponsesAccounting } from './passthrough.ts';

type Item = Record<string, unknown> & { type?: unknown; content?: unknown; summary?: unknown };
type Part = Record<string, unknown> & { type?: unknown; text?: unknown; refusal?: unknown };

export interface WireResponseObject {
  id?: unknown;
  created_at?: unknown;
  output?: unknown;
}

const partsOf = (value: unknown): Part[] => (Array.isArray(value) ? (value as Part[]) : []);
const itemsOf = (response: WireResponseObject): Item[] =>
  Array.isArray(response.output) ? (response.output as Item[]) : [];

export function responsesCompletion(
  response: WireResponseObject,
  accounting: ResponsesAccounting,
): ChatCompletion {
  let content = '';
  let refusal = '';
  let reasoning = '';
  const toolCalls: NonNullable<ChatCompletionMessage['tool_calls']> = [];
  for (const item of itemsOf(response)) {
    if (item.type === 'message') {
      for (const part of partsOf(item.content))
        if (part.type === 'output_text' && typeof part.text === 'string') content += part.text;
        else if (part.type === 'refusal' && typeof part.refusal === 'string') refusal += part.refusal;
    } else if (item.type === 'reasoning') {
      for (const part of [...partsOf(item.summary), ...partsOf(item.content)])
        if (typeof part.text === 'string') reasoning += part.text;
    } else if (item.type === 'function_call') {
      toolCalls.push({
        id: String(item.call_id ?? ''),
        type: 'function',
        function: { name: String(item.name ?? ''), arguments: String(item.arguments ?? '') },
      });
    }
  }
  const message: ChatCompletionMessage = {
    role: 'assistant',
    content,
    refusal: refusal === '' ? null : refusal,
  };
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: typeof response.id === 'string' ? response.id : '',
    object: 'chat.completion',
    created: typeof response.created_at === 'number' ? response.created_at : 0,
    model: accounting.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: accounting.finishReason ?? 'stop' }],
    usage: accounting.usage,
  };
}

export function moderatedResponse(response: WireResponseObject, moderated: ChatCompletion): string {
  const choice = moderated.choices[0];
  const blocked = choice?.finish_reason === 'content_filter';
  let text: string | undefined = blocked ? undefined : (choice?.message.content ?? undefined);
  let refusal: string | undefined = blocked ? undefined : (choice?.message.refusal ?? undefined);
  const output: Item[] = [];
  for (const item of itemsOf(response)) {
    if (item.type === 'reasoning' && blocked) continue;
    if (item.type !== 'message') {
      output.push(item);
      continue;
    }
    const parts: Part[] = [];
    for (const part of partsOf(item.content)) {
      if (part.type === 'refusal') {
        if (refusal !== undefined && refusal !== '') parts.push({ ...part, refusal });
        refusal = undefined;
        continue;
      }
      if (part.type !== 'output_text') {
        parts.push(part);
        continue;
      }
      if (text !== undefined && text !== '') parts.push({ ...part, text, annotations: [] });
      text = undefined;
    }
    if (parts.length > 0) output.push({ ...item, content: parts });
  }
  if (!blocked) return JSON.stringify({ ...response, output });
  return JSON.stringify({
    ...response,
    status: 'incomplete',
    completed_at: null,
    incomplete_details: { reason: 'content_filter' },
    output,
  });
}
