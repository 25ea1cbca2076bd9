import {
  Body,
  Controller,
  HttpException,
  type MessageEvent,
  Module,
  Post,
  RequestMethod,
  ServiceUnavailableException,
  Sse,
} from '@nestjs/common';
import { filter, map, type Observable, Subject, tap } from 'rxjs';
import {
  DynamoFrontend,
  DynamoFrontendRequest,
  DynamoMetricsModule,
  type FrontendPhase,
  type FrontendRequest,
} from '../../lib';
import { parseExposition, samplesOf } from '../utils/exposition';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { sleep } from '../utils/sleep';

// Spec 11.1's families through @DynamoFrontend() on both adapters: the stages of real requests
// (driven by the test step by step; `preprocess` lasts only until Nest calls into the handler, so
// it is checked in the unit specs), started and active requests, cancellations, rejections,
// embeddings, media parts and unary TTFT.

/** One request's steps, driven by the test. */
class Steps {
  /** Stage reports (`{ dispatch: phase }`) and chunks for the handler's stream. */
  readonly chunks = new Subject<object>();
  private markHandled!: () => void;
  /** The handler ran. */
  readonly handled = new Promise<void>((resolve) => (this.markHandled = resolve));
  handler(): void {
    this.markHandled();
  }
}

const steps = new Map<string, Steps>();
function newSteps(id: string): Steps {
  const created = new Steps();
  steps.set(id, created);
  return created;
}

interface ChatBody {
  model?: string;
  steps?: string;
  route?: FrontendPhase;
  stream?: boolean;
  messages?: unknown[];
}

const chunk = (content: string) => ({
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta: { content }, finish_reason: null }],
});

@Controller('v1')
class ChatController {
  /** Streams what the test feeds; reports routing when the body asks, and dispatch on cue. */
  @Sse('chat/completions', { method: RequestMethod.POST })
  @DynamoFrontend({ endpoint: 'chat_completions' })
  chat(
    @Body() body: ChatBody,
    @DynamoFrontendRequest() request: FrontendRequest | undefined,
  ): Observable<MessageEvent> {
    const own = steps.get(body.steps ?? '')!;
    if (body.route !== undefined) request?.route(body.route);
    own.handler();
    return own.chunks.pipe(
      tap((value) => {
        const { dispatch } = value as { dispatch?: FrontendPhase };
        if (dispatch !== undefined) request?.dispatch(dispatch);
      }),
      filter((value) => !('dispatch' in value)),
      map((data) => ({ data })),
    );
  }

  /** One answer after a while (non-stream chat completion); fails as the model name says. */
  @Post('chat/unary')
  @DynamoFrontend({ endpoint: 'chat_completions' })
  async unary(@Body() body: ChatBody): Promise<object> {
    if (body.model === 'busy') throw new HttpException('Too many requests', 429);
    if (body.model === 'full') throw new ServiceUnavailableException('No capacity');
    await sleep(150);
    return {
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'A cat.' } }],
      usage: { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 },
    };
  }

  /** No `stream` flag in the body: the request type is known only from what it returns. */
  @Post('completions')
  @DynamoFrontend({ endpoint: 'completions' })
  async *completions(): AsyncIterable<object> {
    yield chunk('a');
    yield chunk('b');
  }

  @Post('embeddings')
  @DynamoFrontend({ endpoint: 'embeddings' })
  async embeddings(): Promise<object> {
    await sleep(30);
    return { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }] };
  }
}

@Module({
  imports: [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [] })],
  controllers: [ChatController],
})
class FrontendApp {}

describe.each(ADAPTERS)('spec 11.1 frontend families through @DynamoFrontend on %s', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp(FrontendApp, adapter);
  });
  afterAll(() => app.close());

  const scrape = async () => parseExposition((await app.get('/metrics')).text);
  /** The value of one frontend sample, 0 when there is none yet. */
  const valueOf = async (name: string, labels: Record<string, string> = {}) => {
    const found = samplesOf(await scrape(), `dynamo_frontend_${name}`, labels);
    if (found.length > 1) throw new Error(`${found.length} samples of ${name}`);
    return found[0]?.value ?? 0;
  };
  /** Every stage's value, `stage/phase` → value (zeros left out), and the sum of queued. */
  const stages = async () => {
    const samples = await scrape();
    const byStage: Record<string, number> = {};
    for (const s of samplesOf(samples, 'dynamo_frontend_stage_requests'))
      if (s.value !== 0) byStage[`${s.labels.stage}/${s.labels.phase}`] = s.value;
    const queued = samplesOf(samples, 'dynamo_frontend_queued_requests').reduce(
      (sum, s) => sum + s.value,
      0,
    );
    const stageSum = Object.values(byStage).reduce((sum, value) => sum + value, 0);
    expect(stageSum).toBe(queued);
    return byStage;
  };
  const settled = async (model: string) => {
    for (let i = 0; i < 200; i++) {
      if ((await valueOf('active_requests', { model })) === 0) return;
      await sleep(10);
    }
    throw new Error(`the request of ${model} did not end`);
  };
  const post = (path: string, body: object, signal?: AbortSignal) =>
    fetch(app.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });

  it('moves a request through route and dispatch to its first token, started and active throughout', async () => {
    const model = `staged-${adapter}`;
    const own = newSteps(model);
    const response = post('/v1/chat/completions', { model, steps: model, route: 'prefill' });
    await own.handled;
    expect(await stages()).toEqual({ 'route/prefill': 1 });
    const labels = { model, endpoint: 'chat_completions', request_type: 'stream' };
    expect(await valueOf('requests_started_total', labels)).toBe(1);
    expect(await valueOf('active_requests', { model })).toBe(1);
    expect(await valueOf('inflight_requests', { model })).toBe(1);

    own.chunks.next({ dispatch: 'prefill' });
    expect(await stages()).toEqual({ 'dispatch/prefill': 1 });
    own.chunks.next(chunk('Hi'));
    const res = await response;
    const reader = res.body!.getReader();
    await reader.read();
    for (let i = 0; i < 200 && (await valueOf('queued_requests', { model })) !== 0; i++)
      await sleep(5);
    expect(await stages()).toEqual({});
    expect(await valueOf('active_requests', { model })).toBe(1);
    expect(await valueOf('requests_total', labels)).toBe(0);

    own.chunks.complete();
    while (!(await reader.read()).done);
    await settled(model);
    expect(await valueOf('requests_total', labels)).toBe(1);
    expect(await valueOf('requests_started_total', labels)).toBe(1);
    expect(await valueOf('inflight_requests', { model })).toBe(0);
  });

  it('puts a request in dispatch (aggregated) once its handler runs, and counts a client that leaves as a cancellation', async () => {
    const model = `left-${adapter}`;
    const own = newSteps(model);
    const abort = new AbortController();
    const response = post('/v1/chat/completions', { model, steps: model }, abort.signal);
    await own.handled;
    expect(await stages()).toEqual({ 'dispatch/aggregated': 1 });
    abort.abort();
    await response.catch(() => undefined);
    await settled(model);
    expect(await stages()).toEqual({});
    const labels = { model, endpoint: 'chat_completions', request_type: 'stream' };
    expect(await valueOf('model_cancellation_total', labels)).toBe(1);
    expect(await valueOf('requests_total', { ...labels, error_type: 'cancelled' })).toBe(1);
  });

  it.each([
    ['busy', 429],
    ['full', 503],
  ])('counts a request for %s answered %i as a rejection (overload)', async (model, status) => {
    const response = await post('/v1/chat/unary', { model, stream: false });
    expect(response.status).toBe(status);
    await response.text();
    await settled(model);
    expect(await valueOf('model_rejection_total', { model, endpoint: 'chat_completions' })).toBe(1);
    expect(
      await valueOf('requests_total', { model, error_type: 'overload', request_type: 'unary' }),
    ).toBe(1);
  });

  it('observes a unary answer as its first response: TTFT when it is produced, ISL, no ITL; its media parts', async () => {
    const model = `unary-${adapter}`;
    const part = (type: string) => ({ type, [type]: { url: 'https://example.com/media' } });
    const response = await post('/v1/chat/unary', {
      model,
      stream: false,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            part('image_url'),
            part('image_url'),
            part('video_url'),
            part('audio_url'),
          ],
        },
      ],
    });
    expect(response.status).toBe(201);
    await response.json();
    await settled(model);
    const labels = { model, endpoint: 'chat_completions', request_type: 'unary' };
    expect(await valueOf('requests_started_total', labels)).toBe(1);
    expect(await valueOf('time_to_first_token_seconds_count', { model })).toBe(1);
    const ttft = await valueOf('time_to_first_token_seconds_sum', { model });
    expect(ttft).toBeGreaterThanOrEqual(0.14);
    expect(ttft).toBeLessThanOrEqual(await valueOf('request_duration_seconds_sum', { model }));
    expect(await valueOf('inter_token_latency_seconds_count', { model })).toBe(0);
    expect(await valueOf('input_sequence_tokens_sum', { model })).toBe(20);
    expect(await valueOf('output_tokens_total', { model })).toBe(7);
    expect(await valueOf('images_per_request_sum', { model })).toBe(2);
    expect(await valueOf('videos_per_request_sum', { model })).toBe(1);
    expect(await valueOf('audio_per_request_sum', { model })).toBe(1);
    expect(await valueOf('images_per_request_bucket', { model, le: '1' })).toBe(0);
    expect(await valueOf('images_per_request_bucket', { model, le: '2' })).toBe(1);
    expect(await valueOf('audio_per_request_count', { model })).toBe(1);
  });

  it('observes 0 media parts for a text-only chat request', async () => {
    const model = `text-${adapter}`;
    const response = await post('/v1/chat/unary', {
      model,
      stream: false,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    await response.json();
    await settled(model);
    expect(await valueOf('images_per_request_count', { model })).toBe(1);
    expect(await valueOf('images_per_request_bucket', { model, le: '0' })).toBe(1);
  });

  it('counts a request started under the type its answer shows, when the body does not say', async () => {
    const model = `typed-${adapter}`;
    const response = await post('/v1/completions', { model, prompt: 'Once' });
    await response.text();
    await settled(model);
    const started = samplesOf(await scrape(), 'dynamo_frontend_requests_started_total', { model });
    expect(started.map((s) => [s.labels.request_type, s.value])).toEqual([['stream', 1]]);
  });

  it('observes embedding_latency_seconds for an embeddings route, and no TTFT', async () => {
    const model = `embed-${adapter}`;
    const response = await post('/v1/embeddings', { model, input: 'hello' });
    await response.json();
    await settled(model);
    expect(await valueOf('embedding_latency_seconds_count', { model })).toBe(1);
    const latency = await valueOf('embedding_latency_seconds_sum', { model });
    expect(latency).toBeGreaterThanOrEqual(0.025);
    expect(latency).toBeLessThan(2);
    // Dynamo's buckets: 0.017 < 0.03 s ≤ 0.035 unless the machine is slow; +Inf always.
    expect(await valueOf('embedding_latency_seconds_bucket', { model, le: '0.017' })).toBe(0);
    expect(await valueOf('embedding_latency_seconds_bucket', { model, le: '10' })).toBe(1);
    expect(await valueOf('time_to_first_token_seconds_count', { model })).toBe(0);
    expect(await valueOf('request_duration_seconds_count', { model })).toBe(1);
  });
});
