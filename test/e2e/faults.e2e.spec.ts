import { spawnSync } from 'node:child_process';
import { request, type ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import {
  Body,
  Controller,
  Get,
  Module,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import {
  DistributedRuntime,
  DynamoComponent,
  DynamoEndpoint,
  DynamoMetricsModule,
} from '../../lib';
import { parseExposition, samplesOf, type Sample } from '../utils/exposition';
import { HttpClient } from '../utils/http-client';
import { ADAPTERS, startAppWith, type AdapterKind, type RunningApp } from '../utils/nest-app';
import { RecordingLogger, watchProcess, type ProcessWatch } from '../utils/process-health';
import { realTool } from '../utils/real-tools';
import { until } from '../utils/until';

const promtool = realTool('promtool', 'apt-get install prometheus');

// Faults on the way in and out: what handlers throw, streams that fail, connections cut on
// either side, bodies too large or unreadable, and a shutdown with requests in flight. Each
// test counts exactly and leaves a scrape that parses. Covered elsewhere and not repeated here:
// Errors thrown, rejected and errored (dynamo-endpoint: /fail, /missing, /fail-observable), a
// guard and a pipe rejecting, a StreamableFile failing after one chunk, a truncated JSON body,
// a client gone before the response or while a middleware ran (edge-cases).

const STREAM_CHUNKS = [1_000, 2_000, 3_000].map((n) => Buffer.alloc(n, 's'));
const STREAMED = STREAM_CHUNKS.reduce((sum, chunk) => sum + chunk.length, 0);
const FIRST_CHUNK = Buffer.alloc(300, 'f');
const LATE_ANSWER = 'late answer';
const INTERNAL_ERROR = '{"statusCode":500,"message":"Internal server error"}';
/** The default body limits: body-parser's 100kb, Fastify's 1 MiB. */
const BODY_LIMIT: Record<AdapterKind, number> = { express: 100 * 1024, fastify: 1024 * 1024 };
const ERROR_TYPES = ['deserialization', 'invalid_message', 'generate', 'response_stream'];

type RawSocket = { destroy(): void };
type RawResponse = {
  writeHead(status: number, headers: Record<string, string>): void;
  write(chunk: Buffer, callback: () => void): boolean;
  once(event: 'close', listener: () => void): void;
  socket: RawSocket;
};

/** Handlers of `/hold` wait here until the test lets them answer. */
const held = new Map<string, () => void>();

@Controller()
@DynamoComponent('faults')
class FaultsController {
  @Get('throw-string')
  @DynamoEndpoint()
  throwString(): never {
    throw 'a string';
  }

  @Get('throw-null')
  @DynamoEndpoint()
  throwNull(): never {
    throw null;
  }

  @Get('throw-undefined')
  @DynamoEndpoint()
  throwUndefined(): never {
    throw undefined;
  }

  @Get('throw-number')
  @DynamoEndpoint()
  throwNumber(): never {
    throw 42;
  }

  @Get('reject-string')
  @DynamoEndpoint()
  async rejectString(): Promise<never> {
    throw 'rejected';
  }

  @Get('reject-undefined')
  @DynamoEndpoint()
  rejectUndefined(): Promise<never> {
    return Promise.reject(undefined);
  }

  @Get('observable-string')
  @DynamoEndpoint()
  observableString(): Observable<never> {
    return throwError(() => 'the values ran out');
  }

  /** Three chunks, then the source fails. */
  @Get('stream-midway')
  @DynamoEndpoint()
  streamMidway(): StreamableFile {
    async function* chunks() {
      for (const chunk of STREAM_CHUNKS) yield chunk;
      throw new Error('the source went away');
    }
    return new StreamableFile(Readable.from(chunks()));
  }

  /** The source fails before its first byte. */
  @Get('stream-early')
  @DynamoEndpoint()
  streamEarly(): StreamableFile {
    return new StreamableFile(
      new Readable({
        read() {
          this.destroy(new Error('cannot open the source'));
        },
      }),
    );
  }

  /** Writes a first chunk, then drops the connection (as a proxy or a timeout would). */
  @Get('cut-after-chunk')
  @DynamoEndpoint()
  cutAfterChunk(@Res() res: { raw?: RawResponse } & RawResponse): void {
    const raw = res.raw ?? res;
    raw.writeHead(200, { 'content-type': 'application/octet-stream' });
    raw.write(FIRST_CHUNK, () => raw.socket.destroy());
  }

  /** Drops the connection, then answers: Nest writes to a socket that is gone. */
  @Get('cut-then-answer')
  @DynamoEndpoint()
  cutThenAnswer(@Req() req: { raw?: { socket: RawSocket }; socket: RawSocket }): string {
    (req.raw ?? req).socket.destroy();
    return LATE_ANSWER;
  }

  /** Writes a first chunk, then waits for the client to leave. */
  @Get('first-chunk')
  @DynamoEndpoint()
  firstChunk(@Res() res: { raw?: RawResponse } & RawResponse): Promise<void> {
    const raw = res.raw ?? res;
    raw.writeHead(200, { 'content-type': 'application/octet-stream' });
    raw.write(FIRST_CHUNK, () => {});
    return new Promise((resolve) => raw.once('close', resolve));
  }

  /** Answers through `@Res()` before returning, with Express's and Fastify's common API. */
  @Get('direct')
  @DynamoEndpoint()
  direct(@Res() res: { status(code: number): { send(body: unknown): void } }): void {
    res.status(202).send({ direct: true });
  }

  @Post('upload')
  @DynamoEndpoint()
  upload(@Body() _body: unknown) {
    return { ok: true };
  }

  @Get('hold')
  @DynamoEndpoint()
  hold(@Query('id') id: string): Promise<string> {
    return new Promise((resolve) => {
      held.set(id, () => resolve('released'));
    });
  }

  @Get('ok')
  @DynamoEndpoint()
  ok(): string {
    return 'ok';
  }
}

const logger = new RecordingLogger();

@Module({
  imports: [
    DynamoMetricsModule.forRoot({
      uptime: false,
      includeRegistries: [],
      logger: logger.metrics,
      // Written for Errors only: it throws on anything else, which must leave `generate`.
      errorType: (error) => ((error as Error).message.startsWith('quota') ? 'overload' : undefined),
    }),
  ],
  controllers: [FaultsController],
})
class FaultsModule {}

/** Resolves once `event` of `emitter` comes, with its first argument. */
const once = <T>(emitter: NodeJS.EventEmitter, event: string) =>
  new Promise<T>((resolve) => emitter.once(event, resolve));

describe.each(ADAPTERS)('faults on %s', (adapter) => {
  let app: RunningApp;
  let client: HttpClient;
  let watch: ProcessWatch;
  let closedByTest = false;
  const limit = BODY_LIMIT[adapter];

  beforeEach(async () => {
    logger.clear();
    held.clear();
    closedByTest = false;
    watch = watchProcess();
    app = await startAppWith(FaultsModule, adapter, { logger });
    client = new HttpClient(app.url);
  });
  afterEach(async () => {
    client.close();
    for (const release of held.values()) release();
    if (!closedByTest) await app.close();
    watch.stop();
    expect(watch.rejections).toEqual([]);
    expect(watch.warnings).toEqual([]);
    expect(logger.from('DynamoMetrics')).toEqual([]);
    expect(logger.from('metrics-core')).toEqual([]);
  });

  /** The scrape, parsed: a scrape that is not valid text fails the test here. */
  const scrape = async (): Promise<Sample[]> => {
    const response = await app.get('/metrics');
    expect(response.status).toBe(200);
    return parseExposition(response.text);
  };
  /** Every work-handler metric of `endpoint`, errors by type, from one scrape. */
  const metricsOf = async (endpoint: string, samples?: Sample[]) => {
    const all = samples ?? (await scrape());
    const value = (metric: string, extra: Record<string, string> = {}) => {
      const found = samplesOf(all, `dynamo_component_${metric}`, {
        dynamo_component: 'faults',
        dynamo_endpoint: endpoint,
        ...extra,
      });
      if (found.length !== 1) throw new Error(`${found.length} samples of ${metric}`);
      return found[0].value;
    };
    return {
      requests: value('requests_total'),
      inflight: value('inflight_requests'),
      durations: value('request_duration_seconds_count'),
      requestBytes: value('request_bytes_total'),
      responseBytes: value('response_bytes_total'),
      cancellations: value('cancellation_total'),
      errors: Object.fromEntries(
        ERROR_TYPES.map((type) => [type, value('errors_total', { error_type: type })]),
      ),
    };
  };
  const noErrors = { deserialization: 0, invalid_message: 0, generate: 0, response_stream: 0 };
  const errors = (type?: string) => (type ? { ...noErrors, [type]: 1 } : noErrors);
  /** Waits (bounded) until `endpoint` has recorded `n` requests in full. */
  const recorded = async (endpoint: string, n = 1) => {
    await until(async () => {
      const m = await metricsOf(endpoint);
      return m.durations === n && m.inflight === 0;
    }, `${n} recorded requests of ${endpoint}`);
    return metricsOf(endpoint);
  };

  /** A raw request whose body the test writes itself; the response is read in full. */
  const rawRequest = (path: string, headers: Record<string, string | number>) => {
    const { port } = new URL(app.url);
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers, agent: false });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
    });
    return { req, response };
  };

  describe('handlers that throw what is not an Error', () => {
    it.each([
      ['/throw-string', 'throw_string'],
      ['/throw-null', 'throw_null'],
      ['/throw-undefined', 'throw_undefined'],
      ['/throw-number', 'throw_number'],
      ['/reject-string', 'reject_string'],
      ['/reject-undefined', 'reject_undefined'],
      ['/observable-string', 'observable_string'],
    ])('GET %s gets Nest’s 500 and counts one generate error', async (path, endpoint) => {
      const reply = await client.send('GET', path);
      expect([reply.status, reply.body.toString()]).toEqual([500, INTERNAL_ERROR]);
      expect(await recorded(endpoint)).toEqual({
        requests: 1,
        inflight: 0,
        durations: 1,
        requestBytes: 0,
        responseBytes: INTERNAL_ERROR.length,
        cancellations: 0,
        errors: errors('generate'),
      });
      // Nest logged the exception, nothing else did.
      expect(logger.counts.get('error:ExceptionsHandler')).toBe(1);
    });
  });

  describe('streams that fail', () => {
    it('counts a stream failing after three chunks as response_stream, with the bytes written', async () => {
      const reply = await client.start('GET', '/stream-midway').reply;
      // The client saw the three chunks, then the connection cut: not a complete response.
      expect([reply.status, reply.body.length, reply.complete]).toEqual([200, STREAMED, false]);
      expect(await recorded('stream_midway')).toEqual({
        requests: 1,
        inflight: 0,
        durations: 1,
        requestBytes: 0,
        responseBytes: STREAMED,
        cancellations: 0,
        errors: errors('response_stream'),
      });
    });

    it('counts a stream failing before its first byte as response_stream, with the error answer', async () => {
      const reply = await client.send('GET', '/stream-early');
      // Nest's StreamableFile answers 400 on Express; Fastify answers a failed stream with 500.
      expect([reply.status, reply.body.toString()]).toEqual(
        adapter === 'express' ? [400, 'Bad Request'] : [500, INTERNAL_ERROR],
      );
      expect(await recorded('stream_early')).toEqual({
        requests: 1,
        inflight: 0,
        durations: 1,
        requestBytes: 0,
        responseBytes: reply.body.length,
        cancellations: 0,
        errors: errors('response_stream'),
      });
    });
  });

  describe('connections cut', () => {
    it('server side, after a first chunk: one cancellation, the chunk counted', async () => {
      const reply = await client.start('GET', '/cut-after-chunk').reply;
      expect([reply.status, reply.body.length, reply.complete]).toEqual([
        200,
        FIRST_CHUNK.length,
        false,
      ]);
      expect(await recorded('cut_after_chunk')).toEqual({
        requests: 1,
        inflight: 0,
        durations: 1,
        requestBytes: 0,
        responseBytes: FIRST_CHUNK.length,
        cancellations: 1,
        errors: noErrors,
      });
    });

    // Fastify once counted this as completed: Node marks a response ended on a destroyed socket
    // `writableFinished`, though it never emits 'finish'.
    it('server side, before the handler answers: one cancellation, not a completed request', async () => {
      const reply = await client.start('GET', '/cut-then-answer').reply;
      expect([reply.status, reply.complete]).toEqual([0, false]);
      expect(await recorded('cut_then_answer')).toEqual({
        requests: 1,
        inflight: 0,
        durations: 1,
        requestBytes: 0,
        // The late answer never left (response-bytes-sent.e2e.spec.ts).
        responseBytes: 0,
        cancellations: 1,
        errors: noErrors,
      });
    });

    it('client side, after the first chunk of the response: one cancellation, the chunk counted', async () => {
      expect(await client.abortAfter('/first-chunk', FIRST_CHUNK.length)).toEqual({
        status: 200,
        received: FIRST_CHUNK.length,
      });
      expect(await recorded('first_chunk')).toEqual({
        requests: 1,
        inflight: 0,
        durations: 1,
        requestBytes: 0,
        responseBytes: FIRST_CHUNK.length,
        cancellations: 1,
        errors: noErrors,
      });
    });

    // Both adapters once counted this as invalid_message (a rejected message) as well.
    it('client side, during the body upload: one cancelled request with the bytes received, no error', async () => {
      const server = app.app.getHttpServer() as NodeJS.EventEmitter;
      const connection = once<Socket>(server, 'connection');
      const { req, response } = rawRequest('/upload', {
        'content-type': 'application/json',
        'content-length': 10_000,
      });
      response.catch(() => {}); // none comes: the client leaves
      const part = '{"pad":"' + 'u'.repeat(3_992);
      await new Promise<void>((resolve) => req.write(part, () => resolve()));
      // Everything written has been read by the server before the client leaves.
      const serverSocket = await connection;
      const written = (req as ClientRequest & { socket: Socket }).socket.bytesWritten;
      await until(() => serverSocket.bytesRead === written, 'the server to read the part');
      req.destroy();
      expect(await recorded('upload')).toEqual({
        requests: 1,
        inflight: 0,
        durations: 1,
        requestBytes: part.length,
        // Express answers 400 to the cut connection: those bytes never left.
        responseBytes: 0,
        cancellations: 1,
        errors: noErrors,
      });
      // The app keeps serving, and the next upload counts its own bytes only.
      const next = await client.send('POST', '/upload', {
        body: '{"a":1}',
        headers: { 'content-type': 'application/json' },
      });
      expect(next.status).toBe(201);
      const after = await recorded('upload', 2);
      expect([after.requests, after.requestBytes, after.cancellations]).toEqual([
        2,
        part.length + 7,
        1,
      ]);
    });
  });

  // Express once lost every byte such a handler wrote: its state was set after the handler
  // ran, and Nest calls a handler without guards or async pipes synchronously.
  it('counts what a handler writes through @Res() before it returns', async () => {
    const reply = await client.send('GET', '/direct');
    expect([reply.status, reply.body.toString()]).toEqual([202, '{"direct":true}']);
    expect(await recorded('direct')).toEqual({
      requests: 1,
      inflight: 0,
      durations: 1,
      requestBytes: 0,
      responseBytes: '{"direct":true}'.length,
      cancellations: 0,
      errors: noErrors,
    });
  });

  describe('bodies over the limit', () => {
    it('answers 413 to a chunked body one byte over, counted as deserialization with every byte', async () => {
      const { req, response } = rawRequest('/upload', {
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
      });
      req.end('"' + 'x'.repeat(limit));
      const { status, body } = await response;
      expect([status, JSON.parse(body).statusCode]).toEqual([413, 413]);
      expect(await recorded('upload')).toEqual({
        requests: 1,
        inflight: 0,
        durations: 1,
        requestBytes: limit + 1,
        responseBytes: Buffer.byteLength(body),
        cancellations: 0,
        errors: errors('deserialization'),
      });
    });

    // Express reads the whole body before it answers; Fastify answers from content-length
    // alone, so there the client sends the headers and waits (bytes sent later would race the
    // answer).
    it('answers 413 to a content-length over the limit, counted as deserialization', async () => {
      const { req, response } = rawRequest('/upload', {
        'content-type': 'application/json',
        'content-length': limit + 1,
      });
      req.on('error', () => {});
      if (adapter === 'express') req.end('"' + 'x'.repeat(limit));
      else req.flushHeaders();
      const { status, body } = await response;
      req.destroy();
      expect([status, JSON.parse(body).statusCode]).toEqual([413, 413]);
      expect(await recorded('upload')).toEqual({
        requests: 1,
        inflight: 0,
        durations: 1,
        requestBytes: adapter === 'express' ? limit + 1 : 0,
        responseBytes: Buffer.byteLength(body),
        cancellations: 0,
        errors: errors('deserialization'),
      });
    });
  });

  describe('bodies that cannot be read', () => {
    // Where the adapters read bodies differently, so do their answers: [status, error_type].
    const json = 'application/json';
    it.each<[string, Record<string, string>, string, Record<AdapterKind, [number, string?]>]>([
      [
        'an invalid token',
        { 'content-type': json },
        '{"a": nope}',
        {
          express: [400, 'deserialization'],
          fastify: [400, 'deserialization'],
        },
      ],
      [
        'gzip that is not',
        { 'content-type': json, 'content-encoding': 'gzip' },
        'plain text',
        {
          express: [400, 'deserialization'],
          fastify: [400, 'deserialization'],
        },
      ],
      [
        'brotli that is not',
        { 'content-type': json, 'content-encoding': 'br' },
        'plain text',
        {
          express: [400, 'deserialization'],
          fastify: [400, 'deserialization'],
        },
      ],
      [
        'an unknown encoding',
        { 'content-type': json, 'content-encoding': 'bogus' },
        '{"a":1}',
        {
          express: [415, 'deserialization'],
          fastify: [201],
        },
      ],
      [
        'an unknown charset',
        { 'content-type': `${json}; charset=bogus` },
        '{"a":1}',
        {
          express: [415, 'deserialization'],
          fastify: [201],
        },
      ],
      [
        'an empty JSON body',
        { 'content-type': json },
        '',
        {
          express: [201],
          fastify: [400, 'deserialization'],
        },
      ],
      [
        'an unknown media type',
        { 'content-type': 'application/x-unknown' },
        '{"a":1}',
        {
          express: [201],
          fastify: [415, 'deserialization'],
        },
      ],
    ])(
      'answers %s %j as the adapter does, and counts it',
      async (_case, headers, body, outcomes) => {
        const [status, errorType] = outcomes[adapter];
        const reply = await client.send('POST', '/upload', { body, headers });
        expect(reply.status).toBe(status);
        expect(await recorded('upload')).toEqual({
          requests: 1,
          inflight: 0,
          durations: 1,
          requestBytes: Buffer.byteLength(body),
          responseBytes: reply.body.length,
          cancellations: 0,
          errors: errors(errorType),
        });
      },
    );
  });

  (promtool ? it : it.skip)(
    'keeps the scrape valid for promtool after oversized and unreadable bodies of every kind',
    async () => {
      const json = 'application/json';
      const bodies: [Record<string, string>, string][] = [
        [{ 'content-type': json }, '{"a": nope}'],
        [{ 'content-type': json, 'content-encoding': 'gzip' }, 'plain text'],
        [{ 'content-type': json, 'content-encoding': 'bogus' }, '{"a":1}'],
        [{ 'content-type': `${json}; charset=bogus` }, '{"a":1}'],
        [{ 'content-type': 'application/x-unknown' }, '{"a":1}'],
        [{ 'content-type': json }, `{"a":"${'x'.repeat(limit)}"}`],
      ];
      for (const [headers, body] of bodies)
        expect((await client.send('POST', '/upload', { body, headers })).status).toBeGreaterThan(0);
      await recorded('upload', bodies.length);
      const text = (await app.get('/metrics')).text;
      const check = spawnSync(promtool!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.stderr + check.stdout).toBe('');
      expect(check.status).toBe(0);
    },
  );

  it('records the requests in flight at shutdown, whether they finish or are cut, and keeps the rest', async () => {
    for (let i = 0; i < 3; i++) expect((await client.send('GET', '/ok')).status).toBe(200);
    // Connection: close, so that the server's close waits for no idle connection.
    const closing = new HttpClient(app.url, { keepAlive: false });
    const finishing = ['a', 'b'].map((id) => closing.start('GET', `/hold?id=${id}`));
    const cut = ['c', 'd'].map((id) => closing.start('GET', `/hold?id=${id}`));
    await until(() => held.size === 4, 'four handlers in flight');
    const inFlight = await metricsOf('hold');
    expect([inFlight.requests, inFlight.inflight]).toEqual([4, 4]);

    closedByTest = true;
    const closed = app.app.close();
    await until(() => !(app.app.getHttpServer() as { listening: boolean }).listening, 'close');
    for (const request of cut) request.abort();
    held.get('a')!();
    held.get('b')!();
    for (const { reply } of finishing) {
      const { status, body, complete } = await reply;
      expect([status, body.toString(), complete]).toEqual([200, 'released', true]);
    }
    await closed;
    closing.close();

    const runtime = app.app.get(DistributedRuntime);
    const samples = parseExposition(await runtime.prometheusExpfmt());
    expect(await metricsOf('hold', samples)).toEqual({
      requests: 4,
      inflight: 0,
      durations: 4,
      requestBytes: 0,
      responseBytes: 2 * 'released'.length,
      cancellations: 2,
      errors: noErrors,
    });
    expect(await metricsOf('ok', samples)).toEqual({
      requests: 3,
      inflight: 0,
      durations: 3,
      requestBytes: 0,
      responseBytes: 3 * 'ok'.length,
      cancellations: 0,
      errors: noErrors,
    });
  });
});
