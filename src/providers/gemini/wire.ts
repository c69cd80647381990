/**
 * Gemini's REST wire types (docs/providers.md §3), built from `@google/genai`'s exported types so `tsc`
 * catches a field Gemini does not have. Two adjustments are needed:
 * - the SDK declares enum fields (`finishReason`, `mode`, `thinkingLevel`, …) as TypeScript `enum`s,
 *   which erasable-syntax code cannot name as values; on the wire they are their string values, so
 *   `Wire<T>` turns every enum into the union of its string literals;
 * - the SDK's request type is its own `{model, contents, config}` shape, not the REST body that
 *   `generateContent` takes, so `GeminiRequest` assembles the REST body from the SDK's parts.
 * The error body (google.rpc.Status) is not exported by the SDK and is declared here.
 */
import type {
  Candidate,
  Content,
  FunctionCall,
  FunctionCallingConfig,
  FunctionDeclaration,
  FunctionResponse,
  GenerateContentResponse,
  GenerationConfig,
  LogprobsResult,
  Part,
  ThinkingConfig,
  Tool,
  ToolConfig,
} from '@google/genai';

/** An SDK type as JSON: enums become their string values, recursively. */
export type Wire<T> = T extends string
  ? `${T}`
  : T extends ReadonlyArray<infer U>
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

export type GeminiPart = Wire<Part>;
export type GeminiContent = Wire<Content>;
export type GeminiFunctionCall = Wire<FunctionCall>;
export type GeminiFunctionResponse = Wire<Pick<FunctionResponse, 'id' | 'name' | 'response'>>;
export type GeminiFunctionDeclaration = Wire<FunctionDeclaration>;
export type GeminiTool = Wire<Tool>;
export type GeminiToolConfig = Wire<ToolConfig>;
export type GeminiFunctionCallingConfig = Wire<FunctionCallingConfig>;
export type GeminiFunctionCallingMode = NonNullable<GeminiFunctionCallingConfig['mode']>;
export type GeminiGenerationConfig = Wire<GenerationConfig>;
export type GeminiThinkingConfig = Wire<ThinkingConfig>;
export type GeminiThinkingLevel = NonNullable<GeminiThinkingConfig['thinkingLevel']>;

/** The `generateContent` / `streamGenerateContent` REST body (docs/providers.md §3.2). */
export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: GeminiContent;
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
  generationConfig?: GeminiGenerationConfig;
}

/** A `GenerateContentResponse` as JSON (the SDK's class minus its getters). */
export type GeminiResponse = Wire<
  Pick<
    GenerateContentResponse,
    'candidates' | 'promptFeedback' | 'usageMetadata' | 'modelVersion' | 'responseId'
  >
>;
export type GeminiCandidate = Wire<Candidate>;
export type GeminiUsageMetadata = NonNullable<GeminiResponse['usageMetadata']>;
export type GeminiFinishReason = NonNullable<GeminiCandidate['finishReason']>;
export type GeminiLogprobsResult = Wire<LogprobsResult>;

/** google.rpc.Status, the body of every Gemini error (docs/providers.md §3.7). */
export interface GeminiErrorBody {
  error?: GeminiStatus;
}

export interface GeminiStatus {
  code?: number;
  message?: string;
  status?: string;
  details?: GeminiErrorDetail[];
}

/** `details[]` entries are `Any` messages told apart by `@type` (RetryInfo, ErrorInfo, QuotaFailure, …). */
export interface GeminiErrorDetail {
  '@type'?: string;
  /** google.rpc.RetryInfo: a protobuf Duration in JSON form, e.g. `"34.4s"`. */
  retryDelay?: string;
  /** google.rpc.ErrorInfo: e.g. `API_KEY_INVALID`. */
  reason?: string;
  [key: string]: unknown;
}
