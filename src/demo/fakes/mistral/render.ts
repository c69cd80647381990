/**
 * Mistral's answers, rendered from the fake's planned replies (docs/providers.md §4.3).
 *
 * JSON: OpenAI's shape with Mistral's details: a bare hex `id`; `message.tool_calls: null` on a
 * text answer; a tool-call answer has no `content` and its calls no `type` (as recorded);
 * Magistral models answer `content` as a chunk array, `thinking` then `text`; usage has no detail
 * objects unless there is something to report.
 *
 * Stream (as recorded): a role chunk `{"role":"assistant","content":""}`; one content delta per
 * token (Magistral thinking as `[{"type":"thinking","thinking":[{"type":"text","text":…}]}]`);
 * tool calls whole in a single delta without `index` or `type`, in the final chunk; that final
 * chunk carries `finish_reason` and the usage — there is no separate usage chunk and no `usage` key
 * on earlier chunks. With n > 1 the choices interleave and the usage rides on the last finish.
 */
import type { FakeReply } from '../shared/reply-plan.ts';
import { splitTokens } from '../shared/tokens.ts';

export interface MistralMeta {
  id: string;
  created: number;
  model: string;
  /** Magistral: reasoning comes back as `thinking` chunks. */
  thinkingChunks: boolean;
}

export function mistralUsage(replies: readonly FakeReply[]) {
  const first = replies[0];
  const prompt = first?.usage.promptTokens ?? 0;
  const completion = replies.reduce((sum, r) => sum + r.usage.completionTokens, 0);
  const reasoning = replies.reduce((sum, r) => sum + r.usage.reasoningTokens, 0);
  const usage: Record<string, unknown> = {
    prompt_tokens: prompt,
    total_tokens: prompt + completion,
    completion_tokens: completion,
  };
  if (reasoning > 0) {
    usage.prompt_tokens_details = { cached_tokens: first?.usage.cachedTokens ?? 0 };
    usage.completion_tokens_details = { reasoning_tokens: reasoning };
  }
  return usage;
}

export function toMistralCompletion(replies: readonly FakeReply[], meta: MistralMeta) {
  return {
    id: meta.id,
    created: meta.created,
    model: meta.model,
    usage: mistralUsage(replies),
    object: 'chat.completion',
    choices: replies.map((reply, index) => ({
      index,
      finish_reason: reply.finishReason,
      message: toMessage(reply, meta),
    })),
  };
}

function toMessage(reply: FakeReply, meta: MistralMeta) {
  const calls = reply.toolCalls ?? [];
  if (calls.length > 0) {
    return {
      role: 'assistant',
      tool_calls: calls.map((c) => ({ id: c.id, function: { name: c.name, arguments: c.arguments } })),
    };
  }
  if (meta.thinkingChunks && reply.reasoning !== undefined) {
    return {
      role: 'assistant',
      tool_calls: null,
      content: [
        { type: 'thinking', thinking: [{ type: 'text', text: reply.reasoning }] },
        { type: 'text', text: reply.content },
      ],
    };
  }
  return { role: 'assistant', tool_calls: null, content: reply.content };
}

/** The chunk JSON objects of a streamed answer, in wire order (the caller frames them and adds [DONE]). */
export function toMistralChunks(replies: readonly FakeReply[], meta: MistralMeta): Record<string, unknown>[] {
  const sequences = replies.map((reply, index) => choiceDeltas(reply, index, meta));
  const chunks: Record<string, unknown>[] = [];
  const longest = Math.max(0, ...sequences.map((s) => s.length));
  for (let step = 0; step < longest; step++) {
    for (const sequence of sequences) {
      const choice = sequence[step];
      if (choice !== undefined) {
        chunks.push({
          id: meta.id,
          object: 'chat.completion.chunk',
          created: meta.created,
          model: meta.model,
          choices: [choice],
        });
      }
    }
  }
  // Usage on the last chunk, which is the last finish (§4.3); no separate usage chunk.
  const last = chunks.at(-1);
  if (last !== undefined) last.usage = mistralUsage(replies);
  return chunks;
}

function choiceDeltas(reply: FakeReply, index: number, meta: MistralMeta): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const push = (delta: Record<string, unknown>, finish: string | null = null) =>
    out.push({ index, delta, finish_reason: finish, logprobs: null });
  push({ role: 'assistant', content: '' });
  if (meta.thinkingChunks && reply.reasoning !== undefined) {
    for (const token of splitTokens(reply.reasoning)) {
      push({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: token }] }] });
    }
  }
  const tokens = splitTokens(reply.content);
  const calls = reply.toolCalls ?? [];
  const finalText = calls.length > 0 ? null : '';
  for (const token of tokens) push({ content: token });
  const final: Record<string, unknown> = { content: finalText };
  if (calls.length > 0)
    final.tool_calls = calls.map((c) => ({ id: c.id, function: { name: c.name, arguments: c.arguments } }));
  push(final, reply.finishReason);
  return out;
}
