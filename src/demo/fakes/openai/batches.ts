/**
 * The fake OpenAI's Files + Batch API (docs/providers.md §1.12): upload (multipart, purpose=batch),
 * file retrieve and content, batch create / retrieve / list / cancel, output and error files in
 * OpenAI's line format.
 *
 * Time drives a batch, as upstream: `validating` until the first look after creation, `in_progress`
 * until `processingMs` passed (on the fake's clock), then its lines are answered (the same planned
 * replies as the live endpoint) and it is `completed`. Faults, set on the options object the test
 * keeps: `expireNext` batches end `expired` with every line in the error file (`batch_expired`), and
 * `lineStatus(body)` makes a line's answer an error status. Validation fails a batch the way OpenAI
 * does: a bad line, a duplicate custom_id, the wrong url, over 50,000 lines.
 */
import type { FakeExchange } from '../shared/fake-server.ts';
import { stableId } from '../shared/ids.ts';
import { planReply } from '../shared/reply-plan.ts';
import { checkApiKey } from './auth.ts';
import { type OpenAIErrorResponse, openAIError } from './errors.ts';
import { isReasoningModel, type OpenAIModel, snapshotOf } from './models.ts';
import { toFakeRequestView } from './request-view.ts';
import { toChatCompletion } from './response.ts';
import { validateChatRequest } from './validate.ts';

export interface FakeBatchOptions {
  /** Time a batch spends `in_progress`; default 0. */
  processingMs?: number;
  /** This many next batches expire without answering any line. */
  expireNext?: number;
  /** A status other than 200 for a line, by its body (a 500 here is a per-line server error). */
  lineStatus?: (body: Record<string, unknown>) => number | undefined;
}

interface FakeFile {
  id: string;
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  content: string;
}

interface FakeBatch {
  id: string;
  input_file_id: string;
  endpoint: string;
  completion_window: string;
  metadata: Record<string, string> | null;
  status: string;
  createdMs: number;
  expire: boolean;
  object: Record<string, unknown>;
}

const MAX_LINES = 50_000;

export class FakeOpenAIBatches {
  readonly #files = new Map<string, FakeFile>();
  readonly #batches = new Map<string, FakeBatch>();
  readonly #options: FakeBatchOptions;
  readonly #keys: ReadonlySet<string> | undefined;
  readonly #catalogue: readonly OpenAIModel[];

  constructor(
    options: FakeBatchOptions,
    keys: ReadonlySet<string> | undefined,
    catalogue: readonly OpenAIModel[],
  ) {
    this.#options = options;
    this.#keys = keys;
    this.#catalogue = catalogue;
  }

  /** True when the path is one of this API's (and it answered). */
  handle(exchange: FakeExchange): boolean {
    const { method, path } = exchange;
    if (!path.startsWith('/v1/files') && !path.startsWith('/v1/batches')) return false;
    const headers = { 'x-request-id': `req_${exchange.ids.hex(32)}`, 'openai-version': '2020-10-01' };
    const send = (status: number, body: unknown) => exchange.sendJsonNow(status, body, headers);
    const fail = (error: OpenAIErrorResponse) => send(error.status, error.body);
    const authError = checkApiKey(exchange.req.headers.authorization, this.#keys);
    if (authError !== undefined) {
      fail(authError);
      return true;
    }
    const parts = path.split('/').filter((part) => part !== '');
    // ['v1', 'files' | 'batches', id?, action?]
    const [, kind, id, action] = parts;
    if (kind === 'files' && method === 'POST' && id === undefined) this.#upload(exchange, send, fail);
    else if (kind === 'files' && method === 'GET' && id !== undefined) {
      const file = this.#files.get(id);
      if (file === undefined) fail(openAIError(404, `No such File object: ${id}`, { param: 'id' }));
      else if (action === 'content') {
        exchange.res.writeHead(200, { 'content-type': 'application/octet-stream', ...headers });
        exchange.res.end(file.content);
      } else send(200, fileObject(file));
    } else if (kind === 'batches' && method === 'POST' && id === undefined)
      this.#create(exchange, send, fail);
    else if (kind === 'batches' && method === 'GET' && id === undefined) this.#list(exchange, send);
    else if (kind === 'batches' && id !== undefined) {
      const batch = this.#batches.get(id);
      if (batch === undefined)
        fail(openAIError(404, `No batch found with id '${id}'.`, { code: 'batch_not_found' }));
      else if (method === 'POST' && action === 'cancel') {
        this.#advance(batch, exchange);
        if (['validating', 'in_progress', 'finalizing'].includes(batch.status)) {
          batch.status = 'cancelling';
          batch.object.cancelling_at = seconds(exchange.now());
        }
        send(200, this.#view(batch));
      } else if (method === 'GET' && action === undefined) {
        this.#advance(batch, exchange);
        send(200, this.#view(batch));
      } else fail(openAIError(404, `Invalid URL (${method} ${path})`, { type: 'invalid_request_error' }));
    } else fail(openAIError(404, `Invalid URL (${method} ${path})`));
    return true;
  }

  #upload(
    exchange: FakeExchange,
    send: (s: number, b: unknown) => void,
    fail: (e: OpenAIErrorResponse) => void,
  ): void {
    const fields = parseMultipart(exchange.req.headers['content-type'], exchange.record.rawBody);
    if (fields === undefined) {
      fail(openAIError(400, 'Expected multipart/form-data.', { param: 'file' }));
      return;
    }
    const purpose = fields.get('purpose')?.content;
    const file = fields.get('file');
    if (file === undefined) {
      fail(openAIError(400, "'file' is a required property", { param: 'file' }));
      return;
    }
    if (purpose !== 'batch' && purpose !== 'fine-tune' && purpose !== 'assistants') {
      fail(
        openAIError(400, `'${purpose}' is not one of ['fine-tune', 'assistants', 'batch', …] - 'purpose'`, {
          param: 'purpose',
        }),
      );
      return;
    }
    const record: FakeFile = {
      id: exchange.ids.next('file-', 22),
      bytes: Buffer.byteLength(file.content),
      created_at: seconds(exchange.now()),
      filename: file.filename ?? 'file',
      purpose,
      content: file.content,
    };
    this.#files.set(record.id, record);
    send(200, fileObject(record));
  }

  #create(
    exchange: FakeExchange,
    send: (s: number, b: unknown) => void,
    fail: (e: OpenAIErrorResponse) => void,
  ): void {
    const body = exchange.body.kind === 'json' ? (exchange.body.value as Record<string, unknown>) : undefined;
    if (body === undefined || typeof body !== 'object' || body === null) {
      fail(openAIError(400, 'We could not parse the JSON body of your request.'));
      return;
    }
    const fileId = body.input_file_id;
    if (typeof fileId !== 'string') {
      fail(openAIError(400, "'input_file_id' is a required property", { param: 'input_file_id' }));
      return;
    }
    if (
      body.endpoint !== '/v1/chat/completions' &&
      body.endpoint !== '/v1/embeddings' &&
      body.endpoint !== '/v1/responses'
    ) {
      fail(openAIError(400, 'Invalid endpoint.', { param: 'endpoint' }));
      return;
    }
    if (body.completion_window !== '24h') {
      fail(
        openAIError(400, "Invalid 'completion_window': only '24h' is supported.", {
          param: 'completion_window',
        }),
      );
      return;
    }
    const file = this.#files.get(fileId);
    if (file === undefined) {
      fail(openAIError(404, `No such File object: ${fileId}`, { param: 'input_file_id' }));
      return;
    }
    const nowMs = exchange.now();
    const expire = (this.#options.expireNext ?? 0) > 0;
    if (expire) this.#options.expireNext = (this.#options.expireNext ?? 0) - 1;
    const id = exchange.ids.next('batch_', 24);
    const batch: FakeBatch = {
      id,
      input_file_id: fileId,
      endpoint: body.endpoint,
      completion_window: '24h',
      metadata: (body.metadata as Record<string, string> | undefined) ?? null,
      status: 'validating',
      createdMs: nowMs,
      expire,
      object: {
        id,
        object: 'batch',
        endpoint: body.endpoint,
        errors: null,
        input_file_id: fileId,
        completion_window: '24h',
        status: 'validating',
        output_file_id: null,
        error_file_id: null,
        created_at: seconds(nowMs),
        in_progress_at: null,
        expires_at: seconds(nowMs + 24 * 3_600_000),
        finalizing_at: null,
        completed_at: null,
        failed_at: null,
        expired_at: null,
        cancelling_at: null,
        cancelled_at: null,
        request_counts: { total: 0, completed: 0, failed: 0 },
        metadata: (body.metadata as Record<string, string> | undefined) ?? null,
      },
    };
    this.#batches.set(id, batch);
    send(200, this.#view(batch));
  }

  #list(exchange: FakeExchange, send: (s: number, b: unknown) => void): void {
    const limit = Math.min(100, Math.max(1, Number(exchange.record.query.get('limit') ?? 20) || 20));
    const after = exchange.record.query.get('after');
    const all = [...this.#batches.values()].reverse();
    const start = after === null ? 0 : all.findIndex((batch) => batch.id === after) + 1;
    const page = all.slice(start, start + limit);
    for (const batch of page) this.#advance(batch, exchange);
    send(200, {
      object: 'list',
      data: page.map((batch) => this.#view(batch)),
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
      has_more: start + limit < all.length,
    });
  }

  #view(batch: FakeBatch): Record<string, unknown> {
    return { ...batch.object, status: batch.status };
  }

  /** Moves the batch along its lifecycle as far as the clock allows. */
  #advance(batch: FakeBatch, exchange: FakeExchange): void {
    const nowMs = exchange.now();
    if (batch.status === 'validating') {
      const file = this.#files.get(batch.input_file_id);
      const problem = file === undefined ? undefined : validateInput(file.content, batch.endpoint);
      if (problem !== undefined) {
        batch.status = 'failed';
        batch.object.failed_at = seconds(nowMs);
        batch.object.errors = { object: 'list', data: [problem] };
        return;
      }
      batch.status = 'in_progress';
      batch.object.in_progress_at = seconds(nowMs);
      batch.object.request_counts = { total: countLines(file?.content ?? ''), completed: 0, failed: 0 };
    }
    if (batch.status === 'cancelling') {
      batch.status = 'cancelled';
      batch.object.cancelled_at = seconds(nowMs);
      return;
    }
    if (batch.status !== 'in_progress' || nowMs - batch.createdMs < (this.#options.processingMs ?? 0)) return;
    this.#run(batch, exchange);
  }

  #run(batch: FakeBatch, exchange: FakeExchange): void {
    const nowMs = exchange.now();
    const input = this.#files.get(batch.input_file_id)?.content ?? '';
    const output: string[] = [];
    const errors: string[] = [];
    for (const text of input.split('\n')) {
      if (text.trim() === '') continue;
      const line = JSON.parse(text) as { custom_id: string; body: Record<string, unknown> };
      const lineId = exchange.ids.next('batch_req_', 24);
      if (batch.expire) {
        errors.push(
          JSON.stringify({
            id: lineId,
            custom_id: line.custom_id,
            response: null,
            error: {
              code: 'batch_expired',
              message: 'This request could not be executed before the completion window expired.',
            },
          }),
        );
        continue;
      }
      const { status, body } = this.#answer(line.body, exchange);
      const record = JSON.stringify({
        id: lineId,
        custom_id: line.custom_id,
        response: { status_code: status, request_id: exchange.ids.hex(32), body },
        error: null,
      });
      (status === 200 ? output : errors).push(record);
    }
    const total = output.length + errors.length;
    const store = (lines: string[], kind: string): string | null => {
      if (lines.length === 0) return null;
      const file: FakeFile = {
        id: exchange.ids.next('file-', 22),
        bytes: 0,
        created_at: seconds(nowMs),
        filename: `${batch.id}_${kind}.jsonl`,
        purpose: 'batch_output',
        content: `${lines.join('\n')}\n`,
      };
      file.bytes = Buffer.byteLength(file.content);
      this.#files.set(file.id, file);
      return file.id;
    };
    batch.object.output_file_id = store(output, 'output');
    batch.object.error_file_id = store(errors, 'error');
    batch.object.request_counts = { total, completed: output.length, failed: errors.length };
    batch.object.finalizing_at = seconds(nowMs);
    if (batch.expire) {
      batch.status = 'expired';
      batch.object.expired_at = seconds(nowMs);
    } else {
      batch.status = 'completed';
      batch.object.completed_at = seconds(nowMs);
    }
  }

  #answer(body: Record<string, unknown>, exchange: FakeExchange): { status: number; body: unknown } {
    const forced = this.#options.lineStatus?.(body);
    if (forced !== undefined && forced !== 200)
      return {
        status: forced,
        body: openAIError(
          forced,
          forced >= 500 ? 'The server had an error processing your request.' : 'Invalid request.',
          {
            type: forced >= 500 ? 'server_error' : 'invalid_request_error',
          },
        ).body,
      };
    const reasoning = (model: string): boolean =>
      this.#catalogue.find((m) => m.id === model)?.reasoning ?? isReasoningModel(model);
    const validation = validateChatRequest(body, { reasoning });
    if (!validation.ok) return { status: validation.error.status, body: validation.error.body };
    const request = validation.request;
    const view = toFakeRequestView(request, reasoning(request.model));
    const replies = Array.from({ length: request.n }, (_, choiceIndex) =>
      planReply(view, undefined, { choiceIndex, toolCallId: () => exchange.ids.next('call_', 24) }),
    );
    return {
      status: 200,
      body: toChatCompletion(replies, {
        id: exchange.ids.next('chatcmpl-', 29),
        created: seconds(exchange.now()),
        model: snapshotOf(request.model, this.#catalogue),
        serviceTier: 'default',
        systemFingerprint: stableId('fp_', request.model, 10, '0123456789abcdef'),
        topLogprobs: request.logprobs ? request.topLogprobs : undefined,
      }),
    };
  }
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function fileObject(file: FakeFile): Record<string, unknown> {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: file.created_at,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    expires_at: null,
    status_details: null,
  };
}

function countLines(content: string): number {
  return content.split('\n').filter((line) => line.trim() !== '').length;
}

/** OpenAI's validation: the first problem, as an `errors.data` entry. */
function validateInput(content: string, endpoint: string): Record<string, unknown> | undefined {
  const seen = new Set<string>();
  let lineNo = 0;
  for (const text of content.split('\n')) {
    lineNo++;
    if (text.trim() === '') continue;
    if (lineNo > MAX_LINES)
      return {
        code: 'too_many_requests',
        message: `A batch may hold at most ${MAX_LINES} requests.`,
        param: null,
        line: lineNo,
      };
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return {
        code: 'invalid_json_line',
        message: 'This line is not parseable as valid JSON.',
        param: null,
        line: lineNo,
      };
    }
    if (typeof line.custom_id !== 'string')
      return {
        code: 'missing_required_parameter',
        message: "Missing required parameter: 'custom_id'.",
        param: 'custom_id',
        line: lineNo,
      };
    if (seen.has(line.custom_id))
      return {
        code: 'duplicate_custom_id',
        message: 'The custom_id for this request is a duplicate of another request.',
        param: 'custom_id',
        line: lineNo,
      };
    seen.add(line.custom_id);
    if (line.url !== endpoint)
      return {
        code: 'mismatched_endpoint',
        message: `The url for this request does not match the batch endpoint ${endpoint}.`,
        param: 'url',
        line: lineNo,
      };
    if (line.method !== 'POST' || typeof line.body !== 'object' || line.body === null)
      return {
        code: 'invalid_request',
        message: "Each request needs method 'POST' and a 'body' object.",
        param: 'body',
        line: lineNo,
      };
  }
  return undefined;
}

/** The fields of a multipart body (the fake reads the whole body anyway; text parts only). */
function parseMultipart(
  contentType: string | undefined,
  raw: string,
): Map<string, { filename: string | undefined; content: string }> | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const mark = boundary?.[1] ?? boundary?.[2];
  if (mark === undefined || !(contentType ?? '').toLowerCase().startsWith('multipart/form-data'))
    return undefined;
  const fields = new Map<string, { filename: string | undefined; content: string }>();
  for (const section of raw.split(`--${mark}`).slice(1)) {
    if (section.startsWith('--')) break;
    const headerEnd = section.indexOf('\r\n\r\n');
    if (headerEnd === -1) continue;
    const head = section.slice(0, headerEnd);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined) continue;
    const filename = /filename="([^"]*)"/i.exec(head)?.[1];
    let content = section.slice(headerEnd + 4);
    if (content.endsWith('\r\n')) content = content.slice(0, -2);
    fields.set(name, { filename, content });
  }
  return fields;
}
