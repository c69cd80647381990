/**
 * What a fake upstream answers, decided without any wire format.
 *
 * A provider fake turns its request into a FakeRequestView, calls planReply(view, override,
 * options) and renders the FakeReply in its own wire format (JSON or stream).
 *
 *   planReply(view, override?, { choiceIndex?, toolCallId? }): FakeReply
 *
 * Default behaviour, deterministic for a given view:
 * - tools present, toolChoice not 'none', last message not a tool result → one tool call (the
 *   forced tool, else the first) with arguments synthesized from its JSON schema;
 * - last message a tool result → a text answer quoting that result;
 * - response format json_object / json_schema → valid JSON (matching the schema when given);
 * - otherwise a text reply that names the model and echoes the start of the last user message.
 * - an assistant prefix (Anthropic prefill, Mistral/DeepSeek `prefix: true`) is continued: when the
 *   planned (or scripted) text starts with it, only the rest is generated, as a model continuing its
 *   own words would.
 * Stop sequences cut the content (finish 'stop'); maxTokens truncates (finish 'length') and, as
 * OpenAI's max_completion_tokens does, counts reasoning tokens first. reasoning: true adds a short
 * reasoning text.
 *
 * Usage: promptTokens ≈ ceil(messageChars / 4) plus the tools' schema size; completionTokens =
 * tokens of content + tool arguments + reasoning (OpenAI's meaning: completion includes
 * reasoning; a provider that reports them apart subtracts reasoningTokens).
 *
 * An override (from a test's FakeScript.reply) replaces exactly the parts it names and is taken
 * verbatim: stop and maxTokens are not applied to scripted text. When it names content or
 * toolCalls but no finishReason, the finish reason follows them ('tool_calls' or 'stop'). Usage
 * is recomputed from the final parts, then fields of override.usage win. Scripted tool calls may
 * omit their id; one is generated.
 */
import { exampleFromSchema } from './json-from-schema.ts';
import { countTokens, estimatePromptTokens, splitTokens, truncateTokens } from './tokens.ts';

export type FakeToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type FakeResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; schema: unknown };

export interface FakeTool {
  name: string;
  /** JSON schema of the arguments. */
  parameters: unknown;
}

export interface FakeRequestView {
  model: string;
  lastUserText: string;
  /** Total characters of the prompt (all messages, system included), for token estimation. */
  messageChars: number;
  tools: FakeTool[];
  toolChoice: FakeToolChoice;
  lastMessageIsToolResult: boolean;
  toolResultText?: string;
  responseFormat: FakeResponseFormat;
  maxTokens?: number;
  stop?: string[];
  /** Thinking/reasoning requested (or implied by the model). */
  reasoning: boolean;
  n?: number;
  /** The text of a final assistant message the reply must continue (prefill / prefix mode). */
  assistantPrefix?: string;
}

export type FakeFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface FakeToolCall {
  id: string;
  name: string;
  /** JSON text, as every provider but Gemini puts it on the wire. */
  arguments: string;
}

export interface FakeUsage {
  /** All input tokens, cached ones included. */
  promptTokens: number;
  /** All output tokens, reasoning included. */
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}

export interface FakeReply {
  content: string;
  reasoning?: string;
  toolCalls?: FakeToolCall[];
  finishReason: FakeFinishReason;
  usage: FakeUsage;
}

export type FakeToolCallOverride = Omit<FakeToolCall, 'id'> & { id?: string };

export interface FakeReplyOverride {
  content?: string;
  reasoning?: string;
  toolCalls?: FakeToolCallOverride[];
  finishReason?: FakeFinishReason;
  usage?: Partial<FakeUsage>;
}

export interface PlanOptions {
  /** Which of n choices this is; choices after the first get a slightly different text. */
  choiceIndex?: number;
  /** The provider's tool-call id format; default "call_<choice>_<index>". */
  toolCallId?: (index: number) => string;
}

const ECHO_CHARS = 80;
const TOOL_RESULT_CHARS = 200;

export function planReply(
  view: FakeRequestView,
  override?: FakeReplyOverride,
  options: PlanOptions = {},
): FakeReply {
  const choiceIndex = options.choiceIndex ?? 0;
  const toolCallId = options.toolCallId ?? ((i: number) => `call_${choiceIndex}_${i}`);
  const planned = continued(view, planParts(view, choiceIndex, toolCallId));
  if (override === undefined) return withUsage(view, planned);

  const toolCalls =
    override.toolCalls === undefined
      ? planned.toolCalls
      : override.toolCalls.map((call, i) => ({
          id: call.id ?? toolCallId(i),
          name: call.name,
          arguments: call.arguments,
        }));
  const scriptedParts = override.content !== undefined || override.toolCalls !== undefined;
  const derivedFinish: FakeFinishReason = scriptedParts
    ? toolCalls !== undefined && toolCalls.length > 0
      ? 'tool_calls'
      : 'stop'
    : planned.finishReason;
  const merged: Parts = {
    content:
      override.content === undefined
        ? override.toolCalls !== undefined
          ? ''
          : planned.content
        : continuedText(view, override.content),
    reasoning: 'reasoning' in override ? override.reasoning : planned.reasoning,
    toolCalls,
    finishReason: override.finishReason ?? derivedFinish,
  };
  const reply = withUsage(view, merged);
  return { ...reply, usage: { ...reply.usage, ...override.usage } };
}

type Parts = Omit<FakeReply, 'usage'>;

/** The planned parts when the request ends in an assistant prefix: only what follows it. */
function continued(view: FakeRequestView, parts: Parts): Parts {
  if (view.assistantPrefix === undefined) return parts;
  return { ...parts, content: continuedText(view, parts.content) };
}

function continuedText(view: FakeRequestView, content: string): string {
  const prefix = view.assistantPrefix;
  // Anthropic trims trailing whitespace off a prefill; the continuation then starts with it.
  if (prefix === undefined || prefix === '') return content;
  if (content.startsWith(prefix)) return content.slice(prefix.length);
  const trimmed = prefix.trimEnd();
  return content.startsWith(trimmed) ? content.slice(trimmed.length) : content;
}

function planParts(view: FakeRequestView, choiceIndex: number, toolCallId: (index: number) => string): Parts {
  const echo = echoOf(view.lastUserText);
  const tool = chooseTool(view);
  const fullReasoning = view.reasoning ? reasoningText(view, echo, tool?.name) : undefined;

  let budget = view.maxTokens ?? Number.POSITIVE_INFINITY;
  let reasoning = fullReasoning;
  if (fullReasoning !== undefined) {
    const reasoningTokens = countTokens(fullReasoning);
    if (reasoningTokens >= budget) {
      // The whole budget went on thinking: nothing visible, as a reasoning model does.
      return { content: '', reasoning: truncateTokens(fullReasoning, budget), finishReason: 'length' };
    }
    budget -= reasoningTokens;
    reasoning = fullReasoning;
  }

  if (tool !== undefined) {
    const args = JSON.stringify(exampleFromSchema(tool.parameters, view.lastUserText));
    const argTokens = countTokens(args);
    const truncated = argTokens > budget;
    return {
      content: '',
      reasoning,
      toolCalls: [
        { id: toolCallId(0), name: tool.name, arguments: truncated ? truncateTokens(args, budget) : args },
      ],
      finishReason: truncated ? 'length' : 'tool_calls',
    };
  }

  let content = contentText(view, echo, choiceIndex);
  let finishReason: FakeFinishReason = 'stop';
  const cut = firstStopIndex(content, view.stop);
  if (cut !== -1) content = content.slice(0, cut);
  if (splitTokens(content).length > budget) {
    content = truncateTokens(content, budget);
    finishReason = 'length';
  }
  return { content, reasoning, finishReason };
}

function chooseTool(view: FakeRequestView): FakeTool | undefined {
  if (view.tools.length === 0 || view.toolChoice === 'none' || view.lastMessageIsToolResult) return undefined;
  const choice = view.toolChoice;
  if (typeof choice === 'object') {
    return view.tools.find((t) => t.name === choice.name) ?? { name: choice.name, parameters: {} };
  }
  return view.tools[0];
}

function contentText(view: FakeRequestView, echo: string, choiceIndex: number): string {
  const format = view.responseFormat;
  if (format.type === 'json_schema')
    return JSON.stringify(exampleFromSchema(format.schema, view.lastUserText));
  if (format.type === 'json_object') {
    return JSON.stringify({ model: view.model, answer: echo === '' ? 'Hello!' : `You said: ${echo}` });
  }
  const alternative = choiceIndex > 0 ? ` (alternative ${choiceIndex + 1})` : '';
  if (view.lastMessageIsToolResult) {
    const result = clip((view.toolResultText ?? '').replace(/\s+/g, ' ').trim(), TOOL_RESULT_CHARS);
    return `Based on the tool result, here is the answer${alternative}: ${result === '' ? '(empty result)' : result}. Let me know if you need anything else.`;
  }
  const said = echo === '' ? '' : ` You said: "${echo}".`;
  return `Hello from ${view.model}${alternative}!${said} This is a simulated reply from the Switchyard demo upstream, streamed token by token.`;
}

function reasoningText(view: FakeRequestView, echo: string, toolName: string | undefined): string {
  const asked = echo === '' ? 'The user sent an empty message.' : `The user wrote: "${echo}".`;
  const plan =
    toolName !== undefined
      ? `I should call ${toolName} to get the data first.`
      : 'A short, friendly answer fits.';
  return `${asked} ${plan} I am ${view.model}, so I will say so.`;
}

function withUsage(view: FakeRequestView, parts: Parts): FakeReply {
  const toolsChars = view.tools.length > 0 ? JSON.stringify(view.tools).length : 0;
  const reasoningTokens = parts.reasoning === undefined ? 0 : countTokens(parts.reasoning);
  const argumentTokens = (parts.toolCalls ?? []).reduce((sum, call) => sum + countTokens(call.arguments), 0);
  return {
    ...parts,
    usage: {
      promptTokens: estimatePromptTokens(view.messageChars) + estimatePromptTokens(toolsChars),
      completionTokens: countTokens(parts.content) + argumentTokens + reasoningTokens,
      cachedTokens: 0,
      reasoningTokens,
    },
  };
}

function firstStopIndex(text: string, stop: string[] | undefined): number {
  let first = -1;
  for (const s of stop ?? []) {
    if (s === '') continue;
    const at = text.indexOf(s);
    if (at !== -1 && (first === -1 || at < first)) first = at;
  }
  return first;
}

function echoOf(text: string): string {
  return clip(text.replace(/\s+/g, ' ').trim(), ECHO_CHARS);
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.lastIndexOf(' ', max);
  return `${text.slice(0, cut > max / 2 ? cut : max)}…`;
}
