import {
  createServer,
  IncomingMessage,
  request as httpRequest,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { Body, Controller, Get, Module, Next, Post, Req, Res } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  DistributedRuntime,
  DynamoComponent,
  DynamoEndpoint,
  DynamoMetricsModule,
} from '../../lib';
import { startApp } from '../utils/nest-app';
import { sampleValue, WORK_HANDLER_OK, workHandlerCounts } from '../utils/scrape';

@Controller()
@DynamoComponent('first')
class FirstController {
  /** Passes every request on to the next route, later (as an auth or proxy check may). */
  @Get('handoff')
  @DynamoEndpoint()
  handoff(@Next() next: () => void) {
    setTimeout(() => next(), 5);
  }
}

@Controller()
@DynamoComponent('second')
class SecondController {
  @Get('handoff')
  @DynamoEndpoint()
  handoff() {
    return 'second';
  }
}

@Module({
  imports: [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [] })],
  controllers: [FirstController, SecondController],
})
class AppModule {}

@Controller()
@DynamoComponent('first')
class HelloController {
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

  /** Keeps each request and response, to look at their hidden classes. */
  @Get('keep')
  @DynamoEndpoint()
  keep(@Req() req: object, @Res({ passthrough: true }) res: object) {
    kept.push([req, res]);
    return 'kept';
  }
}
const kept: [object, object][] = [];

@Module({
  imports: [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [] })],
  controllers: [HelloController],
})
class HelloModule {}

const endpoint = (component: string, name: string) => ({
  dynamo_component: component,
  dynamo_endpoint: name,
});

describe('Express: a measured handler that passes the request on later', () => {
  it('counts the request once, on the route that took it first, nothing left in flight', async () => {
    const app = await startApp(AppModule, 'express');
    try {
      expect((await app.get('/handoff')).text).toBe('second');
      const text = (await app.get('/metrics')).text;
      const first = endpoint('first', 'handoff');
      expect(sampleValue(text, 'dynamo_component_requests_total', first)).toBe(1);
      expect(sampleValue(text, 'dynamo_component_inflight_requests', first)).toBe(0);
      expect(sampleValue(text, 'dynamo_component_request_duration_seconds_count', first)).toBe(1);
      const second = endpoint('second', 'handoff');
      expect(sampleValue(text, 'dynamo_component_requests_total', second)).toBe(0);
      expect(sampleValue(text, 'dynamo_component_inflight_requests', second)).toBe(0);
    } finally {
      await app.close();
    }
  });
});

describe('Fastify: requests from a server of its own (fastify.routing, as serverless adapters do)', () => {
  it('are counted in full although their responses are not made by the counting server', async () => {
    const testing = await Test.createTestingModule({ imports: [HelloModule] }).compile();
    const app = testing.createNestApplication(new FastifyAdapter(), { logger: false });
    await app.init();
    const fastify = app.getHttpAdapter().getInstance() as {
      ready(): Promise<unknown>;
      routing(req: IncomingMessage, res: ServerResponse): void;
    };
    await fastify.ready();
    const server = createServer((req, res) => fastify.routing(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      for (let i = 0; i < 3; i++) {
        expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe(
          '{"hello":"world"}',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      const text = await app.get(DistributedRuntime).prometheusExpfmt();
      const hello = endpoint('first', 'hello');
      expect(sampleValue(text, 'dynamo_component_requests_total', hello)).toBe(3);
      expect(sampleValue(text, 'dynamo_component_inflight_requests', hello)).toBe(0);
      expect(sampleValue(text, 'dynamo_component_request_duration_seconds_count', hello)).toBe(3);
      expect(sampleValue(text, 'dynamo_component_response_bytes_total', hello)).toBe(3 * 17);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await app.close();
    }
  });
});

describe('Express: where the requests and responses come from', () => {
  const hello = endpoint('first', 'hello');
  const echo = endpoint('first', 'echo');

  /** Three GETs and two POSTs of a 9-byte JSON body, each answered in full; then the counts. */
  async function exchange(base: string, runtime: DistributedRuntime) {
    for (let i = 0; i < 3; i++) {
      expect(await (await fetch(`${base}/hello`)).text()).toBe('{"hello":"world"}');
    }
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${base}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"n":123}',
      });
      expect(await response.text()).toBe('{"n":123}');
    }
    // The last response's close is seen just after the client has read it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = await runtime.prometheusExpfmt();
    expect(workHandlerCounts(text, hello)).toEqual({
      ...WORK_HANDLER_OK,
      requests: 3,
      durations: 3,
      requestBytes: 0,
      responseBytes: 3 * 17,
    });
    expect(workHandlerCounts(text, echo)).toEqual({
      ...WORK_HANDLER_OK,
      requests: 2,
      durations: 2,
      requestBytes: 2 * 9,
      responseBytes: 2 * 9,
    });
  }

  it("the app's own server makes them with the app's prototypes, and they count", async () => {
    const app = await startApp(HelloModule, 'express');
    const express = app.app.getHttpAdapter().getInstance() as { request: object; response: object };
    const born: boolean[] = [];
    (app.app.getHttpServer() as Server).prependListener('request', (req, res) =>
      born.push(
        Object.getPrototypeOf(req) === express.request &&
          Object.getPrototypeOf(res) === express.response,
      ),
    );
    try {
      await exchange(app.url, app.app.get(DistributedRuntime));
      expect(born).toEqual([true, true, true, true, true]);
    } finally {
      await app.close();
    }
  });

  it('requests from a server of its own (given the app) count alike', async () => {
    const testing = await Test.createTestingModule({ imports: [HelloModule] }).compile();
    const app = testing.createNestApplication(new ExpressAdapter(), { logger: false });
    await app.init();
    const server = createServer(app.getHttpAdapter().getInstance());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await exchange(`http://127.0.0.1:${port}`, app.get(DistributedRuntime));
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await app.close();
    }
  });

  it('its objects share their hidden classes and keep fast properties (V8)', async () => {
    const app = await startApp(HelloModule, 'express');
    try {
      for (let i = 0; i < 3; i++) expect((await app.get('/keep')).text).toBe('kept');
      // After the responses: what Node and Express add to the objects is there too.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const [[req1, res1], [req2, res2], [req3, res3]] = kept;
      expect([haveSameMap(req2, req3), haveSameMap(res2, res3)]).toEqual([true, true]);
      expect([req1, res1, req2, res2].map(hasFastProperties)).toEqual([true, true, true, true]);
    } finally {
      kept.length = 0;
      await app.close();
    }
  });

  it("requests given to 'upgrade' listeners keep Node's prototype, as they did", async () => {
    const app = await startApp(HelloModule, 'express');
    const seen: unknown[] = [];
    (app.app.getHttpServer() as Server).on('upgrade', (req: IncomingMessage, socket: Socket) => {
      seen.push(Object.getPrototypeOf(req) === IncomingMessage.prototype);
      try {
        // Assignable: on Express's prototype, `query` is a getter only.
        (req as { query?: unknown }).query = 'mine';
        seen.push((req as { query?: unknown }).query);
      } catch (error) {
        seen.push(error);
      }
      socket.end(
        'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n',
      );
    });
    try {
      const { port } = new URL(app.url);
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          path: '/hello',
          headers: { Connection: 'Upgrade', Upgrade: 'test' },
        });
        req.on('upgrade', (_res, socket: Socket) => {
          socket.destroy();
          resolve();
        });
        req.on('error', reject);
        req.end();
      });
      expect(seen).toEqual([true, 'mine']);
      // Ordinary requests still come with the app's prototypes and count.
      expect((await app.get('/hello')).text).toBe('{"hello":"world"}');
    } finally {
      await app.close();
    }
  });
});

setFlagsFromString('--allow-natives-syntax');
/** V8's own answers (test-only): whether two objects share a hidden class; fast properties. */
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
  a: object,
  b: object,
) => boolean;
const hasFastProperties = new Function('a', 'return %HasFastProperties(a)') as (
  a: object,
) => boolean;
