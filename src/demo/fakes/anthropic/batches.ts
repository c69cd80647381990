/**
 * The fake Anthropic's Message Batches (docs/providers.md §2.11): create, retrieve, list, cancel and
 * results. A batch is `in_progress` until `processingMs` passed on the fake's clock, then `ended`
 * with every request answered as POST /v1/messages would (validation errors become `errored`
 * results); `results_url` appears only once it ended, and counts other than `processing` stay 0 until
 * then. Faults on the options object the test keeps: `expireNext` batches end with every request
 * `expired`; `erroredStatus(params)` makes a request's result an `errored` one of that HTTP status.
 */
import type { FakeExchange } from '../shared/fake-server.ts';
import { planReply } from '../shared/reply-plan.ts';
import { anthropicError, type AnthropicErrorResponse, errorTypeForStatus, invalidRequest } from './errors.ts';
import { checkApiKey, checkVersion } from './headers.ts';
import type { AnthropicFakeContext } from './messages-route.ts';
import { promptSegments } from './prompt-cache.ts';
import { toMessage } from './render.ts';
import { toAnthropicReply, toFakeRequestView } from './reply.ts';
import { type ApiVersion, validateMessagesRequest } from './validate.ts';

export interface FakeMessageBatchOptions {
  /** Time a batch stays `in_progress`; default 0. */
  processingMs?: number;
  /** This many next batches end with every request expired. */
  expireNext?: number;
  /** An HTTP status other than 200 for a request, by its params: its result is `errored`. */
  erroredStatus?: (params: Record<string, unknown>) => number | undefined;
}

interface FakeMessageBatch {
  id: string;
  requests: Array<{ custom_id: string; params: Record<string, unknown> }>;
  createdMs: number;
  status: 'in_progress' | 'canceling' | 'ended';
  expire: boolean;
  version: ApiVersion;
  endedMs: number | null;
  cancelMs: number | null;
  results: string[] | null;
  counts: { processing: number; succeeded: number; errored: number; canceled: number; expired: number };
}

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_REQUESTS = 100_000;

export class FakeMessageBatches {
  readonly #batches = new Map<string, FakeMessageBatch>();
  readonly #options: FakeMessageBatchOptions;
  readonly #context: AnthropicFakeContext;

  constructor(options: FakeMessageBatchOptions, context: AnthropicFakeContext) {
    this.#options = options;
    this.#context = context;
  }

  /** True when the path is this API's (and it answered). */
  handle(
    exchange: FakeExchange,
    send: (status: number, body: unknown) => void,
    fail: (e: AnthropicErrorResponse) => void,
  ): boolean {
    const { method, path } = exchange;
    if (!path.startsWith('/v1/messages/batches')) return false;
    const authError = checkApiKey(exchange.req.headers, this.#context.keys);
    if (authError !== undefined) {
      fail(authError);
      return true;
    }
    const version = checkVersion(exchange.req.headers);
    if ('error' in version) {
      fail(version.error);
      return true;
    }
    const [id, action] = path
      .slice('/v1/messages/batches'.length)
      .split('/')
      .filter((part) => part !== '');
    if (id === undefined && method === 'POST') this.#create(exchange, version.version, send, fail);
    else if (id === undefined && method === 'GET') this.#list(exchange, send);
    else if (id !== undefined) {
      const batch = this.#batches.get(id);
      if (batch === undefined) fail(anthropicError(404, 'not_found_error', `No batch with id ${id}`));
      else {
        this.#advance(batch, exchange);
        if (method === 'GET' && action === undefined) send(200, this.#view(batch, exchange));
        else if (method === 'POST' && action === 'cancel') {
          if (batch.status === 'in_progress') {
            batch.status = 'canceling';
            batch.cancelMs = exchange.now();
          }
          send(200, this.#view(batch, exchange));
        } else if (method === 'GET' && action === 'results') {
          if (batch.results === null)
            fail(invalidRequest(`Batch ${id} has not ended yet: its results are not available.`));
          else {
            exchange.res.writeHead(200, { 'content-type': 'application/binary' });
            exchange.res.end(`${batch.results.join('\n')}\n`);
          }
        } else fail(anthropicError(404, 'not_found_error', `Not found: ${method} ${path}`));
      }
    } else fail(anthropicError(404, 'not_found_error', `Not found: ${method} ${path}`));
    return true;
  }

  #create(
    exchange: FakeExchange,
    version: ApiVersion,
    send: (status: number, body: unknown) => void,
    fail: (e: AnthropicErrorResponse) => void,
  ): void {
    const body = exchange.body.kind === 'json' ? (exchange.body.value as Record<string, unknown>) : undefined;
    const requests = body?.requests;
    if (!Array.isArray(requests) || requests.length === 0) {
      fail(invalidRequest('requests: Field required (a non-empty list)'));
      return;
    }
    if (requests.length > MAX_REQUESTS) {
      fail(invalidRequest(`requests: at most ${MAX_REQUESTS} requests per batch`));
      return;
    }
    const seen = new Set<string>();
    for (const [index, item] of requests.entries()) {
      const entry = item as Record<string, unknown>;
      const customId = entry?.custom_id;
      if (typeof customId !== 'string' || !CUSTOM_ID.test(customId)) {
        fail(
          invalidRequest(`requests.${index}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`),
        );
        return;
      }
      if (seen.has(customId)) {
        fail(invalidRequest(`requests.${index}.custom_id: Duplicate custom_id '${customId}'`));
        return;
      }
      seen.add(customId);
      if (typeof entry.params !== 'object' || entry.params === null) {
        fail(invalidRequest(`requests.${index}.params: Field required`));
        return;
      }
    }
    const expire = (this.#options.expireNext ?? 0) > 0;
    if (expire) this.#options.expireNext = (this.#options.expireNext ?? 0) - 1;
    const batch: FakeMessageBatch = {
      id: exchange.ids.next('msgbatch_01', 22),
      requests: requests as FakeMessageBatch['requests'],
      createdMs: exchange.now(),
      status: 'in_progress',
      expire,
      version,
      endedMs: null,
      cancelMs: null,
      results: null,
      counts: { processing: requests.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
    };
    this.#batches.set(batch.id, batch);
    send(200, this.#view(batch, exchange));
  }

  #list(exchange: FakeExchange, send: (status: number, body: unknown) => void): void {
    const limit = Math.min(1000, Math.max(1, Number(exchange.query.get('limit') ?? 20) || 20));
    const afterId = exchange.query.get('after_id');
    const all = [...this.#batches.values()].reverse();
    const start = afterId === null ? 0 : all.findIndex((batch) => batch.id === afterId) + 1;
    const page = all.slice(start, start + limit);
    for (const batch of page) this.#advance(batch, exchange);
    send(200, {
      data: page.map((batch) => this.#view(batch, exchange)),
      has_more: start + limit < all.length,
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
    });
  }

  #view(batch: FakeMessageBatch, exchange: FakeExchange): Record<string, unknown> {
    const host = exchange.req.headers.host ?? '127.0.0.1';
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: batch.status,
      request_counts: batch.counts,
      created_at: new Date(batch.createdMs).toISOString(),
      expires_at: new Date(batch.createdMs + 24 * 3_600_000).toISOString(),
      ended_at: batch.endedMs === null ? null : new Date(batch.endedMs).toISOString(),
      cancel_initiated_at: batch.cancelMs === null ? null : new Date(batch.cancelMs).toISOString(),
      archived_at: null,
      results_url: batch.results === null ? null : `http://${host}/v1/messages/batches/${batch.id}/results`,
    };
  }

  #advance(batch: FakeMessageBatch, exchange: FakeExchange): void {
    if (batch.status === 'ended') return;
    if (batch.status === 'canceling') {
      this.#end(batch, exchange, 'canceled');
      return;
    }
    if (exchange.now() - batch.createdMs >= (this.#options.processingMs ?? 0))
      this.#end(batch, exchange, batch.expire ? 'expired' : undefined);
  }

  #end(batch: FakeMessageBatch, exchange: FakeExchange, every: 'canceled' | 'expired' | undefined): void {
    const nowMs = exchange.now();
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    batch.results = batch.requests.map((request) => {
      if (every !== undefined) {
        counts[every]++;
        return JSON.stringify({ custom_id: request.custom_id, result: { type: every } });
      }
      const result = this.#answer(request.params, batch.version, exchange);
      if (result.type === 'succeeded') counts.succeeded++;
      else counts.errored++;
      return JSON.stringify({ custom_id: request.custom_id, result });
    });
    batch.counts = counts;
    batch.status = 'ended';
    batch.endedMs = nowMs;
  }

  #answer(
    params: Record<string, unknown>,
    version: ApiVersion,
    exchange: FakeExchange,
  ): Record<string, unknown> {
    const errored = (error: AnthropicErrorResponse) => ({
      type: 'errored',
      error: { ...error.body, request_id: null },
    });
    const forced = this.#options.erroredStatus?.(params);
    if (forced !== undefined && forced !== 200)
      return errored(anthropicError(forced, errorTypeForStatus(forced), 'The request failed.'));
    if (params.stream === true) return errored(invalidRequest('stream: batch requests cannot stream'));
    const validation = validateMessagesRequest(params, {
      version,
      catalogue: this.#context.catalogue,
      strictModels: this.#context.strictModels,
      secret: this.#context.secret,
    });
    if (!validation.ok) return errored(validation.error);
    const request = validation.request;
    const planned = planReply(toFakeRequestView(request), undefined, {
      toolCallId: () => exchange.ids.next('toolu_01', 22),
    });
    const reply = toAnthropicReply(request, planned, {
      secret: this.#context.secret,
      prompt: this.#context.cache.account(request.model, promptSegments(request)),
      stopSequence: null,
      scriptedUsage: undefined,
    });
    return {
      type: 'succeeded',
      message: toMessage({ id: exchange.ids.next('msg_01', 22), model: request.model.id }, reply),
    };
  }
}
