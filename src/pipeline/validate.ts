/**
 * Parse once, validate once. The first problem zod finds becomes the 400, with OpenAI's `param`
 * pointing at the offending field (`messages[1].content`), so a client sees what to fix.
 */
import { invalidJson, invalidRequest } from '../errors/codes.ts';
import type { GatewayError } from '../errors/gateway-error.ts';
import { type ChatRequest, chatRequestSchema, formatParam } from '../protocol/chat-request.ts';

export function parseChatRequest(body: Buffer): ChatRequest {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (cause) {
    throw invalidJson(cause instanceof Error ? cause.message : 'malformed JSON');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_type');
  }
  const result = chatRequestSchema.safeParse(json);
  if (!result.success) throw toRequestError(result.error.issues, json);
  const request = result.data;
  if (request.stream_options != null && request.stream !== true) {
    throw invalidRequest(
      "'stream_options' is only allowed when 'stream' is true.",
      'stream_options',
      'invalid_value',
    );
  }
  if (request.top_logprobs != null && request.logprobs !== true) {
    throw invalidRequest("'top_logprobs' requires 'logprobs' to be true.", 'top_logprobs', 'invalid_value');
  }
  return request;
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function toRequestError(issues: ReadonlyArray<Issue>, body: unknown): GatewayError {
  const issue = deepestIssue(issues);
  const param = formatParam(issue.path);
  const where = param === null ? 'the request' : `'${param}'`;
  if (issue.code === 'invalid_type' && valueAt(body, issue.path) === undefined) {
    return invalidRequest(`Missing required parameter: ${where}.`, param, 'missing_required_parameter');
  }
  return invalidRequest(`Invalid value for ${where}: ${issue.message}.`, param, 'invalid_value');
}

/** A union failure reports the branch that got furthest, which names the real culprit. */
function deepestIssue(issues: ReadonlyArray<Issue>): Issue {
  let best = issues[0] as Issue;
  for (const issue of issues) {
    const nested = (issue as { errors?: Issue[][] }).errors;
    if (nested !== undefined) {
      for (const branch of nested) {
        for (const inner of branch) {
          const candidate = { ...inner, path: [...issue.path, ...inner.path] };
          if (candidate.path.length > best.path.length) best = candidate;
        }
      }
    }
    if (issue.path.length > best.path.length) best = issue;
  }
  return best;
}
