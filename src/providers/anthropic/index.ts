import type { AdapterCapabilities, ProviderAdapter } from '../types.ts';
import { classifyAnthropicError } from './errors.ts';
import { anthropicModelsRequest, buildAnthropicHeaders, toAnthropicRequest } from './request.ts';
import { fromAnthropicResponse } from './response.ts';
import { createAnthropicStream } from './stream.ts';

/** What request.ts does with each OpenAI feature; its header comment states the policy. */
export const anthropicCapabilities: AdapterCapabilities = {
  tools: 'native',
  // parallel_tool_calls: false → tool_choice.disable_parallel_tool_use
  parallelToolCalls: 'native',
  // data URLs → base64 sources, http(s) URLs → url sources
  images: 'native',
  audio: 'rejected',
  // a system instruction: structured outputs cannot express "any object"
  jsonObject: 'emulated',
  // output_config.format with the schema made strict (json-schema.ts)
  jsonSchema: 'native',
  // reasoning_effort → thinking budget or adaptive effort; thinking → reasoning_content
  reasoning: 'native',
  logprobs: 'rejected',
  multipleChoices: 'rejected',
  seed: 'ignored',
  stop: 'native',
  penalties: 'rejected',
  logitBias: 'rejected',
};

export const anthropicAdapter: ProviderAdapter = {
  type: 'anthropic',
  capabilities: anthropicCapabilities,
  defaultBaseUrl: 'https://api.anthropic.com',
  buildHeaders: buildAnthropicHeaders,
  toRequest: toAnthropicRequest,
  fromResponse: fromAnthropicResponse,
  createStreamTranslator: createAnthropicStream,
  classifyError: classifyAnthropicError,
  probeRequest: anthropicModelsRequest,
};
