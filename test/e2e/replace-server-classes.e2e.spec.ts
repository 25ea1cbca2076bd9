import { IncomingMessage, request, ServerResponse, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import {
  Body,
  Controller,
  Get,
  Headers,
  Module,
  NotFoundException,
  Post,
  Res,
  StreamableFile,
  type Type,
} from '@nestjs/common';
import { DynamoComponent, DynamoEndpoint, DynamoMetricsModule } from '../../lib';
import { HttpClient } from '../utils/http-client';
import { ADAPTERS, startAppWith, type AdapterKind, type RunningApp } from '../utils/nest-app';
import { RecordingLogger } from '../utils/process-health';
import { rawExchange } from '../utils/raw-http';
import { sampleValue } from '../utils/scrape';
import { sleep } from '../utils/sleep';
import { until } from '../utils/until';
import { classesOf } from '../utils/server-classes';

// `replaceServerClasses: false` keeps Node's own request and response classes on the app's
// server; every metric is still exact: the same traffic gives the same scrape either way.

const CHUNKS = ['first chunk,', 'second chunk,', 'third chunk'];
const BIG = 'b'.repeat(1024 * 1024);

/** Handlers of `/held` wait here until the test lets them answer. */
const held: (() => void)[] = [];

type Reply = { status(code: number): unknown; header(name: string, value: string): unknown };

@Controller()
@DynamoComponent('traffic')
class TrafficController {
  @Get('hello')
  @DynamoEndpoint()
  hello() {
    return { hello: 'world' };
  }

  @Post('echo')
  @DynamoEndpoint()
  echo(@Body() body: unknown) {
    return body;
  }

  /** Answers 304 to a client that has the current version. */
  @Get('tagged')
  @DynamoEndpoint()
  tagged(@Headers('if-none-match') tag: string, @Res({ passthrough: true }) res: Reply) {
    res.header('etag', '"v1"');
    if (tag !== '"v1"') return 'tagged body';
    res.status(304);
    return '';
  }

  @Get('stream')
  @DynamoEndpoint()
  stream() {
    return new StreamableFile(Readable.from(CHUNKS.map((chunk) => Buffer.from(chunk))));
  }

  @Get('stream-fails')
  @DynamoEndpoint()
  streamFails() {
    async function* chunks() {
      yield Buffer.from(CHUNKS[0]);
      await sleep(10);
      throw new Error('the source went away');
    }
    return new StreamableFile(Readable.from(chunks()));
  }

  @Get('fail')
  @DynamoEndpoint()
  fail(): never {
    throw new Error('the handler failed');
  }

  @Get('missing')
  @DynamoEndpoint()
  missing(): never {
    throw new NotFoundException('no such thing');
  }

  @Get('big')
  @DynamoEndpoint()
  big() {
    return BIG;
  }

  @Get('held')
  @DynamoEndpoint()
  held(): Promise<string> {
    return new Promise((resolve) => held.push(() => resolve('held answer')));
  }
}

const logger = new RecordingLogger();

/** The app, with the server's classes replaced or not; one duration bucket, so that timing cannot change a scrape. */
function trafficModule(replaceServerClasses?: boolean): Type<unknown> {
  @Module({
    imports: [
      DynamoMetricsModule.forRoot({
        uptime: false,
        includeRegistries: [],
        buckets: { requestDuration: [600] },
        ...(replaceServerClasses === undefined ? {} : { replaceServerClasses }),
      }),
    ],
    controllers: [TrafficController],
  })
  class TrafficModule {}
  return TrafficModule;
}

/** Requests recorded in full (durations observed) over every measured endpoint. */
async function recordedRequests(app: RunningApp): Promise<number> {
  const text = (await app.get('/metrics')).text;
  return text
    .split('\n')
    .filter((line) => line.startsWith('dynamo_component_request_duration_seconds_count{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

const REQUESTS = 23;

/**
 * The same requests, one after another: keep-alive, HEAD, 304, bodies (chunked too), streams
 * that end and that fail, errors, a big answer, HTTP/1.0, 100-continue, pipelining, and clients
 * that leave during an upload, while a handler waits, and while answers are queued.
 */
async function traffic(app: RunningApp): Promise<void> {
  const port = Number(new URL(app.url).port);
  const client = new HttpClient(app.url, { maxSockets: 1 });
  const json = { 'content-type': 'application/json' };
  try {
    const expectReply = async (method: string, path: string, status: number, body?: string) => {
      const reply = await client.send(
        method,
        path,
        body === undefined ? {} : { body, headers: json },
      );
      expect([method, path, reply.status]).toEqual([method, path, status]);
      return reply;
    };
    for (let i = 0; i < 3; i++) await expectReply('GET', '/hello', 200);
    await expectReply('HEAD', '/hello', 200);
    await expectReply('POST', '/echo', 201, '{"text":"héllo"}');
    await expectReply('POST', '/echo', 400, '{"text": nope}');
    expect((await expectReply('GET', '/tagged', 200)).body.toString()).toBe('tagged body');
    const notModified = await client.send('GET', '/tagged', {
      headers: { 'if-none-match': '"v1"' },
    });
    expect(notModified.status).toBe(304);
    await expectReply('HEAD', '/tagged', 200);
    expect((await expectReply('GET', '/stream', 200)).body.toString()).toBe(CHUNKS.join(''));
    expect((await client.start('GET', '/stream-fails').reply).complete).toBe(false);
    await expectReply('GET', '/fail', 500);
    await expectReply('GET', '/missing', 404);
    expect((await expectReply('GET', '/big', 200)).body.length).toBe(BIG.length);

    const chunked = await rawExchange(
      port,
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n3\r\n12}\r\n0\r\n\r\n',
      { responses: 1 },
    );
    expect(chunked.bytes.toString()).toMatch(/^HTTP\/1\.1 201 .*\{"a":12\}$/s);
    const http10 = await rawExchange(port, 'GET /hello HTTP/1.0\r\n\r\n');
    expect(http10.bytes.toString()).toMatch(/^HTTP\/1\.1 200 .*\{"hello":"world"\}$/s);
    const continued = await rawExchange(
      port,
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 7\r\nExpect: 100-continue\r\n\r\n',
      { then: '{"b":2}', responses: 1 },
    );
    expect(continued.bytes.toString()).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /);

    // Pipelined: two quick answers wait behind a held one, then all three go out in order.
    const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const pipelined = rawExchange(port, get('/held') + get('/hello') + get('/hello'), {
      responses: 3,
    });
    await until(() => held.length === 1, 'the held handler');
    await sleep(20);
    held.shift()!();
    expect((await pipelined).bytes.toString().split('HTTP/1.1 200 OK').length).toBe(4);

    // The client leaves while the handler waits, and with an answer queued behind it.
    const abandoned = rawExchange(port, get('/held') + get('/hello'), { timeoutMs: 100 });
    await until(() => held.length === 1, 'the held handler');
    await abandoned;
    await sleep(20);
    held.shift()!();

    // The client leaves during its upload, after the server read what it sent.
    const server = app.app.getHttpServer() as Server;
    const connection = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const upload = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/echo',
      headers: { ...json, 'content-length': 10_000 },
      agent: false,
    });
    upload.on('error', () => {});
    const part = '{"pad":"' + 'u'.repeat(3_992);
    await new Promise<void>((resolve) => upload.write(part, () => resolve()));
    const serverSocket = await connection;
    const written = (upload as typeof upload & { socket: Socket }).socket.bytesWritten;
    await until(() => serverSocket.bytesRead === written, 'the server to read the part');
    upload.destroy();

    await until(async () => (await recordedRequests(app)) === REQUESTS, `${REQUESTS} requests`);
  } finally {
    client.close();
  }
}

/** The scrape, with the one figure that depends on timing (the durations' sum) masked. */
async function scrapeOf(app: RunningApp): Promise<string> {
  const text = (await app.get('/metrics')).text;
  return text.replace(/^(dynamo_component_request_duration_seconds_sum\{.*\}) \S+$/gm, '$1 <sum>');
}

describe.each(ADAPTERS)('replaceServerClasses on %s', (adapter: AdapterKind) => {
  let apps: RunningApp[] = [];
  const start = async (replaceServerClasses?: boolean) => {
    const app = await startAppWith(trafficModule(replaceServerClasses), adapter, { logger });
    apps.push(app);
    return app;
  };
  beforeEach(() => {
    held.length = 0;
    logger.clear();
  });
  afterEach(async () => {
    for (const release of held) release();
    for (const app of apps) await app.close();
    apps = [];
    expect(logger.from('DynamoMetrics')).toEqual([]);
  });

  it("false: the server keeps Node's own request and response classes, and Node's objects", async () => {
    const app = await start(false);
    const server = app.app.getHttpServer() as Server;
    expect(classesOf(server)).toEqual([IncomingMessage, ServerResponse]);
    const seen: [unknown, unknown][] = [];
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) =>
      seen.push([req.constructor, res.constructor]),
    );
    expect((await app.get('/hello')).text).toBe('{"hello":"world"}');
    expect(seen).toEqual([[IncomingMessage, ServerResponse]]);
    if (adapter === 'express') {
      // Nor are Express's own prototypes.
      const express = app.app.getHttpAdapter().getInstance() as {
        request: object;
        response: object;
      };
      const own = (value: object, keys: string[]) =>
        keys.filter((key) => Object.prototype.hasOwnProperty.call(value, key));
      expect(own(express.request, ['push'])).toEqual([]);
      expect(own(express.response, ['write', 'end', 'emit'])).toEqual([]);
    }
  });

  it('true (the default): the server builds its objects with classes of the module', async () => {
    const app = await start();
    const [Request, Response] = classesOf(app.app.getHttpServer() as Server);
    expect([Request === IncomingMessage, Response === ServerResponse]).toEqual([false, false]);
  });

  it('the same traffic gives the same scrape with the classes replaced or not', async () => {
    const replaced = await start(true);
    await traffic(replaced);
    const kept = await start(false);
    await traffic(kept);
    const [withReplaced, withKept] = [await scrapeOf(replaced), await scrapeOf(kept)];
    expect(withKept).toBe(withReplaced);
    // And the figures are the exact ones.
    const of = (endpoint: string, metric: string, extra: Record<string, string> = {}) =>
      sampleValue(withKept, `dynamo_component_${metric}`, {
        dynamo_component: 'traffic',
        dynamo_endpoint: endpoint,
        ...extra,
      });
    expect(of('held', 'cancellation_total')).toBe(1);
    expect(of('hello', 'requests_total')).toBe(8);
    expect(of('hello', 'cancellation_total')).toBe(1);
    expect(of('hello', 'response_bytes_total')).toBe(6 * 17);
    expect(of('tagged', 'response_bytes_total')).toBe('tagged body'.length);
    expect(of('stream', 'response_bytes_total')).toBe(CHUNKS.join('').length);
    expect(of('stream_fails', 'errors_total', { error_type: 'response_stream' })).toBe(1);
    expect(of('big', 'response_bytes_total')).toBe(BIG.length);
    expect(of('echo', 'cancellation_total')).toBe(1);
    expect(of('echo', 'errors_total', { error_type: 'deserialization' })).toBe(1);
  });
});
