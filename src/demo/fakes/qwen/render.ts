/**
 * Qwen's compatible-mode answers, rendered from the fake's planned replies (docs/providers.md §6.4), in
 * the recorded key order (`choices` first, `id` last) and with the recorded quirks:
 *
 * JSON: `system_fingerprint: null`, `content: ""` beside tool calls, tool calls carrying `index`,
 * ids `call_<24 hex>`, `reasoning_content` when thinking, usage with `prompt_tokens_details` (and
 * `completion_tokens_details.reasoning_tokens` when thinking).
 *
 * Stream: role chunk `{content: null, role, reasoning_content: ""}` when thinking, else
 * `{content: "", role}` — or, for a tool call without text, `{content: null, tool_calls: [first
 * fragment], role}`; reasoning deltas then content deltas (`reasoning_content: null` beside content
 * when thinking); later tool-call fragments repeat `"id":""` and `"type":"function"`, and one last
 * empty fragment (no finish_reason or logprobs keys) precedes the finish chunk `delta: {}` (a text
 * answer's finish delta is `{content: ""}`); with include_usage a `choices: []` usage chunk.
 */
import { tokenLogprobs } from '../openai/index.ts';
import type { FakeReply } from '../shared/reply-plan.ts';
import { splitTokens } from '../shared/tokens.ts';

export interface QwenMeta {
  id: string;
  created: number;
  model: string;
  thinking: boolean;
  /** Set when the request asked for logprobs: OpenAI's `logprobs.content` entries per content token. */
  topLogprobs?: number;
}

function logprobsFor(reply: FakeReply, index: number, meta: QwenMeta) {
  return meta.topLogprobs === undefined
    ? undefined
    : tokenLogprobs(splitTokens(reply.content), meta.topLogprobs, `${meta.model}:${index}`);
}

export function qwenUsage(replies: readonly FakeReply[], thinking: boolean) {
  const first = replies[0];
  const prompt = first?.usage.promptTokens ?? 0;
  const completion = replies.reduce((sum, r) => sum + r.usage.completionTokens, 0);
  const usage: Record<string, unknown> = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: first?.usage.cachedTokens ?? 0 },
  };
  if (thinking)
    usage.completion_tokens_details = {
      reasoning_tokens: replies.reduce((sum, r) => sum + r.usage.reasoningTokens, 0),
    };
  return usage;
}

export function toQwenCompletion(replies: readonly FakeReply[], meta: QwenMeta) {
  return {
    choices: replies.map((reply, index) => {
      const message: Record<string, unknown> = { content: reply.content };
      if (meta.thinking) message.reasoning_content = reply.reasoning ?? '';
      message.role = 'assistant';
      const calls = reply.toolCalls ?? [];
      if (calls.length > 0) {
        message.tool_calls = calls.map((c, i) => ({
          function: { arguments: c.arguments, name: c.name },
          id: c.id,
          index: i,
          type: 'function',
        }));
      }
      const entries = logprobsFor(reply, index, meta);
      return {
        message,
        finish_reason: reply.finishReason,
        index,
        logprobs: entries === undefined ? null : { content: entries },
      };
    }),
    object: 'chat.completion',
    usage: qwenUsage(replies, meta.thinking),
    created: meta.created,
    system_fingerprint: null,
    model: meta.model,
    id: meta.id,
  };
}

export function toQwenChunks(
  replies: readonly FakeReply[],
  meta: QwenMeta,
  includeUsage: boolean,
): Record<string, unknown>[] {
  const sequences = replies.map((reply, index) => choiceSequence(reply, index, meta));
  const chunks: Record<string, unknown>[] = [];
  const wrap = (choices: unknown[], usage: unknown = null) => ({
    choices,
    object: 'chat.completion.chunk',
    usage,
    created: meta.created,
    system_fingerprint: null,
    model: meta.model,
    id: meta.id,
  });
  const longest = Math.max(0, ...sequences.map((s) => s.length));
  for (let step = 0; step < longest; step++) {
    for (const sequence of sequences) {
      const choice = sequence[step];
      if (choice !== undefined) chunks.push(wrap([choice]));
    }
  }
  if (includeUsage) chunks.push(wrap([], qwenUsage(replies, meta.thinking)));
  return chunks;
}

function choiceSequence(reply: FakeReply, index: number, meta: QwenMeta): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const push = (delta: Record<string, unknown>, finish: string | null = null, logprobs: unknown = null) =>
    out.push({ delta, finish_reason: finish, index, logprobs });
  const entries = logprobsFor(reply, index, meta);
  const calls = reply.toolCalls ?? [];
  const tokens = splitTokens(reply.content);
  const firstCall = calls[0];
  if (meta.thinking) push({ content: null, role: 'assistant', reasoning_content: '' });
  else if (tokens.length === 0 && firstCall !== undefined) {
    push({
      content: null,
      tool_calls: [
        { index: 0, id: firstCall.id, type: 'function', function: { name: firstCall.name, arguments: '' } },
      ],
      role: 'assistant',
    });
  } else push({ content: '', role: 'assistant' });
  if (meta.thinking)
    for (const token of splitTokens(reply.reasoning ?? '')) push({ content: null, reasoning_content: token });
  tokens.forEach((token, i) => {
    const logprobs = entries?.[i] === undefined ? null : { content: [entries[i]] };
    push(meta.thinking ? { content: token, reasoning_content: null } : { content: token }, null, logprobs);
  });
  calls.forEach((call, i) => {
    const announced = i === 0 && !meta.thinking && tokens.length === 0;
    if (!announced)
      push({
        content: null,
        tool_calls: [
          { index: i, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
        ],
      });
    for (const piece of splitTokens(call.arguments)) {
      push({
        content: null,
        tool_calls: [{ index: i, id: '', type: 'function', function: { arguments: piece } }],
      });
    }
    // Recorded: one more fragment with empty arguments, and neither finish_reason nor logprobs.
    out.push({
      delta: { tool_calls: [{ function: { arguments: '' }, index: i, id: '', type: 'function' }] },
      index,
    });
  });
  if (calls.length > 0) out.push({ finish_reason: reply.finishReason, delta: {}, index, logprobs: null });
  else push(meta.thinking ? { content: '', reasoning_content: null } : { content: '' }, reply.finishReason);
  return out;
}
