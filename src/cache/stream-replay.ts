/**
 * A cached completion as the chunks of a proper OpenAI stream (issue 14): per choice a role chunk, the
 * content (reasoning, refusal and tool calls with it), a finish chunk; then the usage chunk when the
 * client asked for it (`stream_options.include_usage`). The caller writes `[DONE]`. One chunk carries
 * all of a choice's text: a replay has nothing to wait for, so splitting it would only cost bytes.
 */
import type { ChatCompletion, ChatCompletionChoice } from '../protocol/chat-response.ts';

export function replayChunks(
  completion: ChatCompletion,
  id: string,
  created: number,
  includeUsage: boolean,
): string[] {
  const base: Record<string, unknown> = {
    id,
    object: 'chat.completion.chunk',
    created,
    model: completion.model,
  };
  if (completion.system_fingerprint !== undefined) base.system_fingerprint = completion.system_fingerprint;
  if (completion.service_tier !== undefined) base.service_tier = completion.service_tier;
  const chunk = (choices: unknown[], usage?: unknown) =>
    JSON.stringify(usage === undefined ? { ...base, choices } : { ...base, choices, usage });
  const out: string[] = [];
  for (const choice of completion.choices) {
    const index = choice.index;
    out.push(
      chunk([{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]),
    );
    const delta = contentDelta(choice);
    if (delta !== undefined) out.push(chunk([{ index, delta, logprobs: null, finish_reason: null }]));
    out.push(chunk([{ index, delta: {}, logprobs: null, finish_reason: choice.finish_reason }]));
  }
  if (includeUsage && completion.usage !== undefined) out.push(chunk([], completion.usage));
  return out;
}

function contentDelta(choice: ChatCompletionChoice): Record<string, unknown> | undefined {
  const message = choice.message;
  const delta: Record<string, unknown> = {};
  let any = false;
  if (typeof message.reasoning_content === 'string' && message.reasoning_content !== '') {
    delta.reasoning_content = message.reasoning_content;
    any = true;
  }
  if (typeof message.content === 'string' && message.content !== '') {
    delta.content = message.content;
    any = true;
  }
  if (typeof message.refusal === 'string' && message.refusal !== '') {
    delta.refusal = message.refusal;
    any = true;
  }
  const calls = message.tool_calls;
  if (calls !== undefined && calls !== null && calls.length > 0) {
    delta.tool_calls = calls.map((call, index) =>
      call.type === 'function'
        ? {
            index,
            id: call.id,
            type: 'function',
            function: { name: call.function.name, arguments: call.function.arguments },
          }
        : { index, id: call.id, type: call.type, custom: call.custom },
    );
    any = true;
  }
  if (typeof message.reasoning_signature === 'string' && message.reasoning_signature !== '') {
    delta.reasoning_signature = message.reasoning_signature;
    any = true;
  }
  return any ? delta : undefined;
}
