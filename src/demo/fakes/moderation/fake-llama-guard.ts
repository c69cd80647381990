/**
 * startFakeLlamaGuard(options): a Llama Guard model behind an OpenAI-compatible chat endpoint, as vLLM or
 * Ollama serve it (docs/providers.md §7). It checks that the prompt is the official Llama Guard 3 task
 * (the categories block S1–S14, the conversation, the two-line answer instruction), judges the last
 * `Agent:` turn against its harm phrases and answers `safe` or `unsafe\nS<n>` as the message content.
 *
 * Routes: POST /v1/chat/completions. A prompt that is not the Llama Guard task gets a 400, so a test
 * proves the gateway built it; `fake.control.enqueue({ fault })` applies the toolkit's faults.
 */
import {
  errorForStatus,
  invalidApiKey,
  invalidRequest,
  invalidUrl,
  type OpenAIErrorResponse,
} from '../openai/errors.ts';
import { type FakeServer, type ProviderFakeOptions, startFakeServer } from '../shared/fake-server.ts';
import { DEFAULT_HARM_PHRASES, type HarmPhrase } from './harm-phrases.ts';

export interface FakeLlamaGuardOptions extends ProviderFakeOptions {
  phrases?: readonly HarmPhrase[];
}

const REQUIRED_PARTS = [
  "Task: Check if there is unsafe content in 'Agent' messages in conversations according our safety policy with the below categories.",
  '<BEGIN UNSAFE CONTENT CATEGORIES>',
  'S1: Violent Crimes.',
  'S14: Code Interpreter Abuse.',
  '<END UNSAFE CONTENT CATEGORIES>',
  '<BEGIN CONVERSATION>',
  '<END CONVERSATION>',
  'Provide your safety assessment for ONLY THE LAST Agent message in the above conversation:',
  "- First line must read 'safe' or 'unsafe'.",
];

/** The last `Agent:` turn of a Llama Guard task prompt, or undefined when the prompt is not one. */
export function lastAgentTurn(prompt: string): string | undefined {
  if (!REQUIRED_PARTS.every((part) => prompt.includes(part))) return undefined;
  const conversation = prompt.slice(
    prompt.indexOf('<BEGIN CONVERSATION>'),
    prompt.indexOf('<END CONVERSATION>'),
  );
  const at = conversation.lastIndexOf('\n\nAgent: ');
  if (at < 0) return undefined;
  return conversation.slice(at + '\n\nAgent: '.length).trimEnd();
}

export function startFakeLlamaGuard(options: FakeLlamaGuardOptions = {}): Promise<FakeServer> {
  const phrases = options.phrases ?? DEFAULT_HARM_PHRASES;
  const keys = options.keys === undefined ? undefined : new Set(options.keys);
  return startFakeServer({
    name: 'llama-guard',
    ...options,
    handler: async (exchange) => {
      if (exchange.method !== 'POST' || exchange.path !== '/v1/chat/completions') {
        send(exchange, invalidUrl(exchange.method, exchange.path));
        return;
      }
      const key = exchange.req.headers.authorization?.replace(/^Bearer /, '');
      if (keys !== undefined && (key === undefined || !keys.has(key))) {
        send(exchange, invalidApiKey(key ?? ''));
        return;
      }
      const body =
        exchange.body.kind === 'json' ? (exchange.body.value as Record<string, unknown>) : undefined;
      const model = typeof body?.model === 'string' ? body.model : '';
      const script = exchange.takeScript(model);
      if (await exchange.applyEarlyFault(script, { streaming: false, errorFor: errorForStatus })) return;
      const messages = body?.messages;
      const prompt =
        Array.isArray(messages) && messages.length === 1 && typeof messages[0]?.content === 'string'
          ? (messages[0].content as string)
          : undefined;
      const agent = prompt === undefined ? undefined : lastAgentTurn(prompt);
      if (agent === undefined) {
        send(exchange, invalidRequest('The prompt is not a Llama Guard task.', 'messages'));
        return;
      }
      const codes = [
        ...new Set(phrases.filter((phrase) => phrase.pattern.test(agent)).map((phrase) => phrase.code)),
      ];
      const content = codes.length === 0 ? 'safe' : `unsafe\n${codes.join(',')}`;
      await exchange.sendJson(
        200,
        {
          id: exchange.ids.next('chatcmpl-', 29),
          object: 'chat.completion',
          created: Math.floor(exchange.now() / 1000),
          model,
          choices: [
            { index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: 'stop' },
          ],
          usage: usage(Math.ceil((prompt as string).length / 4), codes.length === 0 ? 1 : 4),
        },
        { script },
      );
    },
  });
}

function send(
  exchange: { sendJsonNow(status: number, body: unknown, headers?: Record<string, string>): void },
  error: OpenAIErrorResponse,
): void {
  exchange.sendJsonNow(error.status, error.body, error.headers);
}

function usage(prompt: number, completion: number) {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
