import { describe, expect, it } from 'vitest';
import { completionIdFor, requestIdFor } from '../../src/server/request-id.ts';

describe('completionIdFor', () => {
  it('shares the random part of a request id we generated', () => {
    const requestId = requestIdFor(undefined);
    expect(completionIdFor(requestId, undefined)).toBe(`chatcmpl-${requestId.slice(4)}`);
  });

  // Issue 10: a client's x-request-id became the completion id, so two requests could share one.
  it('is unique per request when the client chose the request id, even one shaped like ours', () => {
    for (const incoming of ['trace-42', 'req_0123456789abcdef0123456789abcdef']) {
      const requestId = requestIdFor(incoming);
      expect(requestId).toBe(incoming);
      const first = completionIdFor(requestId, incoming);
      const second = completionIdFor(requestId, incoming);
      expect(first).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
      expect(second).not.toBe(first);
    }
  });
});
