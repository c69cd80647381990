/**
 * toStreamEvents(replies, meta): a planned reply as the GenerateContentResponse pieces of
 * `:streamGenerateContent` (docs/providers.md §3.6), shaped like the recorded streams:
 * - thought parts first (includeThoughts), then text in pieces of a few tokens (Gemini streams
 *   larger pieces than OpenAI's one token per chunk), then all function calls whole in one event;
 * - every event repeats modelVersion and responseId and carries usageMetadata as running totals:
 *   the prompt from the start, hidden thinking from the first event (it happened before the first
 *   token), visible output as it is sent; the final event carries the final counts;
 * - the last event has finishReason; thinking models end with an empty text part holding the
 *   signature (gemini-text.chunks.txt), or sign their first function call instead
 *   (gemini-tool.chunks.txt, whose last event is an empty text part); other models put finishReason
 *   on their last text piece (gemini-max-tokens.chunks.txt).
 * With candidateCount > 1, event k holds the k-th piece of every candidate that has one.
 *
 *   frameSse(events)    `data: <json>\r\n\r\n` records (alt=sse; Google frames with CRLF)
 *   frameArray(events)  the same events as one JSON array, `[`, `,\r\n` between, `]` (no alt)
 */
import type { GeminiPart } from '../../../providers/gemini/wire.ts';
import type { FakeReply } from '../shared/reply-plan.ts';
import { sseFrame } from '../shared/sse-writer.ts';
import { countTokens, splitTokens } from '../shared/tokens.ts';
import {
  countsOf,
  finishReasonOf,
  functionCallParts,
  logprobsFor,
  type RenderMeta,
  signatureFor,
  type UsageCounts,
  usageMetadata,
} from './response.ts';

/** Text tokens per event; the stream is paced one token interval per token, so per event × this. */
export const TOKENS_PER_EVENT = 6;

interface Piece {
  parts: GeminiPart[];
  /** Visible output tokens this piece adds. */
  tokens: number;
  /** Thought tokens this piece adds (only when thoughts are shown). */
  thoughtTokens: number;
  logprobs?: ReturnType<typeof logprobsFor>;
  finishReason?: string;
}

export function toStreamEvents(replies: readonly FakeReply[], meta: RenderMeta): Record<string, unknown>[] {
  const sequences = replies.map((reply, index) => piecesOf(reply, index, meta));
  const final = countsOf(replies);
  // Hidden thinking is done before the first token; shown thinking is counted as it streams.
  const running: UsageCounts = {
    prompt: final.prompt,
    cached: final.cached,
    candidates: 0,
    thoughts: meta.includeThoughts ? 0 : final.thoughts,
  };
  const events: Record<string, unknown>[] = [];
  const longest = Math.max(0, ...sequences.map((s) => s.length));
  for (let step = 0; step < longest; step++) {
    const candidates: Record<string, unknown>[] = [];
    sequences.forEach((sequence, index) => {
      const piece = sequence[step];
      if (piece === undefined) return;
      running.candidates += piece.tokens;
      running.thoughts += piece.thoughtTokens;
      const candidate: Record<string, unknown> = { content: { parts: piece.parts, role: 'model' } };
      if (piece.finishReason !== undefined) candidate.finishReason = piece.finishReason;
      if (piece.logprobs !== undefined) candidate.logprobsResult = piece.logprobs;
      candidate.index = index;
      candidates.push(candidate);
    });
    const last = step === longest - 1;
    events.push({
      candidates,
      usageMetadata: usageMetadata(last ? final : running),
      modelVersion: meta.model.id,
      responseId: meta.responseId,
    });
  }
  return events;
}

function piecesOf(reply: FakeReply, index: number, meta: RenderMeta): Piece[] {
  const pieces: Piece[] = [];
  if (meta.includeThoughts && reply.reasoning !== undefined && reply.reasoning !== '') {
    for (const text of halves(reply.reasoning)) {
      pieces.push({ parts: [{ text, thought: true }], tokens: 0, thoughtTokens: countTokens(text) });
    }
  }
  const tokens = splitTokens(reply.content);
  for (let at = 0; at < tokens.length; at += TOKENS_PER_EVENT) {
    const group = tokens.slice(at, at + TOKENS_PER_EVENT);
    const piece: Piece = { parts: [{ text: group.join('') }], tokens: group.length, thoughtTokens: 0 };
    if (meta.logprobs !== undefined)
      piece.logprobs = logprobsFor(group, at, meta.logprobs, `${meta.model.id}:${index}`);
    pieces.push(piece);
  }
  const calls = functionCallParts(reply);
  const signature = signatureFor(meta, index);
  if (calls.length > 0) {
    const [first] = calls;
    if (first !== undefined && signature !== undefined) first.thoughtSignature = signature;
    const argumentTokens = (reply.toolCalls ?? []).reduce(
      (sum, call) => sum + countTokens(call.arguments),
      0,
    );
    pieces.push({ parts: calls, tokens: argumentTokens, thoughtTokens: 0 });
  }
  const finishReason = finishReasonOf(reply);
  const lastPiece = pieces.at(-1);
  if (
    signature === undefined &&
    calls.length === 0 &&
    lastPiece !== undefined &&
    lastPiece.thoughtTokens === 0
  ) {
    lastPiece.finishReason = finishReason;
  } else {
    const closing: GeminiPart = { text: '' };
    if (signature !== undefined && calls.length === 0) closing.thoughtSignature = signature;
    pieces.push({ parts: [closing], tokens: 0, thoughtTokens: 0, finishReason });
  }
  return pieces;
}

/** Thought summaries arrive in a couple of pieces (gemini-thoughts.chunks.txt). */
function halves(text: string): string[] {
  const middle = text.indexOf(' ', Math.floor(text.length / 2));
  return middle === -1 ? [text] : [text.slice(0, middle), text.slice(middle)];
}

export function frameSse(events: readonly unknown[]): string[] {
  return events.map((event) => sseFrame(event, { eol: '\r\n' }));
}

export function frameArray(events: readonly unknown[]): string[] {
  return events.map(
    (event, i) => `${i === 0 ? '[' : ',\r\n'}${JSON.stringify(event)}${i === events.length - 1 ? ']' : ''}`,
  );
}
