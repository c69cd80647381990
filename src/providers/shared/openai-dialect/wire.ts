/**
 * OpenAI-shaped responses and chunks as the OpenAI dialects (Mistral, DeepSeek, Qwen) really send
 * them: every field may be missing or null, tool calls may lack `index`/`type` (Mistral, docs/providers.md
 * §4.3) or repeat `"id":""` (Qwen, §6.4), content may be an array of chunks (Mistral reasoning
 * models), and usage may ride on the finish chunk (Mistral, DeepSeek). The OpenAI SDK types describe
 * what we send; these describe what we must accept.
 */

/** A content chunk in an array-valued `content` (Mistral: `text`, `thinking`, `reference`, …). */
export interface DialectContentPart {
  type?: string;
  text?: string;
  /** Mistral `thinking` chunk: nested text chunks. */
  thinking?: Array<{ type?: string; text?: string }> | string;
  /** Mistral `thinking` chunk: opaque state to replay the reasoning on a later turn. */
  signature?: string | null;
}

export type DialectContent = string | DialectContentPart[] | null;

export interface DialectToolCall {
  index?: number | null;
  id?: string | null;
  type?: string | null;
  function?: {
    name?: string | null;
    /** A JSON string everywhere except Mistral, which may send the parsed object. */
    arguments?: string | Record<string, unknown> | null;
  } | null;
}

export interface DialectMessage {
  role?: string | null;
  content?: DialectContent;
  reasoning_content?: string | null;
  refusal?: string | null;
  tool_calls?: DialectToolCall[] | null;
}

export interface DialectChoice {
  index?: number | null;
  message?: DialectMessage | null;
  finish_reason?: string | null;
  logprobs?: unknown;
}

export interface DialectCompletion {
  id?: string | null;
  object?: string | null;
  created?: number | null;
  model?: string | null;
  choices?: DialectChoice[] | null;
  usage?: Record<string, unknown> | null;
  system_fingerprint?: string | null;
}

export interface DialectChunkChoice {
  index?: number | null;
  delta?: DialectMessage | null;
  finish_reason?: string | null;
  logprobs?: unknown;
}

export interface DialectChunk {
  id?: string | null;
  object?: string | null;
  created?: number | null;
  model?: string | null;
  choices?: DialectChunkChoice[] | null;
  usage?: Record<string, unknown> | null;
  /** OpenAI, DeepSeek and Qwen report a failure inside a 200 stream as `{"error":{…}}`. */
  error?: unknown;
}
