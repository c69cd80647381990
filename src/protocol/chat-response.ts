/**
 * The OpenAI response shapes we answer with, typed by the official SDK so `tsc` catches a field that
 * OpenAI's clients would not accept. The one extension is `reasoning_content` on the message and the
 * delta: the field DeepSeek and Qwen use for reasoning text, which we use for every provider's
 * reasoning output so it is never mixed into `content`.
 */
import type {
  ChatCompletion as SdkChatCompletion,
  ChatCompletionChunk as SdkChatCompletionChunk,
  ChatCompletionMessage as SdkChatCompletionMessage,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';

export type Usage = CompletionUsage;

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export type ChatCompletionMessage = SdkChatCompletionMessage & {
  reasoning_content?: string | null;
  /** Opaque provider state that must come back on the next turn (e.g. Anthropic thinking signatures). */
  reasoning_signature?: string | null;
};

export type ChatCompletionChoice = Omit<SdkChatCompletion.Choice, 'message'> & {
  message: ChatCompletionMessage;
};

export type ChatCompletion = Omit<SdkChatCompletion, 'choices'> & { choices: ChatCompletionChoice[] };

export type ChunkDelta = SdkChatCompletionChunk.Choice.Delta & {
  reasoning_content?: string | null;
  reasoning_signature?: string | null;
};

export type ChunkChoice = Omit<SdkChatCompletionChunk.Choice, 'delta'> & { delta: ChunkDelta };

export type ChatCompletionChunk = Omit<SdkChatCompletionChunk, 'choices'> & { choices: ChunkChoice[] };
