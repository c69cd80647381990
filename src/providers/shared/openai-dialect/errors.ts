/**
 * Reading the error bodies of the OpenAI dialects, which share OpenAI's field names but not its
 * envelope: DeepSeek and Qwen wrap them in `{"error":{…}}` (Qwen adds a top-level `request_id`),
 * Mistral puts them at the top level with `"object":"error"` and may make `message` an object holding
 * FastAPI's `detail[]`, and Mistral's validation and gateway layers answer `{"detail":[…]}` or
 * `{"message":"…"}` alone (docs/providers.md §4.4, §5.4, §6.5). Each provider's `classify…Error` matches its
 * own codes against what this returns and falls back to the status table.
 */
import { fallbackMessage, parseErrorBody } from '../error-class.ts';

export interface DialectErrorFields {
  /** Human-readable, safe to show the client. */
  message: string;
  /** The provider's `code`, else its `type`: what classification tables match on. */
  code: string | null;
  type: string | null;
  param: string | null;
}

export function readDialectError(provider: string, status: number, bodyText: string): DialectErrorFields {
  return readDialectErrorValue(provider, status, parseErrorBody(bodyText), bodyText);
}

export function readDialectErrorValue(
  provider: string,
  status: number,
  body: unknown,
  bodyText = '',
): DialectErrorFields {
  const record = isRecord(body) ? body : undefined;
  const inner = record !== undefined && isRecord(record.error) ? record.error : record;
  const type = stringOrNull(inner?.type);
  const rawCode = inner?.code;
  const code =
    typeof rawCode === 'string' && rawCode !== ''
      ? rawCode
      : typeof rawCode === 'number'
        ? String(rawCode)
        : type;
  const param = stringOrNull(inner?.param);
  let message =
    messageOf(inner?.message) ??
    detailMessage(inner?.detail) ??
    (typeof record?.error === 'string' ? record.error : undefined);
  if (message === undefined || message === '') message = fallbackMessage(provider, status, bodyText);
  return { message, code, type, param };
}

function messageOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  // Mistral: `"message": {"detail": [{"type":"extra_forbidden","loc":["body","x"],"msg":"…"}]}`.
  if (isRecord(value)) return detailMessage(value.detail);
  return undefined;
}

/** FastAPI validation detail: `[{"loc":["body","max_completion_tokens"],"msg":"Extra inputs are not permitted"}]`. */
function detailMessage(detail: unknown): string | undefined {
  if (typeof detail === 'string') return detail;
  if (!Array.isArray(detail) || detail.length === 0) return undefined;
  const parts: string[] = [];
  for (const item of detail) {
    if (!isRecord(item)) continue;
    const loc = Array.isArray(item.loc) ? item.loc.filter((p) => p !== 'body').join('.') : '';
    const msg = typeof item.msg === 'string' ? item.msg : 'invalid';
    parts.push(loc === '' ? msg : `${loc}: ${msg}`);
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
