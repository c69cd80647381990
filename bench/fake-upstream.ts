/**
 * The benchmark's upstream: an OpenAI-shaped server that answers at once, so every target is measured
 * against the same near-zero upstream cost (docs/design.md §4). Not a faithful fake (src/demo/fakes is):
 * every answer is built once per model name and then written as prebuilt bytes, and the request body
 * is scanned for three fields instead of parsed.
 *
 *   node bench/fake-upstream.ts PORT [--chunks N]
 *
 * POST /v1/chat/completions: a chat.completion, or with `"stream":true` an SSE stream of N chunks, a
 * usage chunk when `include_usage` is true, then `[DONE]`. A model named `drip-<ms>` streams its
 * chunks <ms> apart instead of all at once, which holds streams open for the open-streams scenario.
 */
import { createServer, type ServerResponse } from 'node:http';
import { scriptArgs } from '../scripts/command-line.ts';

const { values, positionals } = scriptArgs({
  allowPositionals: true,
  options: { chunks: { type: 'string', default: '20' } },
});
const port = Number(positionals[0] ?? 0);
const chunkCount = Math.max(2, Number(values.chunks));

const created = Math.floor(Date.now() / 1000);
const words = ' The quick brown fox jumps over the lazy dog, then naps in the warm afternoon sun.'.split(
  /(?= )/,
);

interface Answer {
  json: Buffer;
  jsonLength: string;
  chunks: Buffer[];
  usageChunk: Buffer;
  dripMs: number;
}

const done = Buffer.from('data: [DONE]\n\n');
const answers = new Map<string, Answer>();

function answerFor(model: string): Answer {
  const cached = answers.get(model);
  if (cached !== undefined) return cached;
  const id = `chatcmpl-bench${answers.size.toString(36)}`;
  const pieces: string[] = [];
  for (let i = 0; i < chunkCount - 2; i++) pieces.push(words[i % words.length] as string);
  const usage = {
    prompt_tokens: 24,
    completion_tokens: pieces.length,
    total_tokens: 24 + pieces.length,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  };
  const json = Buffer.from(
    JSON.stringify({
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: pieces.join(''), refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage,
      system_fingerprint: 'fp_bench',
    }),
  );
  const chunk = (delta: object, finish: string | null) =>
    Buffer.from(
      `data: ${JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        system_fingerprint: 'fp_bench',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        usage: null,
      })}\n\n`,
    );
  const chunks = [chunk({ role: 'assistant', content: '' }, null)];
  for (const piece of pieces) chunks.push(chunk({ content: piece }, null));
  chunks.push(chunk({}, 'stop'));
  const usageChunk = Buffer.from(
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_bench', choices: [], usage })}\n\n`,
  );
  const drip = /^drip-(\d+)$/.exec(model);
  const answer = {
    json,
    jsonLength: String(json.length),
    chunks,
    usageChunk,
    dripMs: Number(drip?.[1] ?? 0),
  };
  // Bounded: the bench uses a handful of names.
  if (answers.size < 64) answers.set(model, answer);
  return answer;
}

const modelField = /"model"\s*:\s*"([^"\\]{1,200})"/;
const streamTrue = /"stream"\s*:\s*true/;
const includeUsageTrue = /"include_usage"\s*:\s*true/;

function complete(body: string, res: ServerResponse): void {
  const answer = answerFor(modelField.exec(body)?.[1] ?? 'gpt-4o-mini');
  if (!streamTrue.test(body)) {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.jsonLength });
    res.end(answer.json);
    return;
  }
  const usage = includeUsageTrue.test(body);
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  if (answer.dripMs === 0) {
    for (const piece of answer.chunks) res.write(piece);
    if (usage) res.write(answer.usageChunk);
    res.end(done);
    return;
  }
  let next = 0;
  const timer = setInterval(() => {
    if (res.destroyed) {
      clearInterval(timer);
      return;
    }
    if (next < answer.chunks.length) {
      res.write(answer.chunks[next++]);
      return;
    }
    clearInterval(timer);
    if (usage) res.write(answer.usageChunk);
    res.end(done);
  }, answer.dripMs);
  res.write(answer.chunks[next++]);
}

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/v1/chat/completions') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (piece: string) => {
      body += piece;
    });
    req.on('end', () => complete(body, res));
    return;
  }
  req.resume();
  if (req.method === 'GET' && req.url === '/v1/models') {
    const body = JSON.stringify({
      object: 'list',
      data: [{ id: 'gpt-4o-mini', object: 'model', created, owned_by: 'bench' }],
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":"not_found"}}');
});
// Pools keep connections for a minute; the upstream must not be the side that closes them mid-run.
server.keepAliveTimeout = 300_000;
server.requestTimeout = 0;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`fake upstream on ${typeof address === 'object' && address ? address.port : port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
