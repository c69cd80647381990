/**
 * Adapter ↔ fake round trips without the gateway: the adapter builds the upstream request, undici
 * sends it to the provider's fake, and the adapter translates what comes back (JSON, the SSE stream
 * through SseParser and the stream translator, or the error through classifyError).
 */
import { request as send } from 'undici';
import type { ChatRequest } from '../../../../src/protocol/chat-request.ts';
import type {
  ProviderAdapter,
  TranslatedResponse,
  UpstreamFailure,
} from '../../../../src/providers/types.ts';
import { makeCall } from '../../../helpers/adapter-call.ts';
import { type EmittedChunk, makeCtx, runStreamBody } from '../../../helpers/stream-harness.ts';
import { type Expected, responseOutcome, streamOutcome } from './expected-outcome.ts';

export interface RoundTrip {
  adapter: ProviderAdapter;
  /** The fake's URL plus the provider's base path, e.g. `${fake.url}/v1`. */
  baseUrl: string;
  model: string;
  apiKey?: string;
}

export type Outcome =
  | { ok: true; outcome: Expected; chunks?: EmittedChunk[]; translated?: TranslatedResponse }
  | { ok: false; failure: UpstreamFailure };

async function exchange(rt: RoundTrip, request: ChatRequest, stream: boolean) {
  const call = makeCall('test', rt.model, rt.baseUrl, rt.adapter.buildHeaders(rt.apiKey ?? 'test-key'));
  const upstream = rt.adapter.toRequest(request, call, stream);
  const res = await send(`${call.target.origin}${upstream.path}`, {
    method: upstream.method,
    headers: upstream.headers,
    body: upstream.body,
  });
  return { res, upstream };
}

export async function roundTrip(
  rt: RoundTrip,
  partial: Partial<ChatRequest> & Record<string, unknown>,
  stream = false,
): Promise<Outcome> {
  const request = {
    model: 'virtual',
    messages: [{ role: 'user', content: 'Hello there' }],
    ...partial,
  } as ChatRequest;
  const { res } = await exchange(rt, request, stream);
  if (res.statusCode >= 400) {
    const text = await res.body.text();
    return { ok: false, failure: rt.adapter.classifyError(res.statusCode, res.headers, text) };
  }
  const ctx = makeCtx(request);
  if (!stream) {
    const translated = rt.adapter.fromResponse(await res.body.text(), ctx);
    return { ok: true, outcome: responseOutcome(translated), translated };
  }
  const run = await runStreamBody(rt.adapter.createStreamTranslator(ctx), res.body);
  return { ok: true, outcome: streamOutcome(run), chunks: run.chunks };
}

/** The same request answered as JSON, then as a stream; both must succeed. */
export async function askBothWays(
  rt: RoundTrip,
  partial: Partial<ChatRequest> & Record<string, unknown>,
): Promise<{ json: Expected; streamed: Expected }> {
  const json = expectOk(await roundTrip(rt, partial));
  const streamed = expectOk(await roundTrip(rt, partial, true));
  return { json, streamed };
}

/** The part of an outcome that must agree between a streamed and a non-streamed answer. */
export function comparable(outcome: Expected) {
  return {
    model: outcome.model,
    finish_reason: outcome.finish_reason,
    usage: outcome.usage,
    choices: outcome.choices.map((c) => ({
      index: c.index,
      finish_reason: c.finish_reason,
      content: c.message.content,
      reasoning_content: c.message.reasoning_content,
      tool_calls: c.message.tool_calls?.map((call) => (call.type === 'function' ? call.function : call)),
      logprobs: c.logprobs,
    })),
  };
}

export function expectOk(outcome: Outcome): Expected {
  if (!outcome.ok)
    throw new Error(`expected success, got ${outcome.failure.status} ${outcome.failure.message}`);
  return outcome.outcome;
}

export function expectFailure(outcome: Outcome): UpstreamFailure {
  if (outcome.ok) throw new Error('expected a failure');
  return outcome.failure;
}
