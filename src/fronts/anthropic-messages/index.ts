/**
 * POST /v1/messages: the Anthropic Messages API as a front door (docs/design.md §1, docs/providers.md §2).
 * To an Anthropic target the client's body goes upstream with only `model` rewritten (thinking blocks
 * and their signatures, cache_control, server tools, betas all intact) and the answer comes back byte
 * for byte; the Anthropic adapter still reads it for usage and the stop reason. To any other target the
 * request is translated through the normalized one (request.ts) and the answer rendered back
 * (response.ts, stream.ts). Output moderation reads both: a passthrough's blocked or redacted answer is
 * the upstream's own with the text rewritten (moderated.ts), and its stream is relayed event by event as
 * moderation releases them, closed in Anthropic's terms on a block (relay-close.ts).
 */
import type { CompiledTarget } from '../../config/compile.ts';
import { markPrefix } from '../../pipeline/continuation.ts';
import type { AdapterCall, UpstreamRequest } from '../../providers/types.ts';
import { endpointSupport } from '../endpoints.ts';
import { refuseIfUntranslatable } from '../untranslatable.ts';
import type { ClientHeaders, Front, FrontAnswer, FrontCall, FrontStream, SseSink } from '../types.ts';
import { anthropicErrorResponse, anthropicStreamError } from './errors.ts';
import { messagesGuardedText } from './guarded-text.ts';
import { parseMessagesRequest } from './request.ts';
import { moderatedMessage } from './moderated.ts';
import { MessagesRelay } from './relay-close.ts';
import { messageId, toAnthropicMessage } from './response.ts';
import { AnthropicStreamRenderer } from './stream.ts';

/** Client request headers that change what Anthropic does, forwarded on a passthrough. */
const FORWARDED_HEADERS = ['anthropic-beta'] as const;

function speaksMessages(target: CompiledTarget): boolean {
  return endpointSupport(target.provider.type, '/v1/messages') === 'passthrough';
}

function toUpstream(
  front: FrontCall,
  call: AdapterCall,
  stream: boolean,
  clientHeaders: ClientHeaders,
): UpstreamRequest {
  const target = front.target;
  if (!speaksMessages(target)) {
    refuseIfUntranslatable(front.native);
    const request = front.translation.request;
    const upstream = target.provider.adapter.toRequest(request, call, stream);
    // A final assistant turn is a prefill in Anthropic's API: the answer continues it. A provider with a
    // prefix mode (`continuation: prefix`, Mistral's by default) is told so, as stream recovery does;
    // elsewhere the model answers the turn anew.
    const prefill =
      request.messages.at(-1)?.role === 'assistant' && target.provider.continuation === 'prefix';
    return prefill ? markPrefix(upstream, target.provider.type) : upstream;
  }
  const headers: Record<string, string> = { ...call.headers };
  for (const name of FORWARDED_HEADERS) {
    const value = clientHeaders[name];
    if (typeof value === 'string' && value !== '') headers[name] = value;
  }
  return {
    method: 'POST',
    path: `${call.target.basePath}/v1/messages`,
    headers,
    body: JSON.stringify({ ...front.native, model: call.target.model }),
  };
}

function answer(front: FrontCall, bodyText: string): FrontAnswer {
  const translated = front.target.provider.adapter.fromResponse(bodyText, front.translation);
  const passthrough = speaksMessages(front.target);
  return {
    body: passthrough ? undefined : JSON.stringify(toAnthropicMessage(translated.completion)),
    usage: translated.usage,
    finishReason: translated.finishReason,
    rawFinishReason: translated.rawFinishReason,
    model: translated.completion.model,
    moderation: {
      completion: translated.completion,
      render: passthrough
        ? (moderated) => moderatedMessage(bodyText, moderated)
        : (moderated) => JSON.stringify(toAnthropicMessage(moderated)),
    },
  };
}

function openStream(front: FrontCall, sink: SseSink): FrontStream {
  const translator = front.target.provider.adapter.createStreamTranslator(front.translation);
  if (speaksMessages(front.target)) {
    // The Anthropic translator emits the chunks moderation reads whether or not anything reads them.
    const relay = new MessagesRelay(sink, () => ({
      id: messageId(front.translation.completionId),
      model: translator.model ?? front.target.adapterTarget.model,
    }));
    return {
      translator,
      passthrough: true,
      chunk: () => {},
      end: () => {},
      relay: (raw) => relay.relay(raw),
      block: (usage) => relay.block(usage),
    };
  }
  const renderer = new AnthropicStreamRenderer(sink);
  return {
    translator,
    passthrough: false,
    chunk: (json, kind) => renderer.chunk(json, kind),
    end: () => renderer.end(),
    relay: (raw) => sink.raw(raw),
    block: (usage) => renderer.block(usage),
  };
}

/** Anthropic's own id of the answer, which its SDKs expose (`_request_id`) and its support asks for. */
function relayHeaders(target: CompiledTarget, upstream: ClientHeaders): Record<string, string> | undefined {
  const id = upstream['request-id'];
  return speaksMessages(target) && typeof id === 'string' ? { 'request-id': id } : undefined;
}

export const anthropicMessagesFront: Front = {
  name: 'anthropic-messages',
  parse: parseMessagesRequest,
  toUpstream,
  answer,
  openStream,
  errorResponse: anthropicErrorResponse,
  streamError: anthropicStreamError,
  relayHeaders,
  guardedText: messagesGuardedText,
};
