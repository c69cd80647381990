/**
 * DeepSeek's wire format where it extends OpenAI's (docs/providers.md §5). The request is OpenAI's with a
 * `thinking` switch; the response adds `reasoning_content` and two cache counters to usage.
 */
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import type { DialectMessageParam } from '../shared/openai-dialect/messages.ts';

export type DeepSeekRequest = Pick<
  ChatCompletionCreateParamsBase,
  | 'model'
  | 'max_tokens'
  | 'temperature'
  | 'top_p'
  | 'frequency_penalty'
  | 'presence_penalty'
  | 'stop'
  | 'logprobs'
  | 'top_logprobs'
  | 'tools'
  | 'tool_choice'
  | 'response_format'
  | 'stream_options'
> & {
  messages: DialectMessageParam[];
  stream: boolean;
  /** §5.2: thinking mode switch; on by default for V4 models. */
  thinking?: { type: 'enabled' | 'disabled' };
  /** §5.2: DeepSeek accepts `high` and `max` (it maps the rest itself, but we send only these). */
  reasoning_effort?: 'high' | 'max';
};

/** §5.3: `prompt_cache_hit_tokens + prompt_cache_miss_tokens = prompt_tokens`. */
export interface DeepSeekUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_cache_hit_tokens?: number;
  prompt_cache_miss_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}
