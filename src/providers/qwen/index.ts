import { buildOpenAIHeaders } from '../openai/request.ts';
import type { AdapterCapabilities, ProviderAdapter } from '../types.ts';
import { classifyQwenError } from './errors.ts';
import { qwenModelsRequest, toQwenRequest } from './request.ts';
import { fromQwenResponse } from './response.ts';
import { createQwenStream } from './stream.ts';

/** docs/providers.md §6; the reasons for each value are in request.ts. */
export const qwenCapabilities: AdapterCapabilities = {
  tools: 'native',
  parallelToolCalls: 'native',
  // Qwen-VL / Qwen3-VL models take OpenAI's image_url parts; text-only models answer 400 themselves.
  images: 'native',
  // Qwen-Omni models take OpenAI's input_audio parts.
  audio: 'native',
  jsonObject: 'native',
  jsonSchema: 'native',
  // reasoning_effort → enable_thinking + thinking_budget; reasoning_content comes back as is.
  reasoning: 'emulated',
  logprobs: 'native',
  multipleChoices: 'native',
  seed: 'native',
  stop: 'native',
  penalties: 'native',
  logitBias: 'rejected',
};

export const qwenAdapter: ProviderAdapter = {
  type: 'qwen',
  capabilities: qwenCapabilities,
  defaultBaseUrl: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
  buildHeaders: buildOpenAIHeaders,
  toRequest: toQwenRequest,
  fromResponse: fromQwenResponse,
  createStreamTranslator: createQwenStream,
  classifyError: classifyQwenError,
  probeRequest: qwenModelsRequest,
};
