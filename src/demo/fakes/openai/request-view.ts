/**
 * toFakeRequestView(request, reasoning): the provider-neutral view planReply works from.
 *
 * Prompt size counts every text part, tool-call arguments in the history and a flat 85 tokens per
 * image/audio/file part (OpenAI's low-detail image cost), so usage grows with the conversation the
 * way real usage does. Reasoning is on for reasoning models unless reasoning_effort is 'none'.
 */
import type { FakeRequestView } from '../shared/reply-plan.ts';
import type { ChatMessage, ChatRequest } from './validate.ts';

const NON_TEXT_PART_CHARS = 85 * 4;

export function toFakeRequestView(request: ChatRequest, reasoningModel: boolean): FakeRequestView {
  const { messages } = request;
  const last = messages.at(-1);
  const lastUser = messages.findLast((m) => m.role === 'user');
  const trailingToolResults: string[] = [];
  for (let i = messages.length - 1; i >= 0 && messages[i]?.role === 'tool'; i--) {
    trailingToolResults.unshift(textOf(messages[i]?.content));
  }
  return {
    model: request.model,
    lastUserText: lastUser === undefined ? '' : textOf(lastUser.content),
    messageChars: messages.reduce((sum, m) => sum + charsOf(m), 0),
    tools: request.tools,
    toolChoice: request.toolChoice,
    lastMessageIsToolResult: last?.role === 'tool',
    toolResultText: trailingToolResults.length > 0 ? trailingToolResults.join('\n') : undefined,
    responseFormat: request.responseFormat,
    maxTokens: request.maxTokens,
    stop: request.stop,
    reasoning: reasoningModel && request.reasoningEffort !== 'none',
    n: request.n,
  };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) =>
      typeof part === 'object' && part !== null && 'text' in part && typeof part.text === 'string'
        ? part.text
        : '',
    )
    .filter((text) => text !== '')
    .join('\n');
}

function charsOf(message: ChatMessage): number {
  const content = message.content;
  let chars = message.toolCallsText.length;
  if (typeof content === 'string') return chars + content.length;
  if (!Array.isArray(content)) return chars;
  for (const part of content) {
    const text = typeof part === 'object' && part !== null && 'text' in part ? part.text : undefined;
    chars += typeof text === 'string' ? text.length : NON_TEXT_PART_CHARS;
  }
  return chars;
}
