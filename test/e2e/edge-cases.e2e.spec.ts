import {
  Body,
  Controller,
  Get,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestMiddleware,
  type NestModule,
  Param,
  Post,
  Version,
  VersioningType,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DynamoComponent, DynamoEndpoint, DynamoMetricsModule, Timed } from '../../lib';
import { DistributedRuntime } from '../../lib';
import { abortedGet, ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { until } from '../utils/microservice';
import { sampleValue } from '../utils/scrape';

// Cases found in review: each once crashed the process, lost a body, double-counted or hid a route.

@Controller('v')
@DynamoComponent('ver')
class V1Controller {
  @Post('gen')
  @Version('1')
  @DynamoEndpoint('gen_v1')
  gen(@Body() body: unknown) {
    return { v: 1, body };
  }
}

@Controller('v')
@DynamoComponent('ver')
class V2Controller {
  @Post('gen')
  @Version('2')
  @DynamoEndpoint('gen_v2')
  gen(@Body() body: unknown) {
    return { v: 2, body };
  }
}

@Controller('items')
@DynamoComponent('items')
class ItemsController {
  @Get()
  @DynamoEndpoint('list')
  list() {
    return ['a'];
  }

  @Post()
  @DynamoEndpoint('create')
  create(@Body() body: unknown) {
    return body;
  }
}

@Controller()
class SlugController {
  @Get(':slug')
  page(@Param('slug') slug: string) {
    return `page ${slug}`;
  }
}

/** An async middleware before every route, as a session store or rate limiter is (`?wait=ms`). */
@Injectable()
class SlowMiddleware implements NestMiddleware {
  async use(req: { url: string }, _res: unknown, next: () => void) {
    const wait = Number(new URL(req.url, 'http://localhost').searchParams.get('wait') ?? 5);
    await new Promise((resolve) => setTimeout(resolve, wait));
    next();
  }
}

@Module({
  imports: [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [] })],
  controllers: [V1Controller, V2Controller, ItemsController, SlugController],
})
class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer.apply(SlowMiddleware).forRoutes('items');
  }
}

const post = (app: RunningApp, path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(app.url + path, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });

describe.each(ADAPTERS)('edge cases on %s', (adapter) => {
  let app: RunningApp;
  beforeEach(async () => {
    app = await startApp(AppModule, adapter, (a) =>
      a.enableVersioning({ type: VersioningType.HEADER, header: 'x-api-version' }),
    );
  });
  afterEach(() => app.close());

  it('counts header-versioned routes on the version that answered, and keeps serving', async () => {
    const v1 = await post(app, '/v/gen', '{"a":1}', { 'x-api-version': '1' });
    const v2 = await post(app, '/v/gen', '{"a":2}', { 'x-api-version': '2' });
    expect([v1.status, await v1.text()]).toEqual([201, '{"v":1,"body":{"a":1}}']);
    expect([v2.status, await v2.text()]).toEqual([201, '{"v":2,"body":{"a":2}}']);
    const text = (await app.get('/metrics')).text;
    for (const [name, response] of [
      ['gen_v1', '{"v":1,"body":{"a":1}}'],
      ['gen_v2', '{"v":2,"body":{"a":2}}'],
    ]) {
      const labels = { dynamo_component: 'ver', dynamo_endpoint: name };
      expect(sampleValue(text, 'dynamo_component_requests_total', labels)).toBe(1);
      expect(sampleValue(text, 'dynamo_component_inflight_requests', labels)).toBe(0);
      expect(sampleValue(text, 'dynamo_component_request_bytes_total', labels)).toBe(7);
      expect(sampleValue(text, 'dynamo_component_response_bytes_total', labels)).toBe(
        response.length,
      );
    }
  });

  it('leaves the body to whoever reads it after an async middleware, and counts it once', async () => {
    const body = '{"name":"abcdefghij"}';
    const created = await post(app, '/items', body);
    expect([created.status, await created.text()]).toEqual([201, body]);
    expect((await app.get('/items')).text).toBe('["a"]');
    const text = (await app.get('/metrics')).text;
    const create = { dynamo_component: 'items', dynamo_endpoint: 'create' };
    expect(sampleValue(text, 'dynamo_component_request_bytes_total', create)).toBe(body.length);
    expect(sampleValue(text, 'dynamo_component_requests_total', create)).toBe(1);
    expect(sampleValue(text, 'dynamo_component_requests_total', { dynamo_endpoint: 'list' })).toBe(
      1,
    );
  });

  it('counts a client gone while a middleware ran as one cancelled request, nothing left in flight', async () => {
    await abortedGet(app, '/items?wait=200', 50);
    const list = { dynamo_component: 'items', dynamo_endpoint: 'list' };
    // The middleware waits 200 ms; on a loaded machine the request may end later than that.
    let text = '';
    await until(async () => {
      text = (await app.get('/metrics')).text;
      return sampleValue(text, 'dynamo_component_request_duration_seconds_count', list) === 1;
    }, 'the aborted request to end');
    expect(sampleValue(text, 'dynamo_component_requests_total', list)).toBe(1);
    expect(sampleValue(text, 'dynamo_component_cancellation_total', list)).toBe(1);
    expect(sampleValue(text, 'dynamo_component_inflight_requests', list)).toBe(0);
    expect(sampleValue(text, 'dynamo_component_request_duration_seconds_count', list)).toBe(1);
  });

  it('serves /metrics although a route like /:slug would match it', async () => {
    expect((await app.get('/about')).text).toBe('page about');
    const scrape = await app.get('/metrics');
    expect(scrape.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(scrape.text).toContain('# TYPE dynamo_component_requests_total counter');
  });
});

@Injectable()
@DynamoComponent('worker')
class WorkerService {
  @Timed()
  async work(): Promise<number> {
    return 42;
  }
}

@Module({
  imports: [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [] })],
  providers: [WorkerService, { provide: 'WORKER_ALIAS', useExisting: WorkerService }],
})
class WorkerModule {}

describe('@Timed without HTTP', () => {
  it('times methods in an application context, once even for an alias', async () => {
    const testing = await Test.createTestingModule({ imports: [WorkerModule] }).compile();
    const context = await testing.init();
    try {
      const worker = context.get(WorkerService);
      expect(await worker.work()).toBe(42);
      expect(await context.get<WorkerService>('WORKER_ALIAS').work()).toBe(42);
      const text = await context.get(DistributedRuntime).prometheusExpfmt();
      expect(
        sampleValue(text, 'dynamo_component_work_duration_seconds_count', {
          dynamo_component: 'worker',
        }),
      ).toBe(2);
      expect(text.match(/^dynamo_component_work_duration_seconds_count/gm)).toHaveLength(1);
    } finally {
      await context.close();
    }
  });
});
