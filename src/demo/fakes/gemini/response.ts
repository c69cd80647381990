/**
 * toGenerateContentResponse(replies, meta): a planned reply as Gemini's non-streamed
 * GenerateContentResponse (docs/providers.md §3.4), plus the pieces the stream renderer shares.
 *
 * What makes it Gemini's and not OpenAI's:
 * - function calls carry no id and their args are an object, not JSON text; a call cut short by
 *   maxOutputTokens is not sent at all (Gemini never returns partial arguments), only MAX_TOKENS;
 * - a tool-calling answer still ends with finishReason STOP (+ finishMessage, as recorded);
 * - thinking models bill thoughtsTokenCount apart from candidatesTokenCount, return the thought
 *   text only with includeThoughts (as a `thought: true` part first), and sign their answer: the
 *   signature rides on the first functionCall part, else on the last text part;
 * - usageMetadata omits zero counts, as proto3 JSON does; promptTokensDetails by modality;
 * - logprobs (responseLogprobs) come as logprobsResult {chosenCandidates, topCandidates} plus
 *   avgLogprobs, derived from a hash so a streamed and a non-streamed answer agree.
 */
import { createHash } from 'node:crypto';
import type { GeminiPart } from '../../../providers/gemini/wire.ts';
import type { FakeFinishReason, FakeReply } from '../shared/reply-plan.ts';
import { splitTokens } from '../shared/tokens.ts';
import type { GeminiModel } from './models.ts';
import { issueSignature } from './signatures.ts';

export interface RenderMeta {
  model: GeminiModel;
  responseId: string;
  /** thinkingConfig.includeThoughts: the thought text comes back as a `thought: true` part. */
  includeThoughts: boolean;
  /** undefined without responseLogprobs; else how many top candidates per step (0: chosen only). */
  logprobs: number | undefined;
}

export interface LogprobsResult {
  chosenCandidates: Array<{ token: string; logProbability: number }>;
  topCandidates?: Array<{ candidates: Array<{ token: string; logProbability: number }> }>;
}

const FINISH: Record<FakeFinishReason, string> = {
  stop: 'STOP',
  tool_calls: 'STOP',
  length: 'MAX_TOKENS',
  content_filter: 'SAFETY',
};

export function finishReasonOf(reply: FakeReply): string {
  return FINISH[reply.finishReason];
}

export function signatureFor(meta: RenderMeta, candidateIndex: number): string | undefined {
  return meta.model.thinking
    ? issueSignature(`${meta.model.id}:${meta.responseId}:${candidateIndex}`)
    : undefined;
}

/** The reply's calls as functionCall parts; arguments that are not a JSON object were cut short. */
export function functionCallParts(reply: FakeReply): GeminiPart[] {
  const parts: GeminiPart[] = [];
  for (const call of reply.toolCalls ?? []) {
    let args: unknown;
    try {
      args = JSON.parse(call.arguments);
    } catch {
      continue; // truncated by maxOutputTokens: Gemini sends no partial call
    }
    if (typeof args === 'object' && args !== null && !Array.isArray(args)) {
      parts.push({ functionCall: { name: call.name, args: args as Record<string, unknown> } });
    }
  }
  return parts;
}

export interface UsageCounts {
  prompt: number;
  cached: number;
  /** Visible output: text and function calls. */
  candidates: number;
  thoughts: number;
}

export function countsOf(replies: readonly FakeReply[]): UsageCounts {
  const first = replies[0]?.usage;
  const thoughts = replies.reduce((sum, r) => sum + r.usage.reasoningTokens, 0);
  const completion = replies.reduce((sum, r) => sum + r.usage.completionTokens, 0);
  return {
    prompt: first?.promptTokens ?? 0,
    cached: first?.cachedTokens ?? 0,
    candidates: completion - thoughts,
    thoughts,
  };
}

export function usageMetadata(counts: UsageCounts): Record<string, unknown> {
  const usage: Record<string, unknown> = { promptTokenCount: counts.prompt };
  if (counts.candidates > 0) usage.candidatesTokenCount = counts.candidates;
  usage.totalTokenCount = counts.prompt + counts.candidates + counts.thoughts;
  if (counts.cached > 0) usage.cachedContentTokenCount = counts.cached;
  usage.promptTokensDetails = [{ modality: 'TEXT', tokenCount: counts.prompt }];
  if (counts.cached > 0) usage.cacheTokensDetails = [{ modality: 'TEXT', tokenCount: counts.cached }];
  if (counts.thoughts > 0) usage.thoughtsTokenCount = counts.thoughts;
  return usage;
}

const ALTERNATIVES = [
  ' the',
  ' a',
  ',',
  '.',
  ' and',
  ' to',
  ' of',
  ' in',
  ' is',
  ' it',
  ' that',
  ' for',
  ' you',
  ' with',
];

/** Log probabilities of `tokens` starting at `offset` in the candidate's text. */
export function logprobsFor(
  tokens: readonly string[],
  offset: number,
  top: number,
  key: string,
): LogprobsResult {
  const chosen = tokens.map((token, i) => ({
    token,
    logProbability: -round(unit(`${key}:${offset + i}:${token}`) * 0.5),
  }));
  const result: LogprobsResult = { chosenCandidates: chosen };
  if (top > 0) {
    result.topCandidates = chosen.map((candidate, i) => {
      const candidates = [candidate];
      for (let k = 0; candidates.length < top; k++) {
        const token = ALTERNATIVES[(offset + i + k) % ALTERNATIVES.length] ?? ' ';
        if (token === candidate.token) continue;
        candidates.push({
          token,
          logProbability: round(
            candidate.logProbability - 2 * (1 + k + unit(`${key}:${offset + i}:alt${k}`)),
          ),
        });
      }
      return { candidates };
    });
  }
  return result;
}

function unit(material: string): number {
  return createHash('sha256').update(material).digest().readUInt32BE(0) / 4294967296;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

export function toGenerateContentResponse(
  replies: readonly FakeReply[],
  meta: RenderMeta,
): Record<string, unknown> {
  const candidates = replies.map((reply, index) => {
    const parts: GeminiPart[] = [];
    if (meta.includeThoughts && reply.reasoning !== undefined && reply.reasoning !== '') {
      parts.push({ text: reply.reasoning, thought: true });
    }
    if (reply.content !== '') parts.push({ text: reply.content });
    const calls = functionCallParts(reply);
    parts.push(...calls);
    const signature = signatureFor(meta, index);
    if (signature !== undefined) {
      const target = calls[0] ?? parts.findLast((p) => p.thought !== true && typeof p.text === 'string');
      if (target !== undefined) target.thoughtSignature = signature;
    }
    const candidate: Record<string, unknown> = {
      content: parts.length > 0 ? { parts, role: 'model' } : { role: 'model' },
      finishReason: finishReasonOf(reply),
      index,
    };
    if (calls.length > 0) candidate.finishMessage = 'Model generated function call(s).';
    if (meta.logprobs !== undefined) {
      const tokens = splitTokens(reply.content);
      const result = logprobsFor(tokens, 0, meta.logprobs, `${meta.model.id}:${index}`);
      const sum = result.chosenCandidates.reduce((s, c) => s + c.logProbability, 0);
      candidate.avgLogprobs = tokens.length > 0 ? sum / tokens.length : 0;
      candidate.logprobsResult = { ...result, logProbabilitySum: round(sum) };
    }
    return candidate;
  });
  return {
    candidates,
    usageMetadata: usageMetadata(countsOf(replies)),
    modelVersion: meta.model.id,
    responseId: meta.responseId,
  };
}
