/**
 * The routes of the client protocols other than Chat Completions (docs/design.md §1): each runs the one
 * pipeline (pipeline/run.ts) through its front (src/fronts/). Registered in gateway.ts with one spread.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { embeddingsFront } from '../embeddings/front.ts';
import { anthropicMessagesFront } from '../fronts/anthropic-messages/index.ts';
import { responsesFront } from '../fronts/responses/index.ts';
import type { Front } from '../fronts/types.ts';
import type { RequestContext } from '../pipeline/context.ts';
import { handleFrontRequest } from '../pipeline/run.ts';
import type { Services } from '../pipeline/services.ts';

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  startedAt: number,
) => Promise<void>;

export type ContextFactory = (
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  startedAt: number,
) => RequestContext;

export function frontRoutes(
  newContext: ContextFactory,
  services: Services,
): Record<string, Record<string, Handler>> {
  const handler =
    (front: Front): Handler =>
    (req, res, requestId, startedAt) =>
      handleFrontRequest(newContext(req, res, requestId, startedAt), services, front);
  const messages = handler(anthropicMessagesFront);
  return {
    '/v1/messages': { POST: messages },
    '/v1/responses': { POST: handler(responsesFront) },
    '/v1/embeddings': { POST: handler(embeddingsFront) },
  };
}
