/**
 * The one base for every error Switchyard answers with. It carries everything `respond.ts` needs to
 * write OpenAI's envelope, so no other stage formats errors.
 */
export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'timeout_error'
  | 'insufficient_quota';

export interface GatewayErrorInit {
  status: number;
  type: OpenAIErrorType;
  code: string;
  message: string;
  param?: string | null;
  retryAfterMs?: number;
  /** Extra response headers (e.g. OpenAI's x-ratelimit-* on a 429). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly code: string;
  readonly param: string | null;
  readonly retryAfterMs: number | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(init: GatewayErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'GatewayError';
    this.status = init.status;
    this.type = init.type;
    this.code = init.code;
    this.param = init.param ?? null;
    this.retryAfterMs = init.retryAfterMs;
    this.headers = init.headers;
  }

  toEnvelope(): { error: { message: string; type: string; param: string | null; code: string } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}
