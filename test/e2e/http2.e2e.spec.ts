import { connect } from 'node:http2';
import {
  Body,
  Controller,
  Get,
  Injectable,
  Module,
  Post,
  type INestApplication,
  type MiddlewareConsumer,
  type NestMiddleware,
  type NestModule,
} from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  DistributedRuntime,
  DynamoComponent,
  DynamoEndpoint,
  DynamoMetricsModule,
} from '../../lib';
import { sampleValue } from '../utils/scrape';

@Controller()
@DynamoComponent('h2')
class H2Controller {
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

  @Get('slow')
  @DynamoEndpoint()
  async slow() {
    await new Promise((resolve) => setTimeout(resolve, 200));
    return 'late';
  }

  @Get('after-middleware')
  @DynamoEndpoint()
  afterMiddleware() {
    return 'ok';
  }
}

@Injectable()
class SlowMiddleware implements NestMiddleware {
  async use(_req: unknown, _res: unknown, next: () => void) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    next();
  }
}

@Module({
  imports: [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [] })],
  controllers: [H2Controller],
})
class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer.apply(SlowMiddleware).forRoutes('after-middleware');
  }
}

/** A GET whose client cancels its stream `afterMs` later. */
function cancelledRequest(url: string, path: string, afterMs: number): Promise<void> {
  const client = connect(url);
  return new Promise((resolve) => {
    const stream = client.request({ ':path': path, ':method': 'GET' });
    stream.on('error', () => {});
    stream.end();
    setTimeout(() => {
      stream.close();
      client.close();
      resolve();
    }, afterMs);
  });
}

/** One HTTP/2 (cleartext) request; resolves with the status and the body. */
function request(url: string, path: string, body?: string): Promise<[number, string]> {
  const client = connect(url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ':path': path, ':method': body ? 'POST' : 'GET' };
    if (body) headers['content-type'] = 'application/json';
    const stream = client.request(headers);
    let status = 0;
    let text = '';
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => {
      client.close();
      resolve([status, text]);
    });
    stream.on('error', reject);
    stream.end(body);
  });
}

// An HTTP/2 server keeps no request/response classes to extend: each response is hooked instead.
describe('@DynamoEndpoint on Fastify over HTTP/2', () => {
  let app: INestApplication;
  let url: string;
  beforeEach(async () => {
    const testing = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = testing.createNestApplication(new FastifyAdapter({ http2: true }), { logger: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterEach(() => app.close());

  it('counts requests, bytes in and out, and nothing left in flight', async () => {
    const body = '{"text":"héllo"}';
    expect(await request(url, '/hello')).toEqual([200, '{"hello":"world"}']);
    expect(await request(url, '/echo', body)).toEqual([201, body]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = await app.get(DistributedRuntime).prometheusExpfmt();
    const labels = (endpoint: string) => ({ dynamo_component: 'h2', dynamo_endpoint: endpoint });
    for (const [endpoint, bytesIn, bytesOut] of [
      ['hello', 0, 17],
      ['echo', Buffer.byteLength(body), Buffer.byteLength(body)],
    ] as const) {
      expect(sampleValue(text, 'dynamo_component_requests_total', labels(endpoint))).toBe(1);
      expect(sampleValue(text, 'dynamo_component_inflight_requests', labels(endpoint))).toBe(0);
      expect(sampleValue(text, 'dynamo_component_request_bytes_total', labels(endpoint))).toBe(
        bytesIn,
      );
      expect(sampleValue(text, 'dynamo_component_response_bytes_total', labels(endpoint))).toBe(
        bytesOut,
      );
      expect(
        sampleValue(text, 'dynamo_component_request_duration_seconds_count', labels(endpoint)),
      ).toBe(1);
      expect(sampleValue(text, 'dynamo_component_cancellation_total', labels(endpoint))).toBe(0);
    }
  });

  it.each(['slow', 'after-middleware'])(
    'counts a client that cancels during %s as one cancelled request, nothing left in flight',
    async (endpoint) => {
      await cancelledRequest(url, '/' + endpoint, 50);
      await new Promise((resolve) => setTimeout(resolve, 400));
      const text = await app.get(DistributedRuntime).prometheusExpfmt();
      const labels = { dynamo_component: 'h2', dynamo_endpoint: endpoint.replace('-', '_') };
      expect(sampleValue(text, 'dynamo_component_requests_total', labels)).toBe(1);
      expect(sampleValue(text, 'dynamo_component_inflight_requests', labels)).toBe(0);
      expect(sampleValue(text, 'dynamo_component_cancellation_total', labels)).toBe(1);
      expect(sampleValue(text, 'dynamo_component_request_duration_seconds_count', labels)).toBe(1);
    },
  );
});
