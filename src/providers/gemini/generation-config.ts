/**
 * OpenAI sampling, length, format, logprobs and reasoning fields → Gemini generationConfig
 * (docs/providers.md §3.3).
 */
import { invalidRequest } from '../../errors/codes.ts';
import type { ChatRequest } from '../../protocol/chat-request.ts';
import { toGeminiJsonSchema } from './json-schema.ts';
import type { GeminiGenerationConfig, GeminiThinkingConfig, GeminiThinkingLevel } from './wire.ts';

type ReasoningEffort = NonNullable<ChatRequest['reasoning_effort']>;

/**
 * Gemini 2.5 takes a token budget. The low/medium/high points are those docs/providers.md §3.10 reports
 * for Google's own OpenAI-compatible endpoint (marked [UNV] there); xhigh/max stop at 24,576, the largest budget every 2.5
 * model accepts (Flash's ceiling). `none` turns thinking off where the model allows it (Pro answers
 * 400: it always thinks).
 */
const THINKING_BUDGET: Record<ReasoningEffort, number> = {
  none: 0,
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 24576,
  max: 24576,
};

/** Gemini 3 takes a level and cannot switch thinking off; MINIMAL is the closest to `none`. */
const THINKING_LEVEL: Record<ReasoningEffort, GeminiThinkingLevel> = {
  none: 'MINIMAL',
  minimal: 'MINIMAL',
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
  xhigh: 'HIGH',
  max: 'HIGH',
};

/** Gemini 3 and later use thinkingLevel and enforce signatures; sending a budget and a level is a 400. */
export function usesThinkingLevels(model: string): boolean {
  const match = /(?:^|\/)gemini-(\d+)/.exec(model);
  return match !== null && Number(match[1]) >= 3;
}

export function toGeminiGenerationConfig(request: ChatRequest, model: string): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  // Thinking tokens count against maxOutputTokens on 2.5+, as reasoning does against OpenAI's
  // max_completion_tokens; no default is sent: Gemini's own is the model's output limit.
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) config.maxOutputTokens = maxTokens;
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  if (request.stop != null) {
    const stop = typeof request.stop === 'string' ? [request.stop] : request.stop;
    if (stop.length > 0) config.stopSequences = [...stop];
  }
  if (request.n != null && request.n > 1) config.candidateCount = request.n;
  if (request.seed != null) config.seed = request.seed;
  if (request.presence_penalty != null) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty != null) config.frequencyPenalty = request.frequency_penalty;
  if (request.logprobs === true) {
    config.responseLogprobs = true;
    if (request.top_logprobs != null && request.top_logprobs > 0) config.logprobs = request.top_logprobs;
  } else if (request.top_logprobs != null) {
    throw invalidRequest("'top_logprobs' requires 'logprobs': true.", 'top_logprobs');
  }
  const format = request.response_format;
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  else if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    // responseJsonSchema (plain JSON Schema) rather than the OpenAPI-subset responseSchema (§3.3).
    if (format.json_schema.schema !== undefined) {
      config.responseJsonSchema = toGeminiJsonSchema(format.json_schema.schema);
    }
  }
  const effort = request.reasoning_effort;
  if (effort != null) config.thinkingConfig = toThinkingConfig(effort, model);
  return config;
}

function toThinkingConfig(effort: ReasoningEffort, model: string): GeminiThinkingConfig {
  const thinking: GeminiThinkingConfig = usesThinkingLevels(model)
    ? { thinkingLevel: THINKING_LEVEL[effort] }
    : { thinkingBudget: THINKING_BUDGET[effort] };
  // Thought summaries become reasoning_content; with `none` there is nothing to show.
  if (effort !== 'none') thinking.includeThoughts = true;
  return thinking;
}
