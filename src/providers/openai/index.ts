import type { AdapterCapabilities, ProviderAdapter } from '../types.ts';
import { classifyOpenAIError } from './errors.ts';
import { buildOpenAIHeaders, openAIModelsRequest, toOpenAIRequest } from './request.ts';
import { fromOpenAIResponse } from './response.ts';
import { OpenAIPassthroughStream } from './stream.ts';

/** Everything is native: the request is OpenAI's own format, forwarded. */
export const openAICapabilities: AdapterCapabilities = {
  tools: 'native',
  parallelToolCalls: 'native',
  images: 'native',
  audio: 'native',
  jsonObject: 'native',
  jsonSchema: 'native',
  reasoning: 'native',
  logprobs: 'native',
  multipleChoices: 'native',
  seed: 'native',
  stop: 'native',
  penalties: 'native',
  logitBias: 'native',
};

export const openaiAdapter: ProviderAdapter = {
  type: 'openai',
  capabilities: openAICapabilities,
  defaultBaseUrl: 'https://api.openai.com/v1',
  buildHeaders: buildOpenAIHeaders,
  toRequest: toOpenAIRequest,
  fromResponse: (bodyText) => fromOpenAIResponse(bodyText),
  createStreamTranslator: () => new OpenAIPassthroughStream(),
  classifyError: classifyOpenAIError,
  probeRequest: openAIModelsRequest,
};
