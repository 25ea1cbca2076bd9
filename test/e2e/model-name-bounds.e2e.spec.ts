import { Module } from '@nestjs/common';
import { DynamoMetricsModule } from '../../lib';
import { ChatCompletionsController } from '../fixtures/nest/chat-completions.controller';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';

// Model names come from clients: whatever they send, the scrape stays small, a label set that
// renders alike is one series, and the reserved labels mean what they say.

/** No model list: every model name a client sends is its own label, within the limits. */
@Module({
  imports: [DynamoMetricsModule.forRoot({ uptime: false, workerId: false, includeRegistries: [] })],
  controllers: [ChatCompletionsController],
})
class OpenModelsApp {}

@Module({
  imports: [
    DynamoMetricsModule.forRoot({
      uptime: false,
      workerId: false,
      includeRegistries: [],
      maxLabelValueLength: 1000,
    }),
  ],
  controllers: [ChatCompletionsController],
})
class LongerLabelsApp {}

/** Posts a chat request whose JSON body is `json` as given (so it can hold `\ud800` escapes). */
async function chat(app: RunningApp, json: string): Promise<number> {
  const response = await fetch(app.url + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: json,
  });
  await response.arrayBuffer();
  return response.status;
}

const chatAs = (app: RunningApp, model: string) =>
  chat(app, JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }));

/** The scrape's size in bytes, read no further than `limit` + 1 bytes. */
async function scrapeSize(app: RunningApp, limit: number): Promise<number> {
  const response = await fetch(app.url + '/metrics');
  const reader = response.body!.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.length;
    if (bytes > limit) {
      await reader.cancel();
      return bytes;
    }
  }
}

/** The `requests_total` and overflow-counter lines of a scrape. */
async function counted(app: RunningApp): Promise<string[]> {
  const text = (await app.get('/metrics')).text;
  return text
    .split('\n')
    .filter((line) => /^dynamo_(frontend_requests_total|metrics_series)/.test(line));
}

const SCRAPE_LIMIT = 256 * 1024;

describe.each(ADAPTERS)('model names from clients on %s', (adapter) => {
  let app: RunningApp;
  beforeEach(async () => {
    app = await startApp(OpenModelsApp, adapter);
  });
  afterEach(() => app.close());

  it('a model name longer than the limit counts under __overflow__: 100 requests with 92,000-character names leave scrapes under 256 kB', async () => {
    for (let batch = 0; batch < 10; batch++) {
      const statuses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => chatAs(app, `${batch}-${i}-`.padEnd(92_000, 'x'))),
      );
      expect(statuses).toEqual(Array(10).fill(201));
    }
    expect(await scrapeSize(app, SCRAPE_LIMIT)).toBeLessThanOrEqual(SCRAPE_LIMIT);
    expect(await scrapeSize(app, SCRAPE_LIMIT)).toBeLessThanOrEqual(SCRAPE_LIMIT);
    expect(await counted(app)).toEqual([
      'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="__overflow__",request_type="unary",status="success"} 100',
      'dynamo_metrics_series_overflow_total{metric="dynamo_frontend_requests_total"} 100',
    ]);
  }, 120_000);

  it('a model name with a lone surrogate is counted in one series, as U+FFFD', async () => {
    for (const json of [
      '{"model":"\\ud800dup","messages":[]}',
      '{"model":"\\udbffDUP","messages":[]}',
      '{"model":"\\ufffddup","messages":[]}',
    ]) {
      expect(await chat(app, json)).toBe(201);
    }
    expect(await counted(app)).toEqual([
      'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="\ufffddup",request_type="unary",status="success"} 3',
    ]);
  });

  it('the model names __overflow__ and unknown_model land in the overflow and unknown-model series', async () => {
    expect(await chatAs(app, '__overflow__')).toBe(201);
    expect(await chatAs(app, 'Unknown_Model')).toBe(201);
    expect(await chatAs(app, 'llama')).toBe(201);
    expect(await counted(app)).toEqual([
      'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="__overflow__",request_type="unary",status="success"} 1',
      'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="llama",request_type="unary",status="success"} 1',
      'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="unknown_model",request_type="unary",status="success"} 1',
      'dynamo_metrics_series_overflow_total{metric="dynamo_frontend_requests_total"} 1',
    ]);
  });
});

describe.each(ADAPTERS)('the maxLabelValueLength module option on %s', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp(LongerLabelsApp, adapter);
  });
  afterAll(() => app.close());

  it('keeps a model name of exactly maxLabelValueLength characters and overflows a longer one', async () => {
    expect(await chatAs(app, 'a'.repeat(1000))).toBe(201);
    expect(await chatAs(app, 'b'.repeat(1001))).toBe(201);
    expect(await counted(app)).toEqual([
      'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="__overflow__",request_type="unary",status="success"} 1',
      `dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="${'a'.repeat(1000)}",request_type="unary",status="success"} 1`,
      'dynamo_metrics_series_overflow_total{metric="dynamo_frontend_requests_total"} 1',
    ]);
  });
});
