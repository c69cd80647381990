/**
 * The JSON object a request body must be, for the endpoints that parse their body with a schema (the
 * fronts, embeddings): a clear 400 for malformed JSON or another JSON type, and the nesting and number
 * limits of issue 10 (json-depth.ts), so no body reaches code that recurses over it unbounded.
 */
import { invalidJson, invalidRequest } from '../errors/codes.ts';
import { checkJsonDepth } from './json-depth.ts';

export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (cause) {
    throw invalidJson(cause instanceof Error ? cause.message : 'malformed JSON');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_type');
  checkJsonDepth(json);
  return json as Record<string, unknown>;
}
