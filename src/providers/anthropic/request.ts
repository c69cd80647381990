/**
 * OpenAI chat request to `POST /v1/messages` (docs/providers.md §2.2, §2.4, §2.13). Pure: the attempt loop
 * builds the request again for every target, so nothing here mutates `request`.
 *
 * Policy for OpenAI parameters Claude has no equivalent for, applied the same way everywhere:
 * - a parameter that changes what comes back gets a 400 naming it when set to anything but its
 *   neutral value: `n` > 1, `logprobs`/`top_logprobs`, non-zero penalties, a non-empty `logit_bias`,
 *   audio output, custom tools, `allowed_tools`;
 * - `seed` is accepted and ignored: OpenAI itself documents it as best effort, never a guarantee;
 * - `temperature`/`top_p` are hints: sent where the model takes them (clamped to Claude's 0–1), left
 *   out where the model has no sampling controls (Opus 4.7+, the 5-series) or while it thinks (the API
 *   rejects modified sampling with thinking on), as other gateways do for these models;
 * - fields Anthropic has no use for (`store`, OpenAI `metadata`, `service_tier`, `prediction`, …) are
 *   not forwarded, since the Messages API rejects fields it does not know.
 */
import type { ChatRequest, ChatTool } from '../../protocol/chat-request.ts';
import { invalidRequest, unsupportedParameter } from '../../errors/codes.ts';
import type { AdapterCall, UpstreamRequest } from '../types.ts';
import { toAnthropicStrictSchema } from './json-schema.ts';
import { toAnthropicPrompt } from './messages.ts';
import { type AnthropicEffort, type AnthropicModelProfile, anthropicModelProfile } from './models.ts';
import {
  ANTHROPIC_API_VERSION,
  type AnthropicRequestBody,
  type TextBlockParam,
  type ThinkingConfigParam,
  type Tool,
  type ToolChoice,
} from './wire.ts';

const PROVIDER = 'anthropic';

/**
 * json_object has no Anthropic switch: structured outputs need a schema, and a schema of a bare object
 * would have to be closed (`additionalProperties: false`), forcing `{}`. A system instruction keeps
 * streaming, tools and thinking working; like OpenAI's JSON mode it asks, it does not parse.
 */
export const JSON_OBJECT_INSTRUCTION =
  'Respond with a single valid JSON object and nothing else: no Markdown code fences, no text before or after it.';

/** `reasoning_effort` to `budget_tokens` on budget models; capped at half the model's output limit. */
export const THINKING_BUDGETS: Readonly<
  Record<Exclude<ChatRequest['reasoning_effort'] & string, 'none'>, number>
> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16_384,
  xhigh: 24_576,
  max: 32_000,
};

const EFFORT_ORDER: readonly AnthropicEffort[] = ['low', 'medium', 'high', 'xhigh', 'max'];

export function toAnthropicRequest(
  request: ChatRequest,
  call: AdapterCall,
  stream: boolean,
): UpstreamRequest {
  return {
    method: 'POST',
    path: `${call.target.basePath}/v1/messages`,
    headers: call.headers as Record<string, string>,
    body: JSON.stringify(toAnthropicBody(request, call.target.model, stream)),
  };
}

export function toAnthropicBody(request: ChatRequest, model: string, stream: boolean): AnthropicRequestBody {
  rejectUnsupported(request);
  const profile = anthropicModelProfile(model);
  const prompt = toAnthropicPrompt(request, model);
  const tools = (request.tools ?? []).map(toAnthropicTool);
  const forcedTool =
    request.tool_choice === 'required' ||
    (typeof request.tool_choice === 'object' && request.tool_choice.type === 'function');
  const reasoning = reasoningSettings(request, profile, model, forcedTool);

  const body: AnthropicRequestBody = { model, max_tokens: reasoning.maxTokens, messages: prompt.messages };
  const system: TextBlockParam[] = [...prompt.system];
  if (request.response_format?.type === 'json_object')
    system.push({ type: 'text', text: JSON_OBJECT_INSTRUCTION });
  if (system.length > 0) body.system = system;

  if (tools.length > 0) body.tools = tools;
  const toolChoice = toAnthropicToolChoice(request, tools);
  if (toolChoice !== undefined) body.tool_choice = toolChoice;
  if (forcedTool && reasoning.thinkingOn) {
    throw unsupportedParameter(
      'tool_choice',
      PROVIDER,
      'Claude cannot be forced to call a tool while it thinks; use "auto" or reasoning_effort "none"',
    );
  }
  if (forcedTool && !profile.forcedToolChoice) {
    throw unsupportedParameter(
      'tool_choice',
      PROVIDER,
      `${model} does not accept forced tool use; use "auto"`,
    );
  }

  if (reasoning.thinking !== undefined) body.thinking = reasoning.thinking;
  const outputConfig: NonNullable<AnthropicRequestBody['output_config']> = {};
  if (reasoning.effort !== undefined) outputConfig.effort = reasoning.effort;
  if (request.response_format?.type === 'json_schema') {
    const spec = request.response_format.json_schema;
    if (spec.schema === undefined)
      throw invalidRequest('json_schema.schema is required.', 'response_format.json_schema.schema');
    const schema = toAnthropicStrictSchema(spec.schema);
    if (spec.description !== undefined && schema.description === undefined)
      schema.description = spec.description;
    outputConfig.format = { type: 'json_schema', schema };
  }
  if (outputConfig.effort !== undefined || outputConfig.format !== undefined)
    body.output_config = outputConfig;

  const stop = typeof request.stop === 'string' ? [request.stop] : (request.stop ?? []);
  if (stop.length > 0) body.stop_sequences = stop;
  if (!reasoning.thinkingOn) addSampling(body, request, profile);
  const userId = userIdOf(request);
  if (userId !== undefined) body.metadata = { user_id: userId };
  if (stream) body.stream = true;
  return body;
}

function rejectUnsupported(request: ChatRequest): void {
  if (request.n != null && request.n > 1) {
    throw unsupportedParameter(
      'n',
      PROVIDER,
      'Claude returns one choice per request; send n requests instead',
    );
  }
  if (request.logprobs === true)
    throw unsupportedParameter('logprobs', PROVIDER, 'Claude does not return token log probabilities');
  if (request.top_logprobs != null && request.top_logprobs > 0) {
    throw unsupportedParameter('top_logprobs', PROVIDER, 'Claude does not return token log probabilities');
  }
  for (const param of ['frequency_penalty', 'presence_penalty'] as const) {
    const value = request[param];
    if (value != null && value !== 0)
      throw unsupportedParameter(param, PROVIDER, 'Claude has no repetition penalties');
  }
  if (request.logit_bias != null && Object.keys(request.logit_bias).length > 0) {
    throw unsupportedParameter('logit_bias', PROVIDER, 'Claude has no token biasing');
  }
  const extra = request as { modalities?: unknown; audio?: unknown };
  if (
    (Array.isArray(extra.modalities) && extra.modalities.includes('audio')) ||
    (extra.audio !== undefined && extra.audio !== null)
  ) {
    throw unsupportedParameter('modalities', PROVIDER, 'Claude produces text only');
  }
}

interface ReasoningSettings {
  thinking: ThinkingConfigParam | undefined;
  effort: AnthropicEffort | undefined;
  maxTokens: number;
  /** Whether the model will think: rules out forced tool use and sampling parameters. */
  thinkingOn: boolean;
}

function reasoningSettings(
  request: ChatRequest,
  profile: AnthropicModelProfile,
  model: string,
  forcedTool: boolean,
): ReasoningSettings {
  const clientMax = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const maxTokens = clientMax ?? profile.defaultMaxTokens;
  const effort = request.reasoning_effort ?? undefined;
  const settings: ReasoningSettings = {
    thinking: undefined,
    effort: undefined,
    maxTokens,
    thinkingOn: false,
  };
  if (effort === undefined) {
    // Models that think by default keep doing so, unless the client forces a tool: it asked for a
    // tool call, not for reasoning, and the two cannot be combined.
    if (profile.thinkingOff === 'disabled' && forcedTool) settings.thinking = { type: 'disabled' };
    else settings.thinkingOn = profile.thinkingOff !== 'omit';
    return settings;
  }
  if (profile.thinking === 'unsupported') {
    if (effort === 'none') return settings;
    throw unsupportedParameter('reasoning_effort', PROVIDER, `${model} has no extended thinking`);
  }
  if (effort === 'none') {
    switch (profile.thinkingOff) {
      case 'omit':
        return settings;
      case 'disabled':
        settings.thinking = { type: 'disabled' };
        return settings;
      case 'between_tools':
        // Sonnet 5.5 turns off upfront thinking only; it may still think between tool calls.
        return { ...settings, thinking: { type: 'between_tools' }, thinkingOn: true };
      case null:
        // The model cannot stop thinking: the least it can do is the lowest effort.
        return {
          ...settings,
          thinking: { type: 'adaptive' },
          effort: profile.efforts[0] ?? 'low',
          thinkingOn: true,
        };
    }
  }
  if (profile.thinking === 'budget') {
    // budget_tokens must be ≥ 1024 and < max_tokens. OpenAI counts reasoning inside
    // max_completion_tokens, but a client cap at or below the budget would leave no room for the
    // answer, so the answer keeps the client's number on top of the budget.
    const budget = Math.min(THINKING_BUDGETS[effort], Math.floor(profile.maxOutputTokens / 2));
    const raised = maxTokens <= budget ? budget + maxTokens : maxTokens;
    return {
      thinking: { type: 'enabled', budget_tokens: budget },
      effort: undefined,
      maxTokens: raised,
      thinkingOn: true,
    };
  }
  return {
    thinking: { type: 'adaptive' },
    effort: nearestEffort(effort, profile.efforts),
    maxTokens,
    thinkingOn: true,
  };
}

/** The requested level if the model has it, else the closest level below it, else its lowest. */
export function nearestEffort(effort: string, supported: readonly AnthropicEffort[]): AnthropicEffort {
  const wanted = EFFORT_ORDER.indexOf(effort === 'minimal' ? 'low' : (effort as AnthropicEffort));
  for (let i = wanted; i >= 0; i--) {
    const level = EFFORT_ORDER[i];
    if (level !== undefined && supported.includes(level)) return level;
  }
  return supported[0] ?? 'medium';
}

function addSampling(body: AnthropicRequestBody, request: ChatRequest, profile: AnthropicModelProfile): void {
  if (profile.sampling === 'none') return;
  // OpenAI's range is 0–2, Claude's 0–1. Clamping keeps both ends' meaning (0 greedy, 1 both APIs'
  // default); scaling would turn the default 1 into 0.5 and change every request that sends it.
  const temperature = request.temperature ?? undefined;
  if (temperature !== undefined) body.temperature = Math.min(temperature, 1);
  const topP = request.top_p ?? undefined;
  // Models that take one sampler answer 400 to both; temperature is the one clients mean.
  if (topP !== undefined && (profile.sampling === 'both' || temperature === undefined)) body.top_p = topP;
}

function toAnthropicTool(tool: ChatTool, i: number): Tool {
  if (tool.type !== 'function') {
    throw unsupportedParameter(
      `tools[${i}]`,
      PROVIDER,
      'custom (free-form grammar) tools have no Claude equivalent',
    );
  }
  const fn = tool.function;
  const parameters = fn.parameters ?? { type: 'object', properties: {} };
  if (parameters.type !== undefined && parameters.type !== 'object') {
    throw invalidRequest(
      "Claude tools take a JSON schema of type 'object'.",
      `tools[${i}].function.parameters`,
    );
  }
  const schema = { ...parameters, type: 'object' };
  const out: Tool = {
    name: fn.name,
    input_schema: (fn.strict === true ? toAnthropicStrictSchema(schema) : schema) as Tool['input_schema'],
  };
  if (fn.description !== undefined) out.description = fn.description;
  if (fn.strict === true) out.strict = true;
  const marker = (tool as { cache_control?: unknown }).cache_control as
    | { type?: unknown; ttl?: unknown }
    | undefined;
  if (marker?.type === 'ephemeral')
    out.cache_control = marker.ttl === '1h' ? { type: 'ephemeral', ttl: '1h' } : { type: 'ephemeral' };
  return out;
}

function toAnthropicToolChoice(request: ChatRequest, tools: readonly Tool[]): ToolChoice | undefined {
  const choice = request.tool_choice;
  const disableParallel = request.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  if (tools.length === 0) {
    if (choice === 'required' || typeof choice === 'object')
      throw invalidRequest('tool_choice forces a tool call but no tools were given.', 'tool_choice');
    return undefined;
  }
  if (choice === undefined || choice === 'auto')
    return request.parallel_tool_calls === false ? { type: 'auto', ...disableParallel } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any', ...disableParallel };
  if (choice.type === 'function') {
    const name = choice.function.name;
    if (!tools.some((tool) => tool.name === name))
      throw invalidRequest(`tool_choice names '${name}', which is not in tools.`, 'tool_choice');
    return { type: 'tool', name, ...disableParallel };
  }
  throw unsupportedParameter(
    'tool_choice',
    PROVIDER,
    `a '${choice.type}' tool_choice has no Claude equivalent`,
  );
}

/** `safety_identifier` is OpenAI's successor of `user`; both mean Anthropic's `metadata.user_id`. */
function userIdOf(request: ChatRequest): string | undefined {
  const safety = (request as { safety_identifier?: unknown }).safety_identifier;
  if (typeof safety === 'string' && safety !== '') return safety;
  return request.user !== undefined && request.user !== '' ? request.user : undefined;
}

export function buildAnthropicHeaders(apiKey: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'anthropic-version': ANTHROPIC_API_VERSION,
  };
  if (apiKey !== undefined && apiKey !== '') headers['x-api-key'] = apiKey;
  return headers;
}

export function anthropicModelsRequest(call: AdapterCall): UpstreamRequest {
  return {
    method: 'GET',
    path: `${call.target.basePath}/v1/models?limit=1`,
    headers: call.headers as Record<string, string>,
    body: undefined,
  };
}
