/**
 * What a client makes of the chunks a stream translator emitted: the messages folded together as
 * OpenAI clients fold them, checking every chunk rule of docs/providers.md §1.7 on the way, and the same
 * chunks replayed through the official OpenAI SDK's stream helper. `fromCompletion` puts a
 * non-streaming answer in the same shape, for stream-equals-JSON comparisons.
 */
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionMessage,
  Usage,
} from '../../src/protocol/chat-response.ts';
import type { EmittedChunk } from './stream-harness.ts';

type TokenLogprob = NonNullable<
  NonNullable<ChatCompletionChunk['choices'][number]['logprobs']>['content']
>[number];

export interface ReassembledChoice {
  index: number;
  message: ChatCompletionMessage;
  finish_reason: string | null;
  /** OpenAI's `{content: [...], refusal: null}`, present only when the answer carried logprobs. */
  logprobs?: { content: TokenLogprob[]; refusal: null };
}

export interface Reassembled {
  model: string;
  choices: ReassembledChoice[];
  usage: Usage | null;
}

export interface ReassembleOptions {
  /**
   * The content of a choice whose content deltas were all "" (the role chunk's) and that called no
   * tool: null as most adapters' non-streaming translations give it, or "" where the adapter's gives
   * "" (Anthropic). A choice that called tools without text has null either way.
   */
  emptyAnswer?: '' | null;
}

interface ChoiceState {
  index: number;
  finished: boolean;
  finish_reason: string | null;
  content: string | null;
  reasoning: string | null;
  signature: string | null;
  toolCalls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  logprobs: TokenLogprob[];
}

type ChunkChoice = ChatCompletionChunk['choices'][number];

function broken(position: number, rule: string): never {
  throw new Error(`chunk ${position}: ${rule}`);
}

/**
 * Folds chunks into messages the way OpenAI clients do (content, reasoning and arguments concatenated;
 * tool calls keyed by index; choices keyed by index), failing on any break of the §1.7 rules: the same
 * id and model on every chunk, one choice a chunk, role first in each choice, a first tool-call
 * fragment with id, type, name and arguments "" and later fragments with arguments only,
 * `reasoning_signature` whole and once, nothing in a choice after its finish chunk, every choice
 * finished, and the usage chunk last with `choices: []`.
 */
export function reassemble(
  chunks: ReadonlyArray<EmittedChunk>,
  options: ReassembleOptions = {},
): Reassembled {
  const choices = new Map<number, ChoiceState>();
  let usage: Usage | null = null;
  let model: string | undefined;
  let id: string | undefined;
  chunks.forEach(({ json, kind }, position) => {
    const chunk = JSON.parse(json) as ChatCompletionChunk;
    if (chunk.object !== 'chat.completion.chunk') broken(position, `object is ${chunk.object}`);
    model ??= chunk.model;
    id ??= chunk.id;
    if (chunk.model !== model || chunk.id !== id) broken(position, 'id or model changed');
    if (usage !== null) broken(position, 'a chunk after the usage chunk');
    if (kind === 'usage') {
      if (chunk.choices.length !== 0 || chunk.usage == null) broken(position, 'usage chunk shape');
      usage = chunk.usage;
      return;
    }
    // n > 1 interleaves the choices by index, one choice a chunk.
    const [choice] = chunk.choices;
    if (choice === undefined || chunk.choices.length !== 1) broken(position, 'expected one choice');
    let state = choices.get(choice.index);
    if (state === undefined) {
      if (choice.delta.role !== 'assistant')
        broken(position, `first chunk of choice ${choice.index} has no role`);
      state = newChoice(choice.index);
      choices.set(choice.index, state);
    }
    if (state.finished) broken(position, `choice ${choice.index} continues after its finish chunk`);
    fold(state, choice, position);
  });
  if (choices.size === 0) throw new Error('no choice in the stream');
  for (const state of choices.values()) {
    if (!state.finished) throw new Error(`choice ${state.index} never got a finish chunk`);
  }
  return {
    model: model ?? '',
    choices: [...choices.values()].sort((a, b) => a.index - b.index).map((state) => toChoice(state, options)),
    usage,
  };
}

function newChoice(index: number): ChoiceState {
  return {
    index,
    finished: false,
    finish_reason: null,
    content: null,
    reasoning: null,
    signature: null,
    toolCalls: [],
    logprobs: [],
  };
}

/** One chunk's delta, logprobs and finish into its choice. */
function fold(state: ChoiceState, choice: ChunkChoice, position: number): void {
  const delta = choice.delta;
  if (typeof delta.content === 'string') state.content = (state.content ?? '') + delta.content;
  if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '')
    state.reasoning = (state.reasoning ?? '') + delta.reasoning_content;
  if (typeof delta.reasoning_signature === 'string') {
    if (state.signature !== null) broken(position, 'reasoning_signature arrives whole, once');
    state.signature = delta.reasoning_signature;
  }
  for (const call of delta.tool_calls ?? []) {
    const existing = state.toolCalls[call.index];
    if (existing === undefined) {
      if (call.index !== state.toolCalls.length) broken(position, 'tool call index skipped');
      if (!call.id || call.type !== 'function' || !call.function?.name || call.function.arguments !== '')
        broken(position, 'first tool-call fragment must carry id, type, name and arguments ""');
      state.toolCalls.push({
        id: call.id,
        type: 'function',
        function: { name: call.function.name, arguments: '' },
      });
    } else {
      if (call.id !== undefined || call.type !== undefined || call.function?.name !== undefined)
        broken(position, 'a later tool-call fragment repeats id, type or name');
      existing.function.arguments += call.function?.arguments ?? '';
    }
  }
  if (choice.logprobs?.content) state.logprobs.push(...choice.logprobs.content);
  if (choice.finish_reason !== null) {
    state.finish_reason = choice.finish_reason;
    state.finished = true;
  }
}

function toChoice(state: ChoiceState, options: ReassembleOptions): ReassembledChoice {
  const hasTools = state.toolCalls.length > 0;
  const emptyAnswer = hasTools ? null : (options.emptyAnswer ?? null);
  const message: ChatCompletionMessage = {
    role: 'assistant',
    content: state.content === '' ? emptyAnswer : state.content,
    refusal: null,
  };
  if (state.reasoning !== null) message.reasoning_content = state.reasoning;
  if (state.signature !== null) message.reasoning_signature = state.signature;
  if (hasTools) message.tool_calls = state.toolCalls;
  return {
    index: state.index,
    message,
    finish_reason: state.finish_reason,
    ...(state.logprobs.length > 0 ? { logprobs: { content: state.logprobs, refusal: null } } : {}),
  };
}

/** A non-streaming completion in the shape `reassemble` gives; `usage` as the translation reported it. */
export function fromCompletion(
  completion: ChatCompletion,
  usage: Usage | null = completion.usage ?? null,
): Reassembled {
  return {
    model: completion.model,
    choices: completion.choices.map((choice) => ({
      index: choice.index,
      message: choice.message,
      finish_reason: choice.finish_reason,
      ...(choice.logprobs?.content ? { logprobs: { content: choice.logprobs.content, refusal: null } } : {}),
    })),
    usage,
  };
}

/** An answer with one choice, as adapters whose upstream has no `n` give it. */
export interface SingleChoice {
  model: string;
  message: ChatCompletionMessage;
  finish_reason: string | null;
  usage: Usage | null;
}

export function singleChoice(reassembled: Reassembled): SingleChoice {
  const [choice, ...more] = reassembled.choices;
  if (choice === undefined || more.length > 0 || choice.index !== 0)
    throw new Error(`expected one choice at index 0, got ${reassembled.choices.length}`);
  return {
    model: reassembled.model,
    message: choice.message,
    finish_reason: choice.finish_reason,
    usage: reassembled.usage,
  };
}

/** The same chunks through the official OpenAI SDK's stream helper, which enforces §1.7 itself. */
export async function sdkFinalCompletion(chunks: ReadonlyArray<EmittedChunk>): Promise<ChatCompletion> {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const { json } of chunks) controller.enqueue(encoder.encode(`${json}\n`));
      controller.close();
    },
  });
  const completion = await ChatCompletionStream.fromReadableStream(body).finalChatCompletion();
  return completion as unknown as ChatCompletion;
}
