/**
 * Qwen's compatible-mode wire format where it extends OpenAI's (docs/providers.md §6). OpenAI SDK users
 * pass the Qwen fields through `extra_body`; on the wire they are top-level.
 */
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import type { DialectMessageParam } from '../shared/openai-dialect/messages.ts';

export type QwenRequest = Pick<
  ChatCompletionCreateParamsBase,
  | 'model'
  | 'max_tokens'
  | 'temperature'
  | 'top_p'
  | 'frequency_penalty'
  | 'presence_penalty'
  | 'stop'
  | 'n'
  | 'seed'
  | 'logprobs'
  | 'top_logprobs'
  | 'tools'
  | 'tool_choice'
  | 'parallel_tool_calls'
  | 'response_format'
  | 'stream_options'
> & {
  messages: DialectMessageParam[];
  stream: boolean;
  /** §6.3: thinking switch of the hybrid models (qwen-plus, qwen-flash, Qwen3). */
  enable_thinking?: boolean;
  /** §6.3: reasoning token cap, > 0 and ≤ the model's longest chain of thought. */
  thinking_budget?: number;
};

/** §6.4 usage: OpenAI's fields plus explicit-cache writes in the prompt details. */
export interface QwenUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: {
    cached_tokens?: number;
    cache_creation_input_tokens?: number;
    cache_type?: string;
  } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}
