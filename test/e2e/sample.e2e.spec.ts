import { AppModule } from '../../sample/02-nest/app.module';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { sampleValue } from '../utils/scrape';

// The mock LLM's pace (read when the app starts): 30 ms to the first token, 5 ms between tokens.
process.env.MOCK_LLM_FIRST_TOKEN_MS = '30';
process.env.MOCK_LLM_TOKEN_INTERVAL_MS = '5';

// The sample a new user copies must do what the README says it does.
describe.each(ADAPTERS)('the sample app on %s', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp(AppModule, adapter);
  });
  afterAll(() => app.close());

  it('measures completions, rejections, bad JSON and a stream exactly', async () => {
    const post = (body: string) =>
      fetch(app.url + '/v1/completions', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
    const ok = await post('{"prompt":"hello world","max_tokens":4}');
    expect([ok.status, await ok.text()]).toEqual([201, '{"text":"HELLO WORLD HELLO WORLD"}']);
    expect((await post('{"max_tokens":4}')).status).toBe(400);
    expect((await post('{"prompt": bad')).status).toBe(400);
    const stream = await app.get('/v1/stream?prompt=hi');
    expect(stream.text).toBe('HI\n'.repeat(16));

    const text = (await app.get('/metrics')).text;
    const generate = { dynamo_endpoint: 'generate', model: 'demo-llm' };
    expect(sampleValue(text, 'dynamo_component_requests_total', generate)).toBe(3);
    expect(
      sampleValue(text, 'dynamo_component_errors_total', {
        ...generate,
        error_type: 'invalid_message',
      }),
    ).toBe(1);
    expect(
      sampleValue(text, 'dynamo_component_errors_total', {
        ...generate,
        error_type: 'deserialization',
      }),
    ).toBe(1);
    expect(
      sampleValue(text, 'dynamo_component_errors_total', { ...generate, error_type: 'generate' }),
    ).toBe(0);
    expect(
      sampleValue(text, 'dynamo_component_response_bytes_total', { dynamo_endpoint: 'stream' }),
    ).toBe(48);
    expect(
      sampleValue(text, 'dynamo_component_output_tokens_total', { dynamo_component: 'backend' }),
    ).toBe(20);
    expect(
      sampleValue(text, 'dynamo_component_generate_duration_seconds_count', {
        dynamo_component: 'backend',
      }),
    ).toBe(2);
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
  });

  it('serves an OpenAI-compatible chat API, stream and not, and /v1/models, with frontend metrics', async () => {
    const chat = (body: object) =>
      fetch(app.url + '/v1/chat/completions', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const messages = [{ role: 'user', content: 'hello world' }];
    const models = await app.get('/v1/models');
    expect(JSON.parse(models.text)).toEqual({
      object: 'list',
      data: [
        {
          id: 'demo-llm',
          object: 'model',
          created: expect.any(Number),
          owned_by: 'nestjs-dynamo-metrics',
        },
        {
          id: 'demo-embed',
          object: 'model',
          created: expect.any(Number),
          owned_by: 'nestjs-dynamo-metrics',
        },
      ],
    });

    const stream = await chat({
      model: 'demo-llm',
      messages,
      stream: true,
      max_tokens: 4,
      stream_options: { include_usage: true },
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await stream.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? null)).toEqual([
      '',
      'hello',
      ' world',
      ' hello',
      ' world',
      null, // the finish chunk: an empty delta
      null, // the usage chunk: no choices
    ]);
    expect(chunks.at(-1).usage).toEqual({
      prompt_tokens: 2,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens: 4,
      total_tokens: 6,
    });

    const unary = await chat({ model: 'demo-llm', messages, max_tokens: 3 });
    expect(unary.status).toBe(200);
    const completion = (await unary.json()) as {
      choices: { message: object }[];
      usage: object;
    };
    expect(completion.choices[0].message).toEqual({
      role: 'assistant',
      content: 'hello world hello',
    });
    expect(completion.usage).toEqual({
      prompt_tokens: 2,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens: 3,
      total_tokens: 5,
    });
    expect((await chat({ model: 'gpt-4', messages })).status).toBe(404);
    expect((await chat({ model: 'demo-llm', messages: [] })).status).toBe(400);

    const text = (await app.get('/metrics')).text;
    const requests = (labels: Record<string, string>) =>
      sampleValue(text, 'dynamo_frontend_requests_total', labels);
    expect(requests({ model: 'demo-llm', request_type: 'stream', status: 'success' })).toBe(1);
    expect(requests({ model: 'demo-llm', request_type: 'unary', status: 'success' })).toBe(1);
    expect(requests({ model: 'unknown_model', error_type: 'not_found' })).toBe(1);
    expect(requests({ model: 'demo-llm', error_type: 'validation' })).toBe(1);
    expect(sampleValue(text, 'dynamo_frontend_output_tokens_total', { model: 'demo-llm' })).toBe(7);
    expect(
      sampleValue(text, 'dynamo_frontend_time_to_first_token_seconds_count', { model: 'demo-llm' }),
    ).toBe(2); // the unary answer too, as in Dynamo
    expect(
      sampleValue(text, 'dynamo_frontend_inter_token_latency_seconds_count', { model: 'demo-llm' }),
    ).toBe(3);
    expect(
      sampleValue(text, 'dynamo_frontend_input_sequence_tokens_sum', { model: 'demo-llm' }),
    ).toBe(4);
    expect(sampleValue(text, 'dynamo_frontend_inflight_requests', { model: 'demo-llm' })).toBe(0);
  });

  it("accepts multimodal chat, embeddings, and publishes its models' configuration", async () => {
    const post = (path: string, body: object) =>
      fetch(app.url + path, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const part = (type: string) => ({ type, [type]: { url: 'https://example.com/a' } });
    const chat = await post('/v1/chat/completions', {
      model: 'demo-llm',
      max_tokens: 2,
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [{ type: 'text', text: 'what is this' }, part('image_url'), part('audio_url')],
        },
      ],
    });
    expect(chat.status).toBe(200);
    const completion = (await chat.json()) as { usage: object };
    expect(completion.usage).toEqual({
      prompt_tokens: 5,
      prompt_tokens_details: { cached_tokens: 2 },
      completion_tokens: 2,
      total_tokens: 7,
    });
    const embedding = await post('/v1/embeddings', { model: 'demo-embed', input: ['a b', 'c'] });
    expect(embedding.status).toBe(200);
    expect(((await embedding.json()) as { data: unknown[] }).data).toHaveLength(2);

    const text = (await app.get('/metrics')).text;
    const value = (name: string, model: string) =>
      sampleValue(text, `dynamo_frontend_${name}`, { model });
    expect(value('images_per_request_sum', 'demo-llm')).toBe(1);
    expect(value('audio_per_request_sum', 'demo-llm')).toBe(1);
    expect(value('cached_tokens_sum', 'demo-llm')).toBe(2);
    expect(value('embedding_latency_seconds_count', 'demo-embed')).toBe(1);
    expect(value('model_context_length', 'demo-llm')).toBe(8192);
    expect(value('model_total_kv_blocks', 'demo-llm')).toBe(2048);
    expect(value('model_max_num_seqs', 'demo-embed')).toBe(32);
    expect(
      sampleValue(text, 'dynamo_frontend_requests_started_total', {
        model: 'demo-embed',
        endpoint: 'embeddings',
      }),
    ).toBe(1);
  });
});
