/**
 * validateGenerateContent(body, model): checks a generateContent body the way the Gemini API does
 * and returns the request with every key in lowerCamelCase, or the 400 it would send.
 *
 * Two layers, as in the API:
 * 1. Proto JSON parsing (the front end): every object is a known message, so an unknown key is
 *    `Invalid JSON payload received. Unknown name "x" at 'generation_config': Cannot find field.`
 *    and a value of the wrong type is `Invalid value at 'generation_config.temperature'
 *    (TYPE_FLOAT), "hot"`, all collected into one BadRequest. snake_case keys are accepted, as
 *    the API accepts both (docs/providers.md §3.1); paths in messages are snake_case.
 * 2. The model server's own checks: contents present, roles user/model, parts non-empty with one
 *    data field each, function responses answering the function call turn before them, thought
 *    signatures (Gemini 3 on the current turn; and any signature must be one this fake issued or
 *    Gemini's documented placeholder), generationConfig ranges and thinkingConfig per model.
 * Messages quoted in reports are used as quoted; the others are marked [UNV].
 */
import type { GeminiContent, GeminiPart, GeminiRequest } from '../../../providers/gemini/wire.ts';
import { ownValue, setOwnProperty } from '../../../providers/shared/own-property.ts';
import { badRequest, type FieldViolation, type GoogleErrorResponse, invalidArgument } from './errors.ts';
import type { GeminiModel } from './models.ts';
import { isFakeSignature } from './signatures.ts';

type Kind =
  | 'string'
  | 'number'
  | 'int'
  | 'bool'
  | 'bytes'
  /** google.protobuf.Value / Struct and messages the fake does not look inside: any JSON. */
  | 'any'
  | { enum: string; values: readonly string[] }
  | { message: MessageName }
  | { repeated: Kind };

type MessageName =
  | 'GenerateContentRequest'
  | 'Content'
  | 'Part'
  | 'Blob'
  | 'FileData'
  | 'FunctionCall'
  | 'FunctionResponse'
  | 'Tool'
  | 'FunctionDeclaration'
  | 'ToolConfig'
  | 'FunctionCallingConfig'
  | 'SafetySetting'
  | 'GenerationConfig'
  | 'ThinkingConfig';

const msg = (message: MessageName): Kind => ({ message });
const list = (kind: Kind): Kind => ({ repeated: kind });
const enumOf = (name: string, values: readonly string[]): Kind => ({ enum: name, values });

const PACKAGE = 'google.ai.generativelanguage.v1beta';

// Field sets of the v1beta protos as @google/genai 3.3 sends and reads them (docs/providers.md §3.2–3.3).
const MESSAGES: Record<MessageName, Record<string, Kind>> = {
  GenerateContentRequest: {
    model: 'string',
    contents: list(msg('Content')),
    systemInstruction: msg('Content'),
    tools: list(msg('Tool')),
    toolConfig: msg('ToolConfig'),
    safetySettings: list(msg('SafetySetting')),
    generationConfig: msg('GenerationConfig'),
    cachedContent: 'string',
    serviceTier: 'string',
    store: 'bool',
  },
  Content: { role: 'string', parts: list(msg('Part')) },
  Part: {
    text: 'string',
    inlineData: msg('Blob'),
    fileData: msg('FileData'),
    functionCall: msg('FunctionCall'),
    functionResponse: msg('FunctionResponse'),
    executableCode: 'any',
    codeExecutionResult: 'any',
    toolCall: 'any',
    toolResponse: 'any',
    videoMetadata: 'any',
    mediaResolution: 'any',
    partMetadata: 'any',
    thought: 'bool',
    thoughtSignature: 'bytes',
  },
  Blob: { mimeType: 'string', data: 'bytes', displayName: 'string' },
  FileData: { mimeType: 'string', fileUri: 'string', displayName: 'string' },
  FunctionCall: { id: 'string', name: 'string', args: 'any' },
  FunctionResponse: {
    id: 'string',
    name: 'string',
    response: 'any',
    parts: 'any',
    willContinue: 'bool',
    scheduling: 'any',
  },
  Tool: {
    functionDeclarations: list(msg('FunctionDeclaration')),
    googleSearch: 'any',
    googleSearchRetrieval: 'any',
    codeExecution: 'any',
    urlContext: 'any',
    fileSearch: 'any',
    googleMaps: 'any',
    computerUse: 'any',
  },
  FunctionDeclaration: {
    name: 'string',
    description: 'string',
    behavior: enumOf('FunctionDeclaration.Behavior', ['UNSPECIFIED', 'BLOCKING', 'NON_BLOCKING']),
    parameters: 'any',
    parametersJsonSchema: 'any',
    response: 'any',
    responseJsonSchema: 'any',
  },
  ToolConfig: {
    functionCallingConfig: msg('FunctionCallingConfig'),
    retrievalConfig: 'any',
    includeServerSideToolInvocations: 'bool',
  },
  FunctionCallingConfig: {
    mode: enumOf('FunctionCallingConfig.Mode', ['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED']),
    allowedFunctionNames: list('string'),
  },
  SafetySetting: {
    category: enumOf('HarmCategory', [
      'HARM_CATEGORY_UNSPECIFIED',
      'HARM_CATEGORY_HARASSMENT',
      'HARM_CATEGORY_HATE_SPEECH',
      'HARM_CATEGORY_SEXUALLY_EXPLICIT',
      'HARM_CATEGORY_DANGEROUS_CONTENT',
      'HARM_CATEGORY_CIVIC_INTEGRITY',
    ]),
    threshold: enumOf('SafetySetting.HarmBlockThreshold', [
      'HARM_BLOCK_THRESHOLD_UNSPECIFIED',
      'BLOCK_LOW_AND_ABOVE',
      'BLOCK_MEDIUM_AND_ABOVE',
      'BLOCK_ONLY_HIGH',
      'BLOCK_NONE',
      'OFF',
    ]),
  },
  GenerationConfig: {
    stopSequences: list('string'),
    responseMimeType: 'string',
    responseSchema: 'any',
    responseJsonSchema: 'any',
    responseModalities: list(
      enumOf('GenerationConfig.Modality', ['MODALITY_UNSPECIFIED', 'TEXT', 'IMAGE', 'AUDIO']),
    ),
    candidateCount: 'int',
    maxOutputTokens: 'int',
    temperature: 'number',
    topP: 'number',
    topK: 'int',
    seed: 'int',
    presencePenalty: 'number',
    frequencyPenalty: 'number',
    responseLogprobs: 'bool',
    logprobs: 'int',
    enableEnhancedCivicAnswers: 'bool',
    speechConfig: 'any',
    thinkingConfig: msg('ThinkingConfig'),
    imageConfig: 'any',
    mediaResolution: enumOf('GenerationConfig.MediaResolution', [
      'MEDIA_RESOLUTION_UNSPECIFIED',
      'MEDIA_RESOLUTION_LOW',
      'MEDIA_RESOLUTION_MEDIUM',
      'MEDIA_RESOLUTION_HIGH',
    ]),
  },
  ThinkingConfig: {
    includeThoughts: 'bool',
    thinkingBudget: 'int',
    thinkingLevel: enumOf('ThinkingConfig.ThinkingLevel', [
      'THINKING_LEVEL_UNSPECIFIED',
      'MINIMAL',
      'LOW',
      'MEDIUM',
      'HIGH',
    ]),
  },
};

const TYPE_NAMES: Record<string, string> = {
  string: 'TYPE_STRING',
  number: 'TYPE_FLOAT',
  int: 'TYPE_INT32',
  bool: 'TYPE_BOOL',
  bytes: 'TYPE_BYTES',
};

export type ValidationResult =
  | { ok: true; request: GeminiRequest }
  | { ok: false; error: GoogleErrorResponse };

export function validateGenerateContent(body: unknown, model: GeminiModel): ValidationResult {
  const violations: FieldViolation[] = [];
  const request = walk(body ?? {}, msg('GenerateContentRequest'), '', violations) as GeminiRequest;
  if (violations.length > 0) return { ok: false, error: badRequest(violations) };
  const semantic =
    checkContents(request) ??
    checkTools(request) ??
    checkGenerationConfig(request, model) ??
    checkSignatures(request, model);
  return semantic === undefined ? { ok: true, request } : { ok: false, error: semantic };
}

// ---------------------------------------------------------------------------------------------
// Layer 1: proto JSON parsing

function walk(value: unknown, kind: Kind, path: string, violations: FieldViolation[]): unknown {
  if (value === null) return undefined; // proto JSON: null is the default value
  const invalid = (typeName: string): undefined => {
    violations.push({
      field: path,
      description: `Invalid value at '${path}' (${typeName}), ${JSON.stringify(value)}`,
    });
    return undefined;
  };
  if (typeof kind === 'string') {
    switch (kind) {
      case 'any':
        return value;
      case 'string':
        return typeof value === 'string' ? value : invalid(TYPE_NAMES.string ?? '');
      case 'bool':
        return typeof value === 'boolean' ? value : invalid(TYPE_NAMES.bool ?? '');
      case 'number': {
        const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
        return typeof n === 'number' && Number.isFinite(n) ? n : invalid(TYPE_NAMES.number ?? '');
      }
      case 'int': {
        const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
        return typeof n === 'number' && Number.isInteger(n) ? n : invalid(TYPE_NAMES.int ?? '');
      }
      case 'bytes':
        if (typeof value === 'string' && isBase64(value)) return value;
        violations.push({
          field: path,
          description: `Invalid value at '${path}' (${TYPE_NAMES.bytes}), Base64 decoding failed for ${JSON.stringify(value)}`,
        });
        return undefined;
    }
  }
  if ('enum' in kind) {
    if (typeof value === 'string' && kind.values.includes(value)) return value;
    if (typeof value === 'number' && kind.values[value] !== undefined) return kind.values[value];
    return invalid(`type.googleapis.com/${PACKAGE}.${kind.enum}`);
  }
  if ('repeated' in kind) {
    if (!Array.isArray(value))
      return invalid(`type.googleapis.com/${PACKAGE}.${repeatedTypeName(kind.repeated)}`);
    return value.map((item, i) => walk(item, kind.repeated, `${path}[${i}]`, violations));
  }
  if (typeof value !== 'object' || Array.isArray(value))
    return invalid(`type.googleapis.com/${PACKAGE}.${kind.message}`);
  const fields = MESSAGES[kind.message];
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const name = toCamel(key);
    // A client's key is looked up as the table's own: `constructor` is an unknown field, not Object.
    const childKind = ownValue(fields, name);
    if (childKind === undefined) {
      const where = path === '' ? '' : ` at '${path}'`;
      violations.push({
        field: path,
        description: `Invalid JSON payload received. Unknown name "${key}"${where}: Cannot find field.`,
      });
      continue;
    }
    const childPath = path === '' ? toSnake(name) : `${path}.${toSnake(name)}`;
    const converted = walk(child, childKind, childPath, violations);
    if (converted !== undefined) setOwnProperty(out, name, converted);
  }
  return out;
}

function repeatedTypeName(kind: Kind): string {
  if (typeof kind === 'string') return TYPE_NAMES[kind] ?? 'Value';
  if ('message' in kind) return kind.message;
  if ('enum' in kind) return kind.enum;
  return 'ListValue';
}

function toCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function toSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Proto JSON accepts standard and URL-safe base64, padded or not. */
function isBase64(text: string): boolean {
  return /^[A-Za-z0-9+/_-]*={0,2}$/.test(text) && text.replace(/=+$/, '').length % 4 !== 1;
}

// ---------------------------------------------------------------------------------------------
// Layer 2: what the model server checks

const DATA_FIELDS = [
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
  'toolCall',
  'toolResponse',
] as const;

/** Media Gemini reads inline (image, audio, video, document understanding guides). */
const INLINE_TYPES =
  /^(image\/(png|jpeg|webp|heic|heif|gif)|audio\/(wav|mp3|mpeg|aiff|aac|ogg|flac|x-wav)|video\/[\w.+-]+|application\/pdf|text\/[\w.+-]+)$/;

function checkContents(request: GeminiRequest): GoogleErrorResponse | undefined {
  const contents = request.contents ?? [];
  if (contents.length === 0)
    return invalidArgument('* GenerateContentRequest.contents: contents is not specified\n');
  for (const [i, content] of contents.entries()) {
    const role = content.role ?? '';
    if (role !== '' && role !== 'user' && role !== 'model')
      return invalidArgument('Please use a valid role: user, model.');
    const parts = content.parts ?? [];
    if (parts.length === 0) {
      return invalidArgument(
        `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.\n`,
      );
    }
    for (const [j, part] of parts.entries()) {
      const problem = checkPart(part, `contents[${i}].parts[${j}]`);
      if (problem !== undefined) return problem;
    }
  }
  for (const [j, part] of (request.systemInstruction?.parts ?? []).entries()) {
    const problem = checkPart(part, `system_instruction.parts[${j}]`);
    if (problem !== undefined) return problem;
  }
  return checkFunctionTurns(contents);
}

function checkPart(part: GeminiPart, path: string): GoogleErrorResponse | undefined {
  const set = DATA_FIELDS.filter((field) => part[field] !== undefined);
  if (set.length === 0) {
    return invalidArgument(
      `* GenerateContentRequest.${path}.data: required oneof field 'data' must have one initialized field\n`,
    );
  }
  if (set.length > 1) {
    // [UNV] wording: the proto parser refuses a second member of a oneof.
    return invalidArgument(
      `Invalid JSON payload received. Oneof field 'data' is already set. Cannot set '${set[1]}'`,
    );
  }
  if (part.inlineData !== undefined) {
    const { mimeType, data } = part.inlineData;
    if (mimeType === undefined || mimeType === '') {
      return invalidArgument(
        `* GenerateContentRequest.${path}.inline_data.mime_type: mime_type is not specified\n`,
      ); // [UNV]
    }
    if (data === undefined || data === '')
      return invalidArgument(`* GenerateContentRequest.${path}.inline_data.data: data is not specified\n`); // [UNV]
    if (!INLINE_TYPES.test(mimeType)) return invalidArgument(`Unsupported MIME type: ${mimeType}`);
  }
  if (part.fileData !== undefined) {
    const uri = part.fileData.fileUri ?? '';
    // Files API URIs, and since 2026 public or signed HTTPS URLs (file-input-methods guide).
    if (!uri.startsWith('https://'))
      return invalidArgument(`Cannot fetch content from the provided URL: ${uri}`); // [UNV]
    if ((part.fileData.mimeType ?? '') === '') {
      return invalidArgument(
        `* GenerateContentRequest.${path}.file_data.mime_type: mime_type is not specified\n`,
      ); // [UNV]
    }
  }
  if (part.functionCall !== undefined && (part.functionCall.name ?? '') === '') {
    return invalidArgument(`* GenerateContentRequest.${path}.function_call.name: Name cannot be empty.\n`);
  }
  if (part.functionResponse !== undefined && (part.functionResponse.name ?? '') === '') {
    return invalidArgument(
      `* GenerateContentRequest.${path}.function_response.name: Name cannot be empty.\n`,
    );
  }
  return undefined;
}

/** A function response turn must answer the function call turn right before it, call for call. */
function checkFunctionTurns(contents: readonly GeminiContent[]): GoogleErrorResponse | undefined {
  for (const [i, content] of contents.entries()) {
    const responses = (content.parts ?? []).filter((p) => p.functionResponse !== undefined);
    if (responses.length === 0) continue;
    const previous = i > 0 ? contents[i - 1] : undefined;
    const calls =
      previous?.role === 'model' ? (previous.parts ?? []).filter((p) => p.functionCall !== undefined) : [];
    if (calls.length === 0) {
      return invalidArgument(
        'Please ensure that function response turn comes immediately after a function call turn.',
      );
    }
    if (calls.length !== responses.length) {
      return invalidArgument(
        'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
      );
    }
    const called = calls.map((p) => p.functionCall?.name).sort();
    const answered = responses.map((p) => p.functionResponse?.name).sort();
    if (called.some((name, k) => name !== answered[k])) {
      // [UNV] wording: the names must match the calls they answer.
      return invalidArgument(
        'Please ensure that function response names match the function call names of the function call turn.',
      );
    }
  }
  return undefined;
}

const FUNCTION_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/;

function checkTools(request: GeminiRequest): GoogleErrorResponse | undefined {
  const names = new Set<string>();
  for (const [t, tool] of (request.tools ?? []).entries()) {
    for (const [d, declaration] of (tool.functionDeclarations ?? []).entries()) {
      const path = `tools[${t}].function_declarations[${d}]`;
      const name = declaration.name ?? '';
      if (!FUNCTION_NAME.test(name)) {
        return invalidArgument(
          `* GenerateContentRequest.${path}.name: Invalid function name. Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain underscores, dots, colons and dashes, with a maximum length of 128.\n`,
        );
      }
      if (names.has(name)) return invalidArgument(`Duplicate function declaration found: ${name}`); // [UNV]
      names.add(name);
      if (declaration.parameters !== undefined && declaration.parametersJsonSchema !== undefined) {
        return invalidArgument(
          `* GenerateContentRequest.${path}.parameters_json_schema: parameters_json_schema must not be set when parameters is set.\n`,
        ); // [UNV] wording; the SDK documents them as mutually exclusive
      }
    }
  }
  const config = request.toolConfig?.functionCallingConfig;
  const allowed = config?.allowedFunctionNames ?? [];
  if (allowed.length > 0) {
    if (config?.mode !== 'ANY' && config?.mode !== 'VALIDATED') {
      return invalidArgument(
        '* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: allowed_function_names should be empty unless mode is ANY or VALIDATED.\n',
      ); // [UNV]
    }
    const unknown = allowed.find((name) => !names.has(name));
    if (unknown !== undefined) {
      return invalidArgument(
        `* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: function ${unknown} is not declared.\n`,
      ); // [UNV]
    }
  }
  return undefined;
}

const RESPONSE_MIME_TYPES = [
  'text/plain',
  'application/json',
  'application/xml',
  'application/yaml',
  'text/x.enum',
];

function checkGenerationConfig(request: GeminiRequest, model: GeminiModel): GoogleErrorResponse | undefined {
  const config = request.generationConfig;
  if (config === undefined) return undefined;
  const range = (field: string, value: number | undefined, low: number, high: number, text: string) =>
    value !== undefined && (value < low || value > high)
      ? invalidArgument(`* GenerateContentRequest.generation_config.${field}: must be in the range ${text}\n`) // [UNV]
      : undefined;
  const problem =
    range('temperature', config.temperature, 0, 2, '[0.0, 2.0]') ??
    range('top_p', config.topP, 0, 1, '[0.0, 1.0]') ??
    range('candidate_count', config.candidateCount, 1, 8, '[1, 8]') ??
    range('presence_penalty', config.presencePenalty, -2, 1.999999, '[-2.0, 2.0)') ??
    range('frequency_penalty', config.frequencyPenalty, -2, 1.999999, '[-2.0, 2.0)') ??
    range('logprobs', config.logprobs, 0, 20, '[0, 20]');
  if (problem !== undefined) return problem;
  const maxTokens = config.maxOutputTokens;
  if (maxTokens !== undefined && (maxTokens < 1 || maxTokens > model.outputTokenLimit)) {
    return invalidArgument(
      `Unable to submit request because it has a maxOutputTokens value of ${maxTokens} but the supported range is from 1 (inclusive) to ${model.outputTokenLimit + 1} (exclusive). Update the value and try again.`,
    );
  }
  if (config.logprobs !== undefined && config.responseLogprobs !== true) {
    return invalidArgument('logprobs must be set only when response_logprobs is true.'); // [UNV]
  }
  const mimeType = config.responseMimeType;
  if (mimeType !== undefined && !RESPONSE_MIME_TYPES.includes(mimeType)) {
    return invalidArgument(
      `* GenerateContentRequest.generation_config.response_mime_type: allowed mimetypes are \`text/plain\`, \`application/json\`, \`application/xml\`, \`application/yaml\` and \`text/x.enum\`.\n`,
    );
  }
  if (config.responseSchema !== undefined && config.responseJsonSchema !== undefined) {
    return invalidArgument('response_schema and response_json_schema cannot both be set.'); // [UNV]
  }
  if (
    (config.responseSchema !== undefined || config.responseJsonSchema !== undefined) &&
    mimeType !== 'application/json' &&
    mimeType !== 'text/x.enum'
  ) {
    return invalidArgument(
      '* GenerateContentRequest.generation_config.response_mime_type: response_mime_type must be application/json or text/x.enum when a response schema is set.\n',
    ); // [UNV]
  }
  const thinking = config.thinkingConfig;
  if (thinking !== undefined) {
    if (!model.thinking) return invalidArgument('Thinking is not supported for this model.'); // [UNV]
    if (thinking.thinkingBudget !== undefined && thinking.thinkingLevel !== undefined) {
      return invalidArgument('You can only set only one of thinking budget and thinking level.');
    }
    if (thinking.thinkingLevel !== undefined && !model.thinkingLevels) {
      return invalidArgument('Thinking level is not supported for this model.'); // [UNV]
    }
    const budget = thinking.thinkingBudget;
    if (budget === 0 && model.alwaysThinks)
      return invalidArgument('Budget 0 is invalid. This model only works in thinking mode.');
    if (budget !== undefined && (budget < -1 || budget > 32768)) {
      return invalidArgument('The thinking budget must be -1 (dynamic) or between 0 and 32768.'); // [UNV]
    }
  }
  return undefined;
}

/**
 * Every signature must be one this fake issued or Gemini's placeholder (a mangled one is what the
 * real API calls a corrupted signature); Gemini 3 also wants one on the first functionCall part of
 * each model step in the current turn, which starts after the last user content that is not only
 * function responses.
 */
function checkSignatures(request: GeminiRequest, model: GeminiModel): GoogleErrorResponse | undefined {
  const contents = request.contents ?? [];
  for (const content of contents) {
    for (const part of content.parts ?? []) {
      if (part.thoughtSignature !== undefined && !isFakeSignature(part.thoughtSignature)) {
        return invalidArgument('Corrupted thought signature.');
      }
    }
  }
  if (!model.thinkingLevels) return undefined;
  let turnStart = 0;
  contents.forEach((content, index) => {
    const parts = content.parts ?? [];
    if (content.role !== 'model' && parts.some((p) => p.functionResponse === undefined))
      turnStart = index + 1;
  });
  for (let index = turnStart; index < contents.length; index++) {
    const content = contents[index];
    if (content?.role !== 'model') continue;
    const first = (content.parts ?? []).find((p) => p.functionCall !== undefined);
    if (first !== undefined && first.thoughtSignature === undefined) {
      return invalidArgument(
        `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${first.functionCall?.name}\` , position ${index + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
      );
    }
  }
  return undefined;
}
