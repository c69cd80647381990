/**
 * The OpenAI-compatible Files and Batch API routes (docs/design.md §1, docs/providers.md §1.12):
 *
 *   POST /v1/files                  multipart (file, purpose=batch) → File
 *   GET  /v1/files                  ?after=&limit=&order=&purpose= → list (file-routes.ts)
 *   GET  /v1/files/:id              File          GET /v1/files/:id/content   the JSONL bytes
 *   DELETE /v1/files/:id            → {id, object: "file", deleted: true} (file-routes.ts)
 *   POST /v1/batches                {input_file_id, endpoint, completion_window, metadata?} → Batch
 *   GET  /v1/batches                ?after=&limit= → list      GET /v1/batches/:id → Batch
 *   POST /v1/batches/:id/cancel     → Batch (cancelling, then cancelled)
 *
 * Each authenticates with the virtual key like a chat completion; a tenant sees only its own files
 * and batches (anyone else's is a 404, exactly like an id that does not exist).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { Snapshot } from '../config/compile.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import {
  batchesUnavailable,
  batchNotCancellable,
  batchNotFound,
  fileNotFound,
  invalidRequest,
} from '../errors/codes.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { authenticate } from '../pipeline/auth.ts';
import { RequestContext } from '../pipeline/context.ts';
import { writeErrorResponse } from '../pipeline/respond.ts';
import { pageLimitOf, queryOf, readJsonBody, sendJson } from '../server/admin-http.ts';
import type { BatchFileRecord, BatchJobRecord } from '../store/batch-types.ts';
import { isFileId, isMissingBytes } from './file-store.ts';
import { batchObject, fileObject } from './objects.ts';
import { attachmentDisposition } from '../server/content-disposition.ts';
import type { BatchService } from './service.ts';
import { receiveUpload } from './upload.ts';
import { deleteFile, listFiles } from './file-routes.ts';

/** The tenant of single-user mode (no tenants configured): everything belongs to it. */
export const SINGLE_USER_TENANT = '';

type Handler = (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>;
type IdHandler = (req: IncomingMessage, res: ServerResponse, requestId: string, id: string) => Promise<void>;

export interface Caller {
  ctx: RequestContext;
  tenant: string;
  service: BatchService;
}

// Strict: a field this gateway would not honour (output_expires_after, say) is refused, not dropped.
const CreateBatchBody = z.strictObject({
  input_file_id: z.string().min(1).max(200),
  endpoint: z.string(),
  completion_window: z.string(),
  metadata: z.record(z.string().max(64), z.string().max(512)).nullable().optional(),
});

export function batchRoutes(
  snapshot: () => Snapshot,
  controlPlane: ControlPlane,
  service: () => BatchService | undefined,
): { exact: Record<string, Record<string, Handler>>; prefixed: Record<string, Record<string, IdHandler>> } {
  const route =
    (
      handler: (
        caller: Caller,
        req: IncomingMessage,
        res: ServerResponse,
        requestId: string,
        id: string,
      ) => Promise<void>,
    ): IdHandler =>
    async (req, res, requestId, id) => {
      try {
        const ctx = new RequestContext(requestId, snapshot(), req, res, performance.now());
        authenticate(ctx, controlPlane.keys);
        const batches = service();
        if (batches === undefined) throw batchesUnavailable('no store is open (the `store` setting).');
        await handler(
          { ctx, tenant: ctx.tenant?.name ?? SINGLE_USER_TENANT, service: batches },
          req,
          res,
          requestId,
          id,
        );
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        req.resume();
        if (!res.headersSent) writeErrorResponse(res, error, requestId);
        else res.destroy();
      }
    };
  const exact = (handler: Parameters<typeof route>[0]): Handler => {
    const bound = route(handler);
    return (req, res, requestId) => bound(req, res, requestId, '');
  };
  return {
    exact: {
      '/v1/files': { POST: exact(uploadFile), GET: exact(listFiles) },
      '/v1/batches': { POST: exact(createBatch), GET: exact(listBatches) },
    },
    prefixed: {
      '/v1/files/:id': { GET: route(getFile), DELETE: route(deleteFile) },
      '/v1/files/:id/content': { GET: route(getFileContent) },
      '/v1/batches/:id': { GET: route(getBatch) },
      '/v1/batches/:id/cancel': { POST: route(cancelBatch) },
    },
  };
}

async function uploadFile(
  { tenant, service, ctx }: Caller,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<void> {
  const record = await receiveUpload(req, service.files, ctx.snapshot.config.batch, tenant, service.now);
  await service.store.insertFile(record);
  sendJson(res, 200, fileObject(record), requestId);
}

export async function ownFile(service: BatchService, tenant: string, id: string): Promise<BatchFileRecord> {
  const file = isFileId(id) ? await service.store.getFile(id) : undefined;
  if (file === undefined || file.tenant !== tenant) throw fileNotFound(id);
  return file;
}

async function getFile(
  { tenant, service }: Caller,
  _req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  id: string,
): Promise<void> {
  sendJson(res, 200, fileObject(await ownFile(service, tenant, id)), requestId);
}

async function getFileContent(
  { tenant, service }: Caller,
  _req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  id: string,
): Promise<void> {
  const file = await ownFile(service, tenant, id);
  const size = await contentSize(service, file.id, 'file_id');
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': String(size),
    'content-disposition': attachmentDisposition(file.filename),
    'x-request-id': requestId,
  });
  await pipeline(service.files.read(file.id), res).catch(() => res.destroy());
}

/** The size of a file's bytes; a clear 404 when they are not in this instance's `files_dir`. */
async function contentSize(service: BatchService, fileId: string, param: string): Promise<number> {
  try {
    return await service.files.size(fileId);
  } catch (error) {
    if (isMissingBytes(error)) throw service.missingBytes(fileId, param);
    throw error;
  }
}

async function createBatch(
  { ctx, tenant, service }: Caller,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<void> {
  const { value } = await readJsonBody(req);
  const parsed = CreateBatchBody.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const unknownKey = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const param = unknownKey ?? (issue?.path.join('.') || null);
    throw invalidRequest(`Invalid batch request: ${param ?? 'body'}: ${issue?.message ?? 'invalid'}.`, param);
  }
  const body = parsed.data;
  if (body.endpoint !== '/v1/chat/completions')
    throw invalidRequest(
      `This gateway batches '/v1/chat/completions' only, not '${body.endpoint}'.`,
      'endpoint',
      'unsupported_endpoint',
    );
  if (body.completion_window !== '24h')
    throw invalidRequest('\'completion_window\' must be "24h".', 'completion_window', 'invalid_value');
  if (body.metadata != null && Object.keys(body.metadata).length > 16)
    throw invalidRequest("'metadata' holds at most 16 keys.", 'metadata', 'invalid_value');
  const file = await ownFile(service, tenant, body.input_file_id);
  if (file.purpose !== 'batch')
    throw invalidRequest(
      `The file ${file.id} was not uploaded with purpose "batch".`,
      'input_file_id',
      'invalid_value',
    );
  // Intake reads the bytes later: a file this instance cannot read is refused now, not failed later.
  await contentSize(service, file.id, 'input_file_id');
  const job = await service.createJob({
    tenant,
    compiledTenant: ctx.tenant,
    keyId: ctx.keyId,
    inputFileId: file.id,
    endpoint: body.endpoint,
    completionWindow: body.completion_window,
    metadata: body.metadata ?? null,
  });
  sendJson(
    res,
    200,
    batchObject(job, { total: 0, succeeded: 0, failed: 0, cancelled: 0, pending: 0 }),
    requestId,
  );
}

async function ownJob(service: BatchService, tenant: string, id: string): Promise<BatchJobRecord> {
  const job = await service.store.getJob(id);
  if (job === undefined || job.tenant !== tenant) throw batchNotFound(id);
  return job;
}

async function respondJob(
  service: BatchService,
  job: BatchJobRecord,
  res: ServerResponse,
  requestId: string,
): Promise<void> {
  sendJson(res, 200, batchObject(job, await service.store.jobLineCounts(job.id)), requestId);
}

async function getBatch(
  { tenant, service }: Caller,
  _req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  id: string,
): Promise<void> {
  await respondJob(service, await ownJob(service, tenant, id), res, requestId);
}

async function cancelBatch(
  { tenant, service }: Caller,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  id: string,
): Promise<void> {
  req.resume();
  const job = await ownJob(service, tenant, id);
  if (!(await service.cancelJob(job))) throw batchNotCancellable(job.id, job.status);
  await respondJob(service, await ownJob(service, tenant, id), res, requestId);
}

async function listBatches(
  { tenant, service }: Caller,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<void> {
  const query = queryOf(req);
  const limit = pageLimitOf(query, 100, 20);
  const after = query.get('after') ?? undefined;
  const jobs = await service.store.listJobs(tenant, after, limit + 1);
  const page = jobs.slice(0, limit);
  const data = [];
  for (const job of page) data.push(batchObject(job, await service.store.jobLineCounts(job.id)));
  sendJson(
    res,
    200,
    {
      object: 'list',
      data,
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
      has_more: jobs.length > limit,
    },
    requestId,
  );
}
