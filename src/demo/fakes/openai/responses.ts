/**
 * POST /v1/responses for the fake OpenAI (docs/providers.md §11): the Responses API as OpenAI answers it,
 * stateless. Input as a string or items (messages, function_call, function_call_output), flat function
 * tools, `tool_choice`, `text.format`, `max_output_tokens` and `reasoning` plan the reply as chat does
 * (shared/reply-plan.ts); the answer is a `response` object (§11.4) or the typed event stream (§11.6),
 * every event numbered, ending with one terminal event and no `[DONE]`. `previous_response_id` gets
 * OpenAI's 400 `previous_response_not_found` (the fake keeps nothing). Reasoning models report
 * reasoning tokens and an empty-summary reasoning item, as OpenAI does without `summary`.
 */
import type { FakeExchange } from '../shared/fake-server.ts';
import type { FakeReply, FakeRequestView, FakeToolChoice } from '../shared/reply-plan.ts';
import { planReply } from '../shared/reply-plan.ts';
import { sseFrame } from '../shared/sse-writer.ts';
import { checkApiKey } from './auth.ts';
import {
  errorForStatus,
  inBandStreamError,
  invalidJson,
  invalidRequest,
  type OpenAIErrorResponse,
} from './errors.ts';
import { isReasoningModel } from './models.ts';

type Fields = Record<string, unknown>;

export async function handleResponses(
  exchange: FakeExchange,
  keys: ReadonlySet<string> | undefined,
): Promise<void> {
  const headers = { 'x-request-id': `req_${exchange.ids.hex(32)}`, 'openai-version': '2020-10-01' };
  const fail = (error: OpenAIErrorResponse): void =>
    exchange.sendJsonNow(error.status, error.body, { ...headers, ...error.headers });
  const raw = exchange.body.kind === 'json' ? exchange.body.value : undefined;
  const fields: Fields = typeof raw === 'object' && raw !== null ? (raw as Fields) : {};
  const streaming = fields.stream === true;
  const script = exchange.takeScript(typeof fields.model === 'string' ? fields.model : undefined);
  if (await exchange.applyEarlyFault(script, { streaming, errorFor: errorForStatus, headers })) return;
  const authError = checkApiKey(exchange.req.headers.authorization, keys);
  if (authError !== undefined) return fail(authError);
  if (exchange.body.kind !== 'json') return fail(invalidJson());
  if (typeof fields.model !== 'string' || fields.model === '')
    return fail(
      invalidRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter'),
    );
  if (typeof fields.previous_response_id === 'string')
    return fail(
      invalidRequest(
        `Previous response with id '${fields.previous_response_id}' not found.`,
        'previous_response_id',
        'previous_response_not_found',
      ),
    );
  const view = viewOf(fields);
  if (typeof view === 'string') return fail(invalidRequest(view, 'input'));
  const ids = { response: `resp_${exchange.ids.hex(24)}`, item: exchange.ids.hex(24) };
  const reply = planReply(view, script.reply, { toolCallId: (i) => `call_${ids.item.slice(0, 16)}${i}` });
  const createdAt = Math.floor(exchange.now() / 1000);
  const output = outputOf(reply, ids.item, view.reasoning);
  const final = envelope(fields, ids.response, createdAt, reply, output);
  if (!streaming) {
    await exchange.sendJson(200, final, { script, generatedTokens: reply.usage.completionTokens, headers });
    return;
  }
  await exchange.sendEvents(eventsOf(fields, ids.response, createdAt, reply, output), {
    script,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers },
    inBandError: inBandStreamError,
  });
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => {
      const text = (part as { text?: unknown } | null)?.text;
      return typeof text === 'string' ? text : '';
    })
    .join('\n');
}

function viewOf(fields: Fields): FakeRequestView | string {
  const input = fields.input;
  let lastUserText = '';
  let chars = typeof fields.instructions === 'string' ? fields.instructions.length : 0;
  let lastIsToolResult = false;
  const toolResults: string[] = [];
  if (typeof input === 'string') {
    lastUserText = input;
    chars += input.length;
  } else if (Array.isArray(input) && input.length > 0) {
    for (const item of input as Fields[]) {
      const type = item.type ?? 'message';
      if (type === 'function_call_output') {
        const text = textOf(item.output);
        toolResults.push(text);
        chars += text.length;
        lastIsToolResult = true;
        continue;
      }
      lastIsToolResult = false;
      toolResults.length = 0;
      if (type === 'function_call') chars += String(item.arguments ?? '').length;
      else if (type === 'message') {
        const text = textOf(item.content);
        chars += text.length;
        if (item.role === 'user') lastUserText = text;
      }
    }
  } else return "Invalid value for 'input': expected a string or an array of input items.";
  const tools = Array.isArray(fields.tools)
    ? (fields.tools as Fields[])
        .filter((tool) => tool.type === 'function' && typeof tool.name === 'string')
        .map((tool) => ({ name: tool.name as string, parameters: tool.parameters }))
    : [];
  const format = (fields.text as { format?: Fields } | undefined)?.format;
  const effort = (fields.reasoning as { effort?: unknown } | undefined)?.effort;
  return {
    model: fields.model as string,
    lastUserText,
    messageChars: chars,
    tools,
    toolChoice: toolChoiceOf(fields.tool_choice),
    lastMessageIsToolResult: lastIsToolResult,
    toolResultText: toolResults.length > 0 ? toolResults.join('\n') : undefined,
    responseFormat:
      format?.type === 'json_schema'
        ? { type: 'json_schema', schema: format.schema }
        : format?.type === 'json_object'
          ? { type: 'json_object' }
          : { type: 'text' },
    maxTokens: typeof fields.max_output_tokens === 'number' ? fields.max_output_tokens : undefined,
    reasoning: isReasoningModel(fields.model as string) && effort !== 'none',
  };
}

function toolChoiceOf(choice: unknown): FakeToolChoice {
  if (choice === 'none' || choice === 'required' || choice === 'auto') return choice;
  const name = (choice as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? { name } : 'auto';
}

function outputOf(reply: FakeReply, suffix: string, reasoning: boolean): Fields[] {
  const output: Fields[] = [];
  if (reasoning) output.push({ id: `rs_${suffix}`, type: 'reasoning', summary: [] });
  if (reply.content !== '')
    output.push({
      id: `msg_${suffix}`,
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: reply.content, annotations: [], logprobs: [] }],
    });
  for (const [index, call] of (reply.toolCalls ?? []).entries())
    output.push({
      id: `fc_${suffix}${index}`,
      type: 'function_call',
      status: 'completed',
      call_id: call.id,
      name: call.name,
      arguments: call.arguments,
    });
  return output;
}

function envelope(
  fields: Fields,
  id: string,
  createdAt: number,
  reply: FakeReply | undefined,
  output: Fields[],
) {
  const usage = reply?.usage;
  const incomplete = reply?.finishReason === 'length' || reply?.finishReason === 'content_filter';
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: reply === undefined ? 'in_progress' : incomplete ? 'incomplete' : 'completed',
    completed_at: reply === undefined || incomplete ? null : createdAt,
    error: null,
    incomplete_details:
      reply !== undefined && incomplete
        ? { reason: reply.finishReason === 'length' ? 'max_output_tokens' : 'content_filter' }
        : null,
    instructions: fields.instructions ?? null,
    max_output_tokens: fields.max_output_tokens ?? null,
    model: fields.model,
    output,
    parallel_tool_calls: fields.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: {
      effort: (fields.reasoning as { effort?: unknown } | undefined)?.effort ?? null,
      summary: null,
    },
    store: fields.store ?? true,
    temperature: fields.temperature ?? 1,
    text: {
      format: (fields.text as { format?: unknown } | undefined)?.format ?? { type: 'text' },
      verbosity: 'medium',
    },
    tool_choice: fields.tool_choice ?? 'auto',
    tools: fields.tools ?? [],
    top_p: fields.top_p ?? 1,
    truncation: 'disabled',
    usage:
      usage === undefined
        ? null
        : {
            input_tokens: usage.promptTokens,
            input_tokens_details: { cached_tokens: usage.cachedTokens },
            output_tokens: usage.completionTokens,
            output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
            total_tokens: usage.promptTokens + usage.completionTokens,
          },
    user: null,
    metadata: fields.metadata ?? {},
  };
}

/** The §11.6 sequence: lifecycle, then each item added, its deltas, done; then the terminal event. */
function eventsOf(
  fields: Fields,
  id: string,
  createdAt: number,
  reply: FakeReply,
  output: Fields[],
): string[] {
  const events: string[] = [];
  const emit = (type: string, body: Fields) =>
    events.push(sseFrame({ type, sequence_number: events.length, ...body }, { event: type }));
  const progress = envelope(fields, id, createdAt, undefined, []);
  emit('response.created', { response: progress });
  emit('response.in_progress', { response: progress });
  for (const [index, item] of output.entries()) {
    if (item.type === 'reasoning') {
      emit('response.output_item.added', { output_index: index, item });
      emit('response.output_item.done', { output_index: index, item });
    } else if (item.type === 'message') {
      const text = reply.content;
      const where = { item_id: item.id, output_index: index, content_index: 0 };
      emit('response.output_item.added', {
        output_index: index,
        item: { ...item, status: 'in_progress', content: [] },
      });
      emit('response.content_part.added', {
        ...where,
        part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
      });
      for (const piece of text.match(/\S+\s*|\s+/g) ?? [])
        emit('response.output_text.delta', { ...where, delta: piece, logprobs: [] });
      emit('response.output_text.done', { ...where, text, logprobs: [] });
      emit('response.content_part.done', {
        ...where,
        part: { type: 'output_text', text, annotations: [], logprobs: [] },
      });
      emit('response.output_item.done', { output_index: index, item });
    } else {
      const args = String(item.arguments);
      emit('response.output_item.added', {
        output_index: index,
        item: { ...item, status: 'in_progress', arguments: '' },
      });
      const half = Math.ceil(args.length / 2);
      for (const piece of [args.slice(0, half), args.slice(half)])
        if (piece !== '')
          emit('response.function_call_arguments.delta', {
            item_id: item.id,
            output_index: index,
            delta: piece,
          });
      emit('response.function_call_arguments.done', {
        item_id: item.id,
        output_index: index,
        name: item.name,
        arguments: args,
      });
      emit('response.output_item.done', { output_index: index, item });
    }
  }
  const final = envelope(fields, id, createdAt, reply, output);
  emit(final.status === 'completed' ? 'response.completed' : 'response.incomplete', { response: final });
  return events;
}
