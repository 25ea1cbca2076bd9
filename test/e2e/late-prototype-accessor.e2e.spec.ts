import { IncomingMessage, ServerResponse, type Server } from 'node:http';
import { Body, Controller, Get, Module, Post, type Type } from '@nestjs/common';
import { DynamoComponent, DynamoEndpoint, DynamoMetricsModule } from '../../lib';
import { HttpClient } from '../utils/http-client';
import { startAppWith, type RunningApp } from '../utils/nest-app';
import { RecordingLogger, watchProcess, type ProcessWatch } from '../utils/process-health';
import { WORK_HANDLER_OK, workHandlerCounts } from '../utils/scrape';
import { classesOf } from '../utils/server-classes';

// On Express the module has the app's server build its requests and responses with Express's
// prototypes (checked once, at start-up). Something that adds an accessor to `app.request` or
// `app.response` later, over a property Node's constructors set, makes building them that way
// throw inside Node's parser. Such a request is then served as bare Express serves it and
// counted; the server builds every later one as Node does; one warning says so. (Fastify's
// server builds its objects with subclasses that run Node's constructors unchanged: nothing
// added later can make them fail where Node's own would not.)

@Controller()
@DynamoComponent('late')
class LateController {
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
}

function lateModule(withMetrics: boolean): Type<unknown> {
  @Module({
    imports: withMetrics
      ? [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [] })]
      : [],
    controllers: [LateController],
  })
  class LateModule {}
  return LateModule;
}

type ExpressApp = { request: IncomingMessage; response: ServerResponse };

describe.each([
  ['request', 'complete'],
  ['response', 'sendDate'],
] as const)('Express: a getter over app.%s.%s added after start-up', (side, property) => {
  const logger = new RecordingLogger();
  let app: RunningApp;
  let client: HttpClient;
  let watch: ProcessWatch;
  beforeEach(() => {
    logger.clear();
    watch = watchProcess();
  });
  afterEach(async () => {
    client.close();
    await app.close();
    watch.stop();
    expect(watch.rejections).toEqual([]);
    expect(watch.warnings).toEqual([]);
  });

  const start = async (withMetrics: boolean) => {
    app = await startAppWith(lateModule(withMetrics), 'express', { logger });
    client = new HttpClient(app.url);
    const express = app.app.getHttpAdapter().getInstance() as ExpressApp;
    return express;
  };
  /** A getter only, as a library might add: Node's constructor cannot assign the property. */
  const addGetter = (express: ExpressApp) => {
    const target = side === 'request' ? express.request : express.response;
    Object.defineProperty(target, property, { get: () => true, configurable: true });
  };
  /** Two GETs and a POST, each answered in full. */
  const serve = async () => {
    for (let i = 0; i < 2; i++) {
      const reply = await client.send('GET', '/hello');
      expect([reply.status, reply.body.toString()]).toEqual([200, '{"hello":"world"}']);
    }
    const reply = await client.send('POST', '/echo', {
      body: '{"n":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect([reply.status, reply.body.toString()]).toEqual([201, '{"n":1}']);
  };

  it('bare Express serves the requests as usual', async () => {
    addGetter(await start(false));
    await serve();
  });

  it('with the module: served and counted exactly, the server back to Node’s classes, one warning', async () => {
    const express = await start(true);
    const server = app.app.getHttpServer() as Server;
    await serve();
    const [Request, Response] = classesOf(server);
    expect([Request === IncomingMessage, Response === ServerResponse]).toEqual([false, false]);

    addGetter(express);
    await serve();
    await serve();
    expect(classesOf(server)).toEqual([IncomingMessage, ServerResponse]);
    // Once the responses have closed.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = (await app.get('/metrics')).text;
    const labels = (endpoint: string) => ({ dynamo_component: 'late', dynamo_endpoint: endpoint });
    expect(workHandlerCounts(text, labels('hello'))).toEqual({
      ...WORK_HANDLER_OK,
      requests: 6,
      durations: 6,
      requestBytes: 0,
      responseBytes: 6 * 17,
    });
    expect(workHandlerCounts(text, labels('echo'))).toEqual({
      ...WORK_HANDLER_OK,
      requests: 3,
      durations: 3,
      requestBytes: 3 * 7,
      responseBytes: 3 * 7,
    });
    const warnings = logger.from('DynamoMetrics');
    expect(warnings.map((entry) => entry.level)).toEqual(['warn']);
    expect(String(warnings[0].message)).toContain(property);
    expect(String(warnings[0].message)).toContain('replaceServerClasses: false');
  });
});
