import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import {
  BadRequestException,
  Body,
  Controller,
  HttpException,
  type MessageEvent,
  Module,
  NotFoundException,
  type PipeTransform,
  Post,
  RequestMethod,
  Sse,
} from '@nestjs/common';
import { map, Observable, of, Subject } from 'rxjs';
import { DynamoFrontend, DynamoMetricsModule } from '../../lib';
import { sleep } from '../utils/sleep';
import { parseExposition, samplesOf } from '../utils/exposition';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';

// Real streaming requests on both adapters, with the test deciding when each chunk is produced:
// the handler streams what a feed (a Subject) emits, and the test emits on it with timers. The
// gaps are chosen in the middle of Dynamo's buckets, so a busy machine cannot move them across.

/** What the test feeds one request: its chunks, and when its handler ran and its stream stopped. */
class Feed {
  readonly chunks = new Subject<object>();
  readonly started: Promise<void>;
  /** The handler's stream was torn down: completed, failed, or stopped by Nest (client gone). */
  readonly stopped: Promise<void>;
  markStarted!: () => void;
  markStopped!: () => void;

  constructor() {
    this.started = new Promise((resolve) => (this.markStarted = resolve));
    this.stopped = new Promise((resolve) => (this.markStopped = resolve));
  }

  /** The chunks as an Observable that reports when it is subscribed (started) and torn down. */
  stream(): Observable<object> {
    return new Observable<object>((subscriber) => {
      const subscription = this.chunks.subscribe(subscriber);
      this.markStarted();
      return () => {
        subscription.unsubscribe();
        this.markStopped();
      };
    });
  }
}

const feeds = new Map<string, Feed>();
let feedCount = 0;
function newFeed(): [string, Feed] {
  const id = `feed-${++feedCount}`;
  const feed = new Feed();
  feeds.set(id, feed);
  return [id, feed];
}

interface ChatBody {
  model?: string;
  feed?: string;
  stream?: boolean;
  prompt?: string;
  messages?: unknown[];
}

function feedOf(body: ChatBody): Feed {
  const feed = feeds.get(body.feed ?? '');
  if (!feed) throw new BadRequestException('unknown feed');
  return feed;
}

/** Rejects a request without messages before the handler runs, as a validation pipe does. */
class MessagesPipe implements PipeTransform<ChatBody, ChatBody> {
  transform(body: ChatBody): ChatBody {
    if (!Array.isArray(body?.messages) || body.messages.length === 0)
      throw new BadRequestException('messages must be a non-empty array');
    return body;
  }
}

class QuotaError extends Error {}

/** What a handler does for special model names, before it streams. */
function checkModel(model: string | undefined): void {
  if (model === 'missing') throw new NotFoundException(`The model ${model} does not exist`);
  if (model === 'busy') throw new HttpException('Too many requests', 429);
  if (model === 'quota') throw new QuotaError('quota exceeded');
  if (model === 'broken') throw new Error('engine down');
}

const chunk = (content: string, extra: object = {}) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta: { content }, finish_reason: null }],
  ...extra,
});
const roleChunk = () => ({
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta: { role: 'assistant', content: '' } }],
});
/** A chunk with two choices (n = 2): two tokens at once. */
const twoChoices = () => ({
  object: 'chat.completion.chunk',
  choices: [
    { index: 0, delta: { content: 'a' } },
    { index: 1, delta: { content: 'b' } },
  ],
});
const usageChunk = (prompt: number, completion: number, cached?: number) => ({
  object: 'chat.completion.chunk',
  choices: [],
  usage: {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(cached === undefined ? {} : { prompt_tokens_details: { cached_tokens: cached } }),
  },
});

@Controller('v1')
class ChatController {
  /** SSE, as Nest streams an Observable of MessageEvents (data objects). */
  @Sse('sse', { method: RequestMethod.POST })
  @DynamoFrontend({ endpoint: 'chat_completions' })
  sse(@Body() body: ChatBody): Observable<MessageEvent> {
    checkModel(body.model);
    return feedOf(body)
      .stream()
      .pipe(map((data) => ({ data })));
  }

  /** SSE whose events carry JSON text, behind a validation pipe. */
  @Sse('sse-text', { method: RequestMethod.POST })
  @DynamoFrontend({ endpoint: 'chat_completions' })
  sseText(@Body(MessagesPipe) body: ChatBody): Observable<MessageEvent> {
    checkModel(body.model);
    return feedOf(body)
      .stream()
      .pipe(map((data) => ({ data: JSON.stringify(data) })));
  }

  /** An async generator of chunk objects (Nest sends NDJSON); input tokens counted from the prompt. */
  @Post('iterable')
  @DynamoFrontend({
    endpoint: 'completions',
    inputTokens: (request) => String(request.body?.prompt ?? '').split(' ').length,
  })
  iterable(@Body() body: ChatBody): AsyncIterable<object> {
    const feed = feedOf(body);
    feed.markStarted();
    const queue: object[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    let failure: unknown;
    const subscription = feed.chunks.subscribe({
      next: (value) => (queue.push(value), wake?.()),
      error: (error) => ((failure = error), (done = true), wake?.()),
      complete: () => ((done = true), wake?.()),
    });
    return (async function* () {
      try {
        for (;;) {
          while (queue.length > 0) yield queue.shift()!;
          if (failure) throw failure;
          if (done) return;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        subscription.unsubscribe();
        feed.markStopped();
      }
    })();
  }

  /** A Node stream of SSE text, as a proxy passes an upstream body on. */
  @Post('readable')
  @DynamoFrontend({ endpoint: 'chat_completions' })
  readable(@Body() body: ChatBody): Readable {
    const feed = feedOf(body);
    feed.markStarted();
    const readable = new Readable({ read() {} });
    const subscription = feed.chunks.subscribe({
      next: (value) => {
        // Split inside the JSON: the metrics must read the line once it is whole.
        const text = `data: ${JSON.stringify(value)}\n\n`;
        readable.push(text.slice(0, 20));
        readable.push(Buffer.from(text.slice(20)));
      },
      complete: () => {
        readable.push('data: [DONE]\n\n');
        readable.push(null);
      },
    });
    readable.once('close', () => {
      subscription.unsubscribe();
      feed.markStopped();
    });
    return readable;
  }

  /** Its own token counting and a fixed model. */
  @Post('custom')
  @DynamoFrontend({
    endpoint: 'responses',
    model: 'Fixed-Model',
    requestType: 'stream',
    countTokens: (value) => (value as { tokens?: number }).tokens ?? 0,
  })
  custom(): AsyncIterable<object> {
    return (async function* () {
      yield { tokens: 3 };
      yield { tokens: 2 };
    })();
  }

  /** One answer (OpenAI's non-stream chat completion), behind a validation pipe. */
  @Post('unary')
  @DynamoFrontend({
    endpoint: 'chat_completions',
    errorType: (error) => (error instanceof QuotaError ? 'overload' : undefined),
  })
  async unary(@Body(MessagesPipe) body: ChatBody): Promise<object> {
    checkModel(body.model);
    const feed = body.feed === undefined ? undefined : feedOf(body);
    feed?.markStarted();
    await (feed ? feed.stopped : sleep(20)); // with a feed, answers once the test says so
    return {
      object: 'chat.completion',
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there' } }],
      usage: { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 },
    };
  }
}

/** One decorator on the class: its options object is shared by an SSE and a non-SSE handler. */
@Controller('shared')
@DynamoFrontend({ endpoint: 'completions', model: 'shared-options' })
class SharedOptionsController {
  @Sse('sse', { method: RequestMethod.POST })
  sse(): Observable<MessageEvent> {
    return of({ data: chunk('a') }, { data: chunk('b') });
  }

  @Post('iterable')
  iterable(): AsyncIterable<object> {
    return (async function* () {
      yield chunk('c');
      yield chunk('d');
      yield chunk('e');
    })();
  }
}

@Module({
  imports: [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [] })],
  controllers: [ChatController, SharedOptionsController],
})
class OpenModelsApp {}

@Module({
  imports: [
    DynamoMetricsModule.forRoot({
      uptime: false,
      includeRegistries: [],
      frontend: { models: ['Known-Model', 'busy', 'missing'] },
    }),
  ],
  controllers: [ChatController],
})
class DeclaredModelsApp {}

@Module({
  imports: [
    DynamoMetricsModule.forRoot({
      uptime: false,
      includeRegistries: [],
      frontend: { maxModels: 2 },
    }),
  ],
  controllers: [ChatController],
})
class TwoModelsApp {}

/** A streaming request read by the test: chunks as they arrive, and a way to hang up. */
interface OpenStream {
  status: number;
  /** Resolves once the body holds `text` (or rejects when it ends first). */
  until(text: string): Promise<string>;
  /** The whole body, once it ends. */
  body(): Promise<string>;
  /** Disconnects, as a client that gave up does. */
  hangUp(): void;
}

function open(app: RunningApp, path: string, body: object): Promise<OpenStream> {
  const { port } = new URL(app.url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      path,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      let received = '';
      let ended = false;
      const waiters = new Set<() => void>();
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        received += text;
        waiters.forEach((wake) => wake());
      });
      const end = () => {
        ended = true;
        waiters.forEach((wake) => wake());
      };
      res.on('end', end);
      res.on('close', end);
      const wait = (done: () => boolean) =>
        new Promise<string>((done_, fail) => {
          const check = () => {
            if (done()) {
              waiters.delete(check);
              done_(received);
            } else if (ended) {
              waiters.delete(check);
              fail(new Error(`the body ended without what was awaited: ${received}`));
            }
          };
          waiters.add(check);
          check();
        });
      resolve({
        status: res.statusCode!,
        until: (text) => wait(() => received.includes(text)),
        body: () => wait(() => ended),
        hangUp: () => req.destroy(),
      });
    });
    req.end(payload);
  });
}

describe.each(ADAPTERS)('@DynamoFrontend on %s', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp(OpenModelsApp, adapter);
  });
  afterAll(() => app.close());

  const scrape = async () => parseExposition((await app.get('/metrics')).text);
  /** The value of one frontend sample, 0 when there is none yet. */
  const valueOf = async (name: string, labels: Record<string, string>) => {
    const found = samplesOf(await scrape(), `dynamo_frontend_${name}`, labels);
    if (found.length > 1) throw new Error(`${found.length} samples of ${name}`);
    return found[0]?.value ?? 0;
  };
  /** Cumulative bucket counts of a histogram, by `le`, and its count. */
  const histogram = async (name: string, model: string) => {
    const samples = await scrape();
    const buckets = Object.fromEntries(
      samplesOf(samples, `dynamo_frontend_${name}_bucket`, { model }).map((s) => [
        s.labels.le,
        s.value,
      ]),
    );
    const [count] = samplesOf(samples, `dynamo_frontend_${name}_count`, { model });
    const [sum] = samplesOf(samples, `dynamo_frontend_${name}_sum`, { model });
    return { buckets, count: count?.value ?? 0, sum: sum?.value ?? 0 };
  };
  /** The requests_total samples of a model, as `request_type/status/error_type/endpoint` → value. */
  const requests = async (model: string) =>
    Object.fromEntries(
      samplesOf(await scrape(), 'dynamo_frontend_requests_total', { model }).map((s) => [
        [s.labels.request_type, s.labels.status, s.labels.error_type, s.labels.endpoint].join('/'),
        s.value,
      ]),
    );
  /** Waits until the server has recorded the end of the model's request(s). */
  const settled = async (model: string, expected = 1) => {
    for (let i = 0; i < 200; i++) {
      const total = Object.values(await requests(model)).reduce((a, b) => a + b, 0);
      if (total >= expected) return;
      await sleep(10);
    }
    throw new Error(`requests of ${model} not recorded`);
  };

  it('has the frontend families in the scrape from the start', async () => {
    const text = (await app.get('/metrics')).text;
    expect(text).toContain(
      '# HELP dynamo_frontend_disconnected_clients Number of disconnected clients\n' +
        '# TYPE dynamo_frontend_disconnected_clients gauge\n' +
        'dynamo_frontend_disconnected_clients 0\n',
    );
  });

  it('measures an SSE stream exactly: TTFT, ITL, tokens, ISL, OSL, inflight and queued', async () => {
    const model = 'SSE-Model';
    const label = 'sse-model';
    const [id, feed] = newFeed();
    const opening = open(app, '/v1/sse', { model, feed: id, stream: true });
    await feed.started;
    feed.chunks.next(roleChunk()); // no token: still queued
    const stream = await opening;
    expect(stream.status).toBe(201);
    await stream.until('assistant');
    expect(await valueOf('inflight_requests', { model: label })).toBe(1);
    expect(await valueOf('queued_requests', { model: label })).toBe(1);

    await sleep(300);
    feed.chunks.next(chunk('Hel')); // TTFT ≈ 0.3 s: in (0.22, 0.47]
    await stream.until('Hel');
    expect(await valueOf('queued_requests', { model: label })).toBe(0);
    expect(await valueOf('inflight_requests', { model: label })).toBe(1);
    expect(await valueOf('output_tokens_total', { model: label })).toBe(1); // as tokens flow

    await sleep(100);
    feed.chunks.next(chunk('lo')); // ITL ≈ 0.1: in (0.084, 0.16]
    await sleep(200);
    feed.chunks.next(twoChoices()); // 0.2 s over 2 tokens: two ITL ≈ 0.1
    await sleep(200);
    feed.chunks.next(chunk('!')); // ITL ≈ 0.2: in (0.16, 0.3]
    feed.chunks.next(usageChunk(40, 5, 16));
    feed.chunks.complete();
    const body = await stream.body();
    expect(body.match(/^data: /gm)).toHaveLength(6);
    await settled(label);

    expect(await requests(label)).toEqual({ 'stream/success//chat_completions': 1 });
    const ttft = await histogram('time_to_first_token_seconds', label);
    expect([ttft.buckets['0.22'], ttft.buckets['0.47'], ttft.buckets['+Inf'], ttft.count]).toEqual([
      0, 1, 1, 1,
    ]);
    const itl = await histogram('inter_token_latency_seconds', label);
    expect([
      itl.buckets['0.084'],
      itl.buckets['0.16'],
      itl.buckets['0.3'],
      itl.buckets['+Inf'],
    ]).toEqual([0, 3, 4, 4]);
    const isl = await histogram('input_sequence_tokens', label);
    expect([isl.buckets['0'], isl.buckets['100'], isl.count, isl.sum]).toEqual([0, 1, 1, 40]);
    const osl = await histogram('output_sequence_tokens', label);
    expect([osl.buckets['0'], osl.buckets['100'], osl.count, osl.sum]).toEqual([0, 1, 1, 5]);
    const cached = await histogram('cached_tokens', label);
    expect([cached.buckets['0'], cached.buckets['100'], cached.sum]).toEqual([0, 1, 16]);
    expect(await valueOf('output_tokens_total', { model: label })).toBe(5);
    const duration = await histogram('request_duration_seconds', label);
    expect([duration.buckets['0'], duration.buckets['2'], duration.count]).toEqual([0, 1, 1]);
    expect(duration.sum).toBeGreaterThan(0.8);
    expect(await valueOf('inflight_requests', { model: label })).toBe(0);
    expect(await valueOf('queued_requests', { model: label })).toBe(0);
  });

  it('counts a client that disconnects mid-stream as cancelled and a disconnected client', async () => {
    const label = 'gone-mid-stream';
    const before = await valueOf('disconnected_clients', {});
    const [id, feed] = newFeed();
    const opening = open(app, '/v1/sse', { model: label, feed: id });
    await feed.started;
    feed.chunks.next(chunk('one'));
    feed.chunks.next(chunk('two'));
    const stream = await opening;
    await stream.until('two');
    stream.hangUp();
    await feed.stopped; // Nest tore the handler's stream down
    await settled(label);
    expect(feed.chunks.observed).toBe(false);
    expect(await requests(label)).toEqual({ 'stream/error/cancelled/chat_completions': 1 });
    expect(await valueOf('disconnected_clients', {})).toBe(before + 1);
    expect(await valueOf('output_tokens_total', { model: label })).toBe(2);
    expect(await valueOf('inflight_requests', { model: label })).toBe(0);
    expect(await valueOf('queued_requests', { model: label })).toBe(0);
    expect((await histogram('time_to_first_token_seconds', label)).count).toBe(1);
    expect((await histogram('output_sequence_tokens', label)).sum).toBe(2);
  });

  it('counts a client that leaves before the first token as cancelled, ending its queued time', async () => {
    const label = 'gone-while-queued';
    const [id, feed] = newFeed();
    const opening = open(app, '/v1/sse', { model: label, feed: id });
    await feed.started;
    const stream = await opening; // SSE sends its headers at once
    expect(await valueOf('queued_requests', { model: label })).toBe(1);
    stream.hangUp();
    await feed.stopped;
    await settled(label);
    expect(await requests(label)).toEqual({ 'stream/error/cancelled/chat_completions': 1 });
    expect(await valueOf('queued_requests', { model: label })).toBe(0);
    expect(await valueOf('inflight_requests', { model: label })).toBe(0);
    expect((await histogram('time_to_first_token_seconds', label)).count).toBe(0);
    expect((await histogram('output_sequence_tokens', label)).count).toBe(0);
  });

  it.each([
    ['an error', 'internal', () => new Error('engine died')],
    ['a 503', 'overload', () => new HttpException('Service Unavailable', 503)],
    ['a 504', 'response_timeout', () => new HttpException('Gateway Timeout', 504)],
  ])('counts a stream that fails mid-way with %s as %s', async (_, type, error) => {
    const label = `fails-with-${type}`;
    const [id, feed] = newFeed();
    const opening = open(app, '/v1/sse', { model: label, feed: id });
    await feed.started;
    feed.chunks.next(chunk('partial'));
    const stream = await opening;
    await stream.until('partial');
    feed.chunks.error(error());
    const body = await stream.body();
    expect(body).toContain('event: error');
    await settled(label);
    expect(await requests(label)).toEqual({ [`stream/error/${type}/chat_completions`]: 1 });
    expect(await valueOf('output_tokens_total', { model: label })).toBe(1);
    expect(await valueOf('inflight_requests', { model: label })).toBe(0);
  });

  it('reads SSE events whose data is JSON text, and counts a pipe rejection as validation', async () => {
    const label = 'json-text';
    const [id, feed] = newFeed();
    const opening = open(app, '/v1/sse-text', {
      model: label,
      feed: id,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await feed.started;
    feed.chunks.next(chunk('a'));
    await sleep(100);
    feed.chunks.next(chunk('b'));
    feed.chunks.next(usageChunk(3, 2));
    feed.chunks.complete();
    await (await opening).body();
    const rejected = await open(app, '/v1/sse-text', { model: label, feed: id });
    expect(rejected.status).toBe(400);
    await rejected.body();
    await settled(label, 2);
    expect(await requests(label)).toEqual({
      'stream/success//chat_completions': 1,
      'stream/error/validation/chat_completions': 1,
    });
    expect(await valueOf('output_tokens_total', { model: label })).toBe(2);
    const itl = await histogram('inter_token_latency_seconds', label);
    expect([itl.buckets['0.084'], itl.buckets['0.16'], itl.count]).toEqual([0, 1, 1]);
    // ISL only for the request that got a token.
    expect((await histogram('input_sequence_tokens', label)).sum).toBe(3);
  });

  it('measures an async iterable of chunks (NDJSON), with input tokens from the inputTokens option', async () => {
    const label = 'iterable-model';
    const [id, feed] = newFeed();
    const opening = open(app, '/v1/iterable', {
      model: label,
      feed: id,
      prompt: 'one two three four five',
    });
    await feed.started;
    await sleep(150);
    feed.chunks.next(chunk('x')); // TTFT ≈ 0.15: in (0.1, 0.22]
    const stream = await opening; // Nest sends the headers with the first chunk
    await stream.until('"x"');
    expect(await valueOf('output_tokens_total', { model: label })).toBe(1);
    await sleep(100);
    feed.chunks.next(chunk('y')); // ITL ≈ 0.1
    feed.chunks.complete();
    const body = await stream.body();
    expect(body.trim().split('\n')).toHaveLength(2);
    await settled(label);
    expect(await requests(label)).toEqual({ 'stream/success//completions': 1 });
    const ttft = await histogram('time_to_first_token_seconds', label);
    expect([ttft.buckets['0.1'], ttft.buckets['0.22'], ttft.count]).toEqual([0, 1, 1]);
    const itl = await histogram('inter_token_latency_seconds', label);
    expect([itl.buckets['0.084'], itl.buckets['0.16'], itl.count]).toEqual([0, 1, 1]);
    expect((await histogram('input_sequence_tokens', label)).sum).toBe(5);
    expect((await histogram('output_sequence_tokens', label)).sum).toBe(2);
  });

  it('counts a client that leaves an async iterable as cancelled, and the generator is stopped', async () => {
    const label = 'iterable-gone';
    const [id, feed] = newFeed();
    const opening = open(app, '/v1/iterable', { model: label, feed: id });
    await feed.started;
    feed.chunks.next(chunk('x'));
    const stream = await opening;
    await stream.until('"x"');
    stream.hangUp();
    await settled(label);
    expect(await requests(label)).toEqual({ 'stream/error/cancelled/completions': 1 });
    expect(await valueOf('inflight_requests', { model: label })).toBe(0);
    // A generator waiting inside an `await` is stopped at its next yield: a chunk comes late,
    // after its request ended, and is not counted.
    feed.chunks.next(chunk('late'));
    await feed.stopped;
    expect(await valueOf('output_tokens_total', { model: label })).toBe(1);
  });

  it('reads a Node stream of SSE bytes, lines split across chunks', async () => {
    const label = 'readable-model';
    const [id, feed] = newFeed();
    const opening = open(app, '/v1/readable', { model: label, feed: id, stream: true });
    await feed.started;
    feed.chunks.next(roleChunk());
    feed.chunks.next(chunk('é'));
    await sleep(100);
    feed.chunks.next(chunk('ü'));
    feed.chunks.next(usageChunk(9, 2));
    feed.chunks.complete();
    const body = await (await opening).body();
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    await settled(label);
    expect(await requests(label)).toEqual({ 'stream/success//chat_completions': 1 });
    expect(await valueOf('output_tokens_total', { model: label })).toBe(2);
    expect((await histogram('inter_token_latency_seconds', label)).count).toBe(1);
    expect((await histogram('input_sequence_tokens', label)).sum).toBe(9);
  });

  it("uses the decorator's countTokens, fixed model and request type", async () => {
    const stream = await open(app, '/v1/custom', { model: 'ignored' });
    await stream.body();
    await settled('fixed-model');
    expect(await requests('fixed-model')).toEqual({ 'stream/success//responses': 1 });
    expect(await valueOf('output_tokens_total', { model: 'fixed-model' })).toBe(5);
    expect((await histogram('inter_token_latency_seconds', 'fixed-model')).count).toBe(2);
  });

  it('gives each handler of a class-level decorator its own route, SSE or not', async () => {
    await (await open(app, '/shared/sse', {})).body();
    await (await open(app, '/shared/iterable', {})).body();
    await settled('shared-options', 2);
    expect(await requests('shared-options')).toEqual({ 'stream/success//completions': 2 });
    expect(await valueOf('output_tokens_total', { model: 'shared-options' })).toBe(5);
    expect((await histogram('time_to_first_token_seconds', 'shared-options')).count).toBe(2);
  });

  it.each([
    ['ok-unary', 201, 'unary/success//chat_completions'],
    ['missing', 404, 'unary/error/not_found/chat_completions'],
    ['busy', 429, 'unary/error/overload/chat_completions'],
    ['quota', 500, 'unary/error/overload/chat_completions'],
    ['broken', 500, 'unary/error/internal/chat_completions'],
  ])('counts a unary request for %s (%i) as %s', async (model, status, outcome) => {
    const response = await fetch(app.url + '/v1/unary', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream: false, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(status);
    await response.text();
    await settled(model);
    expect(await requests(model)).toEqual({ [outcome]: 1 });
    const success = status === 201;
    expect(await valueOf('output_tokens_total', { model })).toBe(success ? 7 : 0);
    expect((await histogram('output_sequence_tokens', model)).sum).toBe(success ? 7 : 0);
    expect((await histogram('input_sequence_tokens', model)).sum).toBe(success ? 20 : 0);
    // As Dynamo: the answer is the first response (TTFT), with no inter-token latency.
    expect((await histogram('time_to_first_token_seconds', model)).count).toBe(success ? 1 : 0);
    expect((await histogram('inter_token_latency_seconds', model)).count).toBe(0);
    expect((await histogram('request_duration_seconds', model)).count).toBe(1);
  });

  it('counts a unary request rejected by its pipe as validation, and one whose client left as cancelled', async () => {
    const response = await fetch(app.url + '/v1/unary', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'no-messages' }),
    });
    expect(response.status).toBe(400);
    await settled('no-messages');
    expect(await requests('no-messages')).toEqual({ 'unary/error/validation/chat_completions': 1 });

    const [id, feed] = newFeed();
    const { port } = new URL(app.url);
    const payload = JSON.stringify({ model: 'left-early', feed: id, messages: [{}] });
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      path: '/v1/unary',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': payload.length },
    });
    req.on('error', () => {});
    req.end(payload);
    await feed.started; // the handler waits for the test
    req.destroy();
    await settled('left-early');
    feed.markStopped(); // the handler answers, too late
    expect(await requests('left-early')).toEqual({ 'unary/error/cancelled/chat_completions': 1 });
    expect(await valueOf('output_tokens_total', { model: 'left-early' })).toBe(0);
  });

  it('passes results and errors through unchanged', async () => {
    const response = await fetch(app.url + '/v1/unary', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'same', messages: [{}] }),
    });
    expect(await response.json()).toEqual({
      object: 'chat.completion',
      model: 'same',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there' } }],
      usage: { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 },
    });
    const missing = await fetch(app.url + '/v1/unary', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'missing', messages: [{}] }),
    });
    expect(await missing.json()).toEqual({
      statusCode: 404,
      message: 'The model missing does not exist',
      error: 'Not Found',
    });
  });
});

describe.each(ADAPTERS)('@DynamoFrontend with declared models on %s', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp(DeclaredModelsApp, adapter);
  });
  afterAll(() => app.close());

  it('labels undeclared models unknown_model and counts their failures as not_found', async () => {
    const post = (model: string, body: object = { messages: [{}] }) =>
      fetch(app.url + '/v1/unary', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, ...body }),
      }).then((r) => r.status);
    expect(await post('KNOWN-model')).toBe(201);
    expect(await post('gpt-4')).toBe(201); // the app answered: a success, under unknown_model
    expect(await post('missing')).toBe(404);
    expect(await post('gpt-5', {})).toBe(400); // a validation failure of a model that is not served
    expect(await post('busy')).toBe(429);
    const samples = samplesOf(
      parseExposition((await app.get('/metrics')).text),
      'dynamo_frontend_requests_total',
    )
      .map((s) => `${s.labels.model} ${s.labels.status} ${s.labels.error_type} ${s.value}`)
      .sort();
    expect(samples).toEqual([
      'busy error overload 1',
      'known-model success  1',
      'missing error not_found 1',
      'unknown_model error not_found 1',
      'unknown_model success  1',
    ]);
  });
});

describe.each(ADAPTERS)('@DynamoFrontend without declared models on %s', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp(TwoModelsApp, adapter);
  });
  afterAll(() => app.close());

  it('keeps maxModels model labels and counts the rest under __overflow__', async () => {
    for (const model of ['A', 'b', 'c', 'a', 'd']) {
      const response = await fetch(app.url + '/v1/unary', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{}] }),
      });
      expect(response.status).toBe(201);
    }
    const samples = samplesOf(
      parseExposition((await app.get('/metrics')).text),
      'dynamo_frontend_requests_total',
    )
      .map((s) => `${s.labels.model} ${s.value}`)
      .sort();
    expect(samples).toEqual(['__overflow__ 2', 'a 2', 'b 1']);
  });
});
