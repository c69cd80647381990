import { buildOpenAIHeaders } from '../openai/request.ts';
import type { AdapterCapabilities, ProviderAdapter } from '../types.ts';
import { classifyDeepSeekError } from './errors.ts';
import { deepSeekModelsRequest, toDeepSeekRequest } from './request.ts';
import { fromDeepSeekResponse } from './response.ts';
import { createDeepSeekStream } from './stream.ts';

/** docs/providers.md §5; the reasons for each value are in request.ts. */
export const deepSeekCapabilities: AdapterCapabilities = {
  tools: 'native',
  // DeepSeek has no switch for it: parallel calls happen when the model sees fit.
  parallelToolCalls: 'ignored',
  images: 'rejected',
  audio: 'rejected',
  jsonObject: 'native',
  jsonSchema: 'rejected',
  // reasoning_effort → `thinking` + DeepSeek's own effort levels; reasoning_content comes back as is.
  reasoning: 'native',
  // Native in non-thinking mode; DeepSeek itself rejects them in thinking mode.
  logprobs: 'native',
  multipleChoices: 'rejected',
  seed: 'ignored',
  stop: 'native',
  penalties: 'native',
  logitBias: 'rejected',
};

export const deepseekAdapter: ProviderAdapter = {
  type: 'deepseek',
  capabilities: deepSeekCapabilities,
  // docs/design.md §1: no /v1; requests go to {base_url}/chat/completions.
  defaultBaseUrl: 'https://api.deepseek.com',
  buildHeaders: buildOpenAIHeaders,
  toRequest: toDeepSeekRequest,
  fromResponse: fromDeepSeekResponse,
  createStreamTranslator: createDeepSeekStream,
  classifyError: classifyDeepSeekError,
  probeRequest: deepSeekModelsRequest,
};
