/**
 * W3C Trace Context for upstream requests when tracing is on (`telemetry.otlp_endpoint`): each upstream
 * request carries `traceparent: 00-<trace id>-<its attempt's span id>-<flags>` (and the client's
 * `tracestate`), so a server that traces too (vLLM, TGI and other OpenAI-compatible servers emit spans)
 * joins the gateway's trace under the attempt's CLIENT span.
 *
 * No span exists while the request runs (tracing.ts builds them all after the response), so the ids are
 * chosen here first: the trace id (the client's, or a new one) and the request span's id when the first
 * attempt starts, each attempt's span id when it starts; tracing.ts then gives the spans these ids. This
 * file loads no OpenTelemetry code: it runs on the request path, only while tracing is on.
 */
import { randomFillSync } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { UpstreamRequest } from '../providers/types.ts';

export interface TraceContext {
  /** 32 lower-case hex digits: the client's trace, or a new one. */
  traceId: string;
  /** The request (SERVER) span's id, 16 hex digits. */
  serverSpanId: string;
  /** The client's span the request span continues; undefined when the trace starts here. */
  parentSpanId: string | undefined;
  /** Trace flags, 2 hex digits (`01`: sampled). */
  flags: string;
  /** The client's `tracestate`, passed on unchanged. */
  traceState: string | undefined;
}

// version-traceid-parentid-flags; a later version may append fields (W3C Trace Context §3.2.4).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The trace a request's spans go in: the client's `traceparent` continued when valid, else a new one. */
export function requestTraceContext(headers: IncomingHttpHeaders): TraceContext {
  const serverSpanId = newSpanId();
  const header = headers.traceparent;
  const match = typeof header === 'string' ? TRACEPARENT.exec(header.trim()) : null;
  if (match !== null) {
    const [, version, traceId, parentSpanId, flags, rest] = match as unknown as string[];
    const valid =
      version !== 'ff' &&
      (version !== '00' || rest === undefined) &&
      traceId !== ZERO_TRACE &&
      parentSpanId !== ZERO_SPAN;
    if (valid) {
      const state = headers.tracestate;
      return {
        traceId: traceId as string,
        serverSpanId,
        parentSpanId,
        flags: flags as string,
        traceState: typeof state === 'string' && state !== '' ? state : undefined,
      };
    }
  }
  // A trace that starts here is sampled: the tracer's sampler keeps every root span.
  return {
    traceId: randomHex(16),
    serverSpanId,
    parentSpanId: undefined,
    flags: '01',
    traceState: undefined,
  };
}

export function newSpanId(): string {
  return randomHex(8);
}

/** `request` with the trace headers for the attempt span `spanId`; the adapter's headers are left as they are. */
export function withTraceHeaders(
  request: UpstreamRequest,
  trace: TraceContext,
  spanId: string,
): UpstreamRequest {
  const headers: Record<string, string> = {
    ...request.headers,
    traceparent: `00-${trace.traceId}-${spanId}-${trace.flags}`,
  };
  if (trace.traceState !== undefined) headers.tracestate = trace.traceState;
  else delete headers.tracestate;
  return { ...request, headers };
}

// Entropy fetched 32 ids at a time, as request-id.ts does.
const pool = Buffer.alloc(512);
let offset = pool.length;

function randomHex(bytes: number): string {
  for (;;) {
    if (offset + bytes > pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const hex = pool.toString('hex', offset, offset + bytes);
    offset += bytes;
    // An all-zero id is invalid (W3C Trace Context §3.2.2.3, §3.2.2.4): draw again.
    if (/[^0]/.test(hex)) return hex;
  }
}
