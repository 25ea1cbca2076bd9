import { request, type ClientRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Body, Controller, Get, Module, Post, Req, Res } from '@nestjs/common';
import { DynamoComponent, DynamoEndpoint, DynamoMetricsModule } from '../../lib';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { sleep } from '../utils/sleep';
import { WORK_HANDLER_OK, workHandlerCounts } from '../utils/scrape';
import { until } from '../utils/until';

// `dynamo_component_response_bytes_total` counts the body bytes a response handed to its
// connection, never those Node dropped: written after the connection was gone, to a HEAD or 304
// answer (which carry no body), or queued behind an earlier response on a connection that closed
// before their turn.

type RawResponse = {
  writeHead(status: number, headers?: Record<string, string>): void;
  end(body?: string): void;
};
type RawRequest = { socket: Socket };
const rawOf = <T>(value: { raw?: T } & T): T => value.raw ?? value;

/** Handlers of `/held` wait here until the test lets them answer. */
const held: (() => void)[] = [];

@Controller()
@DynamoComponent('bytes')
class BytesController {
  @Post('upload')
  @DynamoEndpoint()
  upload(@Body() _body: unknown) {
    return { ok: true };
  }

  /** Drops the connection, then answers: the answer never leaves. */
  @Get('cut-then-answer')
  @DynamoEndpoint()
  cutThenAnswer(@Req() req: { raw?: RawRequest } & RawRequest): string {
    rawOf(req).socket.destroy();
    return 'late answer';
  }

  /** Writes a body whatever the method and status: Node drops it for HEAD and 304. */
  @Get('raw-body')
  @DynamoEndpoint()
  rawBody(
    @Req() req: { raw?: { url: string } } & { url: string },
    @Res() res: { raw?: RawResponse } & RawResponse,
  ): void {
    const status = Number(new URL(rawOf(req).url, 'http://x').searchParams.get('status') ?? 200);
    rawOf(res).writeHead(status, { 'content-type': 'text/plain', 'content-length': '16' });
    rawOf(res).end('sixteen body bytes'.slice(0, 16));
  }

  /** Answers once the test releases it. */
  @Get('held')
  @DynamoEndpoint()
  held(): Promise<string> {
    return new Promise((resolve) => held.push(() => resolve('held answer')));
  }

  @Get('quick')
  @DynamoEndpoint()
  quick(): string {
    return 'quick answer';
  }
}

@Module({
  imports: [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [] })],
  controllers: [BytesController],
})
class BytesModule {}

const endpoint = (name: string) => ({ dynamo_component: 'bytes', dynamo_endpoint: name });

describe.each(ADAPTERS)(
  'response bytes on %s count only what reached the connection',
  (adapter) => {
    let app: RunningApp;
    beforeEach(async () => {
      held.length = 0;
      app = await startApp(BytesModule, adapter);
    });
    afterEach(async () => {
      for (const release of held) release();
      await app.close();
    });

    const port = () => Number(new URL(app.url).port);
    const counts = async (name: string) =>
      workHandlerCounts((await app.get('/metrics')).text, endpoint(name));
    /** The work-handler counts of `name` once `n` of its requests are recorded in full. */
    const recorded = async (name: string, n = 1) => {
      let found: ReturnType<typeof workHandlerCounts> | undefined;
      await until(async () => {
        found = await counts(name);
        return found.durations === n && found.inflight === 0;
      }, `${n} recorded requests of ${name}`);
      return found!;
    };

    it('a client that leaves during its upload: the error answer written after it left counts 0 bytes', async () => {
      const server = app.app.getHttpServer() as NodeJS.EventEmitter;
      const connection = new Promise<Socket>((resolve) => server.once('connection', resolve));
      const req = request({
        host: '127.0.0.1',
        port: port(),
        method: 'POST',
        path: '/upload',
        headers: { 'content-type': 'application/json', 'content-length': 10_000 },
        agent: false,
      });
      req.on('error', () => {}); // the client leaves
      const part = '{"pad":"' + 'u'.repeat(3_992);
      await new Promise<void>((resolve) => req.write(part, () => resolve()));
      const serverSocket = await connection;
      const written = (req as ClientRequest & { socket: Socket }).socket.bytesWritten;
      await until(() => serverSocket.bytesRead === written, 'the server to read the part');
      req.destroy();
      expect(await recorded('upload')).toEqual({
        ...WORK_HANDLER_OK,
        requests: 1,
        durations: 1,
        requestBytes: part.length,
        responseBytes: 0,
        cancelled: 1,
      });
    });

    it('a handler that answers after the connection was cut counts 0 bytes', async () => {
      const reply = await exchange(port(), 'GET /cut-then-answer HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(reply).toBe('');
      expect(await recorded('cut_then_answer')).toEqual({
        ...WORK_HANDLER_OK,
        requests: 1,
        durations: 1,
        requestBytes: 0,
        responseBytes: 0,
        cancelled: 1,
      });
    });

    it.each([
      ['GET', 200, 16],
      ['HEAD', 200, 0],
      ['GET', 304, 0],
      ['GET', 204, 0],
    ])(
      '%s answered %d with a body written: %d body bytes counted',
      async (method, status, bytes) => {
        const reply = await exchange(
          port(),
          `${method} /raw-body?status=${status} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        );
        expect(reply.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
        // What the client received after the head is what was counted.
        expect(Buffer.byteLength(bodyOf(reply))).toBe(bytes);
        expect((await recorded('raw_body')).responseBytes).toBe(bytes);
      },
    );

    it('pipelined requests answered in full count every byte, in order', async () => {
      const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
      const socket = connect(port(), '127.0.0.1');
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.write(get('/held') + get('/quick') + get('/quick'));
      await until(() => held.length === 1, 'the first handler');
      // The second and third answers are written while the first is still waiting.
      await until(async () => (await counts('quick')).requests === 2, 'the queued requests');
      held[0]();
      await until(
        () => Buffer.concat(received).toString().split('HTTP/1.1 200').length === 4,
        'answers',
      );
      socket.destroy();
      expect((await recorded('held')).responseBytes).toBe('held answer'.length);
      expect(await recorded('quick', 2)).toEqual({
        ...WORK_HANDLER_OK,
        requests: 2,
        durations: 2,
        requestBytes: 0,
        responseBytes: 2 * 'quick answer'.length,
      });
    });

    it('answers queued behind one whose connection closes before their turn count 0 bytes, none left in flight', async () => {
      const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
      const socket = connect(port(), '127.0.0.1');
      socket.on('error', () => {});
      socket.write(get('/held') + get('/quick'));
      await until(() => held.length === 1, 'the first handler');
      // The quick answer is written, queued behind the held one; then the client leaves.
      await until(async () => (await counts('quick')).requests === 1, 'the queued request');
      await sleep(20);
      socket.destroy();
      expect(await recorded('quick')).toEqual({
        ...WORK_HANDLER_OK,
        requests: 1,
        durations: 1,
        requestBytes: 0,
        responseBytes: 0,
        cancelled: 1,
      });
      expect(await recorded('held')).toEqual({
        ...WORK_HANDLER_OK,
        requests: 1,
        durations: 1,
        requestBytes: 0,
        responseBytes: 0,
        cancelled: 1,
      });
    });
  },
);

/** Writes `text` on a new connection and reads until the server closes it. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    socket.write(text);
  });
}

/** What follows the head of a one-response reply. */
function bodyOf(reply: string): string {
  return reply.slice(reply.indexOf('\r\n\r\n') + 4);
}
