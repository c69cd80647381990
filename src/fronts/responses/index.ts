/**
 * POST /v1/responses: the OpenAI Responses API, stateless (docs/design.md §1, docs/providers.md §11). To
 * an OpenAI target it passes through to OpenAI's own Responses endpoint (passthrough.ts); to any other
 * target it is translated through the normalized request (request.ts) and rendered back (response.ts,
 * stream.ts). The gateway keeps no response objects, so stored-state features are refused up front
 * for every target alike, and a fallback from OpenAI to another provider answers the same request.
 */
import type { CompiledTarget } from '../../config/compile.ts';
import type { AdapterCall, UpstreamRequest } from '../../providers/types.ts';
import { endpointSupport } from '../endpoints.ts';
import { refuseIfUntranslatable } from '../untranslatable.ts';
import type { Front, FrontAnswer, FrontCall, FrontStream, SseSink } from '../types.ts';
import { passthroughRequest, ResponsesStreamReader, readResponseBody } from './passthrough.ts';
import { responsesErrorResponse, responsesStreamError } from './errors.ts';
import { parseResponsesRequest } from './request.ts';
import { toResponse } from './response.ts';
import { ResponsesStreamRenderer } from './stream.ts';

function speaksResponses(target: CompiledTarget): boolean {
  return endpointSupport(target.provider.type, '/v1/responses') === 'passthrough';
}

function answer(front: FrontCall, bodyText: string): FrontAnswer {
  if (speaksResponses(front.target)) return { body: undefined, ...readResponseBody(bodyText) };
  const translated = front.target.provider.adapter.fromResponse(bodyText, front.translation);
  return {
    body: toResponse(translated.completion, front.native, front.translation.created),
    usage: translated.usage,
    finishReason: translated.finishReason,
    rawFinishReason: translated.rawFinishReason,
    model: translated.completion.model,
  };
}

function openStream(front: FrontCall, sink: SseSink): FrontStream {
  if (speaksResponses(front.target))
    return { translator: new ResponsesStreamReader(), passthrough: true, chunk: () => {}, end: () => {} };
  const renderer = new ResponsesStreamRenderer(sink, front.native);
  return {
    translator: front.target.provider.adapter.createStreamTranslator(front.translation),
    passthrough: false,
    chunk: (json, kind) => renderer.chunk(json, kind),
    end: () => renderer.end(front.translation.created),
  };
}

function translatedRequest(front: FrontCall, call: AdapterCall, stream: boolean): UpstreamRequest {
  refuseIfUntranslatable(front.native);
  return front.target.provider.adapter.toRequest(front.translation.request, call, stream);
}

export const responsesFront: Front = {
  name: 'responses',
  parse: parseResponsesRequest,
  toUpstream: (front, call, stream) =>
    speaksResponses(front.target)
      ? passthroughRequest(front.native, call)
      : translatedRequest(front, call, stream),
  answer,
  openStream,
  errorResponse: responsesErrorResponse,
  streamError: responsesStreamError,
};
