import type { AdapterCapabilities, ProviderAdapter } from '../types.ts';
import { classifyGeminiError } from './errors.ts';
import { buildGeminiHeaders, geminiModelsRequest, toGeminiRequest } from './request.ts';
import { fromGeminiResponse } from './response.ts';
import { createGeminiStream } from './stream.ts';

/** How each OpenAI feature reaches Gemini (request.ts has the details of each). */
export const geminiCapabilities: AdapterCapabilities = {
  tools: 'native',
  // Gemini calls functions in parallel and has no switch to stop it: `parallel_tool_calls: false`
  // is emulated by keeping only the first call of an answer.
  parallelToolCalls: 'emulated',
  // data: URLs → inlineData; https URLs with an image extension → fileData; others → 400.
  images: 'native',
  audio: 'native',
  jsonObject: 'native',
  jsonSchema: 'native',
  // reasoning_effort → thinkingConfig; thought parts → reasoning_content.
  reasoning: 'native',
  logprobs: 'native',
  multipleChoices: 'native',
  seed: 'native',
  stop: 'native',
  penalties: 'native',
  logitBias: 'rejected',
};

export const geminiAdapter: ProviderAdapter = {
  type: 'gemini',
  capabilities: geminiCapabilities,
  defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  buildHeaders: buildGeminiHeaders,
  toRequest: toGeminiRequest,
  fromResponse: fromGeminiResponse,
  createStreamTranslator: createGeminiStream,
  classifyError: classifyGeminiError,
  probeRequest: geminiModelsRequest,
};
