/**
 * OpenAI tools and tool_choice → Gemini functionDeclarations and toolConfig (docs/providers.md §3.2).
 */
import { invalidRequest, unsupportedParameter } from '../../errors/codes.ts';
import type { ChatRequest, ChatTool } from '../../protocol/chat-request.ts';
import { toGeminiJsonSchema } from './json-schema.ts';
import type { GeminiFunctionCallingConfig, GeminiFunctionDeclaration, GeminiToolConfig } from './wire.ts';

const PROVIDER = 'gemini';

/** Gemini's function-name rule (SDK FunctionDeclaration docs); OpenAI also allows a leading digit or dash. */
const GEMINI_FUNCTION_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/;

export function toGeminiDeclarations(
  tools: ReadonlyArray<ChatTool> | undefined,
): GeminiFunctionDeclaration[] {
  if (tools === undefined) return [];
  return tools.map((tool, i) => {
    if (tool.type !== 'function') {
      throw unsupportedParameter(
        `tools[${i}]`,
        PROVIDER,
        'custom (free-form grammar) tools have no Gemini equivalent',
      );
    }
    const fn = tool.function;
    if (!GEMINI_FUNCTION_NAME.test(fn.name)) {
      throw invalidRequest(
        `tools[${i}].function.name '${fn.name}' is not a valid Gemini function name: it must start with a letter or an underscore.`,
        `tools[${i}].function.name`,
      );
    }
    const declaration: GeminiFunctionDeclaration = { name: fn.name };
    if (fn.description !== undefined) declaration.description = fn.description;
    // `strict` needs no translation: Gemini constrains calls to the declared schema itself.
    if (fn.parameters !== undefined) declaration.parametersJsonSchema = toGeminiJsonSchema(fn.parameters);
    return declaration;
  });
}

export function toGeminiToolConfig(
  request: ChatRequest,
  declarations: ReadonlyArray<GeminiFunctionDeclaration>,
): GeminiToolConfig | undefined {
  const choice = request.tool_choice;
  if (choice === undefined) return undefined;
  const known = new Set(declarations.map((d) => d.name));
  const requireTools = (): void => {
    if (declarations.length === 0) throw invalidRequest("'tool_choice' requires 'tools'.", 'tool_choice');
  };
  let config: GeminiFunctionCallingConfig;
  if (choice === 'auto' || choice === 'none') {
    if (declarations.length === 0) return undefined; // no tools: both mean "answer in text" already
    config = { mode: choice === 'auto' ? 'AUTO' : 'NONE' };
  } else if (choice === 'required') {
    requireTools();
    config = { mode: 'ANY' };
  } else if (choice.type === 'function') {
    requireTools();
    const name = choice.function.name;
    if (!known.has(name))
      throw invalidRequest(`tool_choice names '${name}', which is not in 'tools'.`, 'tool_choice');
    config = { mode: 'ANY', allowedFunctionNames: [name] };
  } else if (choice.type === 'allowed_tools') {
    requireTools();
    const names = choice.allowed_tools.tools.map((tool, k) => {
      const name = (tool.function as { name?: unknown } | undefined)?.name;
      if (typeof name !== 'string' || !known.has(name)) {
        throw invalidRequest(
          `tool_choice.allowed_tools.tools[${k}] must name a function in 'tools'.`,
          `tool_choice.allowed_tools.tools[${k}]`,
        );
      }
      return name;
    });
    // VALIDATED is "calls or text, limited to allowedFunctionNames", OpenAI's allowed_tools `auto`.
    config = {
      mode: choice.allowed_tools.mode === 'required' ? 'ANY' : 'VALIDATED',
      allowedFunctionNames: names,
    };
  } else {
    throw unsupportedParameter(
      'tool_choice',
      PROVIDER,
      'custom (free-form grammar) tools have no Gemini equivalent',
    );
  }
  return { functionCallingConfig: config };
}
