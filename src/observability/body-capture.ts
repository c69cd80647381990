/**
 * Request and response bodies in the stored request log, only for tenants that opted in
 * (`logging.store_bodies_for`), truncated to `logging.body_max_bytes` and scrubbed of secrets first:
 * the gateway's own provider keys (pipeline/secret-scrubber.ts) and anything shaped like a credential a
 * user may have pasted into a prompt (API keys, bearer tokens, AWS keys, JWTs, private key blocks).
 * Built after the response has ended; a stream's chunks are kept (up to the bound) only for those tenants.
 */
import type { Config } from '../config/schema.ts';
import type { RequestContext } from '../pipeline/context.ts';
import { REDACTED, scrubberFor } from '../pipeline/secret-scrubber.ts';

/** Credential shapes, whatever their owner: scrubbed before a body is stored. */
const CREDENTIAL_SHAPES = new RegExp(
  [
    // OpenAI, Anthropic, Switchyard virtual keys and the like: a prefix and a long token.
    String.raw`\b(?:sk|pk|rk|sy)-[A-Za-z0-9_-]{16,}`,
    String.raw`\bAIza[0-9A-Za-z_-]{30,}`,
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
    String.raw`\bgh[pousr]_[A-Za-z0-9]{30,}`,
    String.raw`\bxox[abprs]-[A-Za-z0-9-]{10,}`,
    String.raw`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`,
    String.raw`(?<=\b[Bb]earer\s+)[A-Za-z0-9._~+/=-]{12,}`,
    String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`,
  ].join('|'),
  'g',
);

export function scrubCredentials(text: string): string {
  return text.replace(CREDENTIAL_SHAPES, REDACTED);
}

/** `text` cut to at most `maxBytes` of UTF-8 (never inside a character), with a note of what was cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return text;
  const buffer = Buffer.from(text);
  let end = maxBytes;
  // Back up over UTF-8 continuation bytes (10xxxxxx) so the cut falls between characters.
  while (end > 0 && ((buffer[end] as number) & 0xc0) === 0x80) end--;
  return `${buffer.subarray(0, end).toString('utf8')}…[truncated ${bytes - end} bytes]`;
}

const bodyTenants = new WeakMap<Config, ReadonlySet<string>>();

/** Whether this request's bodies are stored: its tenant opted in. A WeakMap and a Set lookup. */
export function capturesBodies(ctx: RequestContext): boolean {
  const tenant = ctx.tenant;
  if (tenant === undefined) return false;
  const config = ctx.snapshot.config;
  let names = bodyTenants.get(config);
  if (names === undefined) {
    names = new Set(config.logging.store_bodies_for);
    bodyTenants.set(config, names);
  }
  return names.size > 0 && names.has(tenant.name);
}

/** Keeps a streamed chunk for the stored body until the bound is reached (opted-in tenants only). */
export function captureChunk(ctx: RequestContext, json: string): void {
  if (ctx.streamTextBytes > ctx.snapshot.config.logging.body_max_bytes) return;
  ctx.streamText.push(json);
  ctx.streamTextBytes += json.length;
}

export function storedBodies(ctx: RequestContext): { request: string | null; response: string | null } {
  if (!ctx.captureBodies) return { request: null, response: null };
  const maxBytes = ctx.snapshot.config.logging.body_max_bytes;
  const scrubber = scrubberFor(ctx.snapshot);
  const clean = (text: string) => truncateUtf8(scrubCredentials(scrubber.scrub(text)), maxBytes);
  const request = ctx.request === undefined ? null : clean(JSON.stringify(ctx.request));
  const response =
    ctx.responseText !== null
      ? clean(ctx.responseText)
      : ctx.streamText.length > 0
        ? clean(ctx.streamText.join('\n'))
        : null;
  return { request, response };
}
