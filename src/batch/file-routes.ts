/**
 * GET /v1/files (a tenant's files in OpenAI's list shape: `after`, `limit`, `order`, `purpose`) and
 * DELETE /v1/files/:id (OpenAI's deletion object). Deleting removes the record and the bytes; a job's
 * output or error file may go like any other, but an input file a job is still taking in may not: intake
 * reads it again after a restart.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidRequest } from '../errors/codes.ts';
import { pageLimitOf, queryOf, sendJson } from '../server/admin-http.ts';
import { fileObject } from './objects.ts';
import type { Caller } from './routes.ts';
import { ownFile } from './routes.ts';

/** OpenAI's own bound and default for a files page. */
const MAX_LIMIT = 10_000;

export async function listFiles(
  { tenant, service }: Caller,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<void> {
  const query = queryOf(req);
  const limit = pageLimitOf(query, MAX_LIMIT, MAX_LIMIT);
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc')
    throw invalidRequest("'order' must be 'asc' or 'desc'.", 'order', 'invalid_value');
  const files = await service.store.listFiles(tenant, {
    afterId: query.get('after') ?? undefined,
    limit: limit + 1,
    order,
    purpose: query.get('purpose') ?? undefined,
  });
  const page = files.slice(0, limit);
  sendJson(
    res,
    200,
    {
      object: 'list',
      data: page.map(fileObject),
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
      has_more: files.length > limit,
    },
    requestId,
  );
}

export async function deleteFile(
  { tenant, service }: Caller,
  _req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  id: string,
): Promise<void> {
  const file = await ownFile(service, tenant, id);
  if (await service.store.fileInUse(file.id))
    throw invalidRequest(
      `The file ${file.id} is the input of a batch still being validated; delete it once the batch is in progress.`,
      'file_id',
      'file_in_use',
    );
  // The record first: once it is gone the file is unreachable, and bytes left by a crash are only disk.
  await service.store.deleteFile(file.id);
  await service.files.remove(file.id);
  sendJson(res, 200, { id: file.id, object: 'file', deleted: true }, requestId);
}
