/**
 * Classification of OpenAI's error envelope (docs/providers.md §1.9). OpenAI-compatible servers (vLLM,
 * Ollama, LM Studio, DeepSeek, Qwen) use the same envelope with looser contents, so every field is
 * optional here and the status code decides when the body says nothing useful.
 */
import { classifyStatus, failure, fallbackMessage, parseErrorBody } from '../shared/error-class.ts';
import type { HeaderBag } from '../shared/retry-after.ts';
import type { ErrorClass, UpstreamFailure } from '../types.ts';

interface OpenAIErrorObject {
  message?: unknown;
  type?: unknown;
  param?: unknown;
  code?: unknown;
}

export function classifyOpenAIError(status: number, headers: HeaderBag, bodyText: string): UpstreamFailure {
  const body = parseErrorBody(bodyText) as { error?: OpenAIErrorObject } | undefined;
  const error = body?.error;
  const message =
    typeof error?.message === 'string' && error.message !== ''
      ? error.message
      : fallbackMessage('upstream', status, bodyText);
  const code =
    typeof error?.code === 'string' ? error.code : typeof error?.type === 'string' ? error.type : null;
  const param = typeof error?.param === 'string' ? error.param : null;
  return failure(classifyOpenAIBody(status, code, message), status, message, headers, { code, param });
}

function classifyOpenAIBody(status: number, code: string | null, message: string): ErrorClass {
  // OpenAI: 400 context_length_exceeded; vLLM and others say it only in the message.
  if (
    code === 'context_length_exceeded' ||
    (status === 400 && /maximum context length|context window|too many tokens/i.test(message))
  ) {
    return 'context_length';
  }
  // OpenAI: 400 content_policy_violation; Azure OpenAI: content_filter.
  if (code === 'content_policy_violation' || code === 'content_filter') return 'content_filter';
  // OpenAI: 429 insufficient_quota never clears by waiting; it is an account problem like a bad key.
  if (code === 'insufficient_quota') return 'auth';
  return classifyStatus(status);
}

/** An in-band stream error (`data: {"error":{…}}`, docs/providers.md §1.7) as a classified failure. */
export function failureFromOpenAIErrorObject(parsed: unknown, status: number): UpstreamFailure {
  const error = (parsed as { error?: OpenAIErrorObject } | undefined)?.error;
  const message =
    typeof error?.message === 'string' ? error.message : 'upstream reported an error mid-stream';
  const code =
    typeof error?.code === 'string' ? error.code : typeof error?.type === 'string' ? error.type : null;
  const errorClass: ErrorClass =
    code === 'rate_limit_exceeded' ? 'rate_limited' : classifyOpenAIBody(500, code, message);
  return { errorClass, status, message, code, param: null, retryAfterMs: undefined };
}
