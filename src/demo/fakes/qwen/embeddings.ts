/**
 * POST /compatible-mode/v1/embeddings for the fake Qwen (docs/providers.md §12.4): OpenAI's shape,
 * at most 10 inputs (text-embedding-v3/v4; more is DashScope's 400 InvalidParameter), `dimensions`
 * only from the model's listed sizes, floats only (`base64` is refused here, since what DashScope does
 * with it is unverified and a gateway must ask for floats).
 */
import { embeddingTokens, fakeVector } from '../shared/embeddings.ts';
import type { FakeExchange } from '../shared/fake-server.ts';
import { errorForStatus, invalidParameter, type QwenErrorResponse } from './errors.ts';

export const QWEN_MAX_INPUTS = 10;
const SIZES: Readonly<Record<string, readonly number[]>> = {
  'text-embedding-v4': [2048, 1536, 1024, 768, 512, 256, 128, 64],
  'text-embedding-v3': [1024, 768, 512, 256, 128, 64],
};

export async function handleQwenEmbeddings(
  exchange: FakeExchange,
  checkKey: () => QwenErrorResponse | undefined,
): Promise<void> {
  const fail = (error: QwenErrorResponse): void =>
    exchange.sendJsonNow(error.status, error.body, error.headers);
  const raw = exchange.body.kind === 'json' ? exchange.body.value : undefined;
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const model = typeof fields.model === 'string' ? fields.model : '';
  const script = exchange.takeScript(model || undefined);
  if (await exchange.applyEarlyFault(script, { streaming: false, errorFor: errorForStatus })) return;
  const auth = checkKey();
  if (auth !== undefined) return fail(auth);
  if (exchange.body.kind !== 'json') return fail(invalidParameter('The request body is not valid JSON.'));
  const input = fields.input;
  const texts = typeof input === 'string' ? [input] : input;
  if (
    !Array.isArray(texts) ||
    texts.length === 0 ||
    texts.some((text) => typeof text !== 'string' || text === '')
  )
    return fail(invalidParameter('Value error, contents is neither str nor list of str.: input.contents'));
  if (texts.length > QWEN_MAX_INPUTS)
    return fail(
      invalidParameter(
        `Value error, batch size is invalid, it should not be larger than ${QWEN_MAX_INPUTS}.: input.contents`,
      ),
    );
  if (fields.encoding_format !== undefined && fields.encoding_format !== 'float')
    return fail(invalidParameter("encoding_format must be 'float'."));
  const sizes = SIZES[model] ?? [1024];
  const dimensions = fields.dimensions === undefined ? 1024 : Number(fields.dimensions);
  if (!sizes.includes(dimensions))
    return fail(
      invalidParameter(
        `Value error, dimension should be one of [${sizes.join(', ')}].: parameters.dimension`,
      ),
    );
  const tokens = embeddingTokens(texts as string[]);
  await exchange.sendJson(
    200,
    {
      object: 'list',
      data: (texts as string[]).map((text, index) => ({
        object: 'embedding',
        embedding: fakeVector(text, dimensions),
        index,
      })),
      model,
      id: exchange.ids.hex(32),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
    { script },
  );
}
