import {
  type Content,
  FinishReason,
  FunctionCallingConfigMode,
  type GenerateContentResponse,
  ThinkingLevel,
} from '@google/genai';
import { describe, expect, it } from 'vitest';
import { API_KEY, post, startFake, WEATHER_TOOL } from './fake-gemini-fixture.ts';

const ask = 'What is the weather in Paris?';

describe('fake Gemini through @google/genai: generateContent', () => {
  it('answers text with usage, modelVersion and responseId', async () => {
    const { ai, fake } = await startFake();
    const response = await ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'Say hello' });
    expect(response.text).toContain('Hello from gemini-2.0-flash');
    expect(response.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(response.modelVersion).toBe('gemini-2.0-flash');
    expect(response.responseId).toMatch(/^[A-Za-z0-9]{23}$/);
    const usage = response.usageMetadata;
    expect(usage?.totalTokenCount).toBe((usage?.promptTokenCount ?? 0) + (usage?.candidatesTokenCount ?? 0));
    expect(usage?.thoughtsTokenCount).toBeUndefined();
    const [record] = fake.requests;
    expect(record?.headers['x-goog-api-key']).toBe(API_KEY);
    expect(record?.path).toBe('/v1/models/gemini-2.0-flash:generateContent');
  });

  it('thinking models bill thoughts apart and return them only with includeThoughts', async () => {
    const { ai } = await startFake();
    const hidden = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Count the r in strawberry',
    });
    expect(hidden.candidates?.[0]?.content?.parts?.some((p) => p.thought)).toBe(false);
    expect(hidden.usageMetadata?.thoughtsTokenCount).toBeGreaterThan(0);

    const shown = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Count the r in strawberry',
      config: { thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } },
    });
    const parts = shown.candidates?.[0]?.content?.parts ?? [];
    expect(parts[0]?.thought).toBe(true);
    expect(shown.text).not.toContain(parts[0]?.text ?? '');
    expect(parts.at(-1)?.thoughtSignature).toMatch(/=$/);

    const off = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'hi',
      config: { thinkingConfig: { thinkingBudget: 0 } },
    });
    expect(off.usageMetadata?.thoughtsTokenCount).toBeUndefined();
  });

  it('Gemini 3 takes thinkingLevel', async () => {
    const { ai } = await startFake();
    const response = await ai.models.generateContent({
      model: 'gemini-3-pro-preview',
      contents: 'hi',
      config: { thinkingConfig: { thinkingLevel: ThinkingLevel.LOW, includeThoughts: true } },
    });
    expect(response.candidates?.[0]?.content?.parts?.[0]?.thought).toBe(true);
  });

  it('calls functions without ids, args as an object, finishReason STOP, the call signed', async () => {
    const { ai } = await startFake();
    const response = await ai.models.generateContent({
      model: 'gemini-3-pro-preview',
      contents: ask,
      config: { tools: [{ functionDeclarations: [WEATHER_TOOL] }] },
    });
    expect(response.functionCalls).toEqual([
      { name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } },
    ]);
    const candidate = response.candidates?.[0];
    expect(candidate?.finishReason).toBe(FinishReason.STOP);
    expect(candidate?.content?.parts?.[0]?.thoughtSignature).toBeDefined();
  });

  it('says why it stopped in finishMessage, as recorded (the SDK drops the field, so read the wire)', async () => {
    const { fake } = await startFake();
    const { json } = await post(fake, '/v1beta/models/gemini-3-pro-preview:generateContent', {
      contents: [{ role: 'user', parts: [{ text: ask }] }],
      tools: [{ functionDeclarations: [WEATHER_TOOL] }],
    });
    expect(json.candidates).toMatchObject([
      { finishReason: 'STOP', finishMessage: 'Model generated function call(s).', index: 0 },
    ]);
    expect(JSON.stringify(json)).not.toContain('"id"');
  });

  it('a multi-turn function call conversation works when the history is sent back whole', async () => {
    const { ai } = await startFake();
    const config = { tools: [{ functionDeclarations: [WEATHER_TOOL] }] };
    const first = await ai.models.generateContent({ model: 'gemini-3-pro-preview', contents: ask, config });
    const modelTurn = first.candidates?.[0]?.content as Content;
    const history: Content[] = [
      { role: 'user', parts: [{ text: ask }] },
      modelTurn,
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'get_weather', response: { output: { temp: 18 } } } }],
      },
    ];
    const second = await ai.models.generateContent({
      model: 'gemini-3-pro-preview',
      contents: history,
      config,
    });
    expect(second.text).toContain('Based on the tool result');
    expect(second.text).toContain('18');
  });

  it('Gemini 3 rejects a function call of the current turn that lost its signature', async () => {
    const { ai } = await startFake();
    const history: Content[] = [
      { role: 'user', parts: [{ text: ask }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: 'sunny' } } }] },
    ];
    const config = { tools: [{ functionDeclarations: [WEATHER_TOOL] }] };
    const error = await ai.models
      .generateContent({ model: 'gemini-3-pro-preview', contents: history, config })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ApiError', status: 400 });
    expect((error as Error).message).toContain('Function call is missing a thought_signature');
    // The placeholder for foreign history is accepted; Gemini 2.5 does not check at all.
    const placeholder = structuredClone(history);
    const part = placeholder[1]?.parts?.[0];
    if (part) part.thoughtSignature = 'skip_thought_signature_validator';
    await expect(
      ai.models.generateContent({ model: 'gemini-3-pro-preview', contents: placeholder, config }),
    ).resolves.toBeDefined();
    await expect(
      ai.models.generateContent({ model: 'gemini-2.5-flash', contents: history, config }),
    ).resolves.toBeDefined();
  });

  it('a mangled signature is a corrupted signature', async () => {
    const { ai } = await startFake();
    const history: Content[] = [
      { role: 'user', parts: [{ text: 'hi' }] },
      { role: 'model', parts: [{ text: 'hello', thoughtSignature: 'QUJDREVGR0g=' }] },
      { role: 'user', parts: [{ text: 'again' }] },
    ];
    const error = await ai.models
      .generateContent({ model: 'gemini-2.5-flash', contents: history })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400 });
    expect((error as Error).message).toContain('Corrupted thought signature.');
  });

  it('tool config: NONE answers in text, ANY with a name forces that function', async () => {
    const { ai } = await startFake();
    const tools = [
      {
        functionDeclarations: [
          WEATHER_TOOL,
          {
            name: 'get_time',
            parametersJsonSchema: { type: 'object', properties: { tz: { type: 'string' } } },
          },
        ],
      },
    ];
    const none = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: ask,
      config: { tools, toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.NONE } } },
    });
    expect(none.functionCalls).toBeUndefined();
    const forced = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: ask,
      config: {
        tools,
        toolConfig: {
          functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['get_time'] },
        },
      },
    });
    expect(forced.functionCalls?.[0]?.name).toBe('get_time');
  });

  it('JSON mode and response schemas give parseable JSON matching the schema', async () => {
    const { ai } = await startFake();
    const response = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'A recipe please',
      config: {
        responseMimeType: 'application/json',
        responseJsonSchema: {
          type: 'object',
          properties: { name: { type: 'string' }, minutes: { type: 'integer' } },
          required: ['name', 'minutes'],
        },
      },
    });
    const parsed = JSON.parse(response.text ?? '');
    expect(typeof parsed.name).toBe('string');
    expect(Number.isInteger(parsed.minutes)).toBe(true);
  });

  it('maxOutputTokens cuts the answer with MAX_TOKENS; stop sequences end it with STOP', async () => {
    const { ai } = await startFake();
    const cut = await ai.models.generateContent({
      model: 'gemini-2.0-flash',
      contents: 'hi',
      config: { maxOutputTokens: 3 },
    });
    expect(cut.candidates?.[0]?.finishReason).toBe(FinishReason.MAX_TOKENS);
    expect(cut.usageMetadata?.candidatesTokenCount).toBe(3);
    const stopped = await ai.models.generateContent({
      model: 'gemini-2.0-flash',
      contents: 'hi',
      config: { stopSequences: ['!'] },
    });
    expect(stopped.text).toBe('Hello from gemini-2.0-flash');
  });

  it('candidateCount gives several candidates; logprobs come per token', async () => {
    const { ai } = await startFake();
    const response = await ai.models.generateContent({
      model: 'gemini-2.0-flash',
      contents: 'hi',
      config: { candidateCount: 2, responseLogprobs: true, logprobs: 2 },
    });
    expect(response.candidates?.map((c) => c.index)).toEqual([0, 1]);
    const result = response.candidates?.[0]?.logprobsResult;
    expect(result?.chosenCandidates?.map((c) => c.token).join('')).toBe(
      response.candidates?.[0]?.content?.parts?.[0]?.text,
    );
    expect(result?.topCandidates?.[0]?.candidates).toHaveLength(2);
    expect(response.candidates?.[0]?.avgLogprobs).toBeLessThan(0);
  });

  it('images and audio inline count toward the prompt', async () => {
    const { ai } = await startFake();
    const text = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Describe' });
    const withImage = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [
        {
          role: 'user',
          parts: [{ text: 'Describe' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }],
        },
      ],
    });
    expect(
      (withImage.usageMetadata?.promptTokenCount ?? 0) - (text.usageMetadata?.promptTokenCount ?? 0),
    ).toBe(258);
  });
});

describe('fake Gemini through @google/genai: streamGenerateContent', () => {
  const collect = async (stream: AsyncGenerator<GenerateContentResponse>) => {
    const chunks: GenerateContentResponse[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    return chunks;
  };

  it('streams text pieces with running usage on every event and finishReason on the last', async () => {
    const { ai } = await startFake();
    const whole = await ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'Stream please' });
    const chunks = await collect(
      await ai.models.generateContentStream({ model: 'gemini-2.0-flash', contents: 'Stream please' }),
    );
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.map((c) => c.text ?? '').join('')).toBe(whole.text);
    for (const chunk of chunks) {
      expect(chunk.usageMetadata?.promptTokenCount).toBe(whole.usageMetadata?.promptTokenCount);
      expect(chunk.responseId).toBe(chunks[0]?.responseId);
    }
    expect(chunks.at(-1)?.usageMetadata).toEqual(whole.usageMetadata);
    expect(chunks.slice(0, -1).every((c) => c.candidates?.[0]?.finishReason === undefined)).toBe(true);
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
  });

  it('thoughts stream first; a thinking model ends with an empty signed text part', async () => {
    const { ai } = await startFake();
    const chunks = await collect(
      await ai.models.generateContentStream({
        model: 'gemini-3-flash-preview',
        contents: 'Think first',
        config: { thinkingConfig: { includeThoughts: true } },
      }),
    );
    expect(chunks[0]?.candidates?.[0]?.content?.parts?.[0]?.thought).toBe(true);
    const last = chunks.at(-1)?.candidates?.[0];
    expect(last?.content?.parts).toEqual([{ text: '', thoughtSignature: expect.any(String) }]);
    expect(last?.finishReason).toBe(FinishReason.STOP);
  });

  it('streams a function call whole in one event', async () => {
    const { ai } = await startFake();
    const chunks = await collect(
      await ai.models.generateContentStream({
        model: 'gemini-2.5-flash',
        contents: ask,
        config: { tools: [{ functionDeclarations: [WEATHER_TOOL] }] },
      }),
    );
    const calls = chunks.flatMap((c) => c.functionCalls ?? []);
    expect(calls).toEqual([{ name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } }]);
  });

  it('frames SSE records with CRLF, no event names and no terminator', async () => {
    const { fake } = await startFake();
    const { headers, text } = await post(
      fake,
      '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
      {
        contents: [{ parts: [{ text: 'hi' }] }],
      },
    );
    expect(headers.get('content-type')).toBe('text/event-stream');
    const records = text.split('\r\n\r\n');
    expect(records.at(-1)).toBe('');
    for (const record of records.slice(0, -1)) expect(record).toMatch(/^data: \{.*\}$/);
    expect(text).not.toContain('[DONE]');
    expect(text).not.toContain('event:');
  });

  it('without alt=sse streams one JSON array', async () => {
    const { fake } = await startFake();
    const { headers, json } = await post(fake, '/v1beta/models/gemini-2.0-flash:streamGenerateContent', {
      contents: [{ parts: [{ text: 'hi' }] }],
    });
    expect(headers.get('content-type')).toContain('application/json');
    expect(Array.isArray(json)).toBe(true);
    expect(
      (json as unknown as Array<{ candidates: Array<{ finishReason?: string }> }>).at(-1)?.candidates[0]
        ?.finishReason,
    ).toBe('STOP');
  });
});

describe('fake Gemini models', () => {
  it('lists and pages models as the SDK reads them', async () => {
    const { ai } = await startFake();
    const names: string[] = [];
    const pager = await ai.models.list({ config: { pageSize: 4 } });
    for await (const model of pager) names.push(model.name ?? '');
    expect(names).toContain('models/gemini-2.5-flash');
    expect(names).toHaveLength(6);
    const model = await ai.models.get({ model: 'gemini-2.5-pro' });
    expect(model).toMatchObject({ name: 'models/gemini-2.5-pro', outputTokenLimit: 65536, thinking: true });
  });

  it('strict catalogues answer unknown models with 404 NOT_FOUND', async () => {
    const { ai } = await startFake({ strictModels: true });
    const error = await ai.models
      .generateContent({ model: 'gemini-9-ultra', contents: 'hi' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ApiError', status: 404 });
    expect((error as Error).message).toContain('models/gemini-9-ultra is not found for API version v1');
  });
});
