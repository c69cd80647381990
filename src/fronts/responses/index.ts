/**
 * POST /v1/responses: the OpenAI Responses API, stateless (docs/design.md §1, docs/providers.md §11). To
 * an OpenAI target it passes through to OpenAI's own Responses endpoint (passthrough.ts); to any other
 * target it is translated through the normalized request (request.ts) and rendered back (response.ts,
 * stream.ts). The gateway keeps no response objects, so stored-state features are refused up front
 * for every target alike, and a fallback from OpenAI to another provider answers the same request.
 * Output moderation reads both: a passthrough's blocked or redacted answer is OpenAI's own with the text
 * rewritten (moderated.ts), and its stream is relayed event by event as moderation releases them, ended
 * with `response.incomplete` on a block (relay-close.ts).
 */
import type { CompiledTarget } from '../../config/compile.ts';
import type { AdapterCall, UpstreamRequest } from '../../providers/types.ts';
import { endpointSupport } from '../endpoints.ts';
import { refuseIfUntranslatable } from '../untranslatable.ts';
import type { Front, FrontAnswer, FrontCall, FrontStream, SseSink } from '../types.ts';
import { accountingOf, parseResponseBody, passthroughRequest, ResponsesStreamReader } from './passthrough.ts';
import { responsesErrorResponse, responsesStreamError } from './errors.ts';
import { responsesGuardedText } from './guarded-text.ts';
import { parseResponsesRequest } from './request.ts';
import { moderatedResponse, responsesCompletion } from './moderated.ts';
import { ResponsesRelay } from './relay-close.ts';
import { idsFor, responseEnvelope, toResponse } from './response.ts';
import { ResponsesStreamRenderer } from './stream.ts';

function speaksResponses(target: CompiledTarget): boolean {
  return endpointSupport(target.provider.type, '/v1/responses') === 'passthrough';
}

function answer(front: FrontCall, bodyText: string): FrontAnswer {
  if (speaksResponses(front.target)) {
    const response = parseResponseBody(bodyText);
    const accounting = accountingOf(response);
    return {
      body: undefined,
      ...accounting,
      moderation: {
        completion: responsesCompletion(response, accounting),
        render: (moderated) => moderatedResponse(response, moderated),
      },
    };
  }
  const translated = front.target.provider.adapter.fromResponse(bodyText, front.translation);
  const native = front.native;
  const created = front.translation.created;
  return {
    body: toResponse(translated.completion, native, created),
    usage: translated.usage,
    finishReason: translated.finishReason,
    rawFinishReason: translated.rawFinishReason,
    model: translated.completion.model,
    moderation: {
      completion: translated.completion,
      render: (moderated) => toResponse(moderated, native, created),
    },
  };
}

function openStream(front: FrontCall, sink: SseSink, moderated: boolean): FrontStream {
  const created = front.translation.created;
  if (speaksResponses(front.target)) {
    const translator = new ResponsesStreamReader(moderated);
    const relay = new ResponsesRelay(sink, () =>
      responseEnvelope(
        front.native,
        idsFor(front.translation.completionId).response,
        created,
        translator.model ?? front.target.adapterTarget.model,
        { status: 'in_progress', output: [], usage: null },
      ),
    );
    return {
      translator,
      passthrough: true,
      chunk: () => {},
      end: () => {},
      relay: (raw) => relay.relay(raw),
      block: (usage) => relay.block(usage),
    };
  }
  const renderer = new ResponsesStreamRenderer(sink, front.native);
  return {
    translator: front.target.provider.adapter.createStreamTranslator(front.translation),
    passthrough: false,
    chunk: (json, kind) => renderer.chunk(json, kind),
    end: () => renderer.end(created),
    relay: (raw) => sink.raw(raw),
    block: (usage) => renderer.block(created, usage),
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
  guardedText: responsesGuardedText,
};
