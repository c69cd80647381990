/**
 * OpenAI Responses request (docs/providers.md §11.2, §11.3) to the normalized ChatRequest. Stateless:
 * what needs OpenAI's stored objects (`previous_response_id`, `conversation`, `background`, `prompt`,
 * `item_reference` items) is refused with a 400 naming it, as OpenAI answers an id it does not know;
 * `store` is accepted and nothing is kept (`store: false` semantics). OpenAI's own parts (built-in
 * tools, images by `file_id`, items of its built-in tools) reach an OpenAI target untouched (the body
 * passes through) and make any other target refuse the request (untranslatable.ts).
 *
 *   input (string)               → one user message
 *   input items: messages        → messages (input_text → text, input_image → image_url,
 *                                   input_file → file; assistant output_text / refusal)
 *                function_call   → assistant tool_calls (consecutive calls merge into one message)
 *                function_call_output → tool messages;  reasoning → the gateway's carried state back
 *                (reasoning_content + reasoning_signature), else dropped (OpenAI's own replays only there)
 *   instructions                 → a leading system message
 *   tools (function), tool_choice, parallel_tool_calls → the Chat forms (tools nested under `function`)
 *   text.format                  → response_format (schema nested under `json_schema`)
 *   reasoning.effort             → reasoning_effort;  max_output_tokens → max_completion_tokens
 *   top_logprobs                 → logprobs + top_logprobs;  temperature, top_p, user, metadata as is
 */
import { z } from 'zod';
import { parseJsonObject } from '../../protocol/json-body.ts';
import { invalidRequest } from '../../errors/codes.ts';
import { requestError } from '../../pipeline/validate.ts';
import { type ChatMessage, type ChatRequest, MAX_MODEL_NAME_CHARS } from '../../protocol/chat-request.ts';
import type { FrontRequest } from '../types.ts';
import { CARRIED_STATE_PREFIX } from './response.ts';
import { rememberProblem, TranslationProblems } from '../untranslatable.ts';

const part = z.looseObject({ type: z.string() });
const item = z.looseObject({
  type: z.string().optional(),
  role: z.enum(['user', 'system', 'developer', 'assistant']).optional(),
  content: z.union([z.string(), z.array(part)]).optional(),
});

const functionTool = z.looseObject({
  type: z.string(),
  name: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must match [a-zA-Z0-9_-]{1,64}')
    .optional(),
  description: z.string().nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});

export const responsesRequestSchema = z.looseObject({
  model: z.string().min(1).max(MAX_MODEL_NAME_CHARS),
  input: z.union([z.string(), z.array(item).min(1, 'must contain at least one item')]),
  instructions: z.string().nullable().optional(),
  tools: z.array(functionTool).optional(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.looseObject({ type: z.literal('function'), name: z.string() }),
      z.looseObject({
        type: z.literal('allowed_tools'),
        mode: z.enum(['auto', 'required']),
        tools: z.array(z.looseObject({ type: z.literal('function'), name: z.string() })),
      }),
    ])
    .optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  text: z
    .looseObject({
      format: z
        .discriminatedUnion('type', [
          z.looseObject({ type: z.literal('text') }),
          z.looseObject({ type: z.literal('json_object') }),
          z.looseObject({
            type: z.literal('json_schema'),
            name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must match [a-zA-Z0-9_-]{1,64}'),
            schema: z.record(z.string(), z.unknown()),
            strict: z.boolean().nullable().optional(),
            description: z.string().optional(),
          }),
        ])
        .optional(),
      verbosity: z.enum(['low', 'medium', 'high']).nullable().optional(),
    })
    .optional(),
  reasoning: z
    .looseObject({
      effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']).nullable().optional(),
    })
    .nullable()
    .optional(),
  max_output_tokens: z.number().int().positive().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  store: z.boolean().nullable().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  user: z.string().optional(),
});
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

/** Fields that need server-side state this stateless gateway does not keep. */
const STATEFUL_FIELDS = ['previous_response_id', 'conversation', 'prompt'] as const;

export function parseResponsesRequest(body: Buffer): FrontRequest {
  return responsesRequestOf(parseJsonObject(body));
}

/**
 * A parsed body, checked, validated and translated; the input guard runs it again on a body it edited
 * (guarded-text.ts), so every target gets the guarded request.
 */
export function responsesRequestOf(native: Record<string, unknown>): FrontRequest {
  for (const field of STATEFUL_FIELDS) {
    if (native[field] != null)
      throw invalidRequest(
        `'${field}' needs stored responses, and this gateway keeps none (store: false): send the whole conversation in 'input'.`,
        field,
        field === 'previous_response_id' ? 'previous_response_not_found' : 'unsupported_parameter',
      );
  }
  if (native.background === true)
    throw invalidRequest(
      "'background' responses need storage, which this gateway does not keep.",
      'background',
      'unsupported_parameter',
    );
  const result = responsesRequestSchema.safeParse(native);
  if (!result.success) throw requestError(result.error.issues, native);
  const problems = new TranslationProblems();
  const request = toChatRequest(result.data, problems);
  rememberProblem(native, problems.first);
  return { request, stream: result.data.stream === true, native };
}

export function toChatRequest(body: ResponsesRequest, problems = new TranslationProblems()): ChatRequest {
  const messages: ChatMessage[] = [];
  if (body.instructions != null && body.instructions !== '')
    messages.push({ role: 'system', content: body.instructions });
  if (typeof body.input === 'string') messages.push({ role: 'user', content: body.input });
  else
    body.input.forEach((entry, index) => {
      // Stored items exist nowhere for a stateless gateway, whatever the target: refused outright.
      if (entry.type === 'item_reference')
        throw invalidRequest(
          `input[${index}]: an item_reference needs stored items, and this gateway keeps none.`,
          `input[${index}].type`,
          'unsupported_parameter',
        );
      problems.part(() => pushItem(messages, entry, index, problems));
    });
  const request: ChatRequest = { model: body.model, messages };
  if (body.stream === true) {
    request.stream = true;
    request.stream_options = { include_usage: true };
  }
  if (body.max_output_tokens != null) request.max_completion_tokens = body.max_output_tokens;
  if (body.temperature != null) request.temperature = body.temperature;
  if (body.top_p != null) request.top_p = body.top_p;
  if (body.top_logprobs != null && body.top_logprobs > 0) {
    request.logprobs = true;
    request.top_logprobs = body.top_logprobs;
  }
  if (body.reasoning?.effort != null) request.reasoning_effort = body.reasoning.effort;
  if (body.user !== undefined) request.user = body.user;
  if (body.metadata != null) request.metadata = body.metadata;
  if (body.parallel_tool_calls != null) request.parallel_tool_calls = body.parallel_tool_calls;
  if (body.tools !== undefined && body.tools.length > 0) {
    const tools: NonNullable<ChatRequest['tools']> = [];
    body.tools.forEach((tool, index) => {
      const translated = problems.part(() => {
        if (tool.type !== 'function' || tool.name === undefined)
          throw invalidRequest(
            `The '${tool.type}' tool is OpenAI's own: only an OpenAI model can use it, and this route has none that can take it.`,
            `tools[${index}].type`,
            'unsupported_parameter',
          );
        return {
          type: 'function' as const,
          function: {
            name: tool.name,
            ...(tool.description == null ? {} : { description: tool.description }),
            parameters: tool.parameters ?? { type: 'object', properties: {} },
            ...(tool.strict == null ? {} : { strict: tool.strict }),
          },
        };
      });
      if (translated !== undefined) tools.push(translated);
    });
    if (tools.length > 0) request.tools = tools;
  }
  const choice = body.tool_choice;
  if (choice !== undefined) {
    if (typeof choice === 'string') request.tool_choice = choice;
    else if (choice.type === 'function')
      request.tool_choice = { type: 'function', function: { name: choice.name } };
    else
      request.tool_choice = {
        type: 'allowed_tools',
        allowed_tools: {
          mode: choice.mode,
          tools: choice.tools.map((tool) => ({ type: 'function', function: { name: tool.name } })),
        },
      };
  }
  const format = body.text?.format;
  if (format !== undefined) {
    if (format.type === 'json_schema')
      request.response_format = {
        type: 'json_schema',
        json_schema: {
          name: format.name,
          schema: format.schema,
          ...(format.strict == null ? {} : { strict: format.strict }),
          ...(format.description === undefined ? {} : { description: format.description }),
        },
      };
    else request.response_format = { type: format.type };
  }
  if (body.text?.verbosity != null) (request as Record<string, unknown>).verbosity = body.text.verbosity;
  return request;
}

type Item = z.infer<typeof item>;
type Part = z.infer<typeof part>;
type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

function pushItem(messages: ChatMessage[], entry: Item, index: number, problems: TranslationProblems): void {
  const type = entry.type ?? 'message';
  const param = `input[${index}]`;
  switch (type) {
    case 'message': {
      const message = messageItem(entry, param, problems);
      const last = messages.at(-1);
      // The text of a turn whose reasoning came first (an item of its own) joins that turn's message.
      if (message.role === 'assistant' && last !== undefined && isReasoningOnly(last))
        Object.assign(last, {
          content: message.content,
          ...(message.refusal ? { refusal: message.refusal } : {}),
        });
      else messages.push(message);
      return;
    }
    case 'function_call': {
      const call = entry as { call_id?: unknown; name?: unknown; arguments?: unknown };
      if (
        typeof call.call_id !== 'string' ||
        typeof call.name !== 'string' ||
        typeof call.arguments !== 'string'
      )
        throw invalidRequest(
          `${param}: a function_call item needs string 'call_id', 'name' and 'arguments'.`,
          param,
          'invalid_value',
        );
      const toolCall = {
        id: call.call_id,
        type: 'function' as const,
        function: { name: call.name, arguments: call.arguments },
      };
      // Chat holds a turn's calls (and the text before them) on one assistant message.
      const last = messages.at(-1);
      if (last?.role === 'assistant') {
        const assistant = last as AssistantMessage;
        assistant.tool_calls = [...(assistant.tool_calls ?? []), toolCall];
      } else messages.push({ role: 'assistant', content: null, tool_calls: [toolCall] });
      return;
    }
    case 'function_call_output': {
      const output = entry as { call_id?: unknown; output?: unknown };
      if (typeof output.call_id !== 'string')
        throw invalidRequest(
          `${param}: a function_call_output item needs a string 'call_id'.`,
          `${param}.call_id`,
          'invalid_value',
        );
      messages.push({
        role: 'tool',
        tool_call_id: output.call_id,
        content: outputText(output.output, `${param}.output`),
      });
      return;
    }
    case 'reasoning': {
      // State this gateway carried for a non-OpenAI target goes back to it (response.ts
      // CARRIED_STATE_PREFIX). OpenAI's own encrypted reasoning replays only to OpenAI, which gets the
      // body as sent; elsewhere the turn stands without it.
      const encrypted = (entry as { encrypted_content?: unknown }).encrypted_content;
      if (typeof encrypted !== 'string' || !encrypted.startsWith(CARRIED_STATE_PREFIX)) return;
      messages.push({
        role: 'assistant',
        content: null,
        reasoning_content: reasoningText(entry),
        reasoning_signature: encrypted.slice(CARRIED_STATE_PREFIX.length),
      });
      return;
    }
    default:
      throw invalidRequest(
        `${param}: input items of type '${type}' are not supported.`,
        `${param}.type`,
        'invalid_value',
      );
  }
}

/** An assistant message that holds only a turn's reasoning so far (no text, no calls yet). */
function isReasoningOnly(message: ChatMessage): boolean {
  if (message.role !== 'assistant') return false;
  const assistant = message as AssistantMessage;
  return (
    assistant.content === null && assistant.tool_calls === undefined && assistant.reasoning_signature != null
  );
}

/** A reasoning item's text: its reasoning_text parts, else its summary. */
function reasoningText(entry: Item): string {
  const parts = Array.isArray(entry.content) ? entry.content : [];
  let text = '';
  for (const piece of parts)
    if (piece.type === 'reasoning_text' && typeof piece.text === 'string') text += piece.text;
  if (text !== '') return text;
  const summary = (entry as { summary?: unknown }).summary;
  if (!Array.isArray(summary)) return '';
  for (const piece of summary as Array<{ text?: unknown }>)
    if (typeof piece.text === 'string') text += piece.text;
  return text;
}

function messageItem(entry: Item, param: string, problems: TranslationProblems): ChatMessage {
  const role = entry.role;
  if (role === undefined)
    throw invalidRequest(`${param}: a message item needs a 'role'.`, `${param}.role`, 'invalid_value');
  const content = entry.content;
  if (content === undefined)
    throw invalidRequest(`${param}: a message item needs 'content'.`, `${param}.content`, 'invalid_value');
  if (role === 'assistant') {
    if (typeof content === 'string') return { role, content };
    let text = '';
    let refusal = '';
    content.forEach((piece, partIndex) => {
      if (piece.type === 'output_text' && typeof piece.text === 'string') text += piece.text;
      else if (piece.type === 'refusal' && typeof piece.refusal === 'string') refusal += piece.refusal;
      else
        throw invalidRequest(
          `Invalid value: '${piece.type}'. Supported values are: 'output_text' and 'refusal'.`,
          `${param}.content[${partIndex}].type`,
          'invalid_value',
        );
    });
    const message: AssistantMessage = { role, content: text };
    if (refusal !== '') message.refusal = refusal;
    return message;
  }
  if (typeof content === 'string') return { role, content };
  if (role === 'system' || role === 'developer') {
    const text = content
      .map((piece, partIndex) => textOf(piece, `${param}.content[${partIndex}]`))
      .join('\n');
    return { role, content: text };
  }
  const parts: UserPart[] = [];
  content.forEach((piece, partIndex) => {
    const part = problems.part(() => userPart(piece, `${param}.content[${partIndex}]`));
    if (part !== undefined) parts.push(part);
  });
  return { role: 'user', content: parts };
}

function textOf(piece: Part, param: string): string {
  if (piece.type === 'input_text' && typeof piece.text === 'string') return piece.text;
  throw invalidRequest(`${param}: only input_text parts are allowed here.`, `${param}.type`, 'invalid_value');
}

type UserPart = Exclude<Extract<ChatMessage, { role: 'user' }>['content'], string>[number];

function userPart(piece: Part, param: string): UserPart {
  switch (piece.type) {
    case 'input_text':
      return { type: 'text', text: textOf(piece, param) };
    case 'input_image': {
      const url = piece.image_url;
      if (typeof url !== 'string' || url === '')
        throw invalidRequest(
          `${param}: images by file_id have no form outside OpenAI's stored files; send image_url.`,
          `${param}.image_url`,
          'unsupported_parameter',
        );
      const detail = piece.detail === 'low' || piece.detail === 'high' ? piece.detail : 'auto';
      return { type: 'image_url', image_url: { url, detail } };
    }
    case 'input_file': {
      const file: { file_id?: string; file_data?: string; filename?: string } = {};
      if (typeof piece.file_id === 'string') file.file_id = piece.file_id;
      if (typeof piece.file_data === 'string') file.file_data = piece.file_data;
      if (typeof piece.filename === 'string') file.filename = piece.filename;
      if (file.file_id === undefined && file.file_data === undefined)
        throw invalidRequest(
          `${param}: an input_file needs file_id or file_data.`,
          param,
          'unsupported_parameter',
        );
      return { type: 'file', file };
    }
    default:
      throw invalidRequest(
        `${param}: '${piece.type}' parts are not supported here.`,
        `${param}.type`,
        'invalid_value',
      );
  }
}

/** Chat tool messages carry text: a string output, or the text of input_text parts. */
function outputText(output: unknown, param: string): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output))
    return output
      .map((piece: unknown, index) => {
        if (piece !== null && typeof piece === 'object') return textOf(piece as Part, `${param}[${index}]`);
        throw invalidRequest(`${param}[${index}] must be an object.`, `${param}[${index}]`, 'invalid_type');
      })
      .join('\n');
  throw invalidRequest(`${param} must be a string or an array of parts.`, param, 'invalid_type');
}
