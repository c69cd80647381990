/**
 * What the pre-flight estimate and a price lookup cost per request (src/pricing/estimate.ts,
 * price-book.ts): µs per call, as the median of several timed rounds after a warm-up (this machine's
 * wall clock drifts with other guests, so compare medians, and runs against each other).
 *
 *   node bench/pricing-estimate.ts [--rounds 7]
 */
import { scriptArgs } from '../scripts/command-line.ts';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { countPromptTokens, estimateRequest } from '../src/pricing/estimate.ts';
import { PriceBook } from '../src/pricing/price-book.ts';
import type { ChatRequest } from '../src/protocol/chat-request.ts';

const { values } = scriptArgs({ options: { rounds: { type: 'string', default: '7' } } });
const rounds = Number(values.rounds);

const book = PriceBook.fromConfig({ models: { 'gpt-4.1': { input: 2, output: 8 } } });
const target = {
  providerType: 'openai',
  price: book.priceFor('openai', 'openai', 'gpt-4.1'),
  limits: book.limitsFor('openai', 'openai', 'gpt-4.1'),
};

const shortChat: ChatRequest = {
  model: 'smart',
  messages: [
    { role: 'system', content: 'You are a helpful assistant. Answer briefly.' },
    { role: 'user', content: 'What is the capital of France, and what is it famous for?' },
    { role: 'assistant', content: 'Paris: the Eiffel Tower, the Louvre, cafés and its food.' },
    { role: 'user', content: 'And what about Lyon? Give me three things.' },
  ],
  max_tokens: 256,
};
const prose =
  'Switchyard routes each request to the cheapest healthy provider, retries on 429 and falls over on 5xx; ' +
  'budgets are reserved before the call and settled against the usage the provider reports. ';
const big = (text: string): ChatRequest => ({ model: 'smart', messages: [{ role: 'user', content: text }] });
const prose100k = big(prose.repeat(Math.ceil(100_000 / prose.length)).slice(0, 100_000));
const run100k = big('x'.repeat(100_000));
const code = 'export function f(a: number): number { return a * 2 + Math.floor(a / 3); }\n';
const code12k = big(code.repeat(Math.ceil(12_000 / code.length)).slice(0, 12_000));

function measure(name: string, iterations: number, fn: () => unknown): void {
  for (let i = 0; i < Math.max(10, iterations / 10); i++) fn();
  const perCall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    perCall.push(Number(process.hrtime.bigint() - start) / 1e3 / iterations);
  }
  perCall.sort((a, b) => a - b);
  const median = perCall[Math.floor(perCall.length / 2)] as number;
  console.log(
    `${name.padEnd(44)} ${median.toFixed(2).padStart(10)} µs/call  (min ${(perCall[0] as number).toFixed(2)})`,
  );
}

measure('priceFor, memo hit', 1_000_000, () => book.priceFor('openai', 'openai', 'gpt-4.1'));
measure('estimate, short chat (4 messages)', 20_000, () => estimateRequest(shortChat, target));
measure('estimate, 12 KB of code (exact)', 500, () => estimateRequest(code12k, target));
measure('estimate, 100 KB of prose (sampled)', 200, () => estimateRequest(prose100k, target));
measure('estimate, 100 KB without a space (sampled)', 200, () => estimateRequest(run100k, target));
const proseText = prose100k.messages[0]?.content as string;
console.log(
  `tokens: short ${countPromptTokens(shortChat)}, 12 KB code ${countPromptTokens(code12k)}, ` +
    `100 KB prose ${countPromptTokens(prose100k)} (whole text in one call: ${countTokens(proseText) + 7}), ` +
    `100 KB run ${countPromptTokens(run100k)}`,
);
