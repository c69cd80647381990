/**
 * Anthropic Messages API wire types (docs/providers.md §2). Everything the SDK exports is taken from it so
 * `tsc` catches a field the API does not have; the few additions below are what the SDK's types lack
 * for the API version we speak.
 */
import type {
  MessageCreateParamsBase,
  MessageDeltaUsage,
  Message as SdkMessage,
  Usage as SdkUsage,
} from '@anthropic-ai/sdk/resources/messages/messages';

export type {
  Base64ImageSource,
  ContentBlock,
  ContentBlockParam,
  ImageBlockParam,
  MessageParam,
  OutputConfig,
  RawContentBlockDeltaEvent,
  RawContentBlockStartEvent,
  RawMessageDeltaEvent,
  RawMessageStartEvent,
  RedactedThinkingBlockParam,
  StopReason,
  TextBlockParam,
  ThinkingBlockParam,
  ThinkingConfigParam,
  Tool,
  ToolChoice,
  ToolResultBlockParam,
  ToolUseBlockParam,
  URLImageSource,
} from '@anthropic-ai/sdk/resources/messages/messages';
export type { ErrorResponse, ErrorType } from '@anthropic-ai/sdk/resources/shared';

/**
 * The API version every request pins (`anthropic-version`). 2023-06-01 is the version docs/providers.md
 * §2.1 documents and the only one that still takes `temperature`/`top_p`: 2026-10-21 removed them (a
 * 400 "Extra inputs are not permitted" even at default values), and the installed SDK 1.x, which sends
 * 2026-10-21, dropped them from its types, hence `AnthropicRequestBody` below.
 */
export const ANTHROPIC_API_VERSION = '2023-06-01';

/** The `POST /v1/messages` body we send. */
export type AnthropicRequestBody = Omit<MessageCreateParamsBase, 'messages'> & {
  messages: MessageCreateParamsBase['messages'];
  stream?: boolean;
  /** 0–1 under 2023-06-01 (not in the SDK 1.x types; see ANTHROPIC_API_VERSION). */
  temperature?: number;
  top_p?: number;
};

/**
 * The response `Message` as older models send it: recorded responses (test/fixtures/anthropic) lack the
 * newer `container`, `stop_details`, `diagnostics` and several usage fields, so only what we read is
 * required here.
 */
export type AnthropicMessage = Pick<SdkMessage, 'id' | 'type' | 'role' | 'model' | 'content'> & {
  stop_reason: string | null;
  stop_sequence?: string | null;
  usage: AnthropicUsage;
};

/** Usage as it appears in `Message.usage`, `message_start` and (cumulative) `message_delta`. */
export type AnthropicUsage = Partial<
  Pick<
    SdkUsage,
    | 'input_tokens'
    | 'output_tokens'
    | 'cache_creation_input_tokens'
    | 'cache_read_input_tokens'
    | 'cache_creation'
  >
> &
  Partial<Pick<MessageDeltaUsage, 'output_tokens_details'>>;
