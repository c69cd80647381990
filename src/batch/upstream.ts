/**
 * The providers' batch APIs behind one interface, so the aggregator does not care whose it is:
 * OpenAI's Files + Batch API and Anthropic's Message Batches (the pure builders live next to the
 * adapters: src/providers/{openai,anthropic}/batch.ts). Results come back as the provider's own
 * answer text, which the adapter's `fromResponse` translates like a live answer.
 */
import { randomBytes } from 'node:crypto';
import type { CompiledProvider } from '../config/compile.ts';
import {
  anthropicBatchCreateRequest,
  anthropicBatchGetRequest,
  anthropicBatchListRequest,
  anthropicBatchResultsRequest,
  parseAnthropicBatch,
  parseAnthropicResultLine,
} from '../providers/anthropic/batch.ts';
import {
  OPENAI_BATCH_ENDED,
  openAIBatchCreateRequest,
  openAIBatchGetRequest,
  openAIBatchInputLine,
  openAIBatchListRequest,
  openAIFileContentRequest,
  openAIFileUploadRequest,
  parseOpenAIBatch,
  parseOpenAIOutputLine,
} from '../providers/openai/batch.ts';
import type { AdapterCall } from '../providers/types.ts';
import type { ProviderBatchRecord } from '../store/batch-types.ts';
import { callJson, callLines } from './upstream-http.ts';

/** What a provider said about one line. */
export type UpstreamResult =
  | { customId: string; kind: 'ok'; bodyText: string; requestId: string }
  /** An HTTP error answer: relayed as the line's response unless `retryable`. */
  | {
      customId: string;
      kind: 'http_error';
      statusCode: number;
      body: string;
      requestId: string;
      retryable: boolean;
    }
  /** No answer at all (expired, cancelled upstream, failed batch): retried once. */
  | { customId: string; kind: 'no_response'; code: string; message: string };

export interface SubmitItem {
  customId: string;
  /** The adapter's request body (JSON text) for this line. */
  body: string;
}

export type PollOutcome = { ended: false } | { ended: true; results: () => AsyncIterable<UpstreamResult> };

export interface BatchUpstream {
  submit(providerBatchId: string, items: readonly SubmitItem[]): Promise<string>;
  /** The upstream id of a batch this provider batch row was sent as before a crash, if it was. */
  find(batch: ProviderBatchRecord, known: ReadonlySet<string>): Promise<string | undefined>;
  poll(upstreamId: string): Promise<PollOutcome>;
}

/** Provider types with a batch API (and a batch discount); every other type is served live. */
export function hasBatchApi(type: string): boolean {
  return type === 'openai' || type === 'anthropic';
}

export function batchUpstreamFor(provider: CompiledProvider, call: AdapterCall): BatchUpstream | undefined {
  if (provider.type === 'openai') return new OpenAIBatchUpstream(provider, call);
  if (provider.type === 'anthropic') return new AnthropicBatchUpstream(provider, call);
  return undefined;
}

const METADATA_KEY = 'switchyard_batch';
/** How far back (ms) before a row's creation an upstream batch may have been created to be its. */
const CLOCK_SLACK_MS = 60_000;
const MAX_LIST_PAGES = 20;

class OpenAIBatchUpstream implements BatchUpstream {
  readonly #provider: CompiledProvider;
  readonly #call: AdapterCall;

  constructor(provider: CompiledProvider, call: AdapterCall) {
    this.#provider = provider;
    this.#call = call;
  }

  async submit(providerBatchId: string, items: readonly SubmitItem[]): Promise<string> {
    const jsonl = items.map((item) => openAIBatchInputLine(item.customId, item.body)).join('');
    const boundary = `switchyard-${randomBytes(12).toString('hex')}`;
    const file = (await callJson(
      this.#provider,
      openAIFileUploadRequest(this.#call, jsonl, boundary, `${providerBatchId}.jsonl`),
    )) as { id?: unknown };
    if (typeof file.id !== 'string')
      throw new Error(`${this.#provider.name}: the file upload answer has no id`);
    const batch = parseOpenAIBatch(
      await callJson(
        this.#provider,
        openAIBatchCreateRequest(this.#call, file.id, { [METADATA_KEY]: providerBatchId }),
      ),
    );
    if (batch === undefined)
      throw new Error(`${this.#provider.name}: the batch create answer is not a batch`);
    return batch.id;
  }

  async find(batch: ProviderBatchRecord): Promise<string | undefined> {
    let after: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const list = (await callJson(this.#provider, openAIBatchListRequest(this.#call, after))) as {
        data?: unknown[];
        has_more?: boolean;
      };
      const data = Array.isArray(list.data) ? list.data : [];
      for (const item of data) {
        const view = parseOpenAIBatch(item);
        if (view?.metadata?.[METADATA_KEY] === batch.id) return view.id;
      }
      const last = parseOpenAIBatch(data.at(-1));
      if (list.has_more !== true || last === undefined) return undefined;
      after = last.id;
    }
    return undefined;
  }

  async poll(upstreamId: string): Promise<PollOutcome> {
    const batch = parseOpenAIBatch(
      await callJson(this.#provider, openAIBatchGetRequest(this.#call, upstreamId)),
    );
    if (batch === undefined) throw new Error(`${this.#provider.name}: the batch answer is not a batch`);
    if (!OPENAI_BATCH_ENDED.has(batch.status)) return { ended: false };
    const fileIds = [batch.outputFileId, batch.errorFileId].filter((id): id is string => id !== null);
    const provider = this.#provider;
    const call = this.#call;
    return {
      ended: true,
      async *results() {
        for (const fileId of fileIds) {
          for await (const text of callLines(provider, openAIFileContentRequest(call, fileId))) {
            const line = parseOpenAIOutputLine(text);
            if (line === undefined) continue;
            if (line.kind === 'error') {
              yield { customId: line.customId, kind: 'no_response', code: line.code, message: line.message };
            } else if (line.statusCode >= 200 && line.statusCode < 300) {
              yield {
                customId: line.customId,
                kind: 'ok',
                bodyText: JSON.stringify(line.body),
                requestId: line.requestId,
              };
            } else {
              yield {
                customId: line.customId,
                kind: 'http_error',
                statusCode: line.statusCode,
                body: JSON.stringify(line.body),
                requestId: line.requestId,
                retryable: line.statusCode === 429 || line.statusCode >= 500,
              };
            }
          }
        }
      },
    };
  }
}

class AnthropicBatchUpstream implements BatchUpstream {
  readonly #provider: CompiledProvider;
  readonly #call: AdapterCall;

  constructor(provider: CompiledProvider, call: AdapterCall) {
    this.#provider = provider;
    this.#call = call;
  }

  async submit(_providerBatchId: string, items: readonly SubmitItem[]): Promise<string> {
    const batch = parseAnthropicBatch(
      await callJson(
        this.#provider,
        anthropicBatchCreateRequest(
          this.#call,
          items.map((item) => ({ customId: item.customId, params: item.body })),
        ),
      ),
    );
    if (batch === undefined)
      throw new Error(`${this.#provider.name}: the batch create answer is not a message batch`);
    return batch.id;
  }

  /**
   * Message Batches keep no metadata, so a batch sent just before a crash is recognised by what can be
   * seen of it: created no earlier than the row (less clock slack), the same number of requests, and
   * not the upstream batch of any other row of this target.
   */
  async find(batch: ProviderBatchRecord, known: ReadonlySet<string>): Promise<string | undefined> {
    let after: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const list = (await callJson(this.#provider, anthropicBatchListRequest(this.#call, after))) as {
        data?: unknown[];
        has_more?: boolean;
        last_id?: unknown;
      };
      for (const item of Array.isArray(list.data) ? list.data : []) {
        const view = parseAnthropicBatch(item);
        if (view === undefined || known.has(view.id)) continue;
        if (view.createdAt >= batch.createdAt - CLOCK_SLACK_MS && view.totalRequests === batch.lineCount)
          return view.id;
      }
      if (list.has_more !== true || typeof list.last_id !== 'string') return undefined;
      after = list.last_id;
    }
    return undefined;
  }

  async poll(upstreamId: string): Promise<PollOutcome> {
    const batch = parseAnthropicBatch(
      await callJson(this.#provider, anthropicBatchGetRequest(this.#call, upstreamId)),
    );
    if (batch === undefined) throw new Error(`${this.#provider.name}: the answer is not a message batch`);
    if (batch.processingStatus !== 'ended' || batch.resultsUrl === null) return { ended: false };
    const provider = this.#provider;
    const call = this.#call;
    const resultsUrl = batch.resultsUrl;
    return {
      ended: true,
      async *results() {
        for await (const text of callLines(provider, anthropicBatchResultsRequest(call, resultsUrl))) {
          const line = parseAnthropicResultLine(text);
          if (line === undefined) continue;
          if (line.type === 'succeeded')
            yield {
              customId: line.customId,
              kind: 'ok',
              bodyText: JSON.stringify(line.message),
              requestId: '',
            };
          else if (line.type === 'errored') {
            const status = ANTHROPIC_ERROR_STATUS[line.errorType] ?? 500;
            yield {
              customId: line.customId,
              kind: 'http_error',
              statusCode: status,
              body: JSON.stringify({
                error: {
                  message: line.message,
                  type: openAIErrorType(status),
                  param: null,
                  code: line.errorType,
                },
              }),
              requestId: '',
              retryable: status === 429 || status >= 500,
            };
          } else
            yield {
              customId: line.customId,
              kind: 'no_response',
              code: line.type === 'expired' ? 'batch_expired' : 'batch_cancelled',
              message: `the provider ${line.type === 'expired' ? 'let the request expire' : 'cancelled the request'}`,
            };
        }
      },
    };
  }
}

/** docs/providers.md §2: Anthropic's error types and their HTTP statuses. */
const ANTHROPIC_ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

function openAIErrorType(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  return 'invalid_request_error';
}
