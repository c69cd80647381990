/**
 * OpenAI passthrough (docs/style.md §1.2, Envoy's openai_openai): the client's body goes upstream as it
 * came, unknown fields included (but `top_k` to OpenAI itself, which refuses it), with only `model`
 * replaced by the target's and, for streams, usage switched on so accounting always has real token
 * counts. The client's own `include_usage` decides whether the usage chunk reaches it (the respond
 * stage drops it otherwise).
 */
import type { ChatRequest } from '../../protocol/chat-request.ts';
import type { AdapterCall, UpstreamRequest } from '../types.ts';

export function toOpenAIRequest(request: ChatRequest, call: AdapterCall, stream: boolean): UpstreamRequest {
  return openAIShapedRequest(request, call, stream);
}

/**
 * The body as sent, for OpenAI-compatible servers (vLLM, Ollama…): what they take beyond OpenAI's fields
 * (top_k, repetition_penalty, guided decoding) is their own business, so everything is forwarded.
 */
export function toOpenAICompatibleRequest(
  request: ChatRequest,
  call: AdapterCall,
  stream: boolean,
): UpstreamRequest {
  return openAIShapedRequest(request, call, stream, true);
}

function openAIShapedRequest(
  request: ChatRequest,
  call: AdapterCall,
  stream: boolean,
  keepTopK = false,
): UpstreamRequest {
  // A shallow copy: the attempt loop may build the same request again for another target.
  const body: Record<string, unknown> = { ...request, model: call.target.model, stream };
  if (stream) body.stream_options = { ...request.stream_options, include_usage: true };
  // A sampling parameter Anthropic, Gemini, Qwen and vLLM take (and /v1/messages clients send) that
  // OpenAI refuses with a 400: left out for OpenAI itself, as every other adapter leaves out what its
  // provider lacks, so a route falling over to OpenAI does not fail on it.
  if (!keepTopK && body.top_k !== undefined) delete body.top_k;
  return {
    method: 'POST',
    path: `${call.target.basePath}/chat/completions`,
    headers: call.headers as Record<string, string>,
    body: JSON.stringify(body),
  };
}

export function buildOpenAIHeaders(apiKey: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (apiKey !== undefined && apiKey !== '') headers.authorization = `Bearer ${apiKey}`;
  return headers;
}

export function openAIModelsRequest(call: AdapterCall): UpstreamRequest {
  return {
    method: 'GET',
    path: `${call.target.basePath}/models`,
    headers: call.headers as Record<string, string>,
    body: undefined,
  };
}
