/**
 * Request bodies (issue 10): compressed uploads are decompressed with the size limit applied to what
 * they expand to; unknown encodings are refused, not read as JSON; a client that leaves mid-upload is
 * an UploadAbortedError, not an unexpected error.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import { readBody, UploadAbortedError } from '../../src/server/body.ts';

const LIMIT = 64 * 1024;
let server: Server;
let url: string;
/** What readBody settled with for each request, in arrival order. */
const outcomes: Array<{ ok: true; body: Buffer } | { ok: false; error: unknown }> = [];
let settled: (() => void) | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    readBody(req, LIMIT).then(
      (body) => {
        outcomes.push({ ok: true, body });
        res.end(JSON.stringify({ size: body.length }));
        settled?.();
      },
      (error: unknown) => {
        outcomes.push({ ok: false, error });
        const status = error instanceof GatewayError ? error.status : 599;
        res.writeHead(status, { connection: 'close' }).end(error instanceof GatewayError ? error.code : '');
        settled?.();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function upload(body: Buffer, encoding?: string): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (encoding !== undefined) headers['content-encoding'] = encoding;
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, text: await response.text() };
}

const json = Buffer.from(
  JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'hi'.repeat(500) }] }),
);

describe('readBody', () => {
  const encoders: Array<[string, (input: Buffer) => Buffer]> = [
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
    ['GZIP', gzipSync],
  ];
  for (const [name, encode] of encoders) {
    it(`decompresses a ${name} body`, async () => {
      const { status, text } = await upload(encode(json), name);
      expect(status).toBe(200);
      expect(JSON.parse(text)).toEqual({ size: json.length });
      const last = outcomes.at(-1);
      expect(last?.ok && last.body.equals(json)).toBe(true);
    });
  }

  it('reads identity as it is', async () => {
    expect((await upload(json, 'identity')).status).toBe(200);
  });

  it('refuses an unknown encoding with 415 instead of reading it as JSON', async () => {
    expect(await upload(json, 'compress')).toEqual({ status: 415, text: 'unsupported_content_encoding' });
    expect(await upload(gzipSync(json), 'gzip, br')).toEqual({
      status: 415,
      text: 'unsupported_content_encoding',
    });
  });

  it('answers 400 to a body that is not what its encoding says', async () => {
    expect(await upload(json, 'gzip')).toEqual({ status: 400, text: 'invalid_content_encoding' });
  });

  it('applies the limit to the decompressed size: a zip bomb is a 413 after at most the limit', async () => {
    // 64 MiB of zeros is ~64 KiB of gzip: small on the wire, a thousand times the limit unpacked.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(LIMIT * 2);
    expect(await upload(bomb, 'gzip')).toEqual({ status: 413, text: 'request_too_large' });
    expect(await upload(brotliCompressSync(Buffer.alloc(LIMIT + 1)), 'br')).toEqual({
      status: 413,
      text: 'request_too_large',
    });
  });

  it('rejects with UploadAbortedError when the client leaves mid-upload', async () => {
    for (const encoding of [undefined, 'gzip']) {
      const done = new Promise<void>((resolve) => {
        settled = resolve;
      });
      const headers: Record<string, string> = { 'content-length': '10000' };
      if (encoding !== undefined) headers['content-encoding'] = encoding;
      const req = request(`${url}/`, { method: 'POST', headers });
      req.on('error', () => {
        // Expected: we destroy this request ourselves.
      });
      req.write(encoding === undefined ? '{"model":' : gzipSync(json).subarray(0, 20), () => {
        setImmediate(() => req.destroy());
      });
      await done;
      settled = undefined;
      const last = outcomes.at(-1);
      expect(last?.ok).toBe(false);
      expect(last?.ok === false && last.error).toBeInstanceOf(UploadAbortedError);
      expect(last?.ok === false && (last.error as UploadAbortedError).refusal).toBeUndefined();
    }
  });
});
