/**
 * The pre-flight estimate (docs/design.md §4 "budget"): what a request may cost before it is sent, for the
 * budget reservation and the TPM window. It is settled against the real usage afterwards, so it errs
 * high: a reservation that is too large is returned in full, one that is too small lets a tenant
 * overspend.
 *
 * Prompt tokens: the message texts counted with o200k_base (OpenAI's tokenizer for gpt-4o, 4.1, 5 and
 * o-series; gpt-tokenizer), plus OpenAI's chat framing (4 tokens per message, 1 per name, 3 to
 * prime the reply), tool definitions and a json_schema as their JSON text, and a flat FLAT_PART_TOKENS
 * for each image, audio or file part. The count is then multiplied by the provider family's
 * correction factor (TOKENIZER_FACTOR) and rounded up.
 *
 * Output tokens: `max_completion_tokens ?? max_tokens`, else the model's largest output from the
 * built-in table (DEFAULT_MAX_OUTPUT_TOKENS when unknown) capped by what its context window leaves;
 * times `n`.
 *
 * Bounded work: o200k on one long run without spaces is quadratic (100 KB of "x" took 2.9 s in one
 * call), so text is tokenized in pieces of at most PIECE_CHARS, cut after whitespace where possible
 * (each cut costs at most a token, an over-count). A request with more than EXACT_CHARS of text is
 * sampled instead: SAMPLE_WINDOWS windows spread evenly over all of it, tokenized, and the density
 * extrapolated to the whole (windows start and end mid-word, which again over-counts slightly).
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatRequest } from '../protocol/chat-request.ts';
import { costUsd } from './cost.ts';
import { TokenMemo } from './token-memo.ts';
import type { ModelLimits } from './price-book.ts';
import type { Price } from './types.ts';

/**
 * Tokens per o200k token for each provider type's own tokenizer, from public comparisons on English
 * prose and code (not measured here: no network in tests). Each is the high end, since the estimate
 * must not fall short:
 * - openai 1.0: o200k is OpenAI's tokenizer.
 * - anthropic 1.35: Claude's tokenizer counts about 20–30 % more than o200k on English, and the newest
 *   Claude models up to 35 % more.
 * - gemini 1.15: SentencePiece with a 256 K vocabulary; close to o200k on English, more on code.
 * - deepseek 1.15, qwen 1.1: byte-level BPE with 128 K / 151 K vocabularies, between cl100k and o200k
 *   (both fewer tokens than o200k on Chinese, so these are upper bounds there).
 * - mistral 1.25: Tekken (131 K) on current models, but older SentencePiece models (32 K) count ~30 %
 *   more than o200k.
 * - anything else (openai-compatible: any model behind it) OTHER_FACTOR, the largest of the above.
 */
export const TOKENIZER_FACTOR: Readonly<Record<string, number>> = {
  openai: 1,
  anthropic: 1.35,
  gemini: 1.15,
  deepseek: 1.15,
  qwen: 1.1,
  mistral: 1.25,
};
export const OTHER_FACTOR = 1.35;

/**
 * OpenAI's chat framing on o200k: `<|im_start|>` role `<|im_sep|>` … `<|im_end|>` is 4 tokens per
 * message (the cookbook's 3 plus the role it counts as a value), a `name` about 1 more, and the reply
 * is primed with `<|im_start|>assistant<|im_sep|>`, 3 tokens.
 */
const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING_TOKENS = 3;
/**
 * One image, audio clip or file, counted flat (their size is not known without decoding them): about
 * what Anthropic bills for a 1.15-megapixel image (~1,600), above OpenAI's high-detail 1024×1024 (765)
 * and Gemini's 258 per image. Settled against the real usage afterwards.
 */
export const FLAT_PART_TOKENS = 1_600;
/** When the model's largest output is unknown: the common output cap of 2025 chat models. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 16_384;

/**
 * bench/pricing-estimate.ts, this machine: a short chat ~4 µs; 12 KB of code (exact) ~0.22 ms; with
 * 32 KB exact and 32 sampled windows a 30 KB prompt took ~1.1 ms and 100 KB ~0.7 ms, so both budgets
 * were halved: 100 KB of prose now ~0.25 ms, 0.5 % above the exact count.
 */
export const EXACT_CHARS = 16_384;
const PIECE_CHARS = 2_048;
const SAMPLE_WINDOWS = 16;
const SAMPLE_WINDOW_CHARS = 1_024;

export interface RequestEstimate {
  promptTokens: number;
  maxOutputTokens: number;
  /** null when the price is unknown. */
  costUsd: number | null;
}

/** The prompt's o200k token count (framing, tools and flat parts included), before any family factor. */
export function countPromptTokens(request: ChatRequest): number {
  const texts: string[] = [];
  let fixed = REPLY_PRIMING_TOKENS;
  for (const message of request.messages) {
    fixed += TOKENS_PER_MESSAGE;
    const fields = message as {
      content?: unknown;
      name?: unknown;
      tool_calls?: Array<{ function?: { name?: string; arguments?: string } }>;
      reasoning_content?: unknown;
    };
    if (typeof fields.name === 'string') {
      fixed += TOKENS_PER_NAME;
      texts.push(fields.name);
    }
    const content = fields.content;
    if (typeof content === 'string') texts.push(content);
    else if (Array.isArray(content)) {
      for (const part of content as Array<{ type?: string; text?: unknown; refusal?: unknown }>) {
        if (typeof part.text === 'string') texts.push(part.text);
        else if (typeof part.refusal === 'string') texts.push(part.refusal);
        else fixed += FLAT_PART_TOKENS;
      }
    }
    if (typeof fields.reasoning_content === 'string') texts.push(fields.reasoning_content);
    if (fields.tool_calls !== undefined) {
      for (const call of fields.tool_calls) {
        texts.push(call.function?.name ?? '', call.function?.arguments ?? '');
      }
    }
  }
  if (request.tools !== undefined && request.tools.length > 0) texts.push(JSON.stringify(request.tools));
  const format = request.response_format;
  if (format?.type === 'json_schema') texts.push(JSON.stringify(format.json_schema));
  return fixed + countTexts(texts);
}

/** The estimate for one target: its family's tokenizer, its price and its limits. */
export function estimateRequest(
  request: ChatRequest,
  target: { providerType: string; price: Price | undefined; limits: ModelLimits | undefined },
  batch = false,
  o200kPromptTokens: number = countPromptTokens(request),
): RequestEstimate {
  const factor = TOKENIZER_FACTOR[target.providerType] ?? OTHER_FACTOR;
  const promptTokens = Math.ceil(o200kPromptTokens * factor);
  const maxOutputTokens = maxOutputFor(request, promptTokens, target.limits);
  return {
    promptTokens,
    maxOutputTokens,
    costUsd:
      target.price === undefined
        ? null
        : costUsd(
            { promptTokens, completionTokens: maxOutputTokens, cachedTokens: 0, cacheWriteTokens: 0 },
            target.price,
            batch,
          ),
  };
}

function maxOutputFor(request: ChatRequest, promptTokens: number, limits: ModelLimits | undefined): number {
  const choices = request.n ?? 1;
  const asked = request.max_completion_tokens ?? request.max_tokens;
  if (asked !== null && asked !== undefined) return asked * choices;
  const modelMax = limits?.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
  const room = limits === undefined ? modelMax : Math.max(limits.contextWindow - promptTokens, 0);
  return Math.min(modelMax, room) * choices;
}

/**
 * The o200k token count of bare texts: no chat framing, no family factor (an embeddings input the
 * provider reported no usage for, counted by the same bounded counter as the estimate).
 */
export function countTextTokens(texts: readonly string[]): number {
  return countTexts(texts);
}

function countTexts(texts: readonly string[]): number {
  let total = 0;
  for (const text of texts) total += text.length;
  if (total === 0) return 0;
  if (total <= EXACT_CHARS) {
    let tokens = 0;
    for (const text of texts) tokens += memo.count(text, countWhole);
    return tokens;
  }
  return sampleTexts(texts, total);
}

/** 2 M characters of remembered texts (a few MB of heap), each at most 16 K characters. */
const memo = new TokenMemo(2_000_000, 16_384);
const countWhole = (text: string): number => countPieces(text, 0, text.length);

/** Tokens of `text[start, end)`, tokenized in pieces of at most PIECE_CHARS (see the file comment). */
function countPieces(text: string, start: number, end: number): number {
  let tokens = 0;
  let from = start;
  while (from < end) {
    let to = Math.min(from + PIECE_CHARS, end);
    if (to < end) to = pieceEnd(text, from, to);
    tokens += countTokens(text.slice(from, to), { disallowedSpecial: NO_SPECIAL });
    from = to;
  }
  return tokens;
}

/**
 * Special-token text (`<|endoftext|>`) in a prompt is plain text to the upstream; gpt-tokenizer would
 * throw on it by default.
 */
const NO_SPECIAL = new Set<string>();

/** Cut after the last whitespace in the piece's final quarter, never between a surrogate pair. */
function pieceEnd(text: string, from: number, to: number): number {
  const floor = to - (PIECE_CHARS >> 2);
  for (let i = to - 1; i > floor && i > from; i--) {
    const code = text.charCodeAt(i);
    if (code === 32 || code === 10 || code === 9 || code === 13) return i + 1;
  }
  const last = text.charCodeAt(to - 1);
  return last >= 0xd800 && last <= 0xdbff ? to + 1 : to;
}

/** SAMPLE_WINDOWS windows evenly over the concatenated texts; their token density times the total. */
function sampleTexts(texts: readonly string[], total: number): number {
  const stride = total / SAMPLE_WINDOWS;
  let sampledChars = 0;
  let sampledTokens = 0;
  let textIndex = 0;
  let textStart = 0;
  for (let w = 0; w < SAMPLE_WINDOWS; w++) {
    const at = Math.floor(w * stride);
    while (textStart + (texts[textIndex] as string).length <= at) {
      textStart += (texts[textIndex] as string).length;
      textIndex++;
    }
    const text = texts[textIndex] as string;
    const from = at - textStart;
    const to = Math.min(from + SAMPLE_WINDOW_CHARS, text.length);
    sampledTokens += countPieces(text, from, to);
    sampledChars += to - from;
  }
  return Math.ceil((sampledTokens / sampledChars) * total);
}
