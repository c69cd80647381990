/** The trace context sent upstream (observability audit item 7): W3C `traceparent` in and out. */
import { describe, expect, it } from 'vitest';
import { requestTraceContext, withTraceHeaders } from '../../src/observability/trace-context.ts';
import type { UpstreamRequest } from '../../src/providers/types.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('requestTraceContext', () => {
  it('continues a valid traceparent, its flags and tracestate', () => {
    const ids = requestTraceContext({ traceparent: `00-${TRACE}-${PARENT}-00`, tracestate: 'a=1,b=2' });
    expect(ids).toMatchObject({ traceId: TRACE, parentSpanId: PARENT, flags: '00', traceState: 'a=1,b=2' });
    expect(ids.serverSpanId).toMatch(/^[0-9a-f]{16}$/);
    expect(ids.serverSpanId).not.toBe('0'.repeat(16));
    // A later version may carry more fields.
    expect(requestTraceContext({ traceparent: `01-${TRACE}-${PARENT}-01-extra` }).traceId).toBe(TRACE);
  });

  it('starts a new, sampled trace for a missing or invalid traceparent, dropping its tracestate', () => {
    for (const traceparent of [
      undefined,
      'garbage',
      `ff-${TRACE}-${PARENT}-01`,
      `00-${'0'.repeat(32)}-${PARENT}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE}-${PARENT}-01-extra`,
      `00-${TRACE.toUpperCase()}-${PARENT}-01`,
    ]) {
      const ids = requestTraceContext({ traceparent, tracestate: 'a=1' });
      expect(ids.traceId, traceparent).toMatch(/^[0-9a-f]{32}$/);
      expect(ids.traceId, traceparent).not.toBe(TRACE);
      expect(ids).toMatchObject({ parentSpanId: undefined, flags: '01', traceState: undefined });
    }
  });
});

describe('withTraceHeaders', () => {
  it('adds traceparent for the attempt span without touching the adapter’s headers', () => {
    const headers = Object.freeze({ authorization: 'Bearer sk', tracestate: 'stale=1' });
    const request: UpstreamRequest = { method: 'POST', path: '/v1/chat/completions', headers, body: '{}' };
    const ids = requestTraceContext({ traceparent: `00-${TRACE}-${PARENT}-01` });
    const sent = withTraceHeaders(request, ids, 'b7ad6b7169203331');
    expect(sent.headers).toEqual({
      authorization: 'Bearer sk',
      traceparent: `00-${TRACE}-b7ad6b7169203331-01`,
    });
    expect(request.headers).toBe(headers);
    const withState = withTraceHeaders(request, { ...ids, traceState: 'a=1' }, 'b7ad6b7169203331');
    expect(withState.headers.tracestate).toBe('a=1');
  });
});
