/**
 * A job's intake: its input file read line by line (never whole), each line checked the way a live
 * request is (the chat schema, the model resolved like a live request, the tenant's allow-list, then
 * the tenant's input guard: batch/guard.ts) and written to the store as a queued line (as the guard
 * left it), or as a failed one whose error-file line names the line number. Lines go in in slices of
 * about half a millisecond, one transaction each, and the next slice waits for a quiet moment
 * (src/server/background-turn.ts), so live requests do not wait behind a 50,000-line job. Running
 * intake again for the same job (after a crash) inserts nothing twice: lines are keyed by job and line
 * number.
 */
import { type CompiledTenant, resolveModel, type Snapshot } from '../config/compile.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { GuardVerdict } from '../guardrails/verdict.ts';
import type { Logger } from '../observability/logger.ts';
import { parseChatRequest } from '../pipeline/validate.ts';
import type { ChatRequest } from '../protocol/chat-request.ts';
import { checkJsonDepth } from '../protocol/json-depth.ts';
import type { BatchJobRecord, BatchStore, NewBatchLine } from '../store/batch-types.ts';
import { backgroundTurn, sliceEnd } from '../server/background-turn.ts';
import { hasBatchApi } from './upstream.ts';
import { errorLine } from './objects.ts';
import type { FileStore } from './file-store.ts';
import { guardLineRequest } from './guard.ts';

/**
 * At most this many lines go in one transaction; a slice usually ends sooner, after SLICE_MS of work
 * (~25 lines at ~20 µs a line with the insert).
 */
const MAX_CHUNK_LINES = 200;
const MAX_CUSTOM_ID = 512;

type Parsed =
  | { customId: string; target: string; request: string }
  | { customId: string | null; code: string; message: string };

export async function runIntake(options: {
  job: BatchJobRecord;
  tenant: CompiledTenant | undefined;
  snapshot: () => Snapshot;
  store: BatchStore;
  files: FileStore;
  now: () => number;
  /** Checked before each chunk: a job cancelled during intake stops taking lines. */
  proceed: () => Promise<boolean>;
  /** Where the input guard's verdicts on a line are logged (a live request's go in its log line). */
  logger?: Logger;
}): Promise<boolean> {
  const { job, store } = options;
  const seen = new Set<string>();
  let chunk: NewBatchLine[] = [];
  let sliceDeadline = sliceEnd();
  for await (const { lineNo, text } of options.files.lines(job.inputFileId)) {
    if (text.trim() === '') continue;
    const verdicts: GuardVerdict[] = [];
    const parsed = parseLine(text, lineNo, job.endpoint, options.snapshot(), options.tenant, verdicts);
    if (verdicts.length > 0)
      options.logger?.info(
        {
          batch_id: job.id,
          line: lineNo,
          custom_id: parsed.customId,
          tenant: job.tenant,
          guardrails: verdicts,
        },
        'batch line guarded',
      );
    const nowMs = options.now();
    if ('target' in parsed && seen.has(parsed.customId)) {
      chunk.push(
        failed(
          job,
          lineNo,
          parsed.customId,
          'duplicate_custom_id',
          `Line ${lineNo}: the custom_id '${parsed.customId}' is used by an earlier line of this file.`,
          nowMs,
        ),
      );
    } else if ('target' in parsed) {
      seen.add(parsed.customId);
      chunk.push({
        jobId: job.id,
        tenant: job.tenant,
        lineNo,
        customId: parsed.customId,
        target: parsed.target,
        request: parsed.request,
        status: 'queued',
        result: null,
        queuedAt: nowMs,
      });
    } else {
      chunk.push(
        failed(job, lineNo, parsed.customId, parsed.code, `Line ${lineNo}: ${parsed.message}`, nowMs),
      );
    }
    if (chunk.length >= MAX_CHUNK_LINES || performance.now() >= sliceDeadline) {
      if (!(await options.proceed())) return false;
      await store.insertLines(chunk);
      chunk = [];
      await backgroundTurn();
      sliceDeadline = sliceEnd();
    }
  }
  if (!(await options.proceed())) return false;
  await store.insertLines(chunk);
  return true;
}

function failed(
  job: BatchJobRecord,
  lineNo: number,
  customId: string | null,
  code: string,
  message: string,
  nowMs: number,
): NewBatchLine {
  return {
    jobId: job.id,
    tenant: job.tenant,
    lineNo,
    // A line whose custom_id could not be read still needs a row; its error line carries null.
    customId: customId ?? '',
    target: null,
    request: null,
    status: 'failed',
    result: errorLine(customId, code, message),
    queuedAt: nowMs,
  };
}

/**
 * One input line → its target and request (as the input guard left it), or the error its error-file
 * line reports.
 */
export function parseLine(
  text: string,
  lineNo: number,
  endpoint: string,
  snapshot: Snapshot,
  tenant: CompiledTenant | undefined,
  /** Receives the input guard's verdicts on the line, for the log. */
  verdicts: GuardVerdict[] = [],
): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      customId: null,
      code: 'invalid_json_line',
      message: `not valid JSON (${(error as Error).message}).`,
    };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { customId: null, code: 'invalid_json_line', message: 'a line must be a JSON object.' };
  const line = value as Record<string, unknown>;
  const customId = line.custom_id;
  if (typeof customId !== 'string' || customId === '' || customId.length > MAX_CUSTOM_ID)
    return {
      customId: null,
      code: 'invalid_custom_id',
      message: `'custom_id' must be a string of 1 to ${MAX_CUSTOM_ID} characters.`,
    };
  if (line.method !== 'POST')
    return { customId, code: 'invalid_method', message: `'method' must be "POST" (line ${lineNo}).` };
  if (line.url !== endpoint)
    return { customId, code: 'invalid_url', message: `'url' must be "${endpoint}", the batch's endpoint.` };
  const body = line.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return { customId, code: 'invalid_body', message: "'body' must be a chat completion request object." };
  let request: string;
  let parsed: ChatRequest;
  try {
    // Before JSON.stringify, which recurses: a body nested past the limit is this line's error (400
    // nesting_too_deep, as the live endpoint answers), never a stack overflow that fails the batch.
    checkJsonDepth(body);
    request = JSON.stringify(body);
    parsed = parseChatRequest(Buffer.from(request));
    if (parsed.stream === true)
      return { customId, code: 'invalid_body', message: "'stream' is not supported in a batch." };
  } catch (error) {
    if (error instanceof GatewayError) return { customId, code: error.code, message: error.message };
    // Whatever else one line's body does, it fails that line only: the batch's other lines are
    // accepted, and some may be running already.
    return {
      customId,
      code: 'invalid_body',
      message: `the request body could not be read (${String(error)}).`,
    };
  }
  const model = parsed.model;
  const resolved = resolveModel(snapshot, model);
  if (resolved === undefined)
    return {
      customId,
      code: 'model_not_found',
      message: `the model '${model}' does not exist on this gateway.`,
    };
  if (tenant?.models !== undefined && !tenant.models.has(model))
    return { customId, code: 'model_not_allowed', message: `your key may not use the model '${model}'.` };
  // The tenant's input guard, as live: a refusal fails the line, a stripped or demoted request is stored.
  let guarded: ChatRequest;
  try {
    guarded = guardLineRequest(snapshot, tenant, parsed, verdicts);
  } catch (error) {
    if (error instanceof GatewayError) return { customId, code: error.code, message: error.message };
    throw error;
  }
  if (guarded !== parsed) request = JSON.stringify(guarded);
  // A target with a batch API (and its discount) wins; otherwise the route's first target, served live.
  const target = resolved.targets.find((t) => hasBatchApi(t.provider.type)) ?? resolved.targets[0];
  if (target === undefined)
    return { customId, code: 'model_not_found', message: `the model '${model}' has no target.` };
  return { customId, target: `${target.provider.name}/${target.adapterTarget.model}`, request };
}
