/**
 * The aggregator's calls to a provider, on the provider's own connection pool. Answers are small JSON
 * except result files, which are read as a stream of lines.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { CompiledProvider } from '../config/compile.ts';
import type { UpstreamRequest } from '../providers/types.ts';

const CALL_TIMEOUT_MS = 120_000;

export class UpstreamHttpError extends Error {
  readonly status: number;
  readonly body: string;
  constructor(provider: string, request: UpstreamRequest, status: number, body: string) {
    super(
      `${provider} answered ${status} to ${request.method} ${request.path.split('?')[0]}: ${body.slice(0, 300)}`,
    );
    this.status = status;
    this.body = body;
  }
}

async function dispatch(provider: CompiledProvider, request: UpstreamRequest) {
  return provider.pool.request({
    method: request.method,
    path: request.path,
    headers: request.headers,
    body: request.body,
    headersTimeout: CALL_TIMEOUT_MS,
    bodyTimeout: CALL_TIMEOUT_MS,
  });
}

/** The JSON answer of a 2xx; throws UpstreamHttpError for any other status. */
export async function callJson(provider: CompiledProvider, request: UpstreamRequest): Promise<unknown> {
  const response = await dispatch(provider, request);
  const text = await response.body.text();
  if (response.statusCode < 200 || response.statusCode >= 300)
    throw new UpstreamHttpError(provider.name, request, response.statusCode, text);
  return JSON.parse(text) as unknown;
}

/** The raw answer, any status (the live path classifies failures itself). */
export async function callText(
  provider: CompiledProvider,
  request: UpstreamRequest,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const response = await dispatch(provider, request);
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/** A 2xx body read line by line (result files can be large). */
export async function* callLines(
  provider: CompiledProvider,
  request: UpstreamRequest,
): AsyncGenerator<string> {
  const response = await dispatch(provider, request);
  if (response.statusCode < 200 || response.statusCode >= 300)
    throw new UpstreamHttpError(provider.name, request, response.statusCode, await response.body.text());
  const reader = createInterface({
    input: response.body as unknown as Readable,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  try {
    for await (const line of reader) if (line.trim() !== '') yield line;
  } finally {
    reader.close();
    response.body.destroy();
  }
}
