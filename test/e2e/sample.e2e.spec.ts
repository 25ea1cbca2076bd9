import { AppModule } from '../../sample/02-nest/app.module';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { sampleValue } from '../utils/scrape';

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
});
