import { buildOpenAIHeaders } from '../openai/request.ts';
import type { AdapterCapabilities, ProviderAdapter } from '../types.ts';
import { classifyMistralError } from './errors.ts';
import { mistralModelsRequest, toMistralRequest } from './request.ts';
import { fromMistralResponse } from './response.ts';
import { createMistralStream } from './stream.ts';

/** docs/providers.md §4; the reasons for each value are in request.ts. */
export const mistralCapabilities: AdapterCapabilities = {
  tools: 'native',
  parallelToolCalls: 'native',
  images: 'native',
  // Voxtral models; Mistral's audio chunk is the base64 data alone.
  audio: 'native',
  jsonObject: 'native',
  jsonSchema: 'native',
  // reasoning_effort is Mistral's own field (newer models); reasoning comes back as `thinking` chunks.
  reasoning: 'native',
  logprobs: 'rejected',
  multipleChoices: 'native',
  // `seed` is sent as Mistral's `random_seed`.
  seed: 'native',
  stop: 'native',
  penalties: 'native',
  logitBias: 'rejected',
};

export const mistralAdapter: ProviderAdapter = {
  type: 'mistral',
  capabilities: mistralCapabilities,
  defaultBaseUrl: 'https://api.mistral.ai/v1',
  buildHeaders: buildOpenAIHeaders,
  toRequest: toMistralRequest,
  fromResponse: fromMistralResponse,
  createStreamTranslator: createMistralStream,
  classifyError: classifyMistralError,
  probeRequest: mistralModelsRequest,
};
