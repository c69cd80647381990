/**
 * Parse once, validate once. The first problem zod finds becomes the 400, with OpenAI's `param`
 * pointing at the offending field (`messages[1].content`), so a client sees what to fix.
 *
 * Most requests are plain chat: text messages and a few scalar settings. `isPlainChatRequest` proves
 * those valid with a handful of typeof checks and the schema walk is skipped for them; anything else
 * (tools, images, nulls, a field it does not know) goes through zod as before. The fast path only
 * ever says "valid" for input zod also accepts with the same result, which
 * test/pipeline/validate.test.ts checks on generated requests. It saved about 5 µs of CPU a request
 * at c=50 (zod was ~4 % of the gateway's profile; docs/performance.md).
 *
 * Nesting is limited to MAX_JSON_DEPTH levels (issue 10): JSON.parse takes any depth, but the
 * recursive code after it (JSON.stringify of the upstream body, the schema converters) overflows the
 * stack somewhere past a few thousand, which was a 500. The depth is checked on the parsed value, so
 * it costs no second parse, and only for requests off the fast path: a plain request is at most three
 * levels deep by construction.
 */
import { invalidJson, invalidRequest, numberOutOfRange } from '../errors/codes.ts';
import type { GatewayError } from '../errors/gateway-error.ts';
import {
  type ChatRequest,
  chatRequestSchema,
  formatParam,
  MAX_MODEL_NAME_CHARS,
} from '../protocol/chat-request.ts';
import { checkJsonDepth } from '../protocol/json-depth.ts';

/** `body`: the bytes, or their UTF-8 text when the caller keeps it (the cache's key memo). */
export function parseChatRequest(body: Buffer | string): ChatRequest {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (cause) {
    throw invalidJson(cause instanceof Error ? cause.message : 'malformed JSON');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_type');
  }
  let request: ChatRequest;
  if (isPlainChatRequest(json)) request = json;
  else {
    checkJsonDepth(json);
    const result = chatRequestSchema.safeParse(json);
    if (!result.success) throw requestError(result.error.issues, json);
    request = result.data;
  }
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

type Check = (value: unknown) => boolean;

const isInt = (value: unknown): value is number => Number.isSafeInteger(value);
const inRange =
  (min: number, max: number): Check =>
  (value) =>
    typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

/** The top-level fields the fast path knows, each with the check chatRequestSchema applies to it. */
const plainFields: ReadonlyMap<string, Check> = new Map<string, Check>([
  ['model', (value) => typeof value === 'string' && value.length > 0 && value.length <= MAX_MODEL_NAME_CHARS],
  ['messages', (value) => Array.isArray(value) && value.length > 0 && value.every(isPlainMessage)],
  ['stream', (value) => typeof value === 'boolean'],
  [
    'stream_options',
    (value) => {
      if (!isRecord(value)) return false;
      for (const key in value) if (key !== 'include_usage' || typeof value[key] !== 'boolean') return false;
      return true;
    },
  ],
  ['max_tokens', (value) => isInt(value) && value > 0],
  ['max_completion_tokens', (value) => isInt(value) && value > 0],
  ['temperature', inRange(0, 2)],
  ['top_p', inRange(0, 1)],
  ['frequency_penalty', inRange(-2, 2)],
  ['presence_penalty', inRange(-2, 2)],
  ['n', (value) => isInt(value) && value >= 1 && value <= 128],
  ['seed', isInt],
  ['user', (value) => typeof value === 'string'],
]);

/** Roles whose message is valid with a string `content` and an optional string `name`, and nothing else. */
const plainRoles = new Set(['system', 'developer', 'user', 'assistant']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isPlainMessage(message: unknown): boolean {
  if (!isRecord(message) || !plainRoles.has(message.role as string)) return false;
  if (typeof message.content !== 'string') return false;
  for (const key in message) {
    if (key === 'role' || key === 'content') continue;
    if (key !== 'name' || typeof message.name !== 'string') return false;
  }
  return true;
}

/** True only for a request chatRequestSchema accepts unchanged; false means "ask zod", not "invalid". */
export function isPlainChatRequest(json: object): json is ChatRequest {
  const fields = json as Record<string, unknown>;
  if (typeof fields.model !== 'string' || fields.messages === undefined) return false;
  for (const key in fields) {
    const check = plainFields.get(key);
    if (check === undefined || !check(fields[key])) return false;
  }
  return true;
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  /** On `invalid_type`: the type zod wanted (`string`, `array`, `object`, `int`, …). */
  expected?: string;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/**
 * A schema's first problem as OpenAI words it, for every OpenAI-shaped endpoint (chat, embeddings,
 * responses): a missing field is `missing_required_parameter`, a wrong type `invalid_type`, anything
 * else `invalid_value`, each naming the field.
 */
export function requestError(issues: ReadonlyArray<Issue>, body: unknown): GatewayError {
  const issue = deepestIssue(issues);
  const param = formatParam(issue.path);
  const where = param === null ? 'the request' : `'${param}'`;
  if (issue.code === 'invalid_type') {
    const value = valueAt(body, issue.path);
    // JSON.parse reads 1e400 as Infinity, which zod calls the wrong type ("expected a number, but got
    // a number"); it is a number out of range.
    if (typeof value === 'number' && !Number.isFinite(value)) return numberOutOfRange(param);
    if (value === undefined)
      return invalidRequest(`Missing required parameter: ${where}.`, param, 'missing_required_parameter');
    if (issue.expected !== undefined) {
      // OpenAI's own wording and code for a value of the wrong type, which clients may match on.
      return invalidRequest(
        `Invalid type for ${where}: expected ${typeName(issue.expected)}, but got ${typeOf(value)} instead.`,
        param,
        'invalid_type',
      );
    }
  }
  const forms = typesOfUnion(issue);
  const value = valueAt(body, issue.path);
  if (forms !== undefined && value !== undefined)
    return invalidRequest(
      `Invalid type for ${where}: expected ${forms.join(' or ')}, but got ${typeOf(value)} instead.`,
      param,
      'invalid_type',
    );
  return invalidRequest(`Invalid value for ${where}: ${issue.message}.`, param, 'invalid_value');
}

/** The types a union accepts, when each alternative refused the value for its type alone. */
function typesOfUnion(issue: Issue): string[] | undefined {
  const branches = (issue as { errors?: Issue[][] }).errors;
  // A discriminated union whose discriminator matched nothing has no branches to name.
  if (issue.code !== 'invalid_union' || branches === undefined || branches.length === 0) return undefined;
  const forms = new Set<string>();
  for (const branch of branches) {
    const only = branch.length === 1 ? branch[0] : undefined;
    if (only?.code !== 'invalid_type' || only.path.length > 0 || only.expected === undefined)
      return undefined;
    forms.add(typeName(only.expected));
  }
  return [...forms];
}

const typeNames: Readonly<Record<string, string>> = {
  array: 'an array',
  object: 'an object',
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
};

function typeName(expected: string): string {
  return typeNames[expected] ?? expected;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (Number.isInteger(value)) return 'an integer';
  return typeNames[typeof value] ?? typeof value;
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
