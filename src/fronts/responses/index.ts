/**
 * POST /v1/responses: the OpenAI Responses API, stateless (docs/design.md §1, docs/providers.md §11).
 * Every target, OpenAI included, is reached through the normalized request: the gateway keeps no
 * response objects, so OpenAI's stored-state features are refused (request.ts) and its Responses
 * endpoint offers nothing the translation loses for stateless use, beyond OpenAI's built-in tools.
 */
import type { Front, FrontAnswer, FrontCall, FrontStream, SseSink } from '../types.ts';
import { responsesErrorResponse, responsesStreamError } from './errors.ts';
import { parseResponsesRequest } from './request.ts';
import { toResponse } from './response.ts';
import { ResponsesStreamRenderer } from './stream.ts';

function answer(front: FrontCall, bodyText: string): FrontAnswer {
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
  const renderer = new ResponsesStreamRenderer(sink, front.native);
  return {
    translator: front.target.provider.adapter.createStreamTranslator(front.translation),
    passthrough: false,
    chunk: (json, kind) => renderer.chunk(json, kind),
    end: () => renderer.end(front.translation.created),
  };
}

export const responsesFront: Front = {
  name: 'responses',
  parse: parseResponsesRequest,
  toUpstream: (front, call, stream) =>
    front.target.provider.adapter.toRequest(front.translation.request, call, stream),
  answer,
  openStream,
  errorResponse: responsesErrorResponse,
  streamError: responsesStreamError,
};
