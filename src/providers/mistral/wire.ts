/**
 * Mistral's wire format (docs/providers.md §4). The request types are the official SDK's own wire-side
 * (`$Outbound`, snake_case) types, so `tsc` rejects a field Mistral does not have: Mistral answers any
 * unknown field with 422 `extra_forbidden`. The SDK exports no wire-side response types (it parses into
 * camelCase), so the usage we read is typed here.
 */
export type {
  AssistantMessage$Outbound as MistralAssistantMessage,
  ChatCompletionRequest$Outbound as MistralRequest,
  ContentChunk$Outbound as MistralContentChunk,
  SystemMessage$Outbound as MistralSystemMessage,
  ToolCall$Outbound as MistralToolCall,
  ToolMessage$Outbound as MistralToolMessage,
  UserMessage$Outbound as MistralUserMessage,
} from '@mistralai/mistralai/models/components';

/** §4.3 usage; `num_cached_tokens` is the older spelling of the cached count. */
export interface MistralUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  num_cached_tokens?: number;
  prompt_audio_seconds?: number | null;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}
