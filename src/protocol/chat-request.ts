/**
 * The OpenAI Chat Completions request as clients send it to us (docs/providers.md §1.2–1.5), validated once
 * on the way in. Objects are loose: fields we do not know pass through untouched to OpenAI-shaped
 * upstreams instead of being silently dropped, while the fields we translate are typed strictly so a
 * wrong type gets a 400 naming its `param` rather than a confusing upstream error.
 */
import { z } from 'zod';

const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });
const imagePart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
const audioPart = z.looseObject({
  type: z.literal('input_audio'),
  input_audio: z.looseObject({ data: z.string(), format: z.string() }),
});
const filePart = z.looseObject({
  type: z.literal('file'),
  file: z.looseObject({
    file_id: z.string().optional(),
    filename: z.string().optional(),
    file_data: z.string().optional(),
  }),
});
const refusalPart = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

const userPart = z.discriminatedUnion('type', [textPart, imagePart, audioPart, filePart]);

const toolCall = z.looseObject({
  id: z.string(),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

const message = z.discriminatedUnion('role', [
  z.looseObject({
    role: z.literal('system'),
    content: z.union([z.string(), z.array(textPart)]),
    name: z.string().optional(),
  }),
  z.looseObject({
    role: z.literal('developer'),
    content: z.union([z.string(), z.array(textPart)]),
    name: z.string().optional(),
  }),
  z.looseObject({
    role: z.literal('user'),
    content: z.union([z.string(), z.array(userPart)]),
    name: z.string().optional(),
  }),
  z.looseObject({
    role: z.literal('assistant'),
    content: z
      .union([z.string(), z.array(z.discriminatedUnion('type', [textPart, refusalPart])), z.null()])
      .optional(),
    tool_calls: z.array(toolCall).optional(),
    refusal: z.string().nullable().optional(),
    name: z.string().optional(),
    /** Reasoning text a previous turn returned (DeepSeek/Qwen name); some providers need it back. */
    reasoning_content: z.string().nullable().optional(),
    /** Opaque provider state from a previous answer (Anthropic thinking blocks, Gemini signatures). */
    reasoning_signature: z.string().nullable().optional(),
  }),
  z.looseObject({
    role: z.literal('tool'),
    content: z.union([z.string(), z.array(textPart)]),
    tool_call_id: z.string(),
  }),
  z.looseObject({ role: z.literal('function'), content: z.string().nullable(), name: z.string() }),
]);

const functionTool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must match [a-zA-Z0-9_-]{1,64}'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});
const customTool = z.looseObject({ type: z.literal('custom'), custom: z.looseObject({ name: z.string() }) });

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
  z.looseObject({
    type: z.literal('allowed_tools'),
    allowed_tools: z.looseObject({
      mode: z.enum(['auto', 'required']),
      tools: z.array(z.record(z.string(), z.unknown())),
    }),
  }),
  z.looseObject({ type: z.literal('custom'), custom: z.looseObject({ name: z.string() }) }),
]);

const responseFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must match [a-zA-Z0-9_-]{1,64}'),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

/**
 * The longest `model` accepted. Real ids are under 100 characters; the bound keeps a made-up name from
 * being copied into logs, errors and routing state at any size (docs/configuration.md).
 */
export const MAX_MODEL_NAME_CHARS = 256;

export const chatRequestSchema = z.looseObject({
  model: z
    .string()
    .min(1)
    .max(MAX_MODEL_NAME_CHARS, `must be at most ${MAX_MODEL_NAME_CHARS} characters long`),
  messages: z.array(message).min(1, 'must contain at least one message'),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(4)])
    .nullable()
    .optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullable().optional(),
  tools: z.array(z.discriminatedUnion('type', [functionTool, customTool])).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormat.optional(),
  reasoning_effort: z
    .enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'])
    .nullable()
    .optional(),
  user: z.string().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type ChatMessage = ChatRequest['messages'][number];
export type ChatTool = NonNullable<ChatRequest['tools']>[number];
export type ChatToolChoice = NonNullable<ChatRequest['tool_choice']>;
export type ChatResponseFormat = NonNullable<ChatRequest['response_format']>;
export type UserContentPart = z.infer<typeof userPart>;

/** Zod issue paths become the `param` of OpenAI's envelope: `messages[0].content`. */
export function formatParam(path: ReadonlyArray<PropertyKey>): string | null {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? null : out;
}
