import { describe, expect, it } from 'vitest';
import { issueSignature, toGeminiModel } from '../../../../src/demo/fakes/gemini/index.ts';
import { API_KEY, post, startFake } from './fake-gemini-fixture.ts';

const PATH = '/v1beta/models/gemini-2.5-flash:generateContent';
const hi = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };

async function rejection(body: unknown, path = PATH, headers?: Record<string, string>) {
  const { fake } = await startFake();
  const response = await post(fake, path, body, headers);
  return { status: response.status, error: response.json?.error };
}

describe('fake Gemini authentication', () => {
  it('accepts the key in x-goog-api-key or in the key query parameter', async () => {
    const { fake } = await startFake();
    expect((await post(fake, PATH, hi)).status).toBe(200);
    expect((await post(fake, `${PATH}?key=${API_KEY}`, hi, {})).status).toBe(200);
  });

  it('no key: 403 PERMISSION_DENIED', async () => {
    const { status, error } = await rejection(hi, PATH, {});
    expect(status).toBe(403);
    expect(error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED' });
    expect(error?.message).toContain("Method doesn't allow unregistered callers");
  });

  it('a wrong key: 400 INVALID_ARGUMENT with reason API_KEY_INVALID', async () => {
    const { status, error } = await rejection(hi, PATH, { 'x-goog-api-key': 'AIza-wrong' });
    expect(status).toBe(400);
    expect(error).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: 'API key not valid. Please pass a valid API key.',
    });
    expect(error?.details).toContainEqual(expect.objectContaining({ reason: 'API_KEY_INVALID' }));
  });

  it('a Bearer token is not a Gemini API key', async () => {
    const { status } = await rejection(hi, PATH, { authorization: `Bearer ${API_KEY}` });
    expect(status).toBe(403);
  });
});

describe('fake Gemini request validation', () => {
  const cases: Array<[string, unknown, number, RegExp | string]> = [
    [
      'an unknown top-level field',
      { ...hi, temperature: 0.5 },
      400,
      'Invalid JSON payload received. Unknown name "temperature": Cannot find field.',
    ],
    [
      'an unknown nested field (OpenAI names in generationConfig)',
      { ...hi, generationConfig: { max_tokens: 5 } },
      400,
      `Invalid JSON payload received. Unknown name "max_tokens" at 'generation_config': Cannot find field.`,
    ],
    [
      'an unknown part field',
      { contents: [{ role: 'user', parts: [{ text: 'x', type: 'text' }] }] },
      400,
      `Unknown name "type" at 'contents[0].parts[0]'`,
    ],
    [
      'a value of the wrong type',
      { ...hi, generationConfig: { temperature: 'hot' } },
      400,
      `Invalid value at 'generation_config.temperature' (TYPE_FLOAT), "hot"`,
    ],
    [
      'an unknown enum value',
      { ...hi, toolConfig: { functionCallingConfig: { mode: 'REQUIRED' } } },
      400,
      `Invalid value at 'tool_config.function_calling_config.mode'`,
    ],
    [
      'bytes that are not base64',
      { contents: [{ parts: [{ inlineData: { mimeType: 'image/png', data: 'not base64!' } }] }] },
      400,
      'Base64 decoding failed',
    ],
    ['no contents', {}, 400, 'contents is not specified'],
    ['empty contents', { contents: [] }, 400, 'contents is not specified'],
    [
      'a role other than user or model',
      { contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] },
      400,
      'Please use a valid role: user, model.',
    ],
    [
      'a system role',
      { contents: [{ role: 'system', parts: [{ text: 'x' }] }] },
      400,
      'Please use a valid role: user, model.',
    ],
    ['empty parts', { contents: [{ role: 'user', parts: [] }] }, 400, 'contents.parts must not be empty'],
    [
      'a part without data',
      { contents: [{ role: 'user', parts: [{ thought: true }] }] },
      400,
      "required oneof field 'data'",
    ],
    [
      'a function response with no call before it',
      { contents: [{ role: 'user', parts: [{ functionResponse: { name: 'f', response: { output: 1 } } }] }] },
      400,
      'Please ensure that function response turn comes immediately after a function call turn.',
    ],
    [
      'fewer responses than calls',
      {
        contents: [
          { role: 'user', parts: [{ text: 'x' }] },
          {
            role: 'model',
            parts: [{ functionCall: { name: 'f', args: {} } }, { functionCall: { name: 'g', args: {} } }],
          },
          { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] },
        ],
      },
      400,
      'the number of function response parts is equal to the number of function call parts',
    ],
    [
      'a function name Gemini refuses',
      { ...hi, tools: [{ functionDeclarations: [{ name: '1-tool' }] }] },
      400,
      'Invalid function name',
    ],
    [
      'parameters and parametersJsonSchema together',
      {
        ...hi,
        tools: [
          {
            functionDeclarations: [
              { name: 'f', parameters: { type: 'OBJECT' }, parametersJsonSchema: { type: 'object' } },
            ],
          },
        ],
      },
      400,
      'parameters_json_schema',
    ],
    [
      'a temperature out of range',
      { ...hi, generationConfig: { temperature: 3 } },
      400,
      'temperature: must be in the range [0.0, 2.0]',
    ],
    [
      'too many output tokens',
      { ...hi, generationConfig: { maxOutputTokens: 100000 } },
      400,
      'supported range is from 1 (inclusive) to 65537 (exclusive)',
    ],
    [
      'an unknown response MIME type',
      { ...hi, generationConfig: { responseMimeType: 'text/html' } },
      400,
      'allowed mimetypes are',
    ],
    [
      'a thinking budget and a level together',
      { ...hi, generationConfig: { thinkingConfig: { thinkingBudget: 100, thinkingLevel: 'LOW' } } },
      400,
      'You can only set only one of thinking budget and thinking level.',
    ],
    [
      'a thinking level on Gemini 2.5',
      { ...hi, generationConfig: { thinkingConfig: { thinkingLevel: 'LOW' } } },
      400,
      'Thinking level is not supported',
    ],
    [
      'an unsupported inline MIME type',
      { contents: [{ parts: [{ inlineData: { mimeType: 'application/zip', data: 'UEsDBA==' } }] }] },
      400,
      'Unsupported MIME type: application/zip',
    ],
    ['a body that is not JSON', '{"contents": [', 400, 'Invalid JSON payload received.'],
  ];
  for (const [name, body, status, message] of cases) {
    it(`rejects ${name}`, async () => {
      const result = await rejection(body);
      expect(result.status).toBe(status);
      expect(result.error?.status).toBe('INVALID_ARGUMENT');
      expect(result.error?.code).toBe(status);
      if (typeof message === 'string') expect(result.error?.message).toContain(message);
      else expect(result.error?.message).toMatch(message);
    });
  }

  it('collects every unknown field into one BadRequest', async () => {
    const { error } = await rejection({ ...hi, a: 1, generationConfig: { b: 2 } });
    expect(error?.details).toEqual([
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [
          { field: '', description: 'Invalid JSON payload received. Unknown name "a": Cannot find field.' },
          {
            field: 'generation_config',
            description: `Invalid JSON payload received. Unknown name "b" at 'generation_config': Cannot find field.`,
          },
        ],
      },
    ]);
  });

  it('accepts snake_case field names, as the API does', async () => {
    const { fake } = await startFake();
    const response = await post(fake, PATH, {
      system_instruction: { parts: [{ text: 'Be brief.' }] },
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      generation_config: { max_output_tokens: 50, thinking_config: { thinking_budget: 0 } },
    });
    expect(response.status).toBe(200);
  });

  it('thinking is refused by models that do not think; 2.5 Pro cannot switch it off', async () => {
    const { fake } = await startFake();
    const noThinking = await post(fake, '/v1beta/models/gemini-2.0-flash:generateContent', {
      ...hi,
      generationConfig: { thinkingConfig: { thinkingBudget: 1024 } },
    });
    expect(noThinking.status).toBe(400);
    const pro = await post(fake, '/v1beta/models/gemini-2.5-pro:generateContent', {
      ...hi,
      generationConfig: { thinkingConfig: { thinkingBudget: 0 } },
    });
    expect(pro.json.error?.message).toBe('Budget 0 is invalid. This model only works in thinking mode.');
  });

  it('signatures it issued are accepted back, in standard or URL-safe base64', async () => {
    const { fake } = await startFake();
    const signature = issueSignature('x');
    for (const form of [signature, signature.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')]) {
      const response = await post(fake, PATH, {
        contents: [
          { role: 'user', parts: [{ text: 'hi' }] },
          { role: 'model', parts: [{ text: 'hello', thoughtSignature: form }] },
          { role: 'user', parts: [{ text: 'again' }] },
        ],
      });
      expect(response.status).toBe(200);
    }
  });

  it('a prompt over the context window is the documented 400', async () => {
    const { fake } = await startFake({
      models: [{ ...toGeminiModel('gemini-2.5-flash'), inputTokenLimit: 10 }],
    });
    const response = await post(fake, PATH, { contents: [{ parts: [{ text: 'x'.repeat(200) }] }] });
    expect(response.status).toBe(400);
    expect(response.json.error?.message).toBe(
      'The input token count (50) exceeds the maximum number of tokens allowed (10).',
    );
  });

  it('unknown paths get the HTML 404 of Google front end', async () => {
    const { fake } = await startFake();
    const response = await post(fake, '/v1beta/chat/completions', hi);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.text).toContain('was not found on this server');
  });
});
