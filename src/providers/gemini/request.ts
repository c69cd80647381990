/**
 * OpenAI chat request → Gemini `generateContent` request (docs/providers.md §3.11): the URL, the headers
 * and the body assembled from contents.ts (messages), tools.ts (tools, tool_choice) and
 * generation-config.ts (sampling, formats, reasoning). Pure and non-mutating: the attempt loop calls
 * it again for another target, so every object sent is built fresh.
 */
import { invalidModelName, unsupportedParameter } from '../../errors/codes.ts';
import type { ChatRequest } from '../../protocol/chat-request.ts';
import type { AdapterCall, UpstreamRequest } from '../types.ts';
import { toGeminiContents } from './contents.ts';
import { toGeminiGenerationConfig, usesThinkingLevels } from './generation-config.ts';
import { toGeminiDeclarations, toGeminiToolConfig } from './tools.ts';
import type { GeminiRequest } from './wire.ts';

const PROVIDER = 'gemini';

export function buildGeminiHeaders(apiKey: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  // What @google/genai sends (docs/providers.md §3.1); the `?key=` form would put the key in URLs and logs.
  if (apiKey !== undefined && apiKey !== '') headers['x-goog-api-key'] = apiKey;
  return headers;
}

export function toGeminiRequest(request: ChatRequest, call: AdapterCall, stream: boolean): UpstreamRequest {
  const model = call.target.model;
  const resource = modelResource(model);
  const body = toGeminiBody(request, model);
  // Without alt=sse the stream is one JSON array; SSE is what the SDK and our parser read (§3.1).
  const method = stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  return {
    method: 'POST',
    path: `${call.target.basePath}/v1beta/${resource}:${method}`,
    headers: call.headers as Record<string, string>,
    body: JSON.stringify(body),
  };
}

/** A cheap authenticated call for health probes: one page of one model. */
export function geminiModelsRequest(call: AdapterCall): UpstreamRequest {
  return {
    method: 'GET',
    path: `${call.target.basePath}/v1beta/models?pageSize=1`,
    headers: call.headers as Record<string, string>,
    body: undefined,
  };
}

/**
 * `gemini-2.5-flash` → `models/gemini-2.5-flash`; `tunedModels/x` and `models/x` keep their collection.
 * The id is one path segment whatever it holds (a client names it in `gemini/<id>`, issue 10): `/`, `?`,
 * `#`, `%` and `:` are encoded, and `.` / `..` are refused, since a proxy or the upstream's router may
 * resolve even an encoded `%2E%2E` and send the request to another resource.
 */
export function modelResource(model: string): string {
  const collection = model.startsWith('tunedModels/') ? 'tunedModels' : 'models';
  const id = model.startsWith(`${collection}/`) ? model.slice(collection.length + 1) : model;
  if (id === '') throw invalidModelName(model, 'it names no model');
  if (id.split('/').some((segment) => segment === '.' || segment === '..'))
    throw invalidModelName(model, "'.' and '..' are path navigation, not model names");
  return `${collection}/${encodeURIComponent(id)}`;
}

export function toGeminiBody(request: ChatRequest, model: string): GeminiRequest {
  rejectUnsupportedFields(request);
  const { systemInstruction, contents } = toGeminiContents(request.messages, usesThinkingLevels(model));
  const body: GeminiRequest = { contents };
  if (systemInstruction !== undefined) body.systemInstruction = systemInstruction;
  const declarations = toGeminiDeclarations(request.tools);
  if (declarations.length > 0) body.tools = [{ functionDeclarations: declarations }];
  const toolConfig = toGeminiToolConfig(request, declarations);
  if (toolConfig !== undefined) body.toolConfig = toolConfig;
  const generationConfig = toGeminiGenerationConfig(request, model);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return body;
}

/** Top-level fields with no Gemini equivalent: a 400 naming the field, never a silent drop. */
function rejectUnsupportedFields(request: ChatRequest): void {
  const loose = request as Record<string, unknown>;
  if (loose.functions !== undefined)
    throw unsupportedParameter('functions', PROVIDER, 'deprecated by OpenAI; send `tools`');
  if (loose.function_call !== undefined) {
    throw unsupportedParameter('function_call', PROVIDER, 'deprecated by OpenAI; send `tool_choice`');
  }
  if (loose.audio != null)
    throw unsupportedParameter('audio', PROVIDER, 'Gemini chat models answer with text only');
  if (Array.isArray(loose.modalities) && loose.modalities.some((m) => m !== 'text')) {
    throw unsupportedParameter('modalities', PROVIDER, 'Gemini chat models answer with text only');
  }
  if (loose.prediction != null)
    throw unsupportedParameter('prediction', PROVIDER, 'Gemini has no predicted outputs');
  if (loose.web_search_options != null) {
    throw unsupportedParameter(
      'web_search_options',
      PROVIDER,
      'Gemini search grounding is not exposed through this gateway',
    );
  }
  if (request.logit_bias != null && Object.keys(request.logit_bias).length > 0) {
    throw unsupportedParameter('logit_bias', PROVIDER, 'Gemini has no token biasing');
  }
}
