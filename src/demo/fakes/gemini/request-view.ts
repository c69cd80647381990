/**
 * toFakeRequestView(request, model): the provider-neutral view planReply works from, read off a
 * validated generateContent body.
 *
 * Prompt size counts text, function-call args and responses, and 258 tokens per inline or file
 * part (Gemini's cost of one image up to 384 px). Reasoning is planned when the model thinks and
 * thinking is not switched off (budget 0); whether the thought text is returned is the renderer's
 * business (includeThoughts). Function declarations written as OpenAPI `parameters` (types in
 * capitals) are read as JSON Schema for the argument generator.
 */
import type { GeminiContent, GeminiPart, GeminiRequest } from '../../../providers/gemini/wire.ts';
import { setOwnProperty } from '../../../providers/shared/own-property.ts';
import type { FakeRequestView, FakeResponseFormat, FakeTool, FakeToolChoice } from '../shared/reply-plan.ts';
import type { GeminiModel } from './models.ts';

const MEDIA_PART_CHARS = 258 * 4;

export function toFakeRequestView(request: GeminiRequest, model: GeminiModel): FakeRequestView {
  const contents = request.contents ?? [];
  const last = contents.at(-1);
  const lastUser = contents.findLast(
    (c) => c.role !== 'model' && (c.parts ?? []).some((p) => typeof p.text === 'string'),
  );
  const toolResults = (last?.parts ?? []).filter((p) => p.functionResponse !== undefined);
  const config = request.generationConfig;
  const thinking = config?.thinkingConfig;
  const { tools, toolChoice } = toolsOf(request);
  const view: FakeRequestView = {
    model: model.id,
    lastUserText: lastUser === undefined ? '' : textOf(lastUser),
    messageChars: [...contents, ...(request.systemInstruction ? [request.systemInstruction] : [])].reduce(
      (sum, content) => sum + charsOf(content.parts ?? []),
      0,
    ),
    tools,
    toolChoice,
    lastMessageIsToolResult: last?.role !== 'model' && toolResults.length > 0,
    responseFormat: responseFormatOf(request),
    reasoning: model.thinking && thinking?.thinkingBudget !== 0,
  };
  if (toolResults.length > 0)
    view.toolResultText = toolResults
      .map((p) => JSON.stringify(p.functionResponse?.response ?? {}))
      .join('\n');
  if (config?.maxOutputTokens !== undefined) view.maxTokens = config.maxOutputTokens;
  if (config?.stopSequences !== undefined && config.stopSequences.length > 0)
    view.stop = config.stopSequences;
  if (config?.candidateCount !== undefined) view.n = config.candidateCount;
  return view;
}

function toolsOf(request: GeminiRequest): { tools: FakeTool[]; toolChoice: FakeToolChoice } {
  const declared: FakeTool[] = (request.tools ?? []).flatMap((tool) =>
    (tool.functionDeclarations ?? []).map((d) => ({
      name: d.name ?? '',
      parameters: d.parametersJsonSchema ?? lowercaseTypes(d.parameters) ?? {},
    })),
  );
  const config = request.toolConfig?.functionCallingConfig;
  const allowed = config?.allowedFunctionNames ?? [];
  const tools = allowed.length > 0 ? declared.filter((t) => allowed.includes(t.name)) : declared;
  const onlyName = allowed.length === 1 ? allowed[0] : undefined;
  let toolChoice: FakeToolChoice = 'auto';
  if (config?.mode === 'NONE') toolChoice = 'none';
  else if (config?.mode === 'ANY') toolChoice = onlyName !== undefined ? { name: onlyName } : 'required';
  return { tools, toolChoice };
}

function responseFormatOf(request: GeminiRequest): FakeResponseFormat {
  const config = request.generationConfig;
  if (config?.responseMimeType !== 'application/json') return { type: 'text' };
  const schema = config.responseJsonSchema ?? lowercaseTypes(config.responseSchema);
  return schema === undefined ? { type: 'json_object' } : { type: 'json_schema', schema };
}

function textOf(content: GeminiContent): string {
  return (content.parts ?? [])
    .map((p) => (p.thought === true ? '' : (p.text ?? '')))
    .filter((t) => t !== '')
    .join('\n');
}

function charsOf(parts: readonly GeminiPart[]): number {
  let chars = 0;
  for (const part of parts) {
    if (typeof part.text === 'string') chars += part.text.length;
    else if (part.functionCall !== undefined) chars += JSON.stringify(part.functionCall).length;
    else if (part.functionResponse !== undefined) chars += JSON.stringify(part.functionResponse).length;
    else chars += MEDIA_PART_CHARS;
  }
  return chars;
}

/** Gemini's OpenAPI-subset Schema spells types in capitals (`OBJECT`); JSON Schema in lowercase. */
function lowercaseTypes(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(lowercaseTypes);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    setOwnProperty(
      out,
      key,
      key === 'type' && typeof value === 'string' ? value.toLowerCase() : lowercaseTypes(value),
    );
  }
  return out;
}
